"""Plain, immutable data the services return. No ORM objects and no Qt types cross this line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.roles import Desk, Permission, Role, desks_of, permits
from ticket_office.domain.seats import SeatFeature, SeatState


@dataclass(frozen=True, slots=True)
class OperatorContext:
    """Who is calling a service; every use case checks its role."""

    id: int | None
    username: str
    display_name: str
    role: Role
    station_id: int | None = None
    station_code: str | None = None
    station_name: str | None = None
    station_timezone: str | None = None  # IANA name: the day at the counter is the station's
    # One per login: holds belong to it, so logging out or a crash releases exactly these.
    client_id: str = ""
    # The server's session for this sign-in: every write names it (never printed or logged).
    session_token: str = field(default="", repr=False)

    def may(self, permission: Permission) -> bool:
        return permits(self.role, permission)

    def works_at(self, desk: Desk) -> bool:
        return desk in desks_of(self.role)

    @classmethod
    def system(cls) -> OperatorContext:
        """The command-line administrator on the database host."""
        return cls(id=None, username="system", display_name="System", role=Role.SUPERVISOR)


@dataclass(frozen=True, slots=True)
class StationInfo:
    id: int
    code: str
    name: str
    timezone: str

    @property
    def caption(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True, slots=True)
class JourneyOption:
    """One run that calls at origin then destination, with free seats for exactly that leg."""

    run_id: int
    train_number: str
    service_date: date
    origin: StationInfo
    destination: StationInfo
    board_position: int
    alight_position: int
    departs_at: datetime  # aware, in the origin's time zone
    arrives_at: datetime  # aware, in the destination's time zone
    free_first: int
    free_standard: int
    bookable: bool
    distance_km: float

    @property
    def duration_minutes(self) -> int:
        return int((self.arrives_at - self.departs_at).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class SeatInfo:
    seat_id: int  # the run seat's id: what bookings and holds name
    coach_no: int
    label: str
    grid_row: int
    grid_column: int
    seat_class: SeatClass
    features: frozenset[SeatFeature]
    state: SeatState
    hold_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CoachInfo:
    coach_no: int
    layout_name: str
    grid_rows: int
    grid_columns: int
    seats: tuple[SeatInfo, ...]

    @property
    def free_count(self) -> int:
        return sum(1 for seat in self.seats if seat.state is SeatState.FREE)

    @property
    def classes(self) -> frozenset[SeatClass]:
        return frozenset(seat.seat_class for seat in self.seats)


@dataclass(frozen=True, slots=True)
class SeatMap:
    """Every seat of a run and its state for one leg."""

    run_id: int
    board_position: int
    alight_position: int
    coaches: tuple[CoachInfo, ...]

    def seat(self, seat_id: int) -> SeatInfo | None:
        for coach in self.coaches:
            for seat in coach.seats:
                if seat.seat_id == seat_id:
                    return seat
        return None


@dataclass(frozen=True, slots=True)
class ConcessionInfo:
    code: str
    name: str
    discount_percent: int


@dataclass(frozen=True, slots=True)
class PassengerRequest:
    seat_id: int
    name: str
    concession: str = "adult"


@dataclass(frozen=True, slots=True)
class Payment:
    method: str  # "cash" or "card"
    cash_given_cents: int | None = None
    card_reference: str | None = None


@dataclass(frozen=True, slots=True)
class BookingRequest:
    run_id: int
    board_position: int
    alight_position: int
    passengers: tuple[PassengerRequest, ...]
    payment: Payment
    # The total the clerk's screen showed (the quote): the sale is made at that total or not at
    # all (FaresChanged). None: at the server's price, whatever it is.
    quoted_total_cents: int | None = None


@dataclass(frozen=True, slots=True)
class FareLine:
    seat_id: int
    seat_label: str
    coach_no: int
    seat_class: SeatClass
    concession: str
    fare_cents: int


@dataclass(frozen=True, slots=True)
class FareQuote:
    lines: tuple[FareLine, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.fare_cents for line in self.lines)


@dataclass(frozen=True, slots=True)
class TicketInfo:
    ticket_id: int
    passenger_name: str
    concession: str
    coach_no: int
    seat_label: str
    seat_class: SeatClass
    fare_cents: int
    status: str
    run_id: int  # the ticket's own train: a moved booking's cancelled tickets keep the old one
    train_number: str
    departs_at: datetime  # from the ticket's boarding stop, in that station's zone
    refund_cents: int | None = None


@dataclass(frozen=True, slots=True)
class BookingDetails:
    booking_id: int
    reference: str
    status: str
    run_id: int
    train_number: str
    service_date: date
    origin: StationInfo
    destination: StationInfo
    board_position: int
    alight_position: int
    departs_at: datetime
    arrives_at: datetime
    total_cents: int
    refunded_cents: int
    payment_method: str
    payment_reference: str | None
    cash_given_cents: int | None
    created_at: datetime
    clerk_name: str
    issuing_station: str | None
    tickets: tuple[TicketInfo, ...] = field(default_factory=tuple)

    @property
    def change_due_cents(self) -> int | None:
        if self.cash_given_cents is None:
            return None
        return self.cash_given_cents - self.total_cents


@dataclass(frozen=True, slots=True)
class RefundLine:
    ticket_id: int
    passenger_name: str
    fare_cents: int
    fee_cents: int
    refund_cents: int


@dataclass(frozen=True, slots=True)
class CancellationQuote:
    reference: str
    rule: str
    reason: str
    lines: tuple[RefundLine, ...]

    @property
    def refund_cents(self) -> int:
        return sum(line.refund_cents for line in self.lines)


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    id: int
    username: str
    display_name: str
    role: Role
    station_code: str | None
    active: bool
    locked_until: datetime | None
    must_change_password: bool
