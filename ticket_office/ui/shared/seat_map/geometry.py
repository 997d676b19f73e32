"""Where each part of a coach goes on screen: layout math only, no painting.

A coach is drawn lying down, as on a platform display: grid rows run left to right along the
coach, grid columns top to bottom across it. A column with no seats is an aisle; a row with no
seats is a door or luggage area. Two neighbouring rows whose seats on one side of the aisle both
have the TABLE feature face each other across a table, so they are drawn further apart with the
table between them.

Every length is a multiple of the seat size, so the same layout serves any zoom and any device
pixel ratio; the widget picks the seat size that fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import QPointF, QRectF

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.seats import SeatFeature
from ticket_office.services.results import CoachInfo, SeatInfo

# Lengths in seat sizes.
ROW_GAP = 0.14
TABLE_GAP = 0.78
EMPTY_ROW = 0.6
COLUMN_GAP = 0.1
AISLE = 0.62
SIDE_PADDING = 0.3  # between the long walls and the seats
END_PADDING = 0.55  # the coach ends: vestibules
WINDOW_OVERHANG = 0.08  # window bars sit on the wall and stick out a little


class Direction(Enum):
    LEFT = (-1, 0)
    RIGHT = (1, 0)
    UP = (0, -1)
    DOWN = (0, 1)


@dataclass(frozen=True, slots=True)
class CoachGeometry:
    coach_no: int
    seat_size: float
    outline: QRectF
    seat_rects: dict[int, QRectF]
    backrest_on_left: dict[int, bool]  # which way each seat faces: its back is on this side
    tables: tuple[QRectF, ...]
    windows: tuple[QRectF, ...]
    first_class: tuple[QRectF, ...]
    _order: tuple[int, ...] = field(default=())

    @property
    def bounds(self) -> QRectF:
        """Everything drawn, window bars included."""
        overhang = WINDOW_OVERHANG * self.seat_size
        return self.outline.adjusted(0, -overhang, 0, overhang)

    @property
    def seat_ids(self) -> tuple[int, ...]:
        """Seats in reading order: along the coach, then across it."""
        return self._order

    def seat_at(self, point: QPointF) -> int | None:
        for seat_id, rect in self.seat_rects.items():
            if rect.contains(point):
                return seat_id
        return None

    def neighbour(self, seat_id: int, direction: Direction) -> int | None:
        """The seat an arrow key should move to: the nearest one that way, same lane first."""
        here = self.seat_rects[seat_id].center()
        dx, dy = direction.value
        best: tuple | None = None
        for index, other in enumerate(self._order):
            offset = self.seat_rects[other].center() - here
            along = offset.x() * dx + offset.y() * dy
            if along <= 1e-6:
                continue
            across = abs(offset.x() * dy) + abs(offset.y() * dx)
            in_lane = across < self.seat_size / 2
            key = (not in_lane, along + 2 * across, index)
            if best is None or key < best[0]:
                best = (key, other)
        return None if best is None else best[1]


def layout_coach(
    coach: CoachInfo, seat_size: float, origin: QPointF | None = None
) -> CoachGeometry:
    """Place the coach with its outline's top-left corner at `origin`."""
    origin = origin or QPointF(0, 0)
    s = seat_size
    seats = coach.seats
    rows = sorted({seat.grid_row for seat in seats}) or [0]
    columns = sorted({seat.grid_column for seat in seats}) or [0]
    seat_rows, seat_columns = set(rows), set(columns)
    table_rows = _table_pairs(seats, _blocks(columns))  # first row of a facing pair -> sides

    row_x: dict[int, float] = {}
    x = origin.x() + END_PADDING * s
    for row in range(rows[0], rows[-1] + 1):
        row_x[row] = x
        x += s if row in seat_rows else EMPTY_ROW * s
        if row != rows[-1]:
            x += (TABLE_GAP if row in table_rows else ROW_GAP) * s
    length = x + END_PADDING * s - origin.x()

    column_y: dict[int, float] = {}
    y = origin.y() + SIDE_PADDING * s
    for column in range(columns[0], columns[-1] + 1):
        column_y[column] = y
        y += s if column in seat_columns else AISLE * s
        if column != columns[-1]:
            y += COLUMN_GAP * s
    outline = QRectF(origin.x(), origin.y(), length, y + SIDE_PADDING * s - origin.y())

    seat_rects = {
        seat.seat_id: QRectF(row_x[seat.grid_row], column_y[seat.grid_column], s, s)
        for seat in seats
    }
    middle = (rows[0] + rows[-1]) / 2
    block_of = _blocks(columns)
    backrest_on_left = {
        seat.seat_id: _backrest_on_left(seat, block_of[seat.grid_column], table_rows, middle)
        for seat in seats
    }
    order = tuple(
        seat.seat_id
        for seat in sorted(seats, key=lambda seat: (seat.grid_row, seat.grid_column, seat.seat_id))
    )
    return CoachGeometry(
        coach_no=coach.coach_no,
        seat_size=s,
        outline=outline,
        seat_rects=seat_rects,
        backrest_on_left=backrest_on_left,
        tables=tuple(_tables(seats, table_rows, seat_rects, s)),
        windows=tuple(_windows(seats, columns, seat_rects, outline, s)),
        first_class=tuple(_first_class_bands(seats, row_x, outline, s)),
        _order=order,
    )


