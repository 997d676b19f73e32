"""Keeping the clerk's holds equal to the seat map selection.

Every selection change restarts a short debounce; then one `set_holds` call makes the holds
exactly the selected seats. Calls never overlap: a change that arrives while one runs is sent
when it returns (only the newest wish counts). Leaving the leg releases its holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ticket_office.domain.errors import SeatUnavailable
from ticket_office.ui.desk import DeskContext

if TYPE_CHECKING:  # the UI receives these; importing them would load the database stack early
    from ticket_office.services.holds import HoldResult

DEBOUNCE_MS = 150


@dataclass(frozen=True, slots=True)
class Leg:
    run_id: int
    board: int
    alight: int


class SeatHolder(QObject):
    held = Signal(object)  # HoldResult: what is held now
    refused = Signal(object)  # SeatUnavailable: someone else has one of the seats
    failed = Signal(object)  # any other error

    def __init__(
        self,
        desk: DeskContext,
        parent: QObject | None = None,
        *,
        debounce_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self._services, self._tasks, self._operator = desk.counter, desk.tasks, desk.operator
        self._leg: Leg | None = None
        self._wanted: tuple[int, ...] = ()
        self._held: tuple[int, ...] = ()  # what the server holds for us on `_leg`
        self._in_flight = False
        self._after_flight: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.flush)

    @property
    def leg(self) -> Leg | None:
        return self._leg

    def held_seat_ids(self) -> tuple[int, ...]:
        return self._held

    def busy(self) -> bool:
        return self._in_flight or self._timer.isActive()

    def set_leg(self, leg: Leg | None) -> None:
        """Hold on another run or leg; the previous one's holds are released."""
        if leg == self._leg:
            return
        self._timer.stop()
        old, had = self._leg, bool(self._held)
        self._leg, self._wanted, self._held = leg, (), ()
        if old is not None and had:
            self._tasks.run(
                self._services.release_holds,
                old.run_id,
                done=lambda _n: None,
                failed=self._report,
            )

    def want(self, seat_ids: Sequence[int]) -> None:
        """The selection changed: hold exactly these seats after the debounce."""
        self._wanted = tuple(seat_ids)
        self._timer.start()

    def flush(self, then: Callable[[], None] | None = None) -> None:
        """Send the newest wish now (if it differs from what is held); `then` runs after."""
        self._timer.stop()
        if then is not None:
            self._after_flight.append(then)
        if self._in_flight:
            return  # `_landed` sends again if needed and runs `then`
        if self._leg is None or self._holds_wanted():
            self._run_waiting()
            return
        leg, wanted = self._leg, self._wanted
        self._in_flight = True
        self._tasks.run(
            self._services.set_holds,
            leg.run_id,
            leg.board,
            leg.alight,
            list(wanted),
            done=lambda result: self._landed(leg, result, None),
            failed=lambda error: self._landed(leg, None, error),
        )

    def forget(self) -> None:
        """The holds became tickets (a sale ends them on the server)."""
        self._timer.stop()
        self._wanted, self._held = (), ()

    def release(self) -> None:
        """End every hold on the current leg (closing the seat map, a new sale)."""
        self._timer.stop()
        self._wanted = ()
        if self._held or self._in_flight:
            self.flush()

    def _landed(self, leg: Leg, result: HoldResult | None, error: BaseException | None) -> None:
        self._in_flight = False
        if leg == self._leg:
            if result is not None:
                self._held = tuple(result.seat_ids)
                self.held.emit(result)
            elif isinstance(error, SeatUnavailable):
                self.refused.emit(error)
            else:
                self._report(error)
        elif result is not None and result.seat_ids:
            # The clerk moved to another train while this call ran: give these seats back.
            self._tasks.run(
                self._services.release_holds,
                leg.run_id,
                done=lambda _n: None,
                failed=self._report,
            )
        if error is None and self._leg is not None and not self._holds_wanted():
            self.flush()
        else:
            self._run_waiting()

    def _holds_wanted(self) -> bool:
        # As sets: the server answers in seat order, the clerk picks in any order. Compared as
        # tuples, seats picked right to left never matched and the holder wrote them again and
        # again, 136 commits a second, until a seat was released.
        return set(self._wanted) == set(self._held)

    def _run_waiting(self) -> None:
        waiting, self._after_flight = self._after_flight, []
        for callback in waiting:
            callback()

    def _report(self, error: BaseException) -> None:
        self.failed.emit(error)
