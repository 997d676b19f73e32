"""The server prices: fares, leg distances and refunds computed in SQL (issue 14 §3)

migrations/sql/0017_prices.sql installs api_concession_code, api_fare_cents, api_distance_km
and api_refund, each computing what its Python counterpart does (services/pricing.py,
services/sale_facts.py, domain/refunds.py), so that the write functions can price a sale, a
change and a cancellation from the server's own fare tables and run data. Nothing calls them
yet. Like every api_ helper they belong to the API role and no desk may EXECUTE them (taken
from PUBLIC here: revision 0014's ALTER DEFAULT PRIVILEGES IN SCHEMA cannot take away what
PostgreSQL's global defaults grant, so a new function is PUBLIC's to run unless revoked).
They run with their caller's privileges, so the API role may now read the fare tables and the
run stops.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 23:00:00
"""

from alembic import op

from ticket_office.db.database_api import API_ROLE, hand_to_api_sql
from ticket_office.db.schema import revision_sql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FUNCTIONS = (
    "api_concession_code(text)",
    "api_fare_cents(text, text, integer, numeric, date)",
    "api_distance_km(integer, integer, integer)",
    "api_refund(integer, timestamptz, timestamptz)",
)
API_TABLES = {"concessions": "SELECT", "fare_rates": "SELECT", "run_stops": "SELECT"}


def upgrade() -> None:
    op.execute(revision_sql("0017_prices.sql"))
    op.execute(hand_to_api_sql(FUNCTIONS, API_TABLES))
    op.execute(
        f"REVOKE EXECUTE ON FUNCTION {', '.join(f'public.{f}' for f in FUNCTIONS)} FROM PUBLIC"
    )


def downgrade() -> None:
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION public.{signature}")
    for table, privileges in API_TABLES.items():
        op.execute(f"REVOKE {privileges} ON public.{table} FROM {API_ROLE}")
