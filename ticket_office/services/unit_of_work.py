"""The unit of work: one short transaction per use case, rolled back unless committed.

It also turns driver errors into typed errors: a lost or refused connection becomes
DatabaseUnavailable naming the server, so no caller ever sees a driver traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.orm import Session

from ticket_office.domain.errors import DatabaseUnavailable, TicketOfficeError

SessionFactory = Callable[[], Session]


class UnitOfWork:
    def __init__(self, session_factory: SessionFactory, server: str = "the database") -> None:
        self._session_factory = session_factory
        self.server = server
        self._session: Session | None = None
        self._notifications: list[tuple[str, str]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("Use the unit of work inside a `with` block.")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        self._notifications = []
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
                _end_uncommitted(session, exc)
                session.close()
        except sa_exc.DBAPIError:
            pass  # the connection is gone already; the original error says why
        if exc is not None and not isinstance(exc, TicketOfficeError):
            translated = translate_database_error(exc, self.server)
            if translated is not None:
                raise translated from exc

    def notify(self, channel: str, payload: str) -> None:
        """Queue a NOTIFY sent with the commit (PostgreSQL delivers it only if we commit)."""
        self._notifications.append((channel, payload))

    def commit(self) -> None:
        for channel, payload in dict.fromkeys(self._notifications):
            self.session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": channel, "payload": payload},
            )
        self._notifications = []
        self.session.commit()

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
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or (
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    ):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if code == "55P03":  # lock_not_available
            return DatabaseUnavailable(
                "The database is busy with these seats; please try again in a moment."
            )
        if code == "57014":  # query_canceled by statement_timeout
            return DatabaseUnavailable("The database took too long to answer; nothing was saved.")
        return DatabaseUnavailable(
            f"Cannot reach {server}. Nothing was saved; check the connection and try again."
        )
    return None


def make_uow_factory(session_factory: SessionFactory, server: str) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(session_factory, server)
