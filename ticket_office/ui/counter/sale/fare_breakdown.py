"""The fare breakdown as the service quoted it: one line per seat, then the total.

Prices are never computed here; this only lays out a `FareQuote`.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from ticket_office.domain.money import format_cents
from ticket_office.services.results import FareQuote


class FareBreakdown(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(16)
        self._grid.setVerticalSpacing(2)
        self._quote: FareQuote | None = None
        self.total_label = QLabel(self)
        self.total_label.setProperty("amount", "total")
        self.total_label.setAccessibleName(self.tr("Total"))
        self.show_pending()

    def quote(self) -> FareQuote | None:
        return self._quote

    def show_pending(self) -> None:
        self._quote = None
        self._clear()
        pending = QLabel(self.tr("Pricing…"), self)
        pending.setProperty("muted", True)
        self._grid.addWidget(pending, 0, 0)
        self.total_label.setText("")

    def show_quote(self, quote: FareQuote, concession_names: Mapping[str, str]) -> None:
        self._quote = quote
        self._clear()
        for row, line in enumerate(quote.lines):
            what = self.tr("Coach {0}, seat {1} · {2}").format(
                line.coach_no, line.seat_label, self.tr(line.seat_class.title)
            )
            concession = concession_names.get(line.concession, line.concession)
            self._add(row, what, concession, format_cents(line.fare_cents))
        total_row = len(quote.lines)
        caption = QLabel(self.tr("Total"), self)
        caption.setProperty("amount", "total")
        self._grid.addWidget(caption, total_row, 0)
        self.total_label.setText(format_cents(quote.total_cents))
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._grid.addWidget(self.total_label, total_row, 2)
        self._grid.setColumnStretch(1, 1)

    def _add(self, row: int, what: str, concession: str, fare: str) -> None:
        price = QLabel(fare, self)
        price.setAlignment(Qt.AlignmentFlag.AlignRight)
        muted = QLabel(concession, self)
        muted.setProperty("muted", True)
        self._grid.addWidget(QLabel(what, self), row, 0)
        self._grid.addWidget(muted, row, 1)
        self._grid.addWidget(price, row, 2)

    def _clear(self) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget()
            if widget is not None and widget is not self.total_label:
                widget.hide()  # deleteLater waits for the event loop; until then, out of sight
                widget.deleteLater()
