"""The server signs operators in and knows every request (issue 14 §3, §4, §5)

migrations/sql/0014_sessions.sql says what and why: operators prove their password with
bcrypt(password, salt) computed on the desk, the server keeps only sha256 of that proof and
hands out session tokens, and every write will carry a request id whose fate the server can
tell after a lost reply. migrations/sql/0014_operator_accounts.sql: operator accounts are
managed only through functions acting for a supervisor's session or the schema's owner.

This revision also makes the database API's roles (db/database_api.py) and takes EXECUTE on
every function away from PUBLIC: desks get only their own kind's functions
(db/desk_access.py).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 22:00:00
"""

from alembic import op

from ticket_office.db.database_api import create_roles_sql, hand_to_api_sql
from ticket_office.db.schema import revision_sql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FUNCTIONS = (
    "api_permits(text, text)",
    "api_session(text)",
    "api_caller(text, text)",
    "api_claim_request(uuid, api_caller, text)",
    "api_finish_request(uuid, jsonb)",
    "request_outcome(text, uuid)",
    "api_made_up_salt(text)",
    "sign_in_salt(text)",
    "api_check_password(text, text)",
    "api_open_session(integer, text)",
    "sign_in(text, text, text)",
    "change_password(text, text, text, text)",
    "sign_out(text)",
    # migrations/sql/0014_operator_accounts.sql
    "api_account_manager(text)",
    "api_checked_hash(text)",
    "api_locked_operator(text)",
    "create_operator(text, text, text, text, text, text, boolean)",
    "reset_password(text, text, text)",
    "set_operator_active(text, text, boolean)",
    "unlock_operator(text, text)",
)
API_TABLES = {
    "api_secret": "SELECT",
    "operators": "SELECT, INSERT, UPDATE",
    "stations": "SELECT",
    "sign_in_strangers": "SELECT, INSERT, UPDATE, DELETE",
    "operator_sessions": "SELECT, INSERT, UPDATE",
    "api_requests": "SELECT, INSERT, UPDATE",
    "audit_events": "INSERT",
}


def upgrade() -> None:
    op.execute(create_roles_sql())
    op.execute(revision_sql("0014_sessions.sql"))
    op.execute(revision_sql("0014_operator_accounts.sql"))
    op.execute(hand_to_api_sql(FUNCTIONS, API_TABLES))
    op.execute("REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC")
    op.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")


def downgrade() -> None:
    op.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO PUBLIC")
    op.execute("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC")
    for signature in reversed(FUNCTIONS):
        op.execute(f"DROP FUNCTION public.{signature}")
    op.execute("DROP TYPE api_signed_in, api_password_check, api_caller")
    op.execute("DROP TABLE api_requests, operator_sessions, sign_in_strangers, api_secret")
    # The old hash cannot be rebuilt from its sha256: every operator needs a new password.
    op.execute("ALTER TABLE operators ADD COLUMN password_hash bytea")
    op.execute(
        "UPDATE operators SET password_hash = convert_to(password_salt, 'UTF8'), "
        "must_change_password = true"
    )
    op.execute(
        "ALTER TABLE operators ALTER COLUMN password_hash SET NOT NULL, "
        "DROP CONSTRAINT ck_operators_password_salt, "
        "DROP COLUMN password_salt, DROP COLUMN password_verifier"
    )
