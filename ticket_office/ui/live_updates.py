"""Live seat updates: the app's one LISTEN connection, woken by its socket.

A QSocketNotifier watches the listener's socket; when the server sends a notification the
socket becomes readable, Qt calls `_on_readable`, and `drain()` (non-blocking) returns the
notices heard, emitted as `changesHeard`: each names the runs changed and the desk that changed
them, so a desk can skip its own echo (`runs_changed_by_others`). Nothing polls: the only
timer schedules reconnect attempts after the connection is lost (1 s, 2 s, 5 s, then every
10 s). Connecting is a blocking network call, so it runs on the task runner; the notifier is
made back on the GUI thread. After a reconnect `reconnected` fires, because notifications sent
while offline are lost and whatever is on screen must be read again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.services.seat_notices import SeatNotice, origin_of
from ticket_office.ui.tasks import TaskRunner

_log = logging.getLogger(__name__)

BACKOFF_MS: tuple[int, ...] = (1_000, 2_000, 5_000, 10_000)
# After this many failed attempts in a row the desk says "offline" rather than "reconnecting".
OFFLINE_AFTER = 3


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


class ChangeListener(Protocol):
    """What `Backend.change_listener()` returns."""

    connected: bool

    def connect(self) -> None: ...
    def fileno(self) -> int: ...
    def drain(self) -> list[SeatNotice]: ...
    def close(self) -> None: ...


class LiveUpdates(QObject):
    changesHeard = Signal(object)  # list[SeatNotice]: runs whose seats changed, and by whom
    stateChanged = Signal(str)  # a ConnectionState value
    reconnected = Signal()

    def __init__(
        self,
        listener: ChangeListener,
        tasks: TaskRunner,
        parent: QObject | None = None,
        *,
        backoff_ms: Sequence[int] = BACKOFF_MS,
    ) -> None:
        super().__init__(parent)
        self._listener = listener
        self._tasks = tasks
        self._backoff = tuple(backoff_ms)
        self._notifier: QSocketNotifier | None = None
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._connect)
        self._state = ConnectionState.OFFLINE
        self._failures = 0
        self._ever_connected = False
        self._connecting = False
        self._running = False

    @property
    def state(self) -> ConnectionState:
        return self._state

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._set_state(ConnectionState.CONNECTING)
        self._connect()

    def stop(self) -> None:
        self._running = False
        self._retry.stop()
        self._drop_notifier()
        self._listener.close()
        self._set_state(ConnectionState.OFFLINE)

    # --- connecting ----------------------------------------------------------------------------

    def _connect(self) -> None:
        if not self._running or self._connecting:
            return
        self._connecting = True
        self._tasks.run(
            self._listener.connect, done=self._on_connected, failed=self._on_connect_failed
        )

    def _on_connected(self, _result: object) -> None:
        self._connecting = False
        if not self._running:
            self._listener.close()
            return
        try:
            socket = self._listener.fileno()
        except DatabaseUnavailable:
            self._lost()
            return
        self._drop_notifier()
        self._notifier = QSocketNotifier(socket, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        self._failures = 0
        was_lost = self._ever_connected
        self._ever_connected = True
        self._set_state(ConnectionState.CONNECTED)
        if was_lost:
            self.reconnected.emit()

    def _on_connect_failed(self, error: BaseException) -> None:
        self._connecting = False
        _log.info("Live updates: connecting failed: %s", error)
        self._lost()

    # --- listening -----------------------------------------------------------------------------

    def _on_readable(self) -> None:
        try:
            notices = self._listener.drain()
        except DatabaseUnavailable as error:
            _log.info("Live updates: %s", error)
            self._lost()
            return
        if not self._listener.connected:
            self._lost()
            return
        if notices:
            self.changesHeard.emit(notices)

    def _lost(self) -> None:
        self._drop_notifier()
        self._listener.close()
        if not self._running:
            return
        self._failures += 1
        self._set_state(
            ConnectionState.OFFLINE
            if self._failures > OFFLINE_AFTER
            else ConnectionState.RECONNECTING
        )
        delay = self._backoff[min(self._failures - 1, len(self._backoff) - 1)]
        self._retry.start(delay)

    def _drop_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.activated.disconnect(self._on_readable)
            self._notifier.deleteLater()
            self._notifier = None

    def _set_state(self, state: ConnectionState) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state.value)


def runs_changed_by_others(notices: Sequence[SeatNotice], client_id: str) -> set[int]:
    """The runs some other desk than the login `client_id` changed: a desk has shown its own
    changes already."""
    own_origin = origin_of(client_id)
    return {
        run
        for notice in notices
        if not own_origin or notice.origin != own_origin
        for run in notice.run_ids
    }
