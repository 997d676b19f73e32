"""Finding bookings by reference, or by passenger name and travel date."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from ticket_office.domain import text_rules
from ticket_office.domain.errors import NotFound, ValidationError
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.references import looks_like_reference, normalise_reference
from ticket_office.domain.roles import Permission
from ticket_office.services import arguments
from ticket_office.services.access import require, require_active
from ticket_office.services.results import BookingDetails, OperatorContext, StationInfo, TicketInfo
from ticket_office.services.unit_of_work import UnitOfWork

MAX_RESULTS = 50

# The leg of a booking is the leg of its tickets (one booking, one leg); after a move, the
# active tickets on the booking's current run say where it goes.
_BOOKINGS = """
    SELECT b.id, b.reference, b.status, b.run_id, s.train_number, r.service_date,
           b.total_cents, b.refunded_cents, b.payment_method, b.payment_reference,
           b.cash_given_cents, b.created_at, op.display_name AS clerk, st.name AS issuing_station,
           st.timezone AS issuing_tz,
           leg.board_position, leg.alight_position,
           bo.departs_at, al.arrives_at,
           os.id AS o_id, os.code AS o_code, os.name AS o_name, os.timezone AS o_tz,
           ds.id AS d_id, ds.code AS d_code, ds.name AS d_name, ds.timezone AS d_tz
    FROM bookings b
    JOIN runs r ON r.id = b.run_id
    JOIN services s ON s.id = r.service_id
    JOIN operators op ON op.id = b.operator_id
    LEFT JOIN stations st ON st.id = b.station_id
    JOIN LATERAL (SELECT board_position, alight_position FROM tickets
                  WHERE booking_id = b.id
                  ORDER BY (run_id = b.run_id) DESC, (status = 'active') DESC, id
                  LIMIT 1) leg ON true
    JOIN run_stops bo ON bo.run_id = b.run_id AND bo.position = leg.board_position
    JOIN run_stops al ON al.run_id = b.run_id AND al.position = leg.alight_position
    JOIN stations os ON os.id = bo.station_id
    JOIN stations ds ON ds.id = al.station_id
"""

# Each ticket names its own train and departure: a moved booking's cancelled tickets stay on
# the run they were cancelled on, not the booking's current one.
_TICKETS = text(
    """
    SELECT t.id, t.booking_id, t.passenger_name, t.concession_code, rs.coach_no, ls.label,
           t.seat_class, t.fare_cents, t.status, t.refund_cents,
           t.run_id, sv.train_number, bo.departs_at, st.timezone
    FROM tickets t
    JOIN run_seats rs ON rs.id = t.run_seat_id
    JOIN layout_seats ls ON ls.id = rs.layout_seat_id
    JOIN runs r ON r.id = t.run_id
    JOIN services sv ON sv.id = r.service_id
    JOIN run_stops bo ON bo.run_id = t.run_id AND bo.position = t.board_position
    JOIN stations st ON st.id = bo.station_id
    WHERE t.booking_id IN :ids
    ORDER BY t.booking_id, bo.departs_at, rs.coach_no, ls.grid_row, ls.grid_column
    """
).bindparams(bindparam("ids", expanding=True))


def load_bookings(session: Session, where: str, params: dict) -> list[BookingDetails]:
    """Bookings matching `where` (SQL over the aliases above) with their tickets: two queries."""
    rows = session.execute(
        text(f"{_BOOKINGS} WHERE {where} ORDER BY bo.departs_at DESC, b.id LIMIT {MAX_RESULTS}"),
        params,
    ).all()
    if not rows:
        return []
    tickets: dict[int, list[TicketInfo]] = {}
    for t in session.execute(_TICKETS, {"ids": [r.id for r in rows]}):
        tickets.setdefault(t.booking_id, []).append(
            TicketInfo(
                ticket_id=t.id,
                passenger_name=t.passenger_name,
                concession=t.concession_code,
                coach_no=t.coach_no,
                seat_label=t.label,
                seat_class=SeatClass(t.seat_class),
                fare_cents=t.fare_cents,
                status=t.status,
                run_id=t.run_id,
                train_number=t.train_number,
                departs_at=t.departs_at.astimezone(ZoneInfo(t.timezone)),
                refund_cents=t.refund_cents,
            )
        )
    return [
        BookingDetails(
            booking_id=r.id,
            reference=r.reference,
            status=r.status,
            run_id=r.run_id,
            train_number=r.train_number,
            service_date=r.service_date,
            origin=StationInfo(r.o_id, r.o_code, r.o_name, r.o_tz),
            destination=StationInfo(r.d_id, r.d_code, r.d_name, r.d_tz),
            board_position=r.board_position,
            alight_position=r.alight_position,
            departs_at=r.departs_at.astimezone(ZoneInfo(r.o_tz)),
            arrives_at=r.arrives_at.astimezone(ZoneInfo(r.d_tz)),
            total_cents=r.total_cents,
            refunded_cents=r.refunded_cents,
            payment_method=r.payment_method,
            payment_reference=r.payment_reference,
            cash_given_cents=r.cash_given_cents,
            # The selling station's clock; without one the desk showing it picks its own.
            created_at=r.created_at.astimezone(ZoneInfo(r.issuing_tz))
            if r.issuing_tz
            else r.created_at,
            clerk_name=r.clerk,
            issuing_station=r.issuing_station,
            tickets=tuple(tickets.get(r.id, ())),
        )
        for r in rows
    ]


def checked_reference(reference: str | None) -> str:
    """The reference as stored (upper case, no spaces); ValidationError if it cannot be one."""
    if reference is not None and not isinstance(reference, str):
        raise ValidationError("Type the booking reference.", field="reference")
    code = normalise_reference(reference or "")
    if not code:
        raise ValidationError("Enter a booking reference.", field="reference")
    if not looks_like_reference(code):
        raise ValidationError(
            f"“{text_rules.quoted(code, 12)}” is not a booking reference (six letters and digits).",
            field="reference",
        )
    return code


def booking_by_reference(session: Session, reference: str) -> BookingDetails:
    code = checked_reference(reference)
    found = load_bookings(session, "b.reference = :ref", {"ref": code})
    if not found:
        raise NotFound(f"No booking with reference {code}.")
    return found[0]


def find_booking(uow: UnitOfWork, operator: OperatorContext, reference: str) -> BookingDetails:
    require(operator, Permission.VIEW_BOOKINGS)
    with uow:
        require_active(uow.session, operator)
        return booking_by_reference(uow.session, reference)


def find_bookings_by_passenger(
    uow: UnitOfWork, operator: OperatorContext, name: str, travel_date: date
) -> list[BookingDetails]:
    """Bookings with a passenger whose name contains `name`, travelling on `travel_date`."""
    require(operator, Permission.VIEW_BOOKINGS)
    travel_date = arguments.travel_day(travel_date)
    cleaned = text_rules.clean_text(name, label="Passenger name", max_length=80, field="name")
    if len(cleaned) < 2:
        raise ValidationError("Type at least two letters of the name.", field="name")
    pattern = (
        "%" + cleaned.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    )
    with uow:
        require_active(uow.session, operator)
        return load_bookings(
            uow.session,
            "EXISTS (SELECT 1 FROM tickets pt WHERE pt.booking_id = b.id "
            "AND lower(pt.passenger_name) LIKE :pattern) "
            "AND (bo.departs_at AT TIME ZONE os.timezone)::date = :day",
            {"pattern": pattern, "day": travel_date},
        )
