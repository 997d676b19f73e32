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
in use is closed, not kept. And like it, it opens at most `size + overflow` connections; a
caller finding them all lent out waits at most `wait_seconds` for one to come back, then gets
DatabaseUnavailable.

`run()` sends the statement through libpq itself (psycopg's `pgconn`), prepared once per
connection: psycopg's cursor around the same call (query conversion, its prepared-statement
bookkeeping, result selection: ~25 Python calls) cost ~50 µs of the ~170 µs of client CPU the
sale's round trip took. Results are still read by psycopg's own loaders for each column type.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import errors
from psycopg.abc import Loader
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import ConnStatus, ExecStatus, Format, TransactionStatus

from ticket_office.db.engine import (
    IDLE_PING_SECONDS,
    POOL_OVERFLOW,
    POOL_WAIT_SECONDS,
    configure_connection,
    libpq_url,
    session_options,
)
from ticket_office.domain.errors import DatabaseUnavailable

APPLICATION_NAME = "ticket-office statements"  # as pg_stat_activity shows these connections
_WAIT_STEP_SECONDS = 0.002


class StatementPool:
    """Autocommit connections to one database, each lent as its one cursor to one statement at
    a time: `borrow()`, then `give_back()` in a `finally`. (A new cursor per statement would
    copy the connection's adapter maps each time.)

    At most `size` connections are kept idle; up to `overflow` more are opened while more
    threads need one at the same moment (a desktop app has a few worker threads) and closed
    when given back. Beyond that, a caller waits for one to come back.
    """

    def __init__(
        self,
        url: str,
        *,
        size: int = 4,
        overflow: int = POOL_OVERFLOW,
        wait_seconds: float = POOL_WAIT_SECONDS,
        application_name: str = APPLICATION_NAME,
    ) -> None:
        self._conninfo = libpq_url(url)
        self._options = session_options(conninfo_to_dict(self._conninfo).get("options"))
        self._application_name = application_name
        self._size = max(1, size)
        self.limit = self._size + max(0, overflow)
        self._wait_seconds = wait_seconds
        # (cursor, when it was last given back); list.pop() and .append() are atomic.
        self._idle: list[tuple[psycopg.Cursor, float]] = []
        # One token per connection open, idle or lent: taken to open one, returned on
        # closing it, with the same atomic list operations. A sale that finds an idle
        # connection touches no token; a semaphore's Condition would cost every sale a dozen
        # Python calls for a wait that only a stuck server or a burst of callers causes.
        self._tokens = list(range(self.limit))
        self._prepared: weakref.WeakKeyDictionary[psycopg.Connection, PreparedStatements] = (
            weakref.WeakKeyDictionary()
        )
        self._closing = False

    def run(self, statement: str, params: Sequence[str | None]) -> tuple[Any, ...] | None:
        """Run one statement (placeholders $1, $2, ...; text parameters) as a transaction of
        its own, prepared on the connection at first use; its first row, or None."""
        cursor = self.borrow()
        try:
            connection = cursor.connection
            prepared = self._prepared.get(connection)
            if prepared is None:
                prepared = self._prepared[connection] = PreparedStatements(connection)
            return prepared.run(statement, params)
        finally:
            self.give_back(cursor)

    def close(self) -> None:
        """Close the idle connections; those in use are closed when given back."""
        self._closing = True
        while self._idle:
            cursor, _since = self._idle.pop()
            self._close(cursor.connection)

    def borrow(self) -> psycopg.Cursor:
        """A cursor of a connection in autocommit: an idle one (pinged if idle long), or a new
        one while fewer than `limit` are open; else wait for one, at most `wait_seconds`, then
        DatabaseUnavailable."""
        if self._closing:
            raise psycopg.OperationalError("The app is closing its database connections.")
        deadline = None
        while True:
            try:
                cursor, since = self._idle.pop()
            except IndexError:
                pass
            else:
                if time.monotonic() - since < IDLE_PING_SECONDS:
                    return cursor
                try:
                    cursor.execute("")
                except psycopg.Error:  # dropped while idle: close it, try the next or a new one
                    self._close(cursor.connection)
                    continue
                return cursor
            try:
                self._tokens.pop()
            except IndexError:
                deadline = self._wait(deadline)
                continue
            try:
                return self._connect().cursor()
            except BaseException:
                self._tokens.append(0)
                raise

    def _wait(self, deadline: float | None) -> float:
        now = time.monotonic()
        if deadline is None:
            deadline = now + self._wait_seconds
        elif now >= deadline:
            raise DatabaseUnavailable(
                f"All {self.limit} of this app's database connections stayed busy for "
                f"{self._wait_seconds:g} s; nothing was saved. Please try again in a moment."
            )
        time.sleep(_WAIT_STEP_SECONDS)
        return deadline

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
            self._close(cursor.connection)

    def _close(self, connection: psycopg.Connection) -> None:
        try:
            connection.close()
        finally:
            self._tokens.append(0)

    def _connect(self) -> psycopg.Connection:
        connection = psycopg.connect(
            self._conninfo,
            autocommit=True,
            connect_timeout=5,
            application_name=self._application_name,
            options=self._options,
        )
        try:
            configure_connection(connection)
        except psycopg.Error:
            connection.close()
            raise
        return connection


class PreparedStatements:
    """Statements prepared on one connection, run through libpq (`pgconn`) in text format.

    Errors are psycopg's own exceptions (`error_from_result`), so callers handle a constraint or
    a lost connection exactly as they would from `cursor.execute`.
    """

    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection
        self._encoding = connection.info.encoding
        self._names: dict[str, bytes] = {}
        self._loaders: dict[int, Loader] = {}

    def run(self, statement: str, params: Sequence[str | None]) -> tuple[Any, ...] | None:
        pgconn = self._connection.pgconn
        name = self._names.get(statement)
        if name is None:
            name = f"ticket_office_{len(self._names)}".encode()
            self._check(pgconn.prepare(name, statement.encode(self._encoding)))
            self._names[statement] = name
        encoded = [None if p is None else p.encode(self._encoding) for p in params]
        result = self._check(pgconn.exec_prepared(name, encoded))
        if result.ntuples == 0:
            return None
        row = []
        for column in range(result.nfields):
            value = result.get_value(0, column)
            row.append(None if value is None else self._loader(result.ftype(column)).load(value))
        return tuple(row)

    def _check(self, result):
        if result.status in (ExecStatus.TUPLES_OK, ExecStatus.COMMAND_OK):
            return result
        if self._connection.pgconn.status == ConnStatus.BAD:
            # libpq's message (no SQLSTATE) for a connection that is gone; psycopg's cursors
            # raise OperationalError for it too.
            message = result.error_message.decode(self._encoding, "replace").strip()
            raise psycopg.OperationalError(message or "the connection to the server was lost")
        raise errors.error_from_result(result, encoding=self._encoding)

    def _loader(self, oid: int) -> Loader:
        loader = self._loaders.get(oid)
        if loader is None:
            adapters = self._connection.adapters
            # A type psycopg has no loader for (void, say) reads as text, as cursors do.
            kind = adapters.get_loader(oid, Format.TEXT) or adapters.get_loader(0, Format.TEXT)
            loader = self._loaders[oid] = kind(oid, self._connection)
        return loader
