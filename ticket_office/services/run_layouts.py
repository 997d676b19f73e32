"""The seats of a run, read once per process: their places, classes and what each looks like.

A run's seats never change once the run exists (coach layouts are versioned, and a run keeps
the layout it was generated with), so each process keeps the layouts of recently used runs.
The seat map builds on the immutable SeatInfo of each seat's common states, and the sale
prices a party from the seats' classes without asking the server (which re-checks them under
the seat locks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.seats import SeatFeature, SeatState, seat_caption
from ticket_office.services.recent import RecentlyUsed
from ticket_office.services.results import SeatInfo

_SEATS = text(
    """
    SELECT rs.id, rs.coach_no, cl.name AS layout_name, cl.grid_rows, cl.grid_columns,
           ls.label, ls.grid_row, ls.grid_column, ls.seat_class, ls.features, ls.for_sale
    FROM run_seats rs
    JOIN layout_seats ls ON ls.id = rs.layout_seat_id
    JOIN coach_layouts cl ON cl.id = ls.layout_id
    WHERE rs.run_id = :run
    ORDER BY rs.coach_no, ls.grid_row, ls.grid_column
    """
)

_FEATURES = {feature.value: feature for feature in SeatFeature}


@dataclass(frozen=True, slots=True)
class LayoutSeat:
    """One seat's place, with its FREE and TAKEN (or NOT_FOR_SALE) SeatInfo built once."""

    seat_id: int
    free: SeatInfo
    taken: SeatInfo

    @property
    def for_sale(self) -> bool:
        return self.free.state is SeatState.FREE

    @property
    def caption(self) -> str:
        return seat_caption(self.free.coach_no, self.free.label)


@dataclass(frozen=True, slots=True)
class LayoutCoach:
    coach_no: int
    layout_name: str
    grid_rows: int
    grid_columns: int
    seats: tuple[LayoutSeat, ...]


@dataclass(frozen=True, slots=True)
class RunLayout:
    coaches: tuple[LayoutCoach, ...]
    seats_by_id: dict[int, LayoutSeat] = field(hash=False, compare=False)

    @classmethod
    def of(cls, coaches: tuple[LayoutCoach, ...]) -> RunLayout:
        return cls(coaches, {seat.seat_id: seat for coach in coaches for seat in coach.seats})


class _RunLayouts:
    """The layouts of the most recently used runs, per database."""

    def __init__(self, size: int = 64) -> None:
        self._entries: RecentlyUsed[tuple[str, int], RunLayout] = RecentlyUsed(size)

    def get(self, session: Session, database: str, run_id: int) -> RunLayout:
        return self._entries.get((database, run_id), lambda: _read_layout(session, run_id))

    def cached(self, database: str, run_id: int) -> RunLayout | None:
        return self._entries.peek((database, run_id))

    def forget(self, database: str, run_id: int) -> None:
        self._entries.forget(lambda key: key == (database, run_id))


RUN_LAYOUTS = _RunLayouts()


def _read_layout(session: Session, run_id: int) -> RunLayout:
    coaches: list[LayoutCoach] = []
    seats: list[LayoutSeat] = []
    rows = session.execute(_SEATS, {"run": run_id}).all()
    for index, row in enumerate(rows):
        place = (
            row.id,
            row.coach_no,
            row.label,
            row.grid_row,
            row.grid_column,
            SeatClass(row.seat_class),
            frozenset(_FEATURES[f] for f in row.features if f in _FEATURES),
        )
        if row.for_sale:
            seat = LayoutSeat(
                row.id, SeatInfo(*place, SeatState.FREE), SeatInfo(*place, SeatState.TAKEN)
            )
        else:
            blocked = SeatInfo(*place, SeatState.NOT_FOR_SALE)
            seat = LayoutSeat(row.id, blocked, blocked)
        seats.append(seat)
        if index + 1 == len(rows) or rows[index + 1].coach_no != row.coach_no:
            coaches.append(
                LayoutCoach(
                    row.coach_no, row.layout_name, row.grid_rows, row.grid_columns, tuple(seats)
                )
            )
            seats = []
    return RunLayout.of(tuple(coaches))
