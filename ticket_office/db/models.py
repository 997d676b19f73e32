"""SQLAlchemy 2 typed models: the schema the Alembic revisions create (the revisions are the
truth; tests/integration/test_schema.py checks these models against a migrated database).

Times are `timestamptz`; money is integer cents; a ticket's leg is an `int4range` of stop
positions along its run, so "never twice for the same leg" is one exclusion constraint.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INT4RANGE, JSONB, UUID, ExcludeConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TZ = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Station(Base):
    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    gtfs_stop_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    __table_args__ = (Index("ix_stations_lower_name", func.lower(text("name"))),)


class Route(Base):
    __tablename__ = "routes"
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    gtfs_route_id: Mapped[str | None] = mapped_column(String(64))


class RouteStop(Base):
    __tablename__ = "route_stops"
    route_id: Mapped[int] = mapped_column(
        ForeignKey("routes.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    distance_km: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_not_negative"),
        CheckConstraint("distance_km >= 0", name="distance_not_negative"),
    )


class CoachLayout(Base):
    """A seat plan. Layouts are versioned: a changed plan is a new row, so sold runs keep theirs."""

    __tablename__ = "coach_layouts"
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    name: Mapped[str] = mapped_column(String(80))
    grid_rows: Mapped[int] = mapped_column(SmallInteger)
    grid_columns: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_coach_layouts_code_version"),
        CheckConstraint(
            "grid_rows BETWEEN 1 AND 60 AND grid_columns BETWEEN 1 AND 12", name="grid"
        ),
    )


class LayoutSeat(Base):
    __tablename__ = "layout_seats"
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    layout_id: Mapped[int] = mapped_column(ForeignKey("coach_layouts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(8))
    grid_row: Mapped[int] = mapped_column(SmallInteger)
    grid_column: Mapped[int] = mapped_column(SmallInteger)
    seat_class: Mapped[str] = mapped_column(String(16))
    features: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default="{}")
    for_sale: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    __table_args__ = (
        UniqueConstraint("layout_id", "label", name="uq_layout_seats_layout_label"),
        UniqueConstraint("layout_id", "grid_row", "grid_column", name="uq_layout_seats_cell"),
        CheckConstraint("seat_class IN ('first', 'standard')", name="seat_class"),
    )


class Service(Base):
    """A timetabled train: a route, times at each stop, the days it runs and its coaches."""

    __tablename__ = "services"
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    train_number: Mapped[str] = mapped_column(String(16))
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"))
    # Stop times are minutes after midnight of the service day in this time zone (GTFS style:
    # they may pass 24:00 for a train that runs past midnight).
    timezone: Mapped[str] = mapped_column(String(64))
    operating_days: Mapped[str] = mapped_column(String(7), server_default="1111111")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    sales_open_days: Mapped[int] = mapped_column(SmallInteger, server_default="90")
    gtfs_trip_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    __table_args__ = (
        CheckConstraint("operating_days ~ '^[01]{7}$'", name="operating_days"),
        CheckConstraint("valid_to >= valid_from", name="valid_range"),
    )


class ServiceStop(Base):
    __tablename__ = "service_stops"
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    distance_km: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    arrival_minute: Mapped[int | None] = mapped_column(SmallInteger)
    departure_minute: Mapped[int | None] = mapped_column(SmallInteger)
    pick_up: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    set_down: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class ServiceException(Base):
    __tablename__ = "service_exceptions"
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    service_date: Mapped[date] = mapped_column(Date, primary_key=True)
    runs: Mapped[bool] = mapped_column(Boolean)  # True adds the date, False removes it


class ServiceCoach(Base):
    __tablename__ = "service_coaches"
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), primary_key=True
    )
    coach_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    layout_id: Mapped[int] = mapped_column(ForeignKey("coach_layouts.id"))


class Run(Base):
    """A service on one date: the unit of seat inventory."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    service_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), server_default="scheduled")
    departs_at: Mapped[datetime] = mapped_column(TZ)
    sales_open_at: Mapped[datetime] = mapped_column(TZ)
    first_seats: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    standard_seats: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    __table_args__ = (
        UniqueConstraint("service_id", "service_date", name="uq_runs_service_date"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
    )


class RunStop(Base):
    """A run's calls with absolute times, so a journey search is one indexed join."""

    __tablename__ = "run_stops"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    distance_km: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    arrives_at: Mapped[datetime | None] = mapped_column(TZ)
    departs_at: Mapped[datetime | None] = mapped_column(TZ)
    pick_up: Mapped[bool] = mapped_column(Boolean)
    set_down: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (Index("ix_run_stops_station_departs", "station_id", "departs_at"),)


class RunSeat(Base):
    """One seat of one run: the row a booking locks (`FOR UPDATE`) before it sells the seat."""

    __tablename__ = "run_seats"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    coach_no: Mapped[int] = mapped_column(SmallInteger)
    layout_seat_id: Mapped[int] = mapped_column(ForeignKey("layout_seats.id"))
    __table_args__ = (
        UniqueConstraint("run_id", "coach_no", "layout_seat_id", name="uq_run_seats_seat"),
    )


class FareRate(Base):
    __tablename__ = "fare_rates"
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    seat_class: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    base_cents: Mapped[int] = mapped_column(Integer)
    cents_per_km: Mapped[Decimal] = mapped_column(Numeric(8, 3))
    minimum_cents: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        UniqueConstraint("seat_class", "valid_from", name="uq_fare_rates_class_from"),
        CheckConstraint(
            "base_cents >= 0 AND cents_per_km >= 0 AND minimum_cents >= 0", name="positive"
        ),
    )


