"""The unit of work: one short transaction per use case, rolled back unless committed.

It also turns driver errors into typed errors: a lost or refused connection becomes
DatabaseUnavailable naming the server, so no caller ever sees a driver traceback.

Two lighter ways in, both on a pooled connection in autocommit (each statement is its own
transaction, so there is no BEGIN or COMMIT to wait for):
- `reading()`, a unit of work for use cases that only read (search, seat map);
- `call()`, for a use case that is a single statement (the sale), with no ORM session, on a
  connection from the app's pool of autocommit connections (db/statement_pool.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Protocol

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from ticket_office.domain.errors import (
    AccountInactive,
    BookingNotChangeable,
    DatabaseUnavailable,
    InvalidSegment,
    NotFound,
    PermissionDenied,
    RunNotBookable,
    SeatUnavailable,
    SessionEnded,
    TicketOfficeError,
    ValidationError,
)
from ticket_office.domain.roles import DOING
from ticket_office.services.seat_notices import SEAT_CHANNEL, SeatNotices

SessionFactory = Callable[[], Session]
_log = logging.getLogger(__name__)


class StatementConnections(Protocol):
    """What runs `UnitOfWork.call`'s statements (db.statement_pool.StatementPool)."""

    def run(self, statement: str, params: Sequence[str | None]) -> tuple[Any, ...] | None: ...


# A notification on its own is a transaction that writes no data, so its commit need not wait
# for the WAL to reach the disk (a crash loses nothing but the notice, and listeners resync on
# reconnecting anyway). Waiting would hold PostgreSQL's notify lock, which serializes every
# notifying commit, across a disk flush.
_NOTIFY_ALONE = "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)"


class UnitOfWork:
    def __init__(
        self,
        session_factory: SessionFactory,
        server: str = "the database",
        statements: StatementConnections | None = None,
        autocommit_engine: Engine | None = None,
        notices: SeatNotices | None = None,
        origin: str = "",
    ) -> None:
        self._session_factory = session_factory
        self._statements = statements
        self._autocommit_engine = autocommit_engine
        self._notices = notices
        self._origin = origin  # the desk whose change this is: it skips its own notice
        self.server = server
        self._session: Session | None = None
        self._changed_runs: set[int] = set()
        self._reading = False

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """This unit of work for a use case that only reads; never write inside it.

        Statements see their own snapshots, which a search or a seat map does not mind; what
        they save is the BEGIN and the COMMIT: a seat map is two round trips instead of four.
        """
        self._reading = self._autocommit_engine is not None
        try:
            with self:
                yield self
        finally:
            self._reading = False

    def call(self, statement: str, params: Sequence[str | None]) -> tuple[Any, ...]:
        """Run one statement as a transaction of its own and return its one row.

        For a use case that is a single statement (the sale): no ORM session, no BEGIN or
        COMMIT, and the statement is prepared on the server from its first use. Placeholders
        are $1, $2, ... and parameters are text (casts in the statement say what they are).
        Errors of the statement itself (a constraint, say) reach the caller as psycopg raised
        them.
        """
        if self._statements is None:
            raise RuntimeError("This unit of work has no connections for single statements.")
        try:
            row = self._statements.run(statement, params)
        except psycopg.Error as exc:
            translated = translate_driver_error(exc, self.server)
            if translated is None:
                raise
            raise translated from exc
        if row is None:
            raise RuntimeError("The statement returned no row.")
        return row

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("Use the unit of work inside a `with` block.")
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._reading:
            self._session = self._session_factory(bind=self._autocommit_engine)
        else:
            self._session = self._session_factory()
        self._changed_runs = set()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        try:
            if session is not None:
                if not self._reading:
                    _end_uncommitted(session, exc)
                session.close()
        except sa_exc.DBAPIError:
            pass  # the connection is gone already; the original error says why
        if exc is not None and not isinstance(exc, TicketOfficeError):
            translated = translate_database_error(exc, self.server)
            if translated is not None:
                raise translated from exc

    def seats_changed(self, *run_ids: int) -> None:
        """These runs' seats change with this unit's commit; other apps hear of it after it."""
        self._changed_runs.update(run_ids)

    def seats_changed_and_committed(self, *run_ids: int) -> None:
        """Tell other apps now: these runs' seats changed in a statement already committed."""
        if self._notices is not None:
            self._notices.changed(run_ids, self._origin)
        else:  # a factory given no statement connections (building a template) tells no one
            _log.debug("No seat change notices for runs %s: no background sender", run_ids)

    def commit(self) -> None:
        runs, self._changed_runs = self._changed_runs, set()
        self.session.commit()
        if runs:
            self.seats_changed_and_committed(*runs)

    def rollback(self) -> None:
        self.session.rollback()


_WROTE_ANYTHING = text("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")


def _end_uncommitted(session: Session, exc: BaseException | None) -> None:
    """Roll back whatever was not committed, without costing the connection its plans.

    psycopg forgets every prepared statement on ROLLBACK, and most units only read, so rolling
    them back made every sale re-plan its statements. A transaction that wrote nothing (no
    transaction id was assigned) ends with COMMIT instead: the same outcome, plans kept. Any
    write, or a database error, still means ROLLBACK.
    """
    if not session.in_transaction():
        return
    if exc is None or isinstance(exc, TicketOfficeError):
        try:
            wrote = session.execute(_WROTE_ANYTHING).scalar_one()
        except sa_exc.DBAPIError:
            wrote = True
        if not wrote:
            session.commit()
            return
    session.rollback()


