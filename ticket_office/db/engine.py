"""Engines and session factories for a chosen database."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, *, pool_size: int = 4, application_name: str = "ticket-office") -> Engine:
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=4,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"connect_timeout": 5, "application_name": application_name},
    )

    @event.listens_for(engine, "connect")
    def _session_settings(dbapi_connection, _record) -> None:  # noqa: ANN001
        # A clerk's click must never wait forever behind someone else's lock.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'; SET statement_timeout = '30s'")
        dbapi_connection.commit()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


def describe_url(url: str) -> str:
    """A server description for people, never including a password."""
    parsed = make_url(url)
    host = parsed.host or parsed.query.get("host") or "local socket"
    if isinstance(host, tuple):
        host = host[0]
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.database} on {host}{port}"


def libpq_url(url: str) -> str:
    """The same URL as psycopg/libpq understands it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
