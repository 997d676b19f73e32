"""Selling seats: a whole party on one leg of one run, all or nothing, in one round trip.

The service validates the party, prices it from cached facts (the run's seats and stops, the
fares of the travel date: run_layouts.py, sale_facts.py) and sends one statement,
`sell_seats` (the latest db/migrations/sql/NNNN_sell_seats.sql), with the session's token, a
new request id and the sale as one JSON document, in its own transaction. The server takes the
seller from the session, locks the chosen run seats FOR UPDATE in id order, prices every
passenger itself and sells only if its prices are the ones sent; it writes the booking, its
tickets and the audit event, or nothing. A 'stale' answer carries the server's prices: the
service sells at them only if the total is the one the clerk's screen showed (when the request
says which: `BookingRequest.quoted_total_cents`), and otherwise raises FaresChanged with the new
quote. Guard two, the exclusion constraint, still checks every ticket row and maps to
SeatUnavailable should it ever fire.

If the connection drops before the answer comes, the service asks the server, on another
connection, what became of that request id (services/requests.py): the clerk hears that the
booking was saved, or that nothing was, or, if the server cannot be reached at all, that
nobody knows yet and how to find out.

Seat maps elsewhere learn of the sale from a NOTIFY that the app's background thread sends
after the commit, batched with other changes (seat_notices.py): the clerk waits for one round
trip.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg

from ticket_office.domain import text_rules
from ticket_office.domain.errors import (
    DatabaseUnavailable,
    FaresChanged,
    NotFound,
    RunNotBookable,
    SeatUnavailable,
    TicketOfficeError,
    ValidationError,
)
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.money import format_cents
from ticket_office.domain.references import new_reference
from ticket_office.domain.roles import Permission
from ticket_office.domain.segments import Segment
from ticket_office.services import requests, sale_facts
from ticket_office.services.access import require
from ticket_office.services.pricing import (
    FareTable,
    check_party_size,
    chosen_seats,
    distinct_seats,
)
from ticket_office.services.results import (
    BookingRequest,
    FareLine,
    FareQuote,
    OperatorContext,
    PassengerRequest,
    Payment,
)
from ticket_office.services.run_layouts import RUN_LAYOUTS, LayoutSeat
from ticket_office.services.run_legs import load_leg
from ticket_office.services.unit_of_work import UnitOfWork

MAX_CARD_REFERENCE = 40
MAX_CASH_GIVEN_CENTS = 100_000_00  # 100,000.00: more is a slip of the keyboard, not a payment
# A stale price (fares or the timetable changed since this process cached them) or a booking
# reference already in use costs one more try each; more than that is a fault, not a race.
_TRIES = 4

_SELL = "SELECT sell_seats($1, $2::uuid, $3::jsonb)"
_REFERENCE_CONSTRAINT = "uq_bookings_reference"


@dataclass(frozen=True, slots=True)
class BookingConfirmation:
    booking_id: int
    reference: str
    total_cents: int
    change_due_cents: int | None
    lines: tuple[FareLine, ...]


@dataclass(frozen=True, slots=True)
class _PricedParty:
    train_number: str
    seats: tuple[LayoutSeat, ...]
    lines: tuple[FareLine, ...]
    total_cents: int

    def captions(self, seat_ids: Sequence[int] | None = None) -> list[str]:
        wanted = None if seat_ids is None else set(seat_ids)
        return [s.caption for s in self.seats if wanted is None or s.seat_id in wanted]

    def at_server_fares(self, fares: Sequence[dict] | None) -> _PricedParty:
        """The same party at the prices of a 'stale' answer ([{seat, seat_class, concession,
        fare}] in party order), or as it is if the answer had none for these seats."""
        if not fares or [f.get("seat") for f in fares] != [s.seat_id for s in self.seats]:
            return self
        lines = tuple(
            [
                FareLine(
                    line.seat_id,
                    line.seat_label,
                    line.coach_no,
                    SeatClass(fare["seat_class"]),
                    fare["concession"],
                    int(fare["fare"]),
                )
                for line, fare in zip(self.lines, fares, strict=True)
            ]
        )
        total = sum([line.fare_cents for line in lines])
        return _PricedParty(self.train_number, self.seats, lines, total)


def _price_party(
    uow: UnitOfWork,
    run_id: int,
    segment: Segment,
    passengers: Sequence[PassengerRequest],
    *,
    check_fare_revision: bool = False,
) -> _PricedParty:
    """Price the party from cached facts; raise what a clerk should hear about bad choices."""
    run = sale_facts.run_stops(uow, run_id)
    distance = run.distance(segment)
    fares = sale_facts.fares(uow, run.service_date)
    if check_fare_revision and fares.revision != sale_facts.current_fare_revision(uow):
        sale_facts.forget_fares(uow.server)
        fares = sale_facts.fares(uow, run.service_date)
    layout = RUN_LAYOUTS.cached(uow.server, run_id)
    if layout is None:
        with uow.reading():
            layout = RUN_LAYOUTS.get(uow.session, uow.server, run_id)
    seats_by_id = layout.seats_by_id
    chosen = tuple([seats_by_id[p.seat_id] for p in passengers if p.seat_id in seats_by_id])
    if missing := len(passengers) - len(chosen):
        seats = "1 chosen seat is" if missing == 1 else f"{missing} chosen seats are"
        raise NotFound(f"{seats} not on train {run.train_number}.")
    if unsellable := [seat.caption for seat in chosen if not seat.for_sale]:
        raise SeatUnavailable(unsellable)
    lines = _fare_lines(fares.table, chosen, passengers, distance)
    total = sum([line.fare_cents for line in lines])
    return _PricedParty(run.train_number, chosen, lines, total)


def _fare_lines(
    fares: FareTable,
    seats: Sequence[LayoutSeat],
    passengers: Sequence[PassengerRequest],
    distance_km: Decimal,
) -> tuple[FareLine, ...]:
    lines = []
    for position, (seat, passenger) in enumerate(zip(seats, passengers, strict=True), start=1):
        info = seat.free
        concession = fares.concession(passenger.concession, position)
        lines.append(
            FareLine(
                info.seat_id,
                info.label,
                info.coach_no,
                info.seat_class,
                concession.code,
                fares.fare(info.seat_class, concession, distance_km),
            )
        )
    return tuple(lines)


def _validated_passengers(passengers: Sequence[PassengerRequest]) -> tuple[PassengerRequest, ...]:
    if not isinstance(passengers, list | tuple) or not all(
        [isinstance(p, PassengerRequest) for p in passengers]
    ):
        raise ValidationError("Give a seat, a name and a concession for each passenger.")
    check_party_size(len(passengers))
    distinct_seats([p.seat_id for p in passengers])
    return tuple(
        [
            PassengerRequest(p.seat_id, text_rules.passenger_name(p.name, position), p.concession)
            for position, p in enumerate(passengers, start=1)
        ]
    )


def _validated_payment(payment: Payment) -> Payment:
    if not isinstance(payment, Payment):
        raise ValidationError("Choose cash or card.", field="payment")
    if payment.method == "card":
        reference = text_rules.clean_text(
            payment.card_reference,
            label="Card payment reference",
            max_length=MAX_CARD_REFERENCE,
            field="card_reference",
        )
        return Payment("card", None, reference)
    if payment.method == "cash":
        given = payment.cash_given_cents
        whole_cents = isinstance(given, int) and not isinstance(given, bool)
        if given is not None and not (whole_cents and 0 <= given <= MAX_CASH_GIVEN_CENTS):
            raise ValidationError(
                "Check the cash given: it must be between 0 and "
                f"{MAX_CASH_GIVEN_CENTS // 100:,}.00.",
                field="cash_given",
            )
        return payment
    raise ValidationError("Choose cash or card.", field="payment")


def quote(
    uow: UnitOfWork,
    operator: OperatorContext,
    run_id: int,
    board: int,
    alight: int,
    seat_ids: Sequence[int],
    concessions: Sequence[str],
) -> FareQuote:
    """The fare breakdown the clerk shows before taking payment (no locks, nothing written).

    It confirms the cached fares are current first, so the quote is what the sale will charge
    unless a supervisor changes fares in between (the server then prices the sale otherwise, and
    a sale at this quote's total is refused with FaresChanged).
    """
    require(operator, Permission.SELL)
    seat_ids = chosen_seats(seat_ids)
    if not isinstance(concessions, list | tuple) or len(concessions) != len(seat_ids):
        raise ValidationError("Give a concession for every seat.", field="concession")
    passengers = [PassengerRequest(s, "-", c) for s, c in zip(seat_ids, concessions, strict=True)]
    priced = _price_party(uow, run_id, Segment(board, alight), passengers, check_fare_revision=True)
    return FareQuote(priced.lines)


def book(
    uow: UnitOfWork, operator: OperatorContext, request: BookingRequest
) -> BookingConfirmation:
    """Sell every seat of the party on one leg, or none, in one statement (`sell_seats`), at
    the total the request says the clerk showed, if it says."""
    require(operator, Permission.SELL)
    passengers = _validated_passengers(request.passengers)
    payment = _validated_payment(request.payment)
    shown = _validated_total(request.quoted_total_cents)
    segment = Segment(request.board_position, request.alight_position)
    server_fares: Sequence[dict] | None = None
    refreshed = False
    for _attempt in range(_TRIES):
        priced = _price_party(uow, request.run_id, segment, passengers)
        priced = priced.at_server_fares(server_fares)
        if shown is not None and priced.total_cents != shown:
            if not refreshed and server_fares is None:  # the caches may be older than the quote
                sale_facts.forget(uow.server, request.run_id)
                refreshed = True
                continue
            raise _fares_changed(priced, shown)
        total = priced.total_cents
        recorded, change = _settle(payment, total)
        reference = new_reference()
        sale = _sale_document(request.run_id, segment, passengers, priced, recorded, reference)
        answer = _sell(uow, operator, sale, priced)
        outcome = answer.get("outcome")
        if outcome == "sold":
            booking_id = int(answer["booking_id"])
            return BookingConfirmation(booking_id, reference, total, change, priced.lines)
        problem_seats = answer.get("problem_seats")
        if outcome in ("taken", "unsellable"):
            raise SeatUnavailable(priced.captions(problem_seats))
        if outcome == "missing":
            raise NotFound(f"A chosen seat is not on train {priced.train_number}.")
        if outcome == "not_bookable":
            _raise_not_bookable(uow, request.run_id, segment, priced.train_number)
        if outcome == "stale":
            sale_facts.forget(uow.server, request.run_id)
            server_fares = answer.get("fares")
            refreshed = True
        # "reference_taken": draw another reference and try again.
    raise RuntimeError(f"The sale was refused {_TRIES} times as stale; giving up.")


def _validated_total(total: int | None) -> int | None:
    if total is None:
        return None
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ValidationError("The quoted total must be a whole number of cents.")
    return total


def _fares_changed(priced: _PricedParty, shown: int) -> FaresChanged:
    return FaresChanged(
        f"The fares changed since they were shown: the total is now "
        f"{format_cents(priced.total_cents)}, not {format_cents(shown)}. Nothing was sold; "
        "check the payment and confirm again.",
        quote=FareQuote(priced.lines),
    )


def _sale_document(
    run_id: int,
    segment: Segment,
    passengers: Sequence[PassengerRequest],
    priced: _PricedParty,
    payment: Payment,
    reference: str,
) -> dict:
    """What `sell_seats` reads (db/migrations/sql/NNNN_sell_seats.sql): the sale as one document.

    It names no seller, station or desk: the server takes them from the session. The fares are
    the quote; the server sells only at its own."""
    return {
        "run": run_id,
        "board": segment.board,
        "alight": segment.alight,
        "method": payment.method,
        "card_reference": payment.card_reference,
        "cash_given": payment.cash_given_cents,
        "reference": reference,
        "party": [
            {
                "seat": line.seat_id,
                "name": passenger.name,
                "concession": line.concession,
                "fare": line.fare_cents,
            }
            for line, passenger in zip(priced.lines, passengers, strict=True)
        ],
    }


def _sell(
    uow: UnitOfWork, operator: OperatorContext, sale: dict, priced: _PricedParty
) -> dict[str, Any]:
    """The server's answer to one attempt, under a request id of its own."""
    request_id = requests.new_request_id()
    try:
        (answer,) = uow.call(_SELL, (operator.session_token, request_id, json.dumps(sale)))
    except psycopg.errors.UniqueViolation as clash:
        if clash.diag.constraint_name != _REFERENCE_CONSTRAINT:
            raise
        return {"saved": False, "outcome": "reference_taken"}
    except psycopg.errors.ExclusionViolation:
        # Only reachable if someone bypassed the locks; the constraint still said no.
        raise SeatUnavailable(priced.captions()) from None
    except DatabaseUnavailable as lost:
        if not requests.reply_lost(lost):
            raise  # the server refused the statement: it rolled back
        raise _after_lost_connection(uow, operator, request_id, sale, lost) from lost
    if answer.get("outcome") == "sold":
        uow.seats_changed_and_committed(sale["run"])
    return answer


def _after_lost_connection(
    uow: UnitOfWork,
    operator: OperatorContext,
    request_id: str,
    sale: dict,
    lost: DatabaseUnavailable,
) -> DatabaseUnavailable:
    """Say what became of the sale whose answer was lost: saved, not saved, or not known yet."""
    reference = sale["reference"]
    try:
        recorded = requests.outcome_after_lost_reply(uow, operator.session_token, request_id)
    except TicketOfficeError:
        return DatabaseUnavailable(
            f"The connection to {uow.server} dropped while the sale was being made, and "
            f"whether booking {reference} was saved is not known yet. Before selling these "
            f"seats again, look up booking {reference} on the bookings page once the "
            "connection is back."
        )
    if recorded is not None and recorded.get("outcome") == "sold":
        uow.seats_changed_and_committed(sale["run"])
        return DatabaseUnavailable(
            f"The connection dropped as the sale finished, but booking {reference} was saved. "
            "Open it from the bookings page to print the tickets."
        )
    return DatabaseUnavailable(
        "Nothing was saved: the connection dropped before the sale went through. Please try again."
    )


def _raise_not_bookable(uow: UnitOfWork, run_id: int, segment: Segment, train: str) -> None:
    """The server said the run cannot be sold now; let the leg check say exactly why."""
    with uow:
        leg = load_leg(uow.session, run_id, segment.board, segment.alight)
    leg.ensure_bookable()
    raise RunNotBookable(f"Train {train} cannot be sold at the moment.")


def _settle(payment: Payment, total: int) -> tuple[Payment, int | None]:
    """The payment as recorded, and the change due for cash."""
    if payment.method != "cash":
        return payment, None
    given = payment.cash_given_cents if payment.cash_given_cents is not None else total
    if given < total:
        raise ValidationError("The cash given is less than the total.", field="cash_given")
    return Payment("cash", given, None), given - total
