"""The seat change feed: one dedicated LISTEN connection per app.

Services send `NOTIFY seat_changes, '<origin>:<run id>,<run id>,...'` after commits that change
seats (services/seat_notices.py). The app watches this connection's socket (`fileno`) and calls
`drain` when it becomes readable, so no loop polls the server. A payload this app did not write
is logged and skipped: it must not cost the genuine notices of the same batch. Errors surface as
DatabaseUnavailable; the caller reconnects.
"""

from __future__ import annotations

import logging

import psycopg

from ticket_office.db.engine import libpq_url
from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.services.seat_notices import SEAT_CHANNEL, SeatNotice, parse_notice

_log = logging.getLogger(__name__)


class SeatChangeListener:
    def __init__(self, url: str) -> None:
        self._conninfo = libpq_url(url)
        self._conn: psycopg.Connection | None = None

    def connect(self) -> None:
        self.close()
        try:
            self._conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=5,
                application_name="ticket-office listener",
                # A listener only ever reads, so a silently dropped network would look idle
                # forever; keepalives turn it into a socket error within about 25 seconds.
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
            )
            self._conn.execute(f"LISTEN {SEAT_CHANNEL}")
        except psycopg.Error as exc:
            self._conn = None
            raise DatabaseUnavailable(f"Live updates are offline: {exc}".strip()) from exc

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def fileno(self) -> int:
        if self._conn is None:
            raise DatabaseUnavailable("Live updates are offline.")
        return self._conn.fileno()

    def drain(self) -> list[SeatNotice]:
        """The notices heard since the last call; never blocks."""
        if self._conn is None:
            raise DatabaseUnavailable("Live updates are offline.")
        notices: list[SeatNotice] = []
        try:
            for note in self._conn.notifies(timeout=0):
                notice = parse_notice(note.payload)
                if notice is None:
                    _log.warning("Ignored a seat notice not from this app: %r", note.payload[:80])
                else:
                    notices.append(notice)
        except psycopg.Error as exc:
            self.close()
            raise DatabaseUnavailable("Live updates lost the connection.") from exc
        return notices

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
