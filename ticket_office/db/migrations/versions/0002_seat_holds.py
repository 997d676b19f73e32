"""seat holds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 19:50:24.095589
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


# Holds and sales live in two tables; these triggers extend "never twice for the same leg" across
# them (stored generated columns are still NULL in BEFORE triggers, hence int4range here).
# Each locks the run seat first, so the check cannot race a concurrent writer even when
# that writer bypasses the service layer (the services hold the same lock already).
CROSS_TABLE_GUARD = """
CREATE FUNCTION tickets_respect_holds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'active' THEN RETURN NEW; END IF;
    PERFORM 1 FROM run_seats WHERE id = NEW.run_seat_id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM seat_holds h
               WHERE h.run_id = NEW.run_id AND h.run_seat_id = NEW.run_seat_id
                 AND h.stops && int4range(NEW.board_position, NEW.alight_position)
                 AND h.expires_at > now()) THEN
        RAISE EXCEPTION 'seat % is held for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_tickets_no_double_sale';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER tickets_respect_holds BEFORE INSERT OR UPDATE OF status, board_position,
    alight_position, run_seat_id ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_respect_holds();

CREATE FUNCTION holds_respect_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM run_seats WHERE id = NEW.run_seat_id FOR UPDATE;
    IF EXISTS (SELECT 1 FROM tickets t
               WHERE t.run_id = NEW.run_id AND t.run_seat_id = NEW.run_seat_id
                 AND t.stops && int4range(NEW.board_position, NEW.alight_position)
                 AND t.status = 'active') THEN
        RAISE EXCEPTION 'seat % is sold for an overlapping leg', NEW.run_seat_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'ex_seat_holds_no_double_hold';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER holds_respect_tickets BEFORE INSERT OR UPDATE ON seat_holds
    FOR EACH ROW EXECUTE FUNCTION holds_respect_tickets();
"""


def upgrade() -> None:
    op.create_table(
        "seat_holds",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
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
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("run_id"), "="),
            (sa.column("run_seat_id"), "="),
            (sa.column("stops"), "&&"),
            using="gist",
            name="ex_seat_holds_no_double_hold",
        ),
        sa.CheckConstraint(
            "alight_position > board_position AND board_position >= 0",
            name=op.f("ck_seat_holds_segment"),
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_seat_holds_operator_id_operators")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_seat_holds_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_seat_id"],
            ["run_seats.id"],
            name=op.f("fk_seat_holds_run_seat_id_run_seats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_holds")),
    )
    op.create_index("ix_seat_holds_client_id", "seat_holds", ["client_id"], unique=False)
    op.execute(CROSS_TABLE_GUARD)


def downgrade() -> None:
    op.execute("DROP TRIGGER tickets_respect_holds ON tickets")
    op.execute("DROP FUNCTION tickets_respect_holds()")
    op.drop_index("ix_seat_holds_client_id", table_name="seat_holds")
    op.drop_table("seat_holds")
    op.execute("DROP FUNCTION holds_respect_tickets()")
