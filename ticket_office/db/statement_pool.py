"""Connections for use cases that are one statement, committed on its own: the sale.

A sale is one `sell_seats` call in autocommit; it needs no ORM session, no BEGIN and no COMMIT.
What lends it a connection is on every sale's path, and in the booking benchmark 16 clerks'
apps share two cores with the server, where every Python call a sale makes costs a few
microseconds of CPU the server could have used:
- SQLAlchemy's pool (its events, its reset on return, autocommit switched on and off for each
  use) cost ~40 µs of client CPU, a quarter of what the bare call costs;
- psycopg-pool, the obvious library, costs ~8 µs but ~50 Python calls a sale (its statistics,
  logging, locks and timers), a sixth of all the calls a sale makes;
- this stack of idle autocommit connections costs a handful. Last in, first out: an app that
  sells one thing at a time keeps one warm connection (and one server process) busy.

Like the engine's pool (engine.py), a connection that sat idle is pinged before use, so one the
network dropped meanwhile is replaced instead of failing the clerk's next sale; one that broke
in use is closed, not kept.
"""

from __future__ import annotations

import time

import psycopg
from psycopg.pq import TransactionStatus

from ticket_office.db.engine import IDLE_PING_SECONDS, configure_connection, libpq_url

APPLICATION_NAME = "ticket-office statements"  # as pg_stat_activity shows these connections


class StatementPool:
    """Autocommit connections to one database, each lent as its one cursor to one statement at
    a time: `borrow()`, then `give_back()` in a `finally`. (A new cursor per statement would
    copy the connection's adapter maps each time.)

    At most `size` connections are kept idle; more are opened while more threads need one at
    the same moment (a desktop app has a few worker threads) and closed when given back.
    """

    def __init__(
        self, url: str, *, size: int = 4, application_name: str = APPLICATION_NAME
    ) -> None:
        self._conninfo = libpq_url(url)
        self._application_name = application_name
        self._size = max(1, size)
        # (cursor, when it was last given back); list.pop() and .append() are atomic.
        self._idle: list[tuple[psycopg.Cursor, float]] = []
        self._closing = False

    def close(self) -> None:
        """Close the idle connections; those in use are closed when given back."""
        self._closing = True
        while self._idle:
            cursor, _since = self._idle.pop()
            cursor.connection.close()

    def borrow(self) -> psycopg.Cursor:
        """A cursor of a connection in autocommit: an idle one (pinged if idle long), or new."""
        if self._closing:
            raise psycopg.OperationalError("The app is closing its database connections.")
        while True:
            try:
                cursor, since = self._idle.pop()
            except IndexError:
                return self._connect().cursor()
            if time.monotonic() - since < IDLE_PING_SECONDS:
                return cursor
            try:
                cursor.execute("")
            except psycopg.Error:  # dropped while idle: close it, try the next or a new one
                cursor.connection.close()
                continue
            return cursor

    def give_back(self, cursor: psycopg.Cursor) -> None:
        """Keep it for the next statement, or close it if it broke or enough are idle."""
        reusable = (
            cursor.connection.pgconn.transaction_status == TransactionStatus.IDLE  # not broken
            and not self._closing
            and len(self._idle) < self._size
        )
        if reusable:
            self._idle.append((cursor, time.monotonic()))
        else:
            cursor.connection.close()

    def _connect(self) -> psycopg.Connection:
        connection = psycopg.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=5,
            application_name=self._application_name,
        )
        try:
            configure_connection(connection)
        except psycopg.Error:
            connection.close()
            raise
        return connection