class Concession(Base):
    __tablename__ = "concessions"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    discount_percent: Mapped[int] = mapped_column(SmallInteger)
    sort_order: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    __table_args__ = (CheckConstraint("discount_percent BETWEEN 0 AND 100", name="discount"),)


class FareRevision(Base):
    """One row counting changes to fares and concessions (statement triggers bump it).

    A quote prices from a cached fare table, read again when this revision has moved on since
    the cache was read (migration 0004); `sell_seats` prices every sale itself (revision 0021).
    """

    __tablename__ = "fare_revision"
    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    revision: Mapped[int] = mapped_column(BigInteger, server_default=text("1"))
    __table_args__ = (
        # Revision 0004 wrote this table in SQL, so its key has PostgreSQL's name, not ours.
        PrimaryKeyConstraint("singleton", name="fare_revision_pkey"),
        CheckConstraint("singleton", name="singleton"),
    )


class Operator(Base):
    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(16))
    home_station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    # bcrypt's salt (desks ask sign_in_salt for it) and sha256(bcrypt(password, salt)), which
    # no desk may read: migrations/sql/0014_sessions.sql.
    password_salt: Mapped[str] = mapped_column(Text)
    password_verifier: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    failed_logins: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(TZ)
    must_change_password: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    __table_args__ = (
        CheckConstraint("role IN ('clerk', 'conductor', 'supervisor')", name="role"),
        CheckConstraint(
            "password_salt ~ '^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{22}$'", name="password_salt"
        ),
    )


class OperatorSession(Base):
    """A signed-in operator: only the token's sha256 is kept; writes name the token."""

    __tablename__ = "operator_sessions"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    # One session per client id: whose seat holds they are (revision 0016).
    client_id: Mapped[str] = mapped_column(Text, unique=True)
    started_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(TZ)
    ended_at: Mapped[datetime | None] = mapped_column(TZ)


class SignInStranger(Base):
    """Failed sign-ins under usernames no account has, counted as real accounts' are."""

    __tablename__ = "sign_in_strangers"
    username: Mapped[str] = mapped_column(Text, primary_key=True)
    failed_logins: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(TZ)


class ApiSecret(Base):
    """The server's own secret (one row): it makes the made-up salts of unknown usernames."""

    __tablename__ = "api_secret"
    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    secret: Mapped[str] = mapped_column(Text)
    __table_args__ = (CheckConstraint("singleton", name="singleton"),)


class ApiRequest(Base):
    """Every write's request id with its result, written in the write's own transaction."""

    __tablename__ = "api_requests"
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    kind: Mapped[str] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSONB)
    decided_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())


