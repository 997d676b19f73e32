"""Printing's audit through the database API; a deactivated operator's session says so

migrations/sql/0020_printing.sql: `record_printing` writes a booking's "print" or "reprint"
event for the session's operator, so desks need no INSERT on audit_events; `api_session`
answers "deactivated" for a session its operator's deactivation ended.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 23:00:00
"""

from alembic import op

from ticket_office.db.database_api import hand_to_api_sql
from ticket_office.db.schema import revision_sql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

RECORD_PRINTING = "record_printing(text, text, bigint[], smallint, boolean)"


def upgrade() -> None:
    op.execute(revision_sql("0020_printing.sql"))
    op.execute(
        hand_to_api_sql(
            ["api_session(text)", RECORD_PRINTING],
            {
                "bookings": "SELECT",
                "tickets": "SELECT",
                "signing_keys": "SELECT",
                "audit_events": "SELECT, INSERT",
            },
        )
    )
    op.execute(f"REVOKE EXECUTE ON FUNCTION public.{RECORD_PRINTING} FROM PUBLIC")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION public.{RECORD_PRINTING}")
    # 0014's api_session, which answers "session ended" for every session no longer live.
    sessions = revision_sql("0014_sessions.sql")
    start = sessions.index("CREATE FUNCTION api_session(")
    end = sessions.index("END $$;", start) + len("END $$;")
    op.execute(sessions[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
