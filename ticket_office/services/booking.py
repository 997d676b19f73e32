"""Selling seats: a party of 1-9 on one leg of one run, all or nothing.

Guard one is here: the transaction locks the run seats it sells (`FOR UPDATE`, in seat-id
order, so two parties never wait on each other in a circle). Guard two is the database's
exclusion constraint, which this code maps to SeatUnavailable should it ever fire.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticket_office.domain import text_rules
from ticket_office.domain.errors import NotFound, SeatUnavailable, ValidationError
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.references import new_reference
from ticket_office.domain.roles import Permission
from ticket_office.services import audit
from ticket_office.services.access import require
from ticket_office.services.pricing import FareTable, check_party_size, distinct_seats
from ticket_office.services.results import (
    BookingRequest,
    FareLine,
    FareQuote,
    OperatorContext,
    PassengerRequest,
    Payment,
)
from ticket_office.services.run_legs import RunLeg, load_leg
from ticket_office.services.unit_of_work import UnitOfWork

SEAT_CHANNEL = "seat_changes"
MAX_CARD_REFERENCE = 40


@dataclass(frozen=True, slots=True)
class LockedSeat:
    seat_id: int
    label: str
    coach_no: int
    seat_class: SeatClass
    for_sale: bool

    @property
    def caption(self) -> str:
        return f"coach {self.coach_no} seat {self.label}"


_LOCK_SEATS = text(
    """
    SELECT rs.id, ls.label, rs.coach_no, ls.seat_class, ls.for_sale
    FROM run_seats rs JOIN layout_seats ls ON ls.id = rs.layout_seat_id
    WHERE rs.run_id = :run AND rs.id IN :ids
    ORDER BY rs.id
    FOR UPDATE OF rs
    """
).bindparams(bindparam("ids", expanding=True))

_CONFLICTS = text(
    """
    SELECT run_seat_id FROM tickets
    WHERE run_id = :run AND run_seat_id IN :ids AND status = 'active'
      AND stops && int4range(:board, :alight)
    UNION
    SELECT run_seat_id FROM seat_holds
    WHERE run_id = :run AND run_seat_id IN :ids AND expires_at > now()
      AND client_id <> :client AND stops && int4range(:board, :alight)
    """
).bindparams(bindparam("ids", expanding=True))

# The seller's own holds end with the sale; expired holds of anyone are swept while we hold
# the seat lock (no cleanup job needed).
_CLEAR_HOLDS = text(
    """
    DELETE FROM seat_holds
    WHERE run_id = :run AND run_seat_id IN :ids AND (client_id = :client OR expires_at <= now())
    """
).bindparams(bindparam("ids", expanding=True))

_INSERT_BOOKING = text(
    """
    INSERT INTO bookings (reference, run_id, operator_id, station_id, total_cents,
                          payment_method, payment_reference, cash_given_cents)
    VALUES (:reference, :run, :operator, :station, :total, :method, :card_ref, :cash)
    ON CONFLICT (reference) DO NOTHING
    RETURNING id
    """
)

_INSERT_TICKET = text(
    """
    INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, alight_position,
                         passenger_name, concession_code, seat_class, fare_cents)
    VALUES (:booking, :run, :seat, :board, :alight, :name, :concession, :seat_class, :fare)
    """
)


@dataclass(frozen=True, slots=True)
class BookingConfirmation:
    booking_id: int
    reference: str
    total_cents: int
    change_due_cents: int | None
    lines: tuple[FareLine, ...]


def lock_seats(session: Session, leg: RunLeg, seat_ids: Sequence[int]) -> dict[int, LockedSeat]:
    rows = session.execute(_LOCK_SEATS, {"run": leg.run_id, "ids": list(seat_ids)}).all()
    locked = {
        r.id: LockedSeat(r.id, r.label, r.coach_no, SeatClass(r.seat_class), r.for_sale)
        for r in rows
    }
    if missing := [seat_id for seat_id in seat_ids if seat_id not in locked]:
        raise NotFound(f"{len(missing)} chosen seat(s) are not on train {leg.train_number}.")
    return locked


def ensure_free(
    session: Session, leg: RunLeg, locked: dict[int, LockedSeat], client_id: str
) -> None:
    """Raise SeatUnavailable naming every chosen seat sold or held by someone else."""
    unsellable = [seat for seat in locked.values() if not seat.for_sale]
    conflicts = (
        session.execute(
            _CONFLICTS,
            {
                "run": leg.run_id,
                "ids": list(locked),
                "board": leg.segment.board,
                "alight": leg.segment.alight,
                "client": client_id,
            },
        )
        .scalars()
        .all()
    )
    taken = unsellable + [locked[seat_id] for seat_id in sorted(set(conflicts))]
    if taken:
        raise SeatUnavailable([seat.caption for seat in taken])


def clear_holds(session: Session, leg: RunLeg, seat_ids: Sequence[int], client_id: str) -> None:
    session.execute(_CLEAR_HOLDS, {"run": leg.run_id, "ids": list(seat_ids), "client": client_id})


def _price(
    fares: FareTable,
    leg: RunLeg,
    locked: dict[int, LockedSeat],
    passengers: Sequence[PassengerRequest],
) -> tuple[FareLine, ...]:
    lines = []
    for position, passenger in enumerate(passengers, start=1):
        seat = locked[passenger.seat_id]
        concession = fares.concession(passenger.concession, position)
        lines.append(
            FareLine(
                seat.seat_id,
                seat.label,
                seat.coach_no,
                seat.seat_class,
                concession.code,
                fares.fare(seat.seat_class, concession, leg.distance_km),
            )
        )
    return tuple(lines)


def _validated_passengers(passengers: Sequence[PassengerRequest]) -> tuple[PassengerRequest, ...]:
    check_party_size(len(passengers))
    distinct_seats([p.seat_id for p in passengers])
    return tuple(
        PassengerRequest(p.seat_id, text_rules.passenger_name(p.name, position), p.concession)
        for position, p in enumerate(passengers, start=1)
    )


def _validated_payment(payment: Payment) -> Payment:
    if payment.method == "card":
        reference = text_rules.clean_text(
            payment.card_reference,
            label="Card payment reference",
            max_length=MAX_CARD_REFERENCE,
            field="card_reference",
        )
        return Payment("card", None, reference)
    if payment.method == "cash":
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
    """The fare breakdown the clerk shows before taking payment (no locks, nothing written)."""
    require(operator, Permission.SELL)
    check_party_size(len(seat_ids))
    if len(concessions) != len(seat_ids):
        raise ValidationError("Give a concession for every seat.", field="concession")
    with uow:
        leg = load_leg(uow.session, run_id, board, alight)
        rows = uow.session.execute(
            text(
                """
                SELECT rs.id, ls.label, rs.coach_no, ls.seat_class, ls.for_sale
                FROM run_seats rs JOIN layout_seats ls ON ls.id = rs.layout_seat_id
                WHERE rs.run_id = :run AND rs.id IN :ids
                """
            ).bindparams(bindparam("ids", expanding=True)),
            {"run": run_id, "ids": list(seat_ids)},
        ).all()
        seats = {
            r.id: LockedSeat(r.id, r.label, r.coach_no, SeatClass(r.seat_class), r.for_sale)
            for r in rows
        }
        if len(seats) != len(set(seat_ids)):
            raise NotFound(f"A chosen seat is not on train {leg.train_number}.")
        fares = FareTable.load(uow.session, leg.service_date)
    passengers = [PassengerRequest(s, "-", c) for s, c in zip(seat_ids, concessions, strict=True)]
    return FareQuote(_price(fares, leg, seats, passengers))


def book(
    uow: UnitOfWork, operator: OperatorContext, request: BookingRequest
) -> BookingConfirmation:
    require(operator, Permission.SELL)
    passengers = _validated_passengers(request.passengers)
    payment = _validated_payment(request.payment)
    seat_ids = [p.seat_id for p in passengers]
    with uow:
        session = uow.session
        leg = load_leg(session, request.run_id, request.board_position, request.alight_position)
        leg.ensure_bookable()
        locked = lock_seats(session, leg, seat_ids)
        ensure_free(session, leg, locked, operator.client_id)
        fares = FareTable.load(session, leg.service_date)
        lines = _price(fares, leg, locked, passengers)
        total = sum(line.fare_cents for line in lines)
        change = None
        if payment.method == "cash":
            given = payment.cash_given_cents if payment.cash_given_cents is not None else total
            if given < total:
                raise ValidationError("The cash given is less than the total.", field="cash_given")
            payment = Payment("cash", given, None)
            change = given - total
        clear_holds(session, leg, seat_ids, operator.client_id)
        booking_id, reference = _insert_booking(session, operator, leg, total, payment)
        try:
            session.execute(
                _INSERT_TICKET,
                [
                    {
                        "booking": booking_id,
                        "run": leg.run_id,
                        "seat": line.seat_id,
                        "board": leg.segment.board,
                        "alight": leg.segment.alight,
                        "name": passenger.name,
                        "concession": line.concession,
                        "seat_class": line.seat_class.value,
                        "fare": line.fare_cents,
                    }
                    for passenger, line in zip(passengers, lines, strict=True)
                ],
            )
        except IntegrityError as exc:
            # Only reachable if someone bypassed the locks; the constraint still said no.
            if getattr(exc.orig, "sqlstate", None) == "23P01":
                raise SeatUnavailable([locked[s].caption for s in seat_ids]) from None
            raise
        audit.record(
            session,
            "booking",
            operator_id=operator.id,
            subject=reference,
            run_id=leg.run_id,
            seats=[locked[s].caption for s in seat_ids],
            total_cents=total,
            board=leg.segment.board,
            alight=leg.segment.alight,
        )
        uow.notify(SEAT_CHANNEL, str(leg.run_id))
        uow.commit()
    return BookingConfirmation(booking_id, reference, total, change, lines)


def _insert_booking(
    session: Session, operator: OperatorContext, leg: RunLeg, total: int, payment: Payment
) -> tuple[int, str]:
    for _attempt in range(10):
        reference = new_reference()
        booking_id = session.execute(
            _INSERT_BOOKING,
            {
                "reference": reference,
                "run": leg.run_id,
                "operator": operator.id,
                "station": operator.station_id,
                "total": total,
                "method": payment.method,
                "card_ref": payment.card_reference,
                "cash": payment.cash_given_cents,
            },
        ).scalar_one_or_none()
        if booking_id is not None:
            return booking_id, reference
    raise RuntimeError("Could not find a free booking reference")  # 29^6 makes this unreachable
