"""The search results as a table: a thin adapter over `list[JourneyOption]`.

Times are local to each station. When origin and destination lie in different time zones the
zone abbreviation is shown ("14:35 CET"), and an arrival on a later day gets "+1". Sorting
goes through `SORT_ROLE` (timestamps, minutes, counts), never through the displayed text.
Trains that cannot be sold stay listed, greyed, with the reason in their departure cell
("departed") and in full as tooltip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import IntEnum

from PySide6.QtCore import (
    QCoreApplication,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from ticket_office.services.results import JourneyOption
from ticket_office.ui.dates import time_text
from ticket_office.ui.row_table_model import SORT_ROLE, Index, RowTableModel

JOURNEY_ROLE = Qt.ItemDataRole.UserRole + 2


class Column(IntEnum):
    TRAIN = 0
    DEPARTS = 1
    ARRIVES = 2
    DURATION = 3
    FIRST_FREE = 4
    STANDARD_FREE = 5


_HEADERS = {
    Column.TRAIN: "Train",
    Column.DEPARTS: "Departs",
    Column.ARRIVES: "Arrives",
    Column.DURATION: "Duration",
    Column.FIRST_FREE: "First free",
    Column.STANDARD_FREE: "Standard free",
}

_NUMBER = re.compile(r"(\d+)")


def train_sort_key(train_number: str) -> str:
    """'IC 98' before 'IC 500': numbers compare as numbers."""
    return _NUMBER.sub(lambda match: match.group(1).zfill(8), train_number.casefold())


def _tr(text: str) -> str:
    return QCoreApplication.translate("JourneyTableModel", text)


def local_time_text(moment: datetime, *, with_zone: bool, day_offset: int = 0) -> str:
    text = time_text(moment, zone=with_zone)
    if day_offset:
        text += f" +{day_offset}"
    return text


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return _tr("{0} h {1:02d}").format(hours, rest) if hours else _tr("{0} min").format(rest)


def not_bookable_reason(journey: JourneyOption, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if journey.departs_at <= now:
        return _tr("This train has already departed; it can no longer be sold.")
    return _tr("Sales for this train are not open yet.")


def not_bookable_note(journey: JourneyOption, now: datetime | None = None) -> str:
    """The reason in a word or two, shown in the row itself (the tooltip has the sentence)."""
    now = now or datetime.now(UTC)
    return _tr("departed") if journey.departs_at <= now else _tr("not on sale yet")


class JourneyTableModel(RowTableModel[JourneyOption]):
    def __init__(self, parent=None, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(Column, _HEADERS, _tr, parent)
        self._clock = clock or (lambda: datetime.now(UTC))

    # --- data in -------------------------------------------------------------------------------

    def set_journeys(self, journeys: Sequence[JourneyOption]) -> None:
        """Replace the rows; the same trains in the same order update in place (the view keeps
        its current row and scroll position during live refreshes)."""
        journeys = list(journeys)
        same_rows = [j.run_id for j in journeys] == [j.run_id for j in self._rows]
        if same_rows and journeys:
            self._rows = journeys
            self.dataChanged.emit(self.index(0, 0), self.index(len(journeys) - 1, len(Column) - 1))
            return
        self.set_rows(journeys)

    def journeys(self) -> list[JourneyOption]:
        return self.rows()

    def journey(self, row: int) -> JourneyOption | None:
        return self.row_at(row)

    def row_of_run(self, run_id: int) -> int | None:
        for row, journey in enumerate(self._rows):
            if journey.run_id == run_id:
                return row
        return None

    def run_ids(self) -> set[int]:
        return {journey.run_id for journey in self._rows}

    # --- Qt model ------------------------------------------------------------------------------

    def header_alignment(self, column: Column) -> int:  # type: ignore[override]
        return self._alignment(column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        journey = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(journey, column)
        if role == SORT_ROLE:
            return self._sort_value(journey, column)
        if role == JOURNEY_ROLE:
            return journey
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignment(column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(journey)
        if role == Qt.ItemDataRole.ForegroundRole and not journey.bookable:
            return QGuiApplication.palette().brush(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        if role == Qt.ItemDataRole.FontRole and column is Column.TRAIN and journey.bookable:
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _zones_differ(journey: JourneyOption) -> bool:
        return journey.origin.timezone != journey.destination.timezone

    def _text(self, journey: JourneyOption, column: Column) -> str:
        zones = self._zones_differ(journey)
        if column is Column.TRAIN:
            return journey.train_number
        if column is Column.DEPARTS:
            departs = local_time_text(journey.departs_at, with_zone=zones)
            if journey.bookable:
                return departs
            # Greyed rows say why in words, not only in the tooltip.
            return f"{departs} · {not_bookable_note(journey, self._clock())}"
        if column is Column.ARRIVES:
            days = (journey.arrives_at.date() - journey.departs_at.date()).days
            return local_time_text(journey.arrives_at, with_zone=zones, day_offset=days)
        if column is Column.DURATION:
            return duration_text(journey.duration_minutes)
        if column is Column.FIRST_FREE:
            return str(journey.free_first)
        return str(journey.free_standard)

    @staticmethod
    def _sort_value(journey: JourneyOption, column: Column) -> int | str:
        if column is Column.TRAIN:
            return train_sort_key(journey.train_number)
        if column is Column.DEPARTS:
            return int(journey.departs_at.timestamp())
        if column is Column.ARRIVES:
            return int(journey.arrives_at.timestamp())
        if column is Column.DURATION:
            return journey.duration_minutes
        if column is Column.FIRST_FREE:
            return journey.free_first
        return journey.free_standard

    @staticmethod
    def _alignment(column: Column) -> int:
        # A departure board: the train on the left, times and counts centred under their
        # headings (the columns share the table's width).
        horizontal = (
            Qt.AlignmentFlag.AlignLeft if column is Column.TRAIN else Qt.AlignmentFlag.AlignHCenter
        )
        return int(horizontal | Qt.AlignmentFlag.AlignVCenter)

    def _tooltip(self, journey: JourneyOption) -> str:
        route = _tr("{0} {1} → {2} {3}").format(
            journey.origin.name,
            time_text(journey.departs_at, zone=True),
            journey.destination.name,
            time_text(journey.arrives_at, zone=True),
        )
        if journey.bookable:
            return route
        return f"{not_bookable_reason(journey, self._clock())}\n{route}"


class JourneyProxyModel(QSortFilterProxyModel):
    """Sorting by `SORT_ROLE`; `journey()` reads a row back through the proxy."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def journey(self, index: Index) -> JourneyOption | None:
        if not index.isValid():
            return None
        return self.index(index.row(), 0).data(JOURNEY_ROLE)