def _blocks(columns: list[int]) -> dict[int, int]:
    block_of: dict[int, int] = {}
    block = 0
    for index, column in enumerate(columns):
        if index and column > columns[index - 1] + 1:
            block += 1
        block_of[column] = block
    return block_of


def _table_pairs(seats: Iterable[SeatInfo], block_of: dict[int, int]) -> dict[int, set[int]]:
    """First row of each facing pair -> the blocks (sides of the aisle) with a table there."""
    rows_by_block: dict[int, set[int]] = {}
    for seat in seats:
        if SeatFeature.TABLE in seat.features:
            rows_by_block.setdefault(block_of[seat.grid_column], set()).add(seat.grid_row)
    pairs: dict[int, set[int]] = {}
    for block, rows in rows_by_block.items():
        ordered = sorted(rows)
        index = 0
        while index < len(ordered) - 1:
            if ordered[index + 1] == ordered[index] + 1:
                pairs.setdefault(ordered[index], set()).add(block)
                index += 2
            else:
                index += 1
    return pairs


def _backrest_on_left(
    seat: SeatInfo, block: int, table_rows: dict[int, set[int]], middle: float
) -> bool:
    """True when the seat's back is on its left. Table seats face their table; others the middle."""
    if block in table_rows.get(seat.grid_row, ()):
        return True
    if block in table_rows.get(seat.grid_row - 1, ()):
        return False
    return seat.grid_row < middle


def _tables(
    seats: Sequence[SeatInfo],
    table_rows: dict[int, set[int]],
    seat_rects: dict[int, QRectF],
    s: float,
) -> list[QRectF]:
    """A table between each facing pair, as wide as the seats that share it."""
    columns_by_side: dict[tuple[int, int], list[QRectF]] = {}
    block_of = _blocks(sorted({seat.grid_column for seat in seats}))
    for seat in seats:
        if SeatFeature.TABLE not in seat.features:
            continue
        first_row = seat.grid_row if seat.grid_row in table_rows else seat.grid_row - 1
        block = block_of[seat.grid_column]
        if block in table_rows.get(first_row, ()):
            columns_by_side.setdefault((first_row, block), []).append(seat_rects[seat.seat_id])
    tables = []
    for rects in columns_by_side.values():
        left = min(rect.right() for rect in rects)
        right = max(rect.left() for rect in rects)
        top = min(rect.top() for rect in rects)
        bottom = max(rect.bottom() for rect in rects)
        inset = 0.12 * s
        tables.append(
            QRectF(left + inset, top + inset / 2, right - left - 2 * inset, bottom - top - inset)
        )
    return sorted(tables, key=lambda rect: (rect.left(), rect.top()))


def _windows(
    seats: Sequence[SeatInfo],
    columns: list[int],
    seat_rects: dict[int, QRectF],
    outline: QRectF,
    s: float,
) -> list[QRectF]:
    bars = []
    thickness = 2 * WINDOW_OVERHANG * s
    for seat in seats:
        if SeatFeature.WINDOW not in seat.features:
            continue
        rect = seat_rects[seat.seat_id]
        near_top = seat.grid_column - columns[0] <= columns[-1] - seat.grid_column
        wall = outline.top() if near_top else outline.bottom()
        bars.append(
            QRectF(rect.left() + 0.12 * s, wall - thickness / 2, rect.width() - 0.24 * s, thickness)
        )
    return sorted(bars, key=lambda rect: (rect.left(), rect.top()))


def _first_class_bands(
    seats: Sequence[SeatInfo], row_x: dict[int, float], outline: QRectF, s: float
) -> list[QRectF]:
    """One band per run of rows holding first-class seats, wall to wall."""
    first_rows = sorted({seat.grid_row for seat in seats if seat.seat_class is SeatClass.FIRST})
    bands: list[QRectF] = []
    runs: list[list[int]] = []
    for row in first_rows:
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    all_rows = sorted(row_x)
    for run in runs:
        left = outline.left() if run[0] == all_rows[0] else row_x[run[0]] - ROW_GAP * s / 2
        right = outline.right() if run[-1] == all_rows[-1] else row_x[run[-1]] + s + ROW_GAP * s / 2
        bands.append(QRectF(left, outline.top(), right - left, outline.height()))
    return bands
