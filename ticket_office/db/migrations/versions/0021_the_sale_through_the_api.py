"""The sale through the database API: the session sells, the server prices (issue 14 §2-§4)

migrations/sql/0021_sell_seats.sql says what and why: sell_seats(token, request id, document),
owned by the API role, takes the seller, station and client from the session, prices every
passenger from the server's own fares (refusing as stale a quote that is not the server's
price), checks the cash against that total, writes the audit event in the session's name, and
records its answer under the request id. The document-only sell_seats(jsonb), which trusted
the document's fares and, for the booking and the audit event, its operator, is dropped, so
nobody sells without a session; desks lose INSERT on bookings, tickets and audit events, and
run-seat locks and clear_seat_holds, which only that sale used (db/desk_access.py).
migrations/sql/0021_api_session.sql hashes the session token once a lookup, not once a
session row scanned.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 12:00:00
"""

from alembic import op

from ticket_office.db.database_api import API_ROLE, hand_to_api_sql
from ticket_office.db.schema import revision_sql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FUNCTIONS = ("sell_seats(text, uuid, jsonb)",)
# What the sale and the ticket trigger it fires read and write. Locking a run seat FOR UPDATE
# needs UPDATE on one of its columns: run_id, which a trigger keeps as it is. RETURNING the new
# booking's id needs SELECT on bookings.
API_TABLES = {
    "bookings": "SELECT, INSERT",
    "tickets": "SELECT, INSERT",
    "run_seats": "SELECT, UPDATE (run_id)",
    "layout_seats": "SELECT",
    "runs": "SELECT",
    "run_stops": "SELECT",
    "seat_holds": "SELECT, DELETE",
    "fare_rates": "SELECT",
    "concessions": "SELECT",
    "audit_events": "INSERT",
}


def _function_of(sql_file: str, name: str) -> str:
    """The CREATE OR REPLACE text of function `name` as the revision file `sql_file` has it."""
    text = revision_sql(sql_file)
    start = text.index(f"FUNCTION {name}(")
    start = text.rindex("CREATE", 0, start)
    end = text.index("END $$;", start) + len("END $$;")
    return text[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    op.execute(revision_sql("0021_api_session.sql"))
    op.execute("DROP FUNCTION public.sell_seats(jsonb)")
    op.execute(revision_sql("0021_sell_seats.sql"))
    op.execute(hand_to_api_sql(FUNCTIONS, API_TABLES))
    # The booking's id is drawn when the request is claimed (its answer names it).
    op.execute(f"GRANT USAGE ON SEQUENCE public.bookings_id_seq TO {API_ROLE}")
    # A new function may be executed by PUBLIC (0014's ALTER DEFAULT PRIVILEGES ... IN SCHEMA
    # cannot take away what the global defaults grant); desks get theirs from desk_access.
    op.execute(f"REVOKE EXECUTE ON FUNCTION public.{FUNCTIONS[0]} FROM PUBLIC")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION public.{FUNCTIONS[0]}")
    op.execute(f"REVOKE USAGE ON SEQUENCE public.bookings_id_seq FROM {API_ROLE}")
    op.execute(revision_sql("0016_sell_seats.sql"))
    op.execute("REVOKE EXECUTE ON FUNCTION public.sell_seats(jsonb) FROM PUBLIC")
    op.execute(_function_of("0020_printing.sql", "api_session"))
    # The API role keeps its table privileges: other revisions' functions may use them too.
