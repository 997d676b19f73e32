"""Ticket-signing keys are added only through the database API (issue 14 §2)

migrations/sql/0018_signing_keys.sql says what and why: desks lose INSERT on signing_keys
(db/desk_access.py), `add_signing_key` adds a key for a supervisor's session or the schema's
owner and audits it, each key records who made it, and keys from before that no app could have
made (not sealed) are deactivated.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 12:00:00
"""

from alembic import op

from ticket_office.db.database_api import API_ROLE, hand_to_api_sql
from ticket_office.db.schema import revision_sql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

FUNCTIONS = (
    "api_manager(text, text)",
    "add_signing_key(text, bytea, bytea)",
)
API_TABLES = {
    "signing_keys": "SELECT, INSERT",
    "audit_events": "INSERT",
}


def upgrade() -> None:
    op.execute(revision_sql("0018_signing_keys.sql"))
    for signature in FUNCTIONS:
        op.execute(f"REVOKE EXECUTE ON FUNCTION public.{signature} FROM PUBLIC")
    op.execute(hand_to_api_sql(FUNCTIONS, API_TABLES))


def downgrade() -> None:
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION public.{signature}")
    op.execute(f"REVOKE SELECT, INSERT ON public.signing_keys FROM {API_ROLE}")
    op.execute("ALTER TABLE signing_keys DROP COLUMN created_as, DROP COLUMN created_by")
