"""Seat holds through the database API: desks read holds and no longer write them (issue 14 §2)

migrations/sql/0016_holds.sql says what and why: hold_seats and release_holds, owned by the
API role, hold and let go for the session the token names, for at most 300 s; a trigger bounds
every hold's lifetime whoever writes it; sign_out ends the session's holds; a client id names
one session only. The sale's sweep of the seller's holds goes through clear_seat_holds
(migrations/sql/0016_sell_seats.sql), as a booking change's does from Python.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-05 10:00:00
"""

from alembic import op

from ticket_office.db.database_api import hand_to_api_sql
from ticket_office.db.schema import revision_sql

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

FUNCTIONS = (
    "api_holder(text, text)",
    "api_release_holds(text, integer)",
    "hold_seats(text, uuid, integer, integer, integer, bigint[], integer)",
    "release_holds(text, integer)",
    "clear_seat_holds(text, integer, bigint[])",
)
# What the functions and the hold triggers they fire read and write. Locking a run seat
# FOR UPDATE needs UPDATE on one of its columns: run_id, which a trigger keeps as it is.
API_TABLES = {
    "seat_holds": "SELECT, INSERT, DELETE",
    "run_seats": "SELECT, UPDATE (run_id)",
    "layout_seats": "SELECT",
    "runs": "SELECT",
    "run_stops": "SELECT",
    "services": "SELECT",
    "tickets": "SELECT",
}


def upgrade() -> None:
    op.execute(revision_sql("0016_holds.sql"))
    op.execute(revision_sql("0016_sell_seats.sql"))
    op.execute(hand_to_api_sql(FUNCTIONS, API_TABLES))
    # Whoever migrates, whatever its default privileges: only the listed desks may call them.
    listed = ", ".join(f"public.{signature}" for signature in FUNCTIONS)
    op.execute(f"REVOKE EXECUTE ON FUNCTION {listed} FROM PUBLIC")


def downgrade() -> None:
    op.execute(revision_sql("0013_sell_seats.sql"))
    sign_out = revision_sql("0014_sessions.sql").split("CREATE FUNCTION sign_out")[1]
    op.execute("CREATE OR REPLACE FUNCTION sign_out" + sign_out)
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION public.{signature}")
    op.execute("DROP TRIGGER holds_lapse_soon ON seat_holds")
    op.execute("DROP FUNCTION seat_holds_lapse_soon()")
    op.execute("ALTER TABLE operator_sessions DROP CONSTRAINT uq_operator_sessions_client_id")
    # The API role keeps its table privileges: later revisions' functions may share them.
