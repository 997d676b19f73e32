"""Changing a booking: another seat on the same run and leg, or the whole booking onto another
run of the same journey (same origin and destination stations, another date or time).

Each change is one call of a database API function (`change_seats`, `move_booking`:
db/migrations/sql/0019_changes.sql) that checks, prices and writes on the server, in one
transaction that rewrites the ticket rows in place: a ticket row moves from its old seat to its
new one in a single UPDATE, so the passenger never holds two seats and never none, whatever
fails. Locks are taken in one order everywhere: the booking row first, then the run seats in id
order, as the sale does. The exclusion constraint stays the last guard and maps to
SeatUnavailable.

The fare rule (FARE_RULE) is the same for both kinds of change: the passenger keeps the fare
already paid when the new one is the same or lower, and pays the difference when it is higher;
the difference is added to the ticket's fare and to the booking's total, so a later cancellation
refunds what was really paid.

Quotes are reads here, running the same checks in the same order and pricing with the same
fares (tests compare them with what the functions then do); they lock nothing, so the change
checks again what they found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ticket_office.domain.dates import day_text
from ticket_office.domain.errors import BookingNotChangeable, NotFound, ValidationError
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.ids import BIGINT_MAX
from ticket_office.domain.money import format_cents
from ticket_office.domain.roles import Permission
from ticket_office.domain.seats import seat_caption
from ticket_office.domain.segments import Segment
from ticket_office.services import arguments, requests
from ticket_office.services.access import require, require_active
from ticket_office.services.booking_lookup import booking_by_reference, checked_reference
from ticket_office.services.pricing import FareTable, check_party_size, distinct_seats
from ticket_office.services.results import BookingDetails, OperatorContext
from ticket_office.services.run_legs import RunLeg, load_leg
from ticket_office.services.seat_locks import LockedSeat, ensure_free, read_seats
from ticket_office.services.unit_of_work import UnitOfWork

FARE_RULE = (
    "A change keeps the fare already paid when the new fare is the same or lower (the "
    "difference is not refunded); when the new fare is higher, the difference is due now."
)


@dataclass(frozen=True, slots=True)
class SeatChange:
    ticket_id: int
    passenger_name: str
    old_seat: str  # "coach 3 seat 42"
    new_seat: str
    new_seat_id: int
    new_seat_class: SeatClass
    paid_cents: int  # the ticket's fare before the change
    new_fare_cents: int  # the fare of the new seat or run today

    @property
    def due_cents(self) -> int:
        return max(0, self.new_fare_cents - self.paid_cents)

    @property
    def fare_after_cents(self) -> int:
        return self.paid_cents + self.due_cents


@dataclass(frozen=True, slots=True)
class ChangeResult:
    reference: str
    old_run_id: int
    new_run_id: int
    train_number: str
    lines: tuple[SeatChange, ...]
    rule: str = FARE_RULE

    @property
    def due_cents(self) -> int:
        return sum(line.due_cents for line in self.lines)


@dataclass(frozen=True, slots=True)
class _TicketRow:
    id: int
    run_id: int
    run_seat_id: int
    board_position: int
    alight_position: int
    passenger_name: str
    concession_code: str
    fare_cents: int
    status: str
    coach_no: int
    label: str

    @property
    def seat_caption(self) -> str:
        return seat_caption(self.coach_no, self.label)


_TICKETS = text(
    """
    SELECT t.id, t.run_id, t.run_seat_id, t.board_position, t.alight_position, t.passenger_name,
           t.concession_code, t.fare_cents, t.status, rs.coach_no, ls.label
    FROM tickets t
    JOIN run_seats rs ON rs.id = t.run_seat_id
    JOIN layout_seats ls ON ls.id = rs.layout_seat_id
    WHERE t.booking_id = :booking
    ORDER BY t.id
    """
)


# --- change seat ---------------------------------------------------------------------------


def quote_seat_change(
    uow: UnitOfWork, operator: OperatorContext, reference: str, ticket_id: int, seat_id: int
) -> ChangeResult:
    """What changing this ticket to `seat_id` would cost; nothing is written."""
    require(operator, Permission.CANCEL)
    _check_id(ticket_id, "ticket")
    _check_id(seat_id, "seat")
    with uow:
        require_active(uow.session, operator)
        session = uow.session
        booking = _changeable_booking(session, reference)
        ticket = _tickets(session, booking).get(ticket_id)
        if ticket is None:
            raise NotFound(f"That ticket is not part of booking {booking.reference}.")
        if ticket.status != "active":
            raise BookingNotChangeable("That ticket is cancelled; its seat cannot be changed.")
        if seat_id == ticket.run_seat_id:
            raise ValidationError("That is already this passenger's seat.", field="seat")
        leg = load_leg(session, ticket.run_id, ticket.board_position, ticket.alight_position)
        leg.ensure_bookable()
        seats = read_seats(session, leg, sorted({ticket.run_seat_id, seat_id}))
        ensure_free(session, leg, {seat_id: seats[seat_id]}, operator.client_id)
        line = _priced(FareTable.load(session, leg.service_date), leg, ticket, seats[seat_id])
        return ChangeResult(booking.reference, leg.run_id, leg.run_id, leg.train_number, (line,))


def change_seat(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    ticket_id: int,
    seat_id: int,
    *,
    request_id: str | None = None,
) -> ChangeResult:
    """Give one ticket another free seat on the same run and leg (`change_seats`)."""
    require(operator, Permission.CANCEL)
    _check_id(ticket_id, "ticket")
    _check_id(seat_id, "seat")
    code = checked_reference(reference)
    result = requests.send(
        uow,
        operator,
        _CHANGE_SEATS,
        (code, _bigint_array([ticket_id]), _bigint_array([seat_id])),
        request_id=request_id,
        what=f"the seat change of booking {code}",
        saved=_saved,
    )
    return _changed(result)


# --- move to another run -------------------------------------------------------------------


def quote_move(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    run_id: int,
    board: int,
    alight: int,
    seats: Mapping[int, int],
) -> ChangeResult:
    """What moving the booking would cost; nothing is written."""
    require(operator, Permission.CANCEL)
    _check_id(run_id, "train")
    wanted = _checked_seat_choice(seats)
    with uow:
        require_active(uow.session, operator)
        session = uow.session
        booking = _changeable_booking(session, reference)
        active = {tid: t for tid, t in _tickets(session, booking).items() if t.status == "active"}
        if not active:
            raise BookingNotChangeable(f"Booking {booking.reference} has no active tickets left.")
        _check_tickets_match(booking, active, wanted)
        first = active[min(active)]
        if run_id == first.run_id:
            raise ValidationError(
                "That is the booking's own train; use Change seat to choose other seats.",
                field="run",
            )
        old_leg = load_leg(session, first.run_id, first.board_position, first.alight_position)
        if old_leg.departs_at <= old_leg.now:
            raise BookingNotChangeable(
                f"Train {old_leg.train_number} has left; this booking can no longer be moved."
            )
        leg = load_leg(session, run_id, board, alight)
        _check_same_journey(session, old_leg, leg)
        leg.ensure_bookable()
        found = read_seats(session, leg, sorted(wanted.values()))
        ensure_free(session, leg, found, operator.client_id)
        fares = FareTable.load(session, leg.service_date)
        lines = tuple(
            _priced(fares, leg, active[tid], found[wanted[tid]]) for tid in sorted(wanted)
        )
        return ChangeResult(booking.reference, old_leg.run_id, leg.run_id, leg.train_number, lines)


def move_booking(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    run_id: int,
    board: int,
    alight: int,
    seats: Mapping[int, int],
    *,
    request_id: str | None = None,
) -> ChangeResult:
    """Move every active ticket of the booking to another run of the same journey
    (`move_booking`).

    `seats` maps each active ticket id to its seat (run seat id) on the new run.
    """
    require(operator, Permission.CANCEL)
    _check_id(run_id, "train")
    wanted = _checked_seat_choice(seats)
    code = checked_reference(reference)
    segment = Segment(board, alight)  # the stops as the server's positions: small integers
    tickets = sorted(wanted)
    result = requests.send(
        uow,
        operator,
        _MOVE_BOOKING,
        (
            code,
            str(run_id),
            str(segment.board),
            str(segment.alight),
            _bigint_array(tickets),
            _bigint_array([wanted[tid] for tid in tickets]),
        ),
        request_id=request_id,
        what=f"the move of booking {code}",
        saved=_saved,
    )
    return _changed(result)


_CHANGE_SEATS = "SELECT change_seats($1, $2::uuid, $3, $4::bigint[], $5::bigint[])"
_MOVE_BOOKING = (
    "SELECT move_booking($1, $2::uuid, $3, $4::bigint, $5::integer, $6::integer, "
    "$7::bigint[], $8::bigint[])"
)


def _bigint_array(ids: Sequence[int]) -> str:
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def _changed(result: dict) -> ChangeResult:
    lines = tuple(
        SeatChange(
            line["ticket"],
            line["passenger"],
            line["old_seat"],
            line["new_seat"],
            line["seat"],
            SeatClass(line["seat_class"]),
            line["paid"],
            line["new_fare"],
        )
        for line in result["lines"]
    )
    return ChangeResult(
        result["reference"], result["old_run"], result["new_run"], result["train"], lines
    )


def _saved(result: dict) -> str:
    change = _changed(result)
    seats = "; ".join(f"{line.passenger_name} in {line.new_seat}" for line in change.lines)
    due = format_cents(change.due_cents) if change.due_cents else "nothing"
    return f"train {change.train_number}, {seats}; {due} due."


# --- shared steps --------------------------------------------------------------------------


def _check_id(value: object, what: str) -> None:
    arguments.database_id(value, what, limit=BIGINT_MAX)


def _checked_seat_choice(seats: Mapping[int, int]) -> dict[int, int]:
    if not isinstance(seats, Mapping):
        raise ValidationError("Choose a seat for each passenger.", field="seats")
    for ticket_id, seat_id in seats.items():
        _check_id(ticket_id, "ticket")
        _check_id(seat_id, "seat")
    check_party_size(len(seats))
    distinct_seats(list(seats.values()))
    return dict(seats)


def _changeable_booking(session: Session, reference: str) -> BookingDetails:
    booking = booking_by_reference(session, reference)
    if booking.status != "active":
        raise BookingNotChangeable(f"Booking {booking.reference} is cancelled.")
    return booking


def _tickets(session: Session, booking: BookingDetails) -> dict[int, _TicketRow]:
    rows = session.execute(_TICKETS, {"booking": booking.booking_id}).all()
    return {row.id: _TicketRow(*row) for row in rows}


def _check_tickets_match(
    booking: BookingDetails, active: Mapping[int, _TicketRow], wanted: Mapping[int, int]
) -> None:
    if unknown := sorted(set(wanted) - set(active)):
        known = {t.ticket_id for t in booking.tickets}
        if any(tid not in known for tid in unknown):
            raise NotFound(f"That ticket is not part of booking {booking.reference}.")
        raise BookingNotChangeable("A cancelled ticket cannot be moved.")
    if missing := len(set(active) - set(wanted)):
        raise ValidationError(
            f"Choose a seat for every passenger: {missing} of {len(active)} still need one.",
            field="seats",
        )


_LEG_STATIONS = text(
    """
    SELECT rs.position, st.id, st.name FROM run_stops rs JOIN stations st ON st.id = rs.station_id
    WHERE rs.run_id = :run AND rs.position IN (:b, :a)
    """
)


def _leg_stations(session: Session, leg: RunLeg) -> tuple[tuple[int, str], tuple[int, str]]:
    rows = {
        row.position: (row.id, row.name)
        for row in session.execute(
            _LEG_STATIONS, {"run": leg.run_id, "b": leg.segment.board, "a": leg.segment.alight}
        )
    }
    return rows[leg.segment.board], rows[leg.segment.alight]


def _check_same_journey(session: Session, old_leg: RunLeg, leg: RunLeg) -> None:
    (origin_id, origin), (destination_id, destination) = _leg_stations(session, old_leg)
    (board_id, _), (alight_id, _) = _leg_stations(session, leg)
    if (board_id, alight_id) != (origin_id, destination_id):
        raise ValidationError(
            f"Train {leg.train_number} on {day_text(leg.service_date)} does not run from "
            f"{origin} to {destination} at those stops; choose a train of the same journey.",
            field="run",
        )


def _priced(fares: FareTable, leg: RunLeg, ticket: _TicketRow, seat: LockedSeat) -> SeatChange:
    new_fare = fares.fare(
        seat.seat_class, fares.concession(ticket.concession_code), leg.distance_km
    )
    return SeatChange(
        ticket.id,
        ticket.passenger_name,
        ticket.seat_caption,
        seat.caption,
        seat.seat_id,
        seat.seat_class,
        ticket.fare_cents,
        new_fare,
    )
