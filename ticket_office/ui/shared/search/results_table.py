"""The results view: sortable, one row per train, Enter or a click opens its seat map.

`share_with_seats` splits a page between the trains and the seats below them.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QScrollArea,
    QSplitter,
    QTableView,
    QWidget,
)

from ticket_office.services.results import JourneyOption
from ticket_office.ui.shared.search.results_model import (
    Column,
    JourneyProxyModel,
    JourneyTableModel,
)


class JourneyTable(QTableView):
    journeyActivated = Signal(object)  # JourneyOption

    def __init__(self, model: JourneyTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy = JourneyProxyModel(self)
        self.proxy.setSourceModel(model)
        self.setModel(self.proxy)
        self.setAccessibleName(self.tr("Trains"))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)  # Tab leaves the table: the next step is the seat map
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(9 * self.fontMetrics().averageCharWidth())
        self.sortByColumn(Column.DEPARTS, Qt.SortOrder.AscendingOrder)
        self.activated.connect(self._activate)
        self.clicked.connect(self._activate)
        self._placeholder = self.tr("Search for a journey: its trains appear here.")
        model.modelReset.connect(self._select_first_row)

    def height_for_rows(self, rows: int) -> int:
        """The table's height with `rows` trains in view."""
        return (
            self.horizontalHeader().sizeHint().height()
            + rows * self.verticalHeader().defaultSectionSize()
            + 2 * self.frameWidth()
        )

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def current_journey(self) -> JourneyOption | None:
        return self.proxy.journey(self.currentIndex())

    def select_run(self, run_id: int) -> bool:
        row = self.source.row_of_run(run_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.source.index(row, 0))
        self.setCurrentIndex(index)
        self.scrollTo(index)
        return True

    def _select_first_row(self) -> None:
        if self.proxy.rowCount() and not self.currentIndex().isValid():
            self.setCurrentIndex(self.proxy.index(0, 0))

    def _activate(self, index: QModelIndex) -> None:
        journey = self.proxy.journey(index)
        if journey is not None:
            self.journeyActivated.emit(journey)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.proxy.rowCount() == 0 and self._placeholder:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.viewport().rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._placeholder,
            )


def share_with_seats(
    splitter: QSplitter, table: JourneyTable, seats: QWidget, *, most: int = 6, fewest: int = 3
) -> None:
    """Give the splitter's first part (the trains) `most` rows of `table`, or fewer, down to
    `fewest`, where that would leave the second part less than its least height once `seats`
    (the widget in it that shows a train's seats, perhaps not shown yet) is there: on a short
    screen six trains cost a seat map at its smallest with the rows under it scrolled out of
    sight. The clerk can still drag the splitter."""
    below = splitter.widget(1)
    inner = below.widget() if isinstance(below, QScrollArea) else below
    # The least height of `inner` with the seats in it, for its width: what a scroll area
    # holding it scrolls below (a hidden widget's height for width does not count yet).
    seats_least = max(seats.heightForWidth(inner.width()), seats.minimumSizeHint().height())
    least = inner.minimumSizeHint().height() - seats.minimumSizeHint().height() + seats_least
    total = sum(splitter.sizes())
    around = splitter.widget(0).height() - table.height()  # the trains' heading
    row = table.verticalHeader().defaultSectionSize()
    rows = max(fewest, min(most, (total - least - around - table.height_for_rows(0)) // row))
    trains = table.height_for_rows(rows) + around
    splitter.setSizes([trains, max(0, total - trains)])
