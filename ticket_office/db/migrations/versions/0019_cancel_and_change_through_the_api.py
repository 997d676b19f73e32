"""Cancellations, seat changes and booking moves through the database API (issue 14 §2-§4)

migrations/sql/0019_changes.sql installs cancel_tickets, change_seats and move_booking:
SECURITY DEFINER functions of ticket_office_api that check the caller's session, price the
refund or the change on the server, write the rows and the audit event in the caller's name,
and answer a request sent again from its record. Desks lose UPDATE on tickets and bookings
(db/desk_access.py); the counter's group may EXECUTE the three functions.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 10:00:00
"""

from alembic import op

from ticket_office.db.database_api import hand_to_api_sql
from ticket_office.db.schema import revision_sql

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

FUNCTIONS = (
    "api_seat_caption(integer, text)",
    "api_day_text(date)",
    "api_refund_rule()",
    "api_change_rule()",
    "api_leg(bigint, integer, integer)",
    "api_check_bookable(api_leg)",
    "api_change_caller(text)",
    "api_locked_booking(text)",
    "api_check_seat_choice(bigint[], bigint[])",
    "api_lock_free_seats(api_caller, text, integer[], integer[], integer[], bigint[], bigint[])",
    "api_rewrite_tickets(jsonb, integer, integer, integer)",
    "cancel_tickets(text, uuid, text, bigint[])",
    "change_seats(text, uuid, text, bigint[], bigint[])",
    "move_booking(text, uuid, text, bigint, integer, integer, bigint[], bigint[])",
)
# SELECT ... FOR UPDATE needs UPDATE on a column: run_seats' run_id, which a trigger refuses to
# change. The tickets' trigger locks run seats and reads holds and stops as this role too.
API_TABLES = {
    "bookings": "SELECT, UPDATE",
    "tickets": "SELECT, UPDATE",
    "run_seats": "SELECT, UPDATE (run_id)",
    "layout_seats": "SELECT",
    "runs": "SELECT",
    "run_stops": "SELECT",
    "services": "SELECT",
    "stations": "SELECT",
    "seat_holds": "SELECT, DELETE",
    "fare_rates": "SELECT",
    "concessions": "SELECT",
    "audit_events": "INSERT",
    "operator_sessions": "SELECT",
    "operators": "SELECT",
}


def upgrade() -> None:
    op.execute(revision_sql("0019_changes.sql"))
    op.execute(hand_to_api_sql(FUNCTIONS, API_TABLES))
    # A new function is PUBLIC's to run unless revoked (0017 says why); desks get theirs from
    # desk_access.
    listed = ", ".join([f"public.{signature}" for signature in FUNCTIONS])
    op.execute(f"REVOKE EXECUTE ON FUNCTION {listed} FROM PUBLIC")


def downgrade() -> None:
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION public.{signature}")
    op.execute("DROP TYPE public.api_leg")
    # The API role keeps its table privileges: other revisions' functions may use them too.
