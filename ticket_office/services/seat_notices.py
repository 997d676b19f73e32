"""Telling other apps' seat maps which runs changed, after the commit, in the background.

Every commit that changes a seat (a sale, a hold, a cancellation, a change) hands its run ids
to `SeatNotices.changed` and returns; a background thread sends them as one
`NOTIFY seat_changes, '<id>,<id>,...'` a moment later, in a transaction of its own.

Why not NOTIFY inside the transaction: PostgreSQL holds its notify lock from a notifying
commit until that commit's WAL reaches the disk, so notifying commits queue behind each other's
disk flushes. Why not right after the commit, on the use case's own connection: that is a
second round trip per sale, paid by the clerk waiting for the ticket. Why batch: under load one
NOTIFY covers every run changed within `BATCH_SECONDS`, and a listener re-reads a seat map
once per notice anyway. A notice carries no data, so one lost to a crash loses nothing:
listeners also re-read everything when they reconnect.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

_log = logging.getLogger(__name__)

SEAT_CHANNEL = "seat_changes"  # db/notifications.py listens on it
# Long enough for a busy office's sales to share a notice (each is a wake-up and a transaction,
# ~0.2 ms of client and server CPU: at 0.05 s, 16 busy clerks sent 320 a second), short enough
# that no clerk sees the delay.
BATCH_SECONDS = 0.2
RUNS_PER_NOTICE = 500  # a NOTIFY payload must stay under 8,000 bytes
Send = Callable[[str], None]


class SeatNotices:
    def __init__(self, send: Send, batch_seconds: float = BATCH_SECONDS) -> None:
        self._send = send
        self._batch_seconds = batch_seconds
        self._pending: set[int] = set()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._closed = threading.Event()  # cuts a batch's wait short, as new changes do not

    def changed(self, run_ids: Iterable[int]) -> None:
        """Queue notices for these runs (committed already); never blocks on the network."""
        with self._changed:
            if self._closing:
                return
            first_of_batch = not self._pending
            self._pending.update(run_ids)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="seat notices", daemon=True)
                self._thread.start()
            if first_of_batch:  # later changes of a batch find the thread awake already
                self._changed.notify()

    def close(self, timeout: float = 2.0) -> None:
        """Send what is queued, then stop the thread."""
        with self._changed:
            self._closing = True
            self._closed.set()
            self._changed.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._pending and not self._closing:
                    self._changed.wait()
                closing = self._closing
            if not closing:
                self._closed.wait(self._batch_seconds)  # runs changed meanwhile share the notice
            with self._changed:
                runs, self._pending = self._pending, set()
                closing = self._closing
            if runs:
                self._send_now(runs)
            if closing:
                return

    def _send_now(self, runs: set[int]) -> None:
        for payload in payloads(runs):
            try:
                self._send(payload)
            except Exception as exc:
                _log.warning("Seat change notice for runs %s not sent: %s", payload, exc)


def payloads(run_ids: Iterable[int]) -> list[str]:
    """The NOTIFY payloads for these runs: '<id>,<id>,...', each within NOTIFY's limit."""
    ordered = sorted(set(run_ids))
    return [
        ",".join(str(run) for run in ordered[start : start + RUNS_PER_NOTICE])
        for start in range(0, len(ordered), RUNS_PER_NOTICE)
    ]