class Booking(Base):
    __tablename__ = "bookings"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    total_cents: Mapped[int] = mapped_column(Integer)
    payment_method: Mapped[str] = mapped_column(String(8))
    payment_reference: Mapped[str | None] = mapped_column(String(40))
    cash_given_cents: Mapped[int | None] = mapped_column(Integer)
    refunded_cents: Mapped[int] = mapped_column(Integer, server_default="0")
    __table_args__ = (
        # Array constants, not IN lists: the server re-reads checks on every INSERT (0007).
        CheckConstraint("status::text = ANY ('{active,cancelled}'::text[])", name="status"),
        CheckConstraint(
            "payment_method::text = ANY ('{cash,card}'::text[])", name="payment_method"
        ),
        CheckConstraint(
            "total_cents >= 0 AND refunded_cents >= 0 AND refunded_cents <= total_cents "
            "AND cash_given_cents >= 0",
            name="money",
        ),
        Index("ix_bookings_run_id", "run_id"),
        Index("ix_bookings_created_at", "created_at"),
    )


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    run_seat_id: Mapped[int] = mapped_column(ForeignKey("run_seats.id"))
    board_position: Mapped[int] = mapped_column(SmallInteger)
    alight_position: Mapped[int] = mapped_column(SmallInteger)
    stops = mapped_column(
        INT4RANGE, Computed("int4range(board_position, alight_position)", persisted=True)
    )
    passenger_name: Mapped[str] = mapped_column(String(80))
    concession_code: Mapped[str] = mapped_column(ForeignKey("concessions.code"))
    seat_class: Mapped[str] = mapped_column(String(16))
    fare_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    cancelled_at: Mapped[datetime | None] = mapped_column(TZ)
    refund_cents: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint("alight_position > board_position AND board_position >= 0", name="segment"),
        CheckConstraint(  # an array constant, not an IN list: revision 0007 says why
            "status::text = ANY ('{active,cancelled,no_show}'::text[])", name="status"
        ),
        CheckConstraint(
            "fare_cents >= 0 AND refund_cents >= 0 AND refund_cents <= fare_cents", name="fare"
        ),
        CheckConstraint("seat_class::text = ANY ('{first,standard}'::text[])", name="seat_class"),
        # Guard two: a seat is sold at most once for any leg, whoever writes the row.
        # Revision 0003 adds INCLUDE (seat_class) to this constraint's index, so counts of
        # taken seats by class are answered from the index alone (SQLAlchemy cannot say it).
        ExcludeConstraint(
            ("run_id", "="),
            ("run_seat_id", "="),
            ("stops", "&&"),
            where=text("status = 'active'"),
            using="gist",
            name="ex_tickets_no_double_sale",
        ),
        Index("ix_tickets_booking_id", "booking_id"),
        Index("ix_tickets_lower_passenger_name", func.lower(text("passenger_name"))),
        # Guard one's question, "does an active ticket on this seat overlap the leg?", in a
        # B-tree: the GiST above answers it too, but reads dozens of pages (revision 0008).
        Index(
            "ix_tickets_active_seat",
            "run_seat_id",
            postgresql_include=["board_position", "alight_position"],
            postgresql_where=text("status = 'active'"),
        ),
    )


class SigningKey(Base):
    """Ed25519 keys for ticket QR codes (the private half is encrypted; see README). Added only
    by `add_signing_key` (revision 0018), for a supervisor (`created_by`) or the schema's owner."""

    __tablename__ = "signing_keys"
    id: Mapped[int] = mapped_column(SmallInteger, Identity(), primary_key=True)
    public_key: Mapped[bytes] = mapped_column()
    private_key: Mapped[bytes] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_as: Mapped[str] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("created_as IN ('owner', 'supervisor', 'legacy_desk')", name="created_as"),
        CheckConstraint(
            "(created_as = 'supervisor') = (created_by IS NOT NULL)", name="supervisor_named"
        ),
    )


class AuditEvent(Base):
    """Append-only: a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TZ, server_default=func.now())
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    __table_args__ = (Index("ix_audit_events_occurred_at", "occurred_at"),)


class SeatHold(Base):
    """A seat held for a clerk while passenger details are typed; lapses at `expires_at`, at
    most ten minutes after it is written (trigger holds_lapse_soon, revision 0016). Desks read
    holds and write them only through hold_seats and release_holds.

    Expired rows are ignored by every reader and deleted by the next writer that locks the
    seat, so a crashed client's holds need no cleanup job.
    """

    __tablename__ = "seat_holds"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    run_seat_id: Mapped[int] = mapped_column(ForeignKey("run_seats.id", ondelete="CASCADE"))
    board_position: Mapped[int] = mapped_column(SmallInteger)
    alight_position: Mapped[int] = mapped_column(SmallInteger)
    stops = mapped_column(
        INT4RANGE, Computed("int4range(board_position, alight_position)", persisted=True)
    )
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    client_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(TZ)
    __table_args__ = (
        CheckConstraint("alight_position > board_position AND board_position >= 0", name="segment"),
        ExcludeConstraint(
            ("run_id", "="),
            ("run_seat_id", "="),
            ("stops", "&&"),
            using="gist",
            name="ex_seat_holds_no_double_hold",
        ),
        Index("ix_seat_holds_client_id", "client_id"),
    )
