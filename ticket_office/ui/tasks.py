"""Running service calls off the GUI thread.

Every database call from the UI goes through a TaskRunner: `run(fn, *args, done=..., failed=...)`
runs `fn` on a QThreadPool worker and delivers the result (or the raised exception) back on the
GUI thread by a queued signal. Tests inject `ImmediateTaskRunner`, which runs the call at once
on the calling thread, so a test reads like the user's steps.

`busyChanged(bool)` lets the window show that it is working while any call runs;
`accountRefused(str)` tells it that the server refused the operator's account (deactivated
since signing in), whichever call found out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from ticket_office.domain.errors import AccountInactive

_log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class _Relay(QObject):
    """Lives on the GUI thread; its signals carry a worker's outcome back there."""

    finished = Signal(object, object, object)  # callback, value, is_error


class _Job(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        fn: Callable[..., Any],
        args: tuple,
        kwargs: dict,
        done: Done | None,
        failed: Failed | None,
    ) -> None:
        super().__init__()
        self._relay, self._fn, self._args, self._kwargs = relay, fn, args, kwargs
        self._done, self._failed = done, failed

    def run(self) -> None:
        try:
            value = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:
            self._relay.finished.emit(self._failed, exc, True)
        else:
            self._relay.finished.emit(self._done, value, False)


class TaskRunner(QObject):
    busyChanged = Signal(bool)
    failed = Signal(object)  # exceptions without a `failed` callback of their own
    accountRefused = Signal(str)  # any call refused because the account was deactivated

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver)
        self._running = 0

    @property
    def busy(self) -> bool:
        return self._running > 0

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: Done | None = None,
        failed: Failed | None = None,
        **kwargs: Any,
    ) -> None:
        self._started()
        self._pool.start(_Job(self._relay, fn, args, kwargs, done, failed))

    def wait_for_idle(self, msecs: int = 10_000) -> bool:
        """Block until queued work has run (for shutdown and tests)."""
        return self._pool.waitForDone(msecs)

    def _started(self) -> None:
        self._running += 1
        if self._running == 1:
            self.busyChanged.emit(True)

    def _finished(self) -> None:
        self._running -= 1
        if self._running == 0:
            self.busyChanged.emit(False)

    @Slot(object, object, object)
    def _deliver(self, callback: Callable[[Any], None] | None, value: Any, is_error: bool) -> None:
        try:
            if is_error and not isinstance(value, Exception):
                raise value  # KeyboardInterrupt or SystemExit: do not swallow
            if callback is not None:
                callback(value)
            elif is_error:
                self.failed.emit(value)
            if is_error and isinstance(value, AccountInactive):
                self.accountRefused.emit(str(value))
        finally:
            self._finished()


class ImmediateTaskRunner(TaskRunner):
    """Runs each call synchronously on the calling thread: for tests."""

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: Done | None = None,
        failed: Failed | None = None,
        **kwargs: Any,
    ) -> None:
        self._started()
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:
            self._deliver(failed, exc, True)
        else:
            self._deliver(done, value, False)

    def wait_for_idle(self, msecs: int = 10_000) -> bool:
        return True
