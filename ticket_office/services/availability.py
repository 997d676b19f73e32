"""The state of every seat of a run for one leg: a constant number of queries.

A run's seats and their places never change once the run exists (coach layouts are versioned,
and a run keeps the layout it was generated with), so each process keeps the layouts of recently
shown runs and builds the immutable SeatInfo of each seat's common states once. A seat map then
costs the leg check and one query for the seats taken on that leg.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.roles import Permission
from ticket_office.domain.seats import SeatFeature, SeatState
from ticket_office.services.access import require
from ticket_office.services.results import CoachInfo, OperatorContext, SeatInfo, SeatMap
from ticket_office.services.run_legs import load_leg
from ticket_office.services.unit_of_work import UnitOfWork

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

_OCCUPIED = text(
    """
    SELECT run_seat_id, NULL AS client_id, NULL::timestamptz AS expires_at
    FROM tickets
    WHERE run_id = :run AND status = 'active' AND stops && int4range(:board, :alight)
    UNION ALL
    SELECT run_seat_id, client_id, expires_at
    FROM seat_holds
    WHERE run_id = :run AND expires_at > now() AND stops && int4range(:board, :alight)
    """
)

_FEATURES = {feature.value: feature for feature in SeatFeature}


@dataclass(frozen=True, slots=True)
class _LayoutSeat:
    """One seat's place, with its FREE and TAKEN (or NOT_FOR_SALE) SeatInfo built once."""

    seat_id: int
    free: SeatInfo
    taken: SeatInfo

    @property
    def for_sale(self) -> bool:
        return self.free.state is SeatState.FREE


@dataclass(frozen=True, slots=True)
class _LayoutCoach:
    coach_no: int
    layout_name: str
    grid_rows: int
    grid_columns: int
    seats: tuple[_LayoutSeat, ...]


class _RunLayouts:
    """The layouts of the most recently shown runs, per database (thread-safe, bounded)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, int], tuple[_LayoutCoach, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, database: str, run_id: int) -> tuple[_LayoutCoach, ...]:
        key = (database, run_id)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        layout = _read_layout(session, run_id)
        with self._lock:
            self._entries[key] = layout
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return layout


_LAYOUTS = _RunLayouts()


def _read_layout(session: Session, run_id: int) -> tuple[_LayoutCoach, ...]:
    coaches: list[_LayoutCoach] = []
    seats: list[_LayoutSeat] = []
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
            seat = _LayoutSeat(
                row.id, SeatInfo(*place, SeatState.FREE), SeatInfo(*place, SeatState.TAKEN)
            )
        else:
            blocked = SeatInfo(*place, SeatState.NOT_FOR_SALE)
            seat = _LayoutSeat(row.id, blocked, blocked)
        seats.append(seat)
        if index + 1 == len(rows) or rows[index + 1].coach_no != row.coach_no:
            coaches.append(
                _LayoutCoach(
                    row.coach_no, row.layout_name, row.grid_rows, row.grid_columns, tuple(seats)
                )
            )
            seats = []
    return tuple(coaches)


def seat_map(
    uow: UnitOfWork, operator: OperatorContext, run_id: int, board: int, alight: int
) -> SeatMap:
    require(operator, Permission.SEARCH)
    params = {"run": run_id, "board": board, "alight": alight}
    with uow:
        load_leg(uow.session, run_id, board, alight)
        layout = _LAYOUTS.get(uow.session, uow.server, run_id)
        occupied = uow.session.execute(_OCCUPIED, params).all()
    sold: set[int] = set()
    holds: dict[int, tuple[str, object]] = {}
    for seat_id, client_id, expires_at in occupied:
        if client_id is None:
            sold.add(seat_id)
        else:
            holds[seat_id] = (client_id, expires_at)
    return SeatMap(
        run_id,
        board,
        alight,
        tuple(
            CoachInfo(
                coach.coach_no,
                coach.layout_name,
                coach.grid_rows,
                coach.grid_columns,
                tuple(_state(seat, sold, holds, operator.client_id) for seat in coach.seats),
            )
            for coach in layout
        ),
    )


def _state(
    seat: _LayoutSeat, sold: set[int], holds: dict[int, tuple[str, object]], client_id: str
) -> SeatInfo:
    if not seat.for_sale or seat.seat_id not in sold and seat.seat_id not in holds:
        return seat.free
    if seat.seat_id in sold:
        return seat.taken
    holder, expires_at = holds[seat.seat_id]
    state = SeatState.HELD_BY_ME if client_id and holder == client_id else SeatState.HELD
    free = seat.free
    return SeatInfo(
        free.seat_id,
        free.coach_no,
        free.label,
        free.grid_row,
        free.grid_column,
        free.seat_class,
        free.features,
        state,
        expires_at,
    )  # type: ignore[arg-type]
