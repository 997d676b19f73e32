"""Changing a booking: another seat on the same run and leg, or the whole booking onto another
run of the same journey (same origin and destination stations, another date or time).

Each change is one transaction that rewrites the ticket rows in place: a ticket row moves from
its old seat to its new one in a single UPDATE, so the passenger never holds two seats and never
none, whatever fails. Locks are taken in one order everywhere: the booking row first, then the
run seats in id order (`seat_locks.lock_seats`, as the sale does). The exclusion constraint stays
the last guard and maps to SeatUnavailable.

The fare rule (FARE_RULE) is the same for both kinds of change: the passenger keeps the fare
already paid when the new one is the same or lower, and pays the difference when it is higher;
the difference is added to the ticket's fare and to the booking's total, so a later cancellation
refunds what was really paid.

Quotes run the same checks without writing (they lock briefly, inside their read transaction,
so what they report is what the change would find).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticket_office.domain.dates import day_text
from ticket_office.domain.errors import (
    BookingNotChangeable,
    NotFound,
    SeatUnavailable,
    ValidationError,
)
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.ids import BIGINT_MAX
from ticket_office.domain.roles import Permission
from ticket_office.domain.seats import seat_caption
from ticket_office.services import arguments, audit
from ticket_office.services.access import require, require_active
from ticket_office.services.booking_lookup import lock_booking
from ticket_office.services.pricing import FareTable, check_party_size, distinct_seats
from ticket_office.services.results import BookingDetails, OperatorContext
from ticket_office.services.run_legs import RunLeg, load_leg
from ticket_office.services.seat_locks import (
    LockedSeat,
    clear_holds,
    ensure_free,
    lock_seats,
)
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

_MOVE_TICKET = text(
    """
    UPDATE tickets SET run_id = :run, run_seat_id = :seat, board_position = :board,
           alight_position = :alight, seat_class = :seat_class, fare_cents = :fare
    WHERE id = :id AND status = 'active'
    """
)


# --- change seat ---------------------------------------------------------------------------


def quote_seat_change(
    uow: UnitOfWork, operator: OperatorContext, reference: str, ticket_id: int, seat_id: int
) -> ChangeResult:
    """What changing this ticket to `seat_id` would cost; nothing is written."""
    return _change_seat(uow, operator, reference, ticket_id, seat_id, apply=False)


def change_seat(
    uow: UnitOfWork, operator: OperatorContext, reference: str, ticket_id: int, seat_id: int
) -> ChangeResult:
    """Give one ticket another free seat on the same run and leg."""
    return _change_seat(uow, operator, reference, ticket_id, seat_id, apply=True)


def _change_seat(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    ticket_id: int,
    seat_id: int,
    *,
    apply: bool,
) -> ChangeResult:
    require(operator, Permission.CANCEL)
    _check_id(ticket_id, "ticket")
    _check_id(seat_id, "seat")
    with uow:
        require_active(uow.session, operator)
        session = uow.session
        booking = _locked_booking(session, reference)
        ticket = _tickets(session, booking).get(ticket_id)
        if ticket is None:
            raise NotFound(f"That ticket is not part of booking {booking.reference}.")
        if ticket.status != "active":
            raise BookingNotChangeable("That ticket is cancelled; its seat cannot be changed.")
        if seat_id == ticket.run_seat_id:
            raise ValidationError("That is already this passenger's seat.", field="seat")
        leg = load_leg(session, ticket.run_id, ticket.board_position, ticket.alight_position)
        leg.ensure_bookable()
        locked = lock_seats(session, leg, sorted({ticket.run_seat_id, seat_id}))
        ensure_free(session, leg, {seat_id: locked[seat_id]}, operator.client_id)
        line = _priced(FareTable.load(session, leg.service_date), leg, ticket, locked[seat_id])
        result = ChangeResult(booking.reference, leg.run_id, leg.run_id, leg.train_number, (line,))
        if not apply:
            return result
        clear_holds(session, leg, [seat_id], operator.session_token)
        _rewrite_tickets(session, leg, [line], locked)
        _add_to_total(session, booking, result.due_cents)
        audit.record(
            session,
            "seat_change",
            operator_id=operator.id,
            subject=booking.reference,
            run_id=leg.run_id,
            ticket=ticket.id,
            old_seat=line.old_seat,
            new_seat=line.new_seat,
            due_cents=result.due_cents,
            rule=FARE_RULE,
        )
        uow.seats_changed(leg.run_id)
        uow.commit()
    return result


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
    return _move(uow, operator, reference, run_id, board, alight, seats, apply=False)


def move_booking(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    run_id: int,
    board: int,
    alight: int,
    seats: Mapping[int, int],
) -> ChangeResult:
    """Move every active ticket of the booking to another run of the same journey.

    `seats` maps each active ticket id to its seat (run seat id) on the new run.
    """
    return _move(uow, operator, reference, run_id, board, alight, seats, apply=True)


def _move(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    run_id: int,
    board: int,
    alight: int,
    seats: Mapping[int, int],
    *,
    apply: bool,
) -> ChangeResult:
    require(operator, Permission.CANCEL)
    _check_id(run_id, "train")
    wanted = _checked_seat_choice(seats)
    with uow:
        require_active(uow.session, operator)
        session = uow.session
        booking = _locked_booking(session, reference)
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
        locked = lock_seats(session, leg, sorted(wanted.values()))
        ensure_free(session, leg, locked, operator.client_id)
        fares = FareTable.load(session, leg.service_date)
        lines = tuple(
            _priced(fares, leg, active[tid], locked[wanted[tid]]) for tid in sorted(wanted)
        )
        result = ChangeResult(
            booking.reference, old_leg.run_id, leg.run_id, leg.train_number, lines
        )
        if not apply:
            return result
        clear_holds(session, leg, list(wanted.values()), operator.session_token)
        _rewrite_tickets(session, leg, lines, locked)
        session.execute(
            text("UPDATE bookings SET run_id = :run WHERE id = :id"),
            {"run": leg.run_id, "id": booking.booking_id},
        )
        _add_to_total(session, booking, result.due_cents)
        audit.record(
            session,
            "booking_move",
            operator_id=operator.id,
            subject=booking.reference,
            old_run_id=old_leg.run_id,
            new_run_id=leg.run_id,
            board=leg.segment.board,
            alight=leg.segment.alight,
            seats={line.ticket_id: [line.old_seat, line.new_seat] for line in lines},
            due_cents=result.due_cents,
            rule=FARE_RULE,
        )
        uow.seats_changed(old_leg.run_id, leg.run_id)
        uow.commit()
    return result


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


def _locked_booking(session: Session, reference: str) -> BookingDetails:
    booking = lock_booking(session, reference)
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


def _rewrite_tickets(
    session: Session, leg: RunLeg, lines: Sequence[SeatChange], locked: Mapping[int, LockedSeat]
) -> None:
    try:
        for line in lines:
            session.execute(
                _MOVE_TICKET,
                {
                    "id": line.ticket_id,
                    "run": leg.run_id,
                    "seat": line.new_seat_id,
                    "board": leg.segment.board,
                    "alight": leg.segment.alight,
                    "seat_class": line.new_seat_class.value,
                    "fare": line.fare_after_cents,
                },
            )
    except IntegrityError as exc:
        # Only reachable if someone bypassed the locks; the constraint still said no.
        if getattr(exc.orig, "sqlstate", None) == "23P01":
            raise SeatUnavailable([locked[line.new_seat_id].caption for line in lines]) from None
        raise


def _add_to_total(session: Session, booking: BookingDetails, due_cents: int) -> None:
    if due_cents:
        session.execute(
            text("UPDATE bookings SET total_cents = total_cents + :due WHERE id = :id"),
            {"due": due_cents, "id": booking.booking_id},
        )
