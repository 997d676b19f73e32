"""What is printed on each ticket of a booking, with its signed QR payload.

One document per active ticket. Times are aware datetimes in the station's own time zone:
departure at the origin's, arrival at the destination's, issue time at the issuing station's.
Each print is audited: "print" for the first copies after a sale, "reprint" for a booking's
tickets printed again later (those also say REPRINT on the paper).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from ticket_office.domain.errors import BookingNotChangeable
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.roles import Permission
from ticket_office.services.access import require, require_active
from ticket_office.services.booking_lookup import booking_by_reference
from ticket_office.services.results import OperatorContext, StationInfo
from ticket_office.services.ticket_signing import SecretSource, active_signer, signing_secret
from ticket_office.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class TicketDocument:
    reference: str
    ticket_id: int
    number: int  # 1-based among the booking's printed tickets
    count: int
    passenger_name: str
    train_number: str
    origin: StationInfo
    destination: StationInfo
    departs_at: datetime  # aware, origin's time zone
    arrives_at: datetime  # aware, destination's time zone
    coach_no: int
    seat_label: str
    seat_class: SeatClass
    concession_code: str
    concession_name: str
    fare_cents: int
    issuing_station: str | None
    clerk_name: str
    issued_at: datetime  # aware, issuing station's time zone
    printed_at: datetime  # aware, same zone as issued_at
    reprint: bool
    key_id: int
    qr_text: str  # the signed payload, as the QR code carries it

    @property
    def travel_date(self) -> date:
        return self.departs_at.date()


_TICKETS = text(
    """
    SELECT t.id, t.run_id, t.run_seat_id, t.board_position, t.alight_position, t.passenger_name,
           t.concession_code, c.name AS concession_name, t.seat_class, t.fare_cents,
           rs.coach_no, ls.label, s.train_number, bo.departs_at, al.arrives_at,
           b.created_at, op.display_name AS clerk, st.name AS station_name,
           coalesce(st.timezone, os.timezone) AS issue_tz, now() AS now,
           os.id AS o_id, os.code AS o_code, os.name AS o_name, os.timezone AS o_tz,
           ds.id AS d_id, ds.code AS d_code, ds.name AS d_name, ds.timezone AS d_tz
    FROM bookings b
    JOIN operators op ON op.id = b.operator_id
    LEFT JOIN stations st ON st.id = b.station_id
    JOIN tickets t ON t.booking_id = b.id AND t.status = 'active'
    JOIN concessions c ON c.code = t.concession_code
    JOIN run_seats rs ON rs.id = t.run_seat_id
    JOIN layout_seats ls ON ls.id = rs.layout_seat_id
    JOIN runs r ON r.id = t.run_id
    JOIN services s ON s.id = r.service_id
    JOIN run_stops bo ON bo.run_id = t.run_id AND bo.position = t.board_position
    JOIN run_stops al ON al.run_id = t.run_id AND al.position = t.alight_position
    JOIN stations os ON os.id = bo.station_id
    JOIN stations ds ON ds.id = al.station_id
    WHERE b.id = :booking
    ORDER BY rs.coach_no, ls.grid_row, ls.grid_column, t.id
    """
)


def ticket_documents(
    uow: UnitOfWork,
    operator: OperatorContext,
    reference: str,
    *,
    reprint: bool = False,
    secret: SecretSource = signing_secret,
) -> list[TicketDocument]:
    """Documents for the booking's active tickets, signed with the newest active key this
    machine can open (NoSigningKey if there is none yet)."""
    require(operator, Permission.SELL)
    with uow:
        require_active(uow.session, operator)
        session = uow.session
        booking = booking_by_reference(session, reference)
        rows = session.execute(_TICKETS, {"booking": booking.booking_id}).all()
        if not rows:
            raise BookingNotChangeable(
                f"Booking {booking.reference} has no active tickets to print."
            )
        signer = active_signer(session, secret)
        documents = [
            _document(
                booking.reference,
                number,
                len(rows),
                row,
                signer.key_id,
                signer.qr_text(
                    row.id,
                    row.run_id,
                    row.run_seat_id,
                    row.board_position,
                    row.alight_position,
                    booking.reference,
                ),
                reprint,
            )
            for number, row in enumerate(rows, start=1)
        ]
    # Every print is on record, written by the server for the session's operator, so extra
    # copies handed out at a counter can be traced (a booking printed before is a reprint).
    tickets = "{" + ",".join([str(row.id) for row in rows]) + "}"
    uow.call(
        "SELECT record_printing($1, $2, $3::bigint[], $4::smallint, $5::boolean)",
        (
            operator.session_token,
            booking.reference,
            tickets,
            str(signer.key_id),
            "true" if reprint else "false",
        ),
    )
    return documents


def _document(
    reference: str, number: int, count: int, row, key_id: int, qr_text: str, reprint: bool
) -> TicketDocument:
    issue_zone = ZoneInfo(row.issue_tz)
    return TicketDocument(
        reference=reference,
        ticket_id=row.id,
        number=number,
        count=count,
        passenger_name=row.passenger_name,
        train_number=row.train_number,
        origin=StationInfo(row.o_id, row.o_code, row.o_name, row.o_tz),
        destination=StationInfo(row.d_id, row.d_code, row.d_name, row.d_tz),
        departs_at=row.departs_at.astimezone(ZoneInfo(row.o_tz)),
        arrives_at=row.arrives_at.astimezone(ZoneInfo(row.d_tz)),
        coach_no=row.coach_no,
        seat_label=row.label,
        seat_class=SeatClass(row.seat_class),
        concession_code=row.concession_code,
        concession_name=row.concession_name,
        fare_cents=row.fare_cents,
        issuing_station=row.station_name,
        clerk_name=row.clerk,
        issued_at=row.created_at.astimezone(issue_zone),
        printed_at=row.now.astimezone(issue_zone),
        reprint=reprint,
        key_id=key_id,
        qr_text=qr_text,
    )
