"""Selling seats: a whole party on one leg of one run, all or nothing, in one round trip.

The service validates the party, prices it from cached facts (the run's seats and stops, the
fares of the travel date: run_layouts.py, sale_facts.py) and sends one statement,
`sell_seats` (the latest db/migrations/sql/NNNN_sell_seats.sql), with the sale as one JSON
document, in its own transaction. The server locks the chosen run seats FOR UPDATE in id
order, re-checks everything the price and the sale depend on, and writes the booking, its
tickets and the audit event, or nothing. Guard two, the exclusion constraint, still checks
every ticket row and maps to SeatUnavailable should it ever fire.

Seat maps elsewhere learn of the sale from a NOTIFY that the app's background thread sends
after the commit, batched with other changes (seat_notices.py): the clerk waits for one round
trip.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import psycopg

from ticket_office.domain import text_rules
from ticket_office.domain.errors import (
    AccountInactive,
    DatabaseUnavailable,
    NotFound,
    RunNotBookable,
    SeatUnavailable,
    ValidationError,
)
from ticket_office.domain.references import new_reference
from ticket_office.domain.roles import Permission
from ticket_office.domain.segments import Segment
from ticket_office.services import sale_facts
from ticket_office.services.access import DEACTIVATED, require
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

_SELL = "SELECT outcome, booking_id, problem_seats FROM sell_seats($1::jsonb)"
_REFERENCE_CONSTRAINT = "uq_bookings_reference"
_BOOKING_EXISTS = "SELECT EXISTS (SELECT 1 FROM bookings WHERE reference = $1)"


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
    distance_km: Decimal
    fare_revision: int
    seats: tuple[LayoutSeat, ...]
    lines: tuple[FareLine, ...]
    total_cents: int

    def captions(self, seat_ids: Sequence[int] | None = None) -> list[str]:
        wanted = None if seat_ids is None else set(seat_ids)
        return [s.caption for s in self.seats if wanted is None or s.seat_id in wanted]


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
    return _PricedParty(run.train_number, distance, fares.revision, chosen, lines, total)


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
    unless a supervisor changes fares in between (the sale would then notice and re-price).
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
    """Sell every seat of the party on one leg, or none, in one statement (`sell_seats`)."""
    require(operator, Permission.SELL)
    passengers = _validated_passengers(request.passengers)
    payment = _validated_payment(request.payment)
    segment = Segment(request.board_position, request.alight_position)
    for _attempt in range(_TRIES):
        priced = _price_party(uow, request.run_id, segment, passengers)
        total = priced.total_cents
        recorded, change = _settle(payment, total)
        reference = new_reference()
        sale = _sale_document(
            operator, request.run_id, segment, passengers, priced, recorded, reference
        )
        outcome, booking_id, problem_seats = _sell(uow, sale, priced)
        if outcome == "sold":
            return BookingConfirmation(booking_id, reference, total, change, priced.lines)
        if outcome in ("taken", "unsellable"):
            raise SeatUnavailable(priced.captions(problem_seats))
        if outcome == "missing":
            raise NotFound(f"A chosen seat is not on train {priced.train_number}.")
        if outcome == "not_bookable":
            _raise_not_bookable(uow, request.run_id, segment, priced.train_number)
        if outcome == "seller_inactive":
            raise AccountInactive(DEACTIVATED)
        if outcome == "stale":
            sale_facts.forget(uow.server, request.run_id)
        # "reference_taken": draw another reference and try again.
    raise RuntimeError(f"The sale was refused {_TRIES} times as stale; giving up.")


def _sale_document(
    operator: OperatorContext,
    run_id: int,
    segment: Segment,
    passengers: Sequence[PassengerRequest],
    priced: _PricedParty,
    payment: Payment,
    reference: str,
) -> dict:
    """What `sell_seats` reads (db/migrations/sql/NNNN_sell_seats.sql): the sale as one document."""
    return {
        "run": run_id,
        "board": segment.board,
        "alight": segment.alight,
        "distance": str(priced.distance_km),  # exact: the server compares it as numeric
        "fare_revision": priced.fare_revision,
        "client": operator.client_id,
        # Whose holds on these seats the sale ends (clear_seat_holds): the session's, no one's
        # else.
        "token": operator.session_token or None,
        "operator": operator.id,
        "station": operator.station_id,
        "method": payment.method,
        "card_reference": payment.card_reference,
        "cash_given": payment.cash_given_cents,
        "reference": reference,
        "party": [
            {
                "seat": line.seat_id,
                "name": passenger.name,
                "concession": line.concession,
                "seat_class": line.seat_class.value,
                "fare": line.fare_cents,
            }
            for line, passenger in zip(priced.lines, passengers, strict=True)
        ],
        "audit": {
            "run_id": run_id,
            "seats": priced.captions(),
            "total_cents": priced.total_cents,
            "board": segment.board,
            "alight": segment.alight,
            "reference": reference,
        },
    }


def _sell(
    uow: UnitOfWork, sale: dict, priced: _PricedParty
) -> tuple[str, int | None, list[int] | None]:
    try:
        outcome, booking_id, problem_seats = uow.call(_SELL, (json.dumps(sale),))
    except psycopg.errors.UniqueViolation as clash:
        if clash.diag.constraint_name != _REFERENCE_CONSTRAINT:
            raise
        return "reference_taken", None, None
    except psycopg.errors.ExclusionViolation:
        # Only reachable if someone bypassed the locks; the constraint still said no.
        raise SeatUnavailable(priced.captions()) from None
    except DatabaseUnavailable as lost:
        explained = _after_lost_connection(uow, sale["reference"], lost)
        if explained is lost:
            raise
        raise explained from lost
    if outcome == "sold":
        uow.seats_changed_and_committed(sale["run"])
    return outcome, booking_id, problem_seats


def _after_lost_connection(
    uow: UnitOfWork, reference: str, lost: DatabaseUnavailable
) -> DatabaseUnavailable:
    """Say whether the sale got in: the connection may have dropped after the commit."""
    try:
        (saved,) = uow.call(_BOOKING_EXISTS, (reference,))
    except DatabaseUnavailable:
        return DatabaseUnavailable(
            f"{lost} Whether booking {reference} was saved is not known: look it up by that "
            "reference before selling these seats again."
        )
    if saved:
        return DatabaseUnavailable(
            f"The connection dropped as the sale finished, but booking {reference} was saved. "
            "Open it from the bookings page to print the tickets."
        )
    return lost


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
