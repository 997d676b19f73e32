"""The results view: sortable, one row per train, Enter or a click opens its seat map."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

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
