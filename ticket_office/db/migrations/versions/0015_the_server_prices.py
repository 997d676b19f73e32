"""The server prices: fares, leg distances and refunds computed in SQL (issue 14 §3)

migrations/sql/0015_prices.sql installs api_concession_code, api_fare_cents, api_distance_km
and api_refund, each computing what its Python counterpart does (services/pricing.py,
services/sale_facts.py, domain/refunds.py), so that the write functions can price a sale, a
change and a cancellation from the server's own fare tables and run data. Nothing calls them
yet.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04 22:00:00
"""

from alembic import op

from ticket_office.db.schema import revision_sql

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(revision_sql("0015_prices.sql"))


def downgrade() -> None:
    op.execute("DROP FUNCTION public.api_refund(integer, timestamptz, timestamptz)")
    op.execute("DROP FUNCTION public.api_distance_km(integer, integer, integer)")
    op.execute("DROP FUNCTION public.api_fare_cents(text, text, integer, numeric, date)")
    op.execute("DROP FUNCTION public.api_concession_code(text)")
