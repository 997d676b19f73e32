"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 19:49:10.670373
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY_AUDIT = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
"""


def upgrade() -> None:
    # btree_gist lets one GiST index combine "same run and seat" (=) with "legs overlap" (&&).
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "coach_layouts",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("grid_rows", sa.SmallInteger(), nullable=False),
        sa.Column("grid_columns", sa.SmallInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "grid_rows BETWEEN 1 AND 60 AND grid_columns BETWEEN 1 AND 12",
            name=op.f("ck_coach_layouts_grid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coach_layouts")),
        sa.UniqueConstraint("code", "version", name="uq_coach_layouts_code_version"),
    )
    op.create_table(
        "concessions",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("discount_percent", sa.SmallInteger(), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "discount_percent BETWEEN 0 AND 100", name=op.f("ck_concessions_discount")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_concessions")),
    )
    op.create_table(
        "fare_rates",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("seat_class", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("base_cents", sa.Integer(), nullable=False),
        sa.Column("cents_per_km", sa.Numeric(precision=8, scale=3), nullable=False),
        sa.Column("minimum_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "base_cents >= 0 AND cents_per_km >= 0 AND minimum_cents >= 0",
            name=op.f("ck_fare_rates_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fare_rates")),
        sa.UniqueConstraint("seat_class", "valid_from", name="uq_fare_rates_class_from"),
    )
    op.create_table(
        "routes",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("gtfs_route_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routes")),
        sa.UniqueConstraint("code", name=op.f("uq_routes_code")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.SmallInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("private_key", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
    )
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("gtfs_stop_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("code", name=op.f("uq_stations_code")),
        sa.UniqueConstraint("gtfs_stop_id", name=op.f("uq_stations_gtfs_stop_id")),
    )
    op.create_index(
        "ix_stations_lower_name", "stations", [sa.literal_column("lower(name)")], unique=False
    )
    op.create_table(
        "layout_seats",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("layout_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("grid_row", sa.SmallInteger(), nullable=False),
        sa.Column("grid_column", sa.SmallInteger(), nullable=False),
        sa.Column("seat_class", sa.String(length=16), nullable=False),
        sa.Column(
            "features", postgresql.ARRAY(sa.String(length=16)), server_default="{}", nullable=False
        ),
        sa.Column("for_sale", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.CheckConstraint(
            "seat_class IN ('first', 'standard')", name=op.f("ck_layout_seats_seat_class")
        ),
        sa.ForeignKeyConstraint(
            ["layout_id"],
            ["coach_layouts.id"],
            name=op.f("fk_layout_seats_layout_id_coach_layouts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layout_seats")),
        sa.UniqueConstraint("layout_id", "grid_row", "grid_column", name="uq_layout_seats_cell"),
        sa.UniqueConstraint("layout_id", "label", name="uq_layout_seats_layout_label"),
    )
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("home_station_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failed_logins", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "must_change_password", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role IN ('clerk', 'conductor', 'supervisor')", name=op.f("ck_operators_role")
        ),
        sa.ForeignKeyConstraint(
            ["home_station_id"], ["stations.id"], name=op.f("fk_operators_home_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("username", name=op.f("uq_operators_username")),
    )
    op.create_table(
        "route_stops",
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.CheckConstraint("distance_km >= 0", name=op.f("ck_route_stops_distance_not_negative")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_route_stops_position_not_negative")),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["routes.id"],
            name=op.f("fk_route_stops_route_id_routes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_route_stops_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("route_id", "position", name=op.f("pk_route_stops")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("train_number", sa.String(length=16), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("operating_days", sa.String(length=7), server_default="1111111", nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("sales_open_days", sa.SmallInteger(), server_default="90", nullable=False),
        sa.Column("gtfs_trip_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("operating_days ~ '^[01]{7}$'", name=op.f("ck_services_operating_days")),
        sa.CheckConstraint("valid_to >= valid_from", name=op.f("ck_services_valid_range")),
        sa.ForeignKeyConstraint(
            ["route_id"], ["routes.id"], name=op.f("fk_services_route_id_routes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("gtfs_trip_id", name=op.f("uq_services_gtfs_trip_id")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=True),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_audit_events_operator_id_operators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"], unique=False)
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="scheduled", nullable=False),
        sa.Column("departs_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sales_open_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_seats", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("standard_seats", sa.SmallInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f("ck_runs_status")),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_runs_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("service_id", "service_date", name="uq_runs_service_date"),
    )
    op.create_table(
        "service_coaches",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("coach_no", sa.SmallInteger(), nullable=False),
        sa.Column("layout_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layout_id"],
            ["coach_layouts.id"],
            name=op.f("fk_service_coaches_layout_id_coach_layouts"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_coaches_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "coach_no", name=op.f("pk_service_coaches")),
    )
    op.create_table(
        "service_exceptions",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("runs", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_exceptions_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "service_date", name=op.f("pk_service_exceptions")),
    )
    op.create_table(
        "service_stops",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("arrival_minute", sa.SmallInteger(), nullable=True),
        sa.Column("departure_minute", sa.SmallInteger(), nullable=True),
        sa.Column("pick_up", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("set_down", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_stops_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_service_stops_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("service_id", "position", name=op.f("pk_service_stops")),
    )
    op.create_table(
        "bookings",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("reference", sa.String(length=8), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("payment_method", sa.String(length=8), nullable=False),
        sa.Column("payment_reference", sa.String(length=40), nullable=True),
        sa.Column("cash_given_cents", sa.Integer(), nullable=True),
        sa.Column("refunded_cents", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "payment_method IN ('cash', 'card')", name=op.f("ck_bookings_payment_method")
        ),
        sa.CheckConstraint("status IN ('active', 'cancelled')", name=op.f("ck_bookings_status")),
        sa.CheckConstraint(
            "total_cents >= 0 AND refunded_cents >= 0", name=op.f("ck_bookings_money")
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_bookings_operator_id_operators")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_bookings_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_bookings_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("reference", name=op.f("uq_bookings_reference")),
    )
    op.create_index("ix_bookings_created_at", "bookings", ["created_at"], unique=False)
    op.create_index("ix_bookings_run_id", "bookings", ["run_id"], unique=False)
    op.create_table(
        "run_seats",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("coach_no", sa.SmallInteger(), nullable=False),
        sa.Column("layout_seat_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layout_seat_id"],
            ["layout_seats.id"],
            name=op.f("fk_run_seats_layout_seat_id_layout_seats"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_seats_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_seats")),
        sa.UniqueConstraint("run_id", "coach_no", "layout_seat_id", name="uq_run_seats_seat"),
    )
    op.create_table(
        "run_stops",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("arrives_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("departs_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pick_up", sa.Boolean(), nullable=False),
        sa.Column("set_down", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_stops_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_run_stops_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("run_id", "position", name=op.f("pk_run_stops")),
    )
    op.create_index(
        "ix_run_stops_station_departs", "run_stops", ["station_id", "departs_at"], unique=False
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("booking_id", sa.BigInteger(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("run_seat_id", sa.BigInteger(), nullable=False),
        sa.Column("board_position", sa.SmallInteger(), nullable=False),
        sa.Column("alight_position", sa.SmallInteger(), nullable=False),
        sa.Column(
            "stops",
            postgresql.INT4RANGE(),
            sa.Computed("int4range(board_position, alight_position)", persisted=True),
            nullable=True,
        ),
        sa.Column("passenger_name", sa.String(length=80), nullable=False),
        sa.Column("concession_code", sa.String(length=16), nullable=False),
        sa.Column("seat_class", sa.String(length=16), nullable=False),
        sa.Column("fare_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_cents", sa.Integer(), nullable=True),
        postgresql.ExcludeConstraint(
            (sa.column("run_id"), "="),
            (sa.column("run_seat_id"), "="),
            (sa.column("stops"), "&&"),
            where=sa.text("status = 'active'"),
            using="gist",
            name="ex_tickets_no_double_sale",
        ),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled', 'no_show')", name=op.f("ck_tickets_status")
        ),
        sa.CheckConstraint(
            "alight_position > board_position AND board_position >= 0",
            name=op.f("ck_tickets_segment"),
        ),
        sa.CheckConstraint("fare_cents >= 0", name=op.f("ck_tickets_fare")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_tickets_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["concession_code"],
            ["concessions.code"],
            name=op.f("fk_tickets_concession_code_concessions"),
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_tickets_run_id_runs")),
        sa.ForeignKeyConstraint(
            ["run_seat_id"], ["run_seats.id"], name=op.f("fk_tickets_run_seat_id_run_seats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index("ix_tickets_booking_id", "tickets", ["booking_id"], unique=False)
    op.create_index(
        "ix_tickets_lower_passenger_name",
        "tickets",
        [sa.literal_column("lower(passenger_name)")],
        unique=False,
    )
    op.execute(APPEND_ONLY_AUDIT)


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION audit_events_append_only()")
    op.drop_index("ix_tickets_lower_passenger_name", table_name="tickets")
    op.drop_index("ix_tickets_booking_id", table_name="tickets")
    op.drop_table("tickets")
    op.drop_index("ix_run_stops_station_departs", table_name="run_stops")
    op.drop_table("run_stops")
    op.drop_table("run_seats")
    op.drop_index("ix_bookings_run_id", table_name="bookings")
    op.drop_index("ix_bookings_created_at", table_name="bookings")
    op.drop_table("bookings")
    op.drop_table("service_stops")
    op.drop_table("service_exceptions")
    op.drop_table("service_coaches")
    op.drop_table("runs")
    op.drop_index("ix_audit_events_occurred_at", table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_table("services")
    op.drop_table("route_stops")
    op.drop_table("operators")
    op.drop_table("layout_seats")
    op.drop_index("ix_stations_lower_name", table_name="stations")
    op.drop_table("stations")
    op.drop_table("signing_keys")
    op.drop_table("routes")
    op.drop_table("fare_rates")
    op.drop_table("concessions")
    op.drop_table("coach_layouts")
