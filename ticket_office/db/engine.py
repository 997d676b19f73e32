"""Engines and session factories for a chosen database."""

from __future__ import annotations

import time

import psycopg
from psycopg.adapt import Dumper
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


class UntypedIntDumper(Dumper):
    """Send Python ints without a type, so the server gives each the type of its column.

    psycopg's default picks int2, int4 or int8 from the value itself. btree_gist has no
    cross-type operators, so `run_id = 5::int2` against an int4 column cannot use the GiST
    index behind the double-sale constraint, and conflict checks and seat maps scan the whole
    tickets table (measured: 200+ ms per query at a million tickets).
    """

    oid = 0

    def dump(self, obj: int) -> bytes:
        return str(int(obj)).encode()


# A pooled connection idle for longer than this is pinged before use (see `_ping_if_idle`).
IDLE_PING_SECONDS = 10.0
# How long a use case waits for one of the app's connections when all are lent out.
POOL_WAIT_SECONDS = 10.0
# Each pool opens at most this many connections beyond those it keeps.
POOL_OVERFLOW = 4

# The limits of every session the app opens (desk_access.grant_desk_access also sets them on
# the desk's role, for any other client using its credential). None waits for a person:
# - lock_timeout: a sale waits for the seat locks of other sales, held for the milliseconds
#   a sale takes (p99 33-35 ms at 16 busy counters on hot seats, bench/README.md); 5 s of
#   waiting is a stuck transaction, and the clerk is told the seats are busy.
# - statement_timeout: the app's statements take milliseconds (search p95 4 ms, seat map
#   p95 4 ms); batch jobs such as generating runs lift it for their own transaction.
# - idle_in_transaction_session_timeout: the app runs a transaction's statements one after
#   another with no one to wait for in between. A desk that hung or lost its network in the
#   middle of one no longer holds its row locks (the seats of a cancellation, an operator's
#   row) until TCP notices, hours later: the server ends its session.
# READ COMMITTED whatever the server's default: the seat triggers refuse stricter levels
# (revision 0009), and each statement after a seat lock must see what committed before.
SESSION_SETTINGS: dict[str, str] = {
    "lock_timeout": "5s",
    "statement_timeout": "30s",
    "idle_in_transaction_session_timeout": "15s",
    "default_transaction_isolation": "read committed",
}
SESSION_LIMITS = ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")


def session_options(given: str | None = None) -> str:
    """SESSION_SETTINGS as libpq's `options`, after any the database URL gives: sent when
    connecting, so they hold from the first statement and cost no round trip."""
    ours = [
        "-c " + f"{name}={value}".replace(" ", "\\ ") for name, value in SESSION_SETTINGS.items()
    ]
    return " ".join([given, *ours] if given else ours)


def make_engine(url: str, *, pool_size: int = 4, application_name: str = "ticket-office") -> Engine:
    given = make_url(url).query.get("options")
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=POOL_WAIT_SECONDS,
        pool_recycle=1800,
        isolation_level="READ COMMITTED",  # whatever the server's default (SESSION_SETTINGS)
        connect_args={
            "connect_timeout": 5,
            "application_name": application_name,
            "options": session_options(given if isinstance(given, str) else None),
        },
    )

    @event.listens_for(engine, "checkin")
    def _remember_last_use(_dbapi_connection, record) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        """Ping a connection that sat idle, so a dropped one is replaced before it is used.

        SQLAlchemy's pool_pre_ping pings on every checkout: a round trip on every use case,
        a fifth of a sale's server time. Connections in steady use are not pinged; one that
        broke meanwhile fails its statement with "Nothing was saved", and the pool reconnects.
        """
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # Tells the pool to discard this connection and check out (or open) another.
            raise exc.DisconnectionError() from error

    @event.listens_for(engine, "connect")
    def _session_settings(dbapi_connection, _record) -> None:
        configure_connection(dbapi_connection)

    return engine


def configure_connection(connection: psycopg.Connection) -> None:
    """What every connection of the app is set up with, whichever pool holds it (its session
    settings came with the connection: `session_options`)."""
    connection.adapters.register_dumper(int, UntypedIntDumper)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


def libpq_url(url: str) -> str:
    """The same URL as psycopg/libpq understands it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
