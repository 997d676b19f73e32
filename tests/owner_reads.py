"""What a test checks that no desk may read (audit events, sessions), read as the owner.

The app's own calls in tests run as a desk role, which may not read the audit trail; a test's
assertions about it read through the schema's owner instead, on the same database.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

_OWNER_URLS: dict[str, str] = {}


def register(owner_url: str) -> None:
    _OWNER_URLS[make_url(owner_url).database] = owner_url


def read(backend_or_url, statement: str, params: dict | None = None) -> list:
    """Rows of `statement`, run as the owner of the database `backend_or_url` uses."""
    url = getattr(getattr(backend_or_url, "database", None), "engine", None)
    database = make_url(str(url.url) if url is not None else backend_or_url).database
    engine = create_engine(_OWNER_URLS[database], poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(statement), params or {}).all()
    finally:
        engine.dispose()


def audit_kinds(backend_or_url, subject: str | None = None) -> list[str]:
    """The kinds of audit event (about `subject`, if given), oldest first."""
    where = "" if subject is None else " WHERE subject = :s"
    rows = read(backend_or_url, f"SELECT kind FROM audit_events{where} ORDER BY id", {"s": subject})
    return [row.kind for row in rows]
