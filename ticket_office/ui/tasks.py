"""Running service calls off the GUI thread.

Every database call from the UI goes through a TaskRunner:
`run(fn, *args, owner=..., latest=..., done=..., failed=...)` runs `fn` on a QThreadPool worker
and delivers the result (or the raised exception) back on the GUI thread by a queued signal.

- `owner` (a widget or dialog) ties the call to it: an answer that arrives after the owner was
  destroyed, or after the owner dialog finished, is dropped, so no callback runs on a dead page.
- `latest` names a slot of that owner ("search", "seat map", "quote"): only the newest call in a
  slot is delivered, so a superseded search or seat-map load never paints over a newer one.

`busyChanged(bool)` lets the window show that it is working while any call runs;
`accountRefused(str)` tells it that the server refused the operator's account (deactivated
since signing in) or session (signed out elsewhere, expired, or ended by a password reset),
whichever call found out.

Tests use `SettledTaskRunner`: the same queued delivery, owners and slots, the call on the
calling thread, and `run` returning once its answer was delivered, so a test reads like the
clerk's steps.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QDialog

from ticket_office.domain.errors import AccountInactive, SessionEnded

_log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


@dataclass(slots=True)
class _Call:
    number: int
    owner: QObject | None
    slot: tuple[int, Hashable] | None
    done: Done | None
    failed: Failed | None
    delivered: bool = False


class _Relay(QObject):
    """Lives on the GUI thread; its signal carries a worker's outcome back there."""

    finished = Signal(object, object, bool)  # _Call, value, is_error


class _Job(QRunnable):
    def __init__(self, relay: _Relay, call: _Call, fn: Callable[..., Any], args, kwargs) -> None:
        super().__init__()
        self._relay, self._call, self._fn, self._args, self._kwargs = relay, call, fn, args, kwargs

    def run(self) -> None:
        try:
            value = self._fn(*self._args, **self._kwargs)
        except BaseException as exc:
            self._relay.finished.emit(self._call, exc, True)
        else:
            self._relay.finished.emit(self._call, value, False)


class TaskRunner(QObject):
    busyChanged = Signal(bool)
    failed = Signal(object)  # exceptions without a `failed` callback of their own
    accountRefused = Signal(str)  # any call refused: account deactivated or session ended

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relay = _Relay(self)
        # Queued even when emitted on the GUI thread: an answer is never delivered inside the call.
        self._relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._numbers = itertools.count(1)
        self._running = 0
        self._newest: dict[tuple[int, Hashable], int] = {}  # slot -> newest call's number
        self._retired: set[int] = set()  # ids of owner dialogs that finished
        self._watched: set[int] = set()

    @property
    def busy(self) -> bool:
        return self._running > 0

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        owner: QObject | None = None,
        latest: Hashable | None = None,
        done: Done | None = None,
        failed: Failed | None = None,
        **kwargs: Any,
    ) -> None:
        self._pool.start(
            _Job(self._relay, self._register(owner, latest, done, failed), fn, args, kwargs)
        )

    def drop(self, owner: QObject, latest: Hashable) -> None:
        """The call in flight in this slot answers a question no longer asked: drop it."""
        self._newest.pop((id(owner), latest), None)

    def wait_for_idle(self, msecs: int = 10_000) -> bool:
        """Block until queued work has run (for shutdown and tests)."""
        return self._pool.waitForDone(msecs)

    def _register(
        self,
        owner: QObject | None,
        latest: Hashable | None,
        done: Done | None,
        failed: Failed | None,
    ) -> _Call:
        if latest is not None and owner is None:
            raise ValueError("a 'latest' slot belongs to an owner")
        number = next(self._numbers)
        slot = (id(owner), latest) if latest is not None else None
        if slot is not None:
            self._newest[slot] = number
        if owner is not None:
            self._watch(owner)
        self._running += 1
        if self._running == 1:
            self.busyChanged.emit(True)
        return _Call(number, owner, slot, done, failed)

    def _watch(self, owner: QObject) -> None:
        key = id(owner)
        self._retired.discard(key)  # a reopened dialog takes calls again
        if key in self._watched:
            return
        self._watched.add(key)
        if isinstance(owner, QDialog):
            owner.finished.connect(lambda _result, key=key: self._retired.add(key))
        owner.destroyed.connect(lambda _obj=None, key=key: self._forget(key))

    def _forget(self, key: int) -> None:
        self._watched.discard(key)
        self._retired.discard(key)
        for slot in [slot for slot in self._newest if slot[0] == key]:
            del self._newest[slot]

    def _wanted(self, call: _Call) -> bool:
        owner = call.owner
        if owner is not None and (not shiboken6.isValid(owner) or id(owner) in self._retired):
            return False
        if call.slot is not None:
            if self._newest.get(call.slot) != call.number:
                return False
            del self._newest[call.slot]
        return True

    @Slot(object, object, bool)
    def _deliver(self, call: _Call, value: Any, is_error: bool) -> None:
        call.delivered = True
        try:
            if is_error and not isinstance(value, Exception):
                raise value  # KeyboardInterrupt or SystemExit: do not swallow
            if is_error and isinstance(value, AccountInactive | SessionEnded):
                self.accountRefused.emit(str(value))
            if not self._wanted(call):
                _log.debug(
                    "Dropped the answer of call %d: superseded or its owner is gone", call.number
                )
                return
            callback = call.failed if is_error else call.done
            if callback is not None:
                callback(value)
            elif is_error:
                self.failed.emit(value)
        finally:
            self._running -= 1
            if self._running == 0:
                self.busyChanged.emit(False)


class SettledTaskRunner(TaskRunner):
    """For tests: the app's delivery (the queued signal, owners and slots), but each call runs
    on the calling thread and `run` returns once its answer was delivered from the event queue.

    Not a worker thread: with the calls on workers, one whole-suite run in about five ended in a
    heap corruption inside Qt (seen after sign-in tests, bcrypt on a worker). The threads
    themselves are tested with the real runner (tests/ui/test_tasks.py).
    """

    def __init__(self, parent: QObject | None = None, *, timeout_ms: int = 30_000) -> None:
        super().__init__(parent)
        self._timeout_ms = timeout_ms

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        owner: QObject | None = None,
        latest: Hashable | None = None,
        done: Done | None = None,
        failed: Failed | None = None,
        **kwargs: Any,
    ) -> None:
        call = self._register(owner, latest, done, failed)
        _Job(self._relay, call, fn, args, kwargs).run()  # its answer waits in the event queue
        deadline = time.monotonic() + self._timeout_ms / 1000
        while not call.delivered and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if not call.delivered:
            raise TimeoutError(
                f"{getattr(fn, '__name__', fn)} was not delivered in {self._timeout_ms} ms"
            )