def translate_database_error(exc: BaseException, server: str) -> TicketOfficeError | None:
    if (refusal := _api_refusal(getattr(exc, "orig", None))) is not None:
        return refusal
    if isinstance(exc, sa_exc.TimeoutError):  # every pooled connection stayed lent out
        return DatabaseUnavailable(
            "All of this app's database connections stayed busy; nothing was saved. Please "
            "try again in a moment."
        )
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    ):
        return _unavailable(exc, server)
    if isinstance(exc, sa_exc.DataError):
        return _out_of_range(exc)
    return None


def translate_driver_error(exc: psycopg.Error, server: str) -> TicketOfficeError | None:
    """The same translation for errors straight from psycopg (see `UnitOfWork.call`)."""
    if (refusal := _api_refusal(exc)) is not None:
        return refusal
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return _unavailable(exc, server)
    if isinstance(exc, psycopg.DataError):
        return _out_of_range(exc)
    return None


# The database API's own refusals (migrations/sql/0014_sessions.sql, 0014_operator_accounts.sql,
# 0019_changes.sql): their messages are written for the clerk. TO003 and TO008 below.
_API_REFUSALS = {
    "TO001": SessionEnded,
    "TO002": AccountInactive,
    "TO004": ValidationError,
    "TO005": PermissionDenied,
    "TO006": NotFound,
    "TO007": BookingNotChangeable,
    "TO009": RunNotBookable,
    "TO010": InvalidSegment,
}


def _api_refusal(exc: object) -> TicketOfficeError | None:
    if not isinstance(exc, psycopg.Error) or exc.sqlstate is None:
        return None
    if exc.sqlstate == "TO003":  # DETAIL the role, HINT the permission
        role, permission = exc.diag.message_detail or "", exc.diag.message_hint or ""
        what = DOING.get(permission, "do this")  # a StrEnum key is found by its value
        return PermissionDenied(f"A {role.lower()} may not {what}.")
    if exc.sqlstate == "TO008":  # DETAIL lists the seats' captions as a JSON array
        return SeatUnavailable(json.loads(exc.diag.message_detail or "[]"))
    error = _API_REFUSALS.get(exc.sqlstate)
    if error is None:
        return None
    message = exc.diag.message_primary or "Refused."
    if error is ValidationError:  # COLUMN names the field the clerk should correct
        return ValidationError(message, field=exc.diag.column_name)
    return error(message)


def _out_of_range(exc: BaseException) -> ValidationError:
    """A value the database cannot hold (a number too big, a NUL byte) that no check caught
    first: the use case's own checks should name it, but the clerk never gets a traceback."""
    _log.warning("Input refused by the database: %s", exc)
    return ValidationError(
        "Some of what was entered is out of range or contains characters that cannot be "
        "stored. Nothing was saved."
    )


def _unavailable(exc: BaseException, server: str) -> DatabaseUnavailable:
    code = getattr(getattr(exc, "orig", exc), "sqlstate", None)
    if code == "55P03":  # lock_not_available
        return DatabaseUnavailable(
            "The database is busy with these seats; please try again in a moment."
        )
    if code in ("40P01", "40001"):  # deadlock_detected, serialization_failure
        return DatabaseUnavailable(
            "Another counter was changing the same seats at the same moment; nothing was "
            "saved. Please try again."
        )
    if code == "57014":  # query_canceled by statement_timeout
        return DatabaseUnavailable("The database took too long to answer; nothing was saved.")
    return DatabaseUnavailable(
        f"Cannot reach {server}. Nothing was saved; check the connection and try again."
    )


class UnitOfWorkFactory:
    """New units of work on one database, sharing its background seat-change notices."""

    def __init__(
        self,
        session_factory: SessionFactory,
        server: str,
        statements: StatementConnections | None = None,
    ) -> None:
        bind = getattr(session_factory, "kw", {}).get("bind")
        self._session_factory = session_factory
        self._server = server
        self._statements = statements
        self._autocommit = (
            bind.execution_options(isolation_level="AUTOCOMMIT")
            if isinstance(bind, Engine)
            else None
        )
        self.notices = SeatNotices(self._send_notice) if statements is not None else None

    def __call__(self, origin: str = "") -> UnitOfWork:
        """A unit of work; `origin` names the desk whose changes it makes (see seat_notices)."""
        return UnitOfWork(
            self._session_factory,
            self._server,
            self._statements,
            self._autocommit,
            self.notices,
            origin,
        )

    def close(self) -> None:
        """Send the notices still queued; call before disposing of the engine."""
        if self.notices is not None:
            self.notices.close()

    def _send_notice(self, payload: str) -> None:
        UnitOfWork(self._session_factory, self._server, self._statements).call(
            _NOTIFY_ALONE, (SEAT_CHANNEL, payload)
        )


def make_uow_factory(
    session_factory: SessionFactory, server: str, statements: StatementConnections | None = None
) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(session_factory, server, statements)
