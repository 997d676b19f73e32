"""Telling other apps' seat maps which runs changed, after the commit, in the background.

Every commit that changes a seat (a sale, a hold, a cancellation, a change) hands its run ids
and the desk it came from to `SeatNotices.changed` and returns; a background thread sends them
as one `NOTIFY seat_changes, '<origin>:<id>,<id>,...'` per desk a moment later, in a transaction
of its own.

Why the origin: the desk that made a change has already shown it (its holds are its selection,
it reloads after its own sale), so its listener skips its own notices; without that each seat
click cost a hold write, then a seat-map reload and a search for its own echo. The origin is a
hash of the login's client id, so the token that owns a desk's holds is never broadcast.

Why not NOTIFY inside the transaction: PostgreSQL holds its notify lock from a notifying
commit until that commit's WAL reaches the disk, so notifying commits queue behind each other's
disk flushes. Why not right after the commit, on the use case's own connection: that is a
second round trip per sale, paid by the clerk waiting for the ticket. Why batch: under load one
NOTIFY covers every run changed within `BATCH_SECONDS`, and a listener re-reads a seat map
once per notice anyway. A notice carries no data, so one lost to a crash loses nothing:
listeners also re-read everything when they reconnect.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_log = logging.getLogger(__name__)

SEAT_CHANNEL = "seat_changes"  # db/notifications.py listens on it
# Long enough for a busy office's sales to share a notice (each is a wake-up and a transaction,
# ~0.2 ms of client and server CPU: at 0.05 s, 16 busy clerks sent 320 a second), short enough
# that no clerk sees the delay.
BATCH_SECONDS = 0.2
RUNS_PER_NOTICE = 500  # a NOTIFY payload must stay under 8,000 bytes
Send = Callable[[str], None]
_ORIGIN_LENGTH = 16
_PAYLOAD = re.compile(r"(?:([0-9a-f]{1,64}):)?([0-9]{1,10}(?:,[0-9]{1,10})*)")


def origin_of(client_id: str) -> str:
    """The desk's name in notices: '' (nobody's) for a caller with no login."""
    if not client_id:
        return ""
    return hashlib.sha256(client_id.encode()).hexdigest()[:_ORIGIN_LENGTH]


@dataclass(frozen=True, slots=True)
class SeatNotice:
    """One notice as heard: these runs changed, at the desk `origin` ('' when unknown)."""

    origin: str
    run_ids: frozenset[int]


def parse_notice(payload: str) -> SeatNotice | None:
    """The notice in a payload, or None for one this app did not write (it is ignored)."""
    match = _PAYLOAD.fullmatch(payload)
    if match is None:
        return None
    origin, runs = match.group(1) or "", match.group(2)
    return SeatNotice(origin, frozenset(int(run) for run in runs.split(",")))


class SeatNotices:
    def __init__(self, send: Send, batch_seconds: float = BATCH_SECONDS) -> None:
        self._send = send
        self._batch_seconds = batch_seconds
        self._pending: dict[str, set[int]] = {}  # origin -> runs it changed
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._closed = threading.Event()  # cuts a batch's wait short, as new changes do not

    def changed(self, run_ids: Iterable[int], origin: str = "") -> None:
        """Queue notices for these runs (committed already) changed by the desk `origin`;
        never blocks on the network."""
        with self._changed:
            if self._closing:
                return
            first_of_batch = not self._pending
            self._pending.setdefault(origin, set()).update(run_ids)
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
                pending, self._pending = self._pending, {}
                closing = self._closing
            for origin, runs in sorted(pending.items()):
                self._send_now(runs, origin)
            if closing:
                return

    def _send_now(self, runs: set[int], origin: str) -> None:
        for payload in payloads(runs, origin):
            try:
                self._send(payload)
            except Exception as exc:
                _log.warning("Seat change notice for runs %s not sent: %s", payload, exc)


def payloads(run_ids: Iterable[int], origin: str = "") -> list[str]:
    """The NOTIFY payloads for these runs: '<origin>:<id>,<id>,...' (or, from no desk,
    '<id>,<id>,...'), each within NOTIFY's limit."""
    ordered = sorted(set(run_ids))
    prefix = f"{origin}:" if origin else ""
    return [
        prefix + ",".join(str(run) for run in ordered[start : start + RUNS_PER_NOTICE])
        for start in range(0, len(ordered), RUNS_PER_NOTICE)
    ]
