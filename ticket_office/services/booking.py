"""Selling seats: a party of 1-9 on one leg of one run, all or nothing.

Guard one is here: the transaction locks the run seats it sells (`FOR UPDATE`, in seat-id
order, so two parties never wait on each other in a circle). Guard two is the database's
exclusion constraint, which this code maps to SeatUnavailable should it ever fire.
"""

from __future__ import annotations

import json
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
from ticket_office.domain.segments import Segment
from ticket_office.services import sale_sql
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
from ticket_office.services.run_legs import RunLeg, leg_from_row, load_leg
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
    """Sell every seat of the party on one leg, or none (two statements; see sale_sql)."""
    require(operator, Permission.SELL)
    passengers = _validated_passengers(request.passengers)
    payment = _validated_payment(request.payment)
    seat_ids = [p.seat_id for p in passengers]
    segment = Segment(request.board_position, request.alight_position)
    with uow:
        session = uow.session
        row = session.execute(
            sale_sql.LOCK_AND_READ,
            {
                "run": request.run_id,
                "ids": seat_ids,
                "board": segment.board,
                "alight": segment.alight,
                "client": operator.client_id,
            },
        ).one_or_none()
        leg = leg_from_row(row, segment)
        leg.ensure_bookable()
        locked = {
            seat_id: LockedSeat(seat_id, label, coach_no, SeatClass(seat_class), for_sale)
            for seat_id, label, coach_no, seat_class, for_sale in row.seats or ()
        }
        if missing := [seat_id for seat_id in seat_ids if seat_id not in locked]:
            raise NotFound(f"{len(missing)} chosen seat(s) are not on train {leg.train_number}.")
        if unsellable := [seat.caption for seat in locked.values() if not seat.for_sale]:
            raise SeatUnavailable(unsellable)
        fares = FareTable.from_rows(row.rates or (), row.concessions or ())
        lines = _price(fares, leg, locked, passengers)
        total = sum(line.fare_cents for line in lines)
        payment, change = _settle(payment, total)
        captions = [locked[s].caption for s in seat_ids]
        params = {
            "run": leg.run_id,
            "ids": seat_ids,
            "board": segment.board,
            "alight": segment.alight,
            "client": operator.client_id,
            "operator": operator.id,
            "station": operator.station_id,
            "total": total,
            "method": payment.method,
            "card_ref": payment.card_reference,
            "cash": payment.cash_given_cents,
            "names": [p.name for p in passengers],
            "concessions": [line.concession for line in lines],
            "classes": [line.seat_class.value for line in lines],
            "fares": [line.fare_cents for line in lines],
            "channel": SEAT_CHANNEL,
        }
        details = {
            "run_id": leg.run_id,
            "seats": captions,
            "total_cents": total,
            "board": segment.board,
            "alight": segment.alight,
        }
        for _attempt in range(10):  # a reference already in use just means: draw again
            reference = new_reference()
            try:
                sold = session.execute(
                    sale_sql.CHECK_AND_SELL,
                    {
                        **params,
                        "reference": reference,
                        "details": json.dumps({**details, "reference": reference}),
                    },
                ).one()
            except IntegrityError as exc:
                # Only reachable if someone bypassed the locks; the constraint still said no.
                if getattr(exc.orig, "sqlstate", None) == "23P01":
                    raise SeatUnavailable(captions) from None
                raise
            if sold.conflicts:
                raise SeatUnavailable([locked[s].caption for s in sold.conflicts])
            if sold.booking_id is not None:
                break
        else:
            raise RuntimeError("No free booking reference after 10 draws")
        uow.commit()
    return BookingConfirmation(sold.booking_id, reference, total, change, lines)


def _settle(payment: Payment, total: int) -> tuple[Payment, int | None]:
    """The payment as recorded, and the change due for cash."""
    if payment.method != "cash":
        return payment, None
    given = payment.cash_given_cents if payment.cash_given_cents is not None else total
    if given < total:
        raise ValidationError("The cash given is less than the total.", field="cash_given")
    return Payment("cash", given, None), given - total
