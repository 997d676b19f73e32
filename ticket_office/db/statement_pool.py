"""Connections for use cases that are one statement, committed on its own: the sale, seat notices.

A sale is one `sell_seats` call in autocommit; it needs no ORM session, no BEGIN and no COMMIT.
Taking a connection from SQLAlchemy's pool for it (its events, its reset on return, switching
autocommit on and off) cost ~40 µs of client CPU, a quarter of what the bare call costs. These
connections come from psycopg's own pool (psycopg-pool) and stay in autocommit: ~8 µs. With 16
clerks' apps sharing two cores with the server in the booking benchmark, that is ~10% more sales.

Like the engine's pool (engine.py), a connection that sat idle is pinged before use, so one the
network dropped meanwhile is replaced instead of failing the clerk's next sale.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from ticket_office.db.engine import IDLE_PING_SECONDS, configure_connection, libpq_url

# How long a use case waits for a free connection (or for the pool to reach the server) before
# it reports the server unreachable; the same as connecting would take to time out.
WAIT_SECONDS = 5.0
APPLICATION_NAME = "ticket-office statements"  # as pg_stat_activity shows these connections


class StatementPool:
    """Autocommit connections to one database; `connection()` lends one to a single statement."""

    def __init__(
        self, url: str, *, size: int = 4, application_name: str = APPLICATION_NAME
    ) -> None:
        self._last_use: weakref.WeakKeyDictionary[psycopg.Connection, float] = (
            weakref.WeakKeyDictionary()
        )
        self._pool = ConnectionPool(
            libpq_url(url),
            min_size=1,
            max_size=max(1, size),
            kwargs={
                "autocommit": True,
                "connect_timeout": 5,
                "application_name": application_name,
            },
            configure=self._configure,
            check=self._ping_if_idle,
            timeout=WAIT_SECONDS,
            num_workers=1,
            name="single statements",
            open=True,
        )

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection in autocommit; a broken one is replaced after it is returned."""
        connection = self._pool.getconn()
        try:
            yield connection
        finally:
            self._last_use[connection] = time.monotonic()
            self._pool.putconn(connection)

    def close(self) -> None:
        self._pool.close()

    def _configure(self, connection: psycopg.Connection) -> None:
        configure_connection(connection)
        self._last_use[connection] = time.monotonic()  # just connected: no ping needed

    def _ping_if_idle(self, connection: psycopg.Connection) -> None:
        """Raising here makes the pool discard the connection and lend another."""
        last_use = self._last_use.get(connection)
        if last_use is not None and time.monotonic() - last_use < IDLE_PING_SECONDS:
            return
        connection.execute("")
