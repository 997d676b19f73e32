"""The confirmation before a cancellation: the refund rule, and the refund of every ticket.

The clerk reads the rule to the passenger and confirms; "Keep booking" is the default button,
so an Enter pressed by habit never cancels anything.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain.money import format_cents
from ticket_office.services.results import CancellationQuote
from ticket_office.ui.plurals import counted

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class CancelConfirmDialog(QDialog):
    def __init__(
        self, quote: CancellationQuote, whole_booking: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.quote = quote
        count = len(quote.lines)
        if whole_booking:
            title = self.tr("Cancel booking {0}").format(quote.reference)
            question = self.tr("Cancel the whole booking {0} ({1})?").format(
                quote.reference,
                counted(count, self.tr("{0} ticket"), self.tr("{0} tickets")),
            )
        else:
            title = self.tr("Cancel tickets of {0}").format(quote.reference)
            question = counted(
                count,
                self.tr("Cancel {0} ticket of booking {1}?"),
                self.tr("Cancel {0} tickets of booking {1}?"),
                quote.reference,
            )
        self.setWindowTitle(title)
        heading = QLabel(f"<b>{question}</b>", self)
        self.rule_label = QLabel(self.tr("Refund rule: {0}").format(quote.rule), self)
        self.rule_label.setWordWrap(True)
        self.reason_label = QLabel(quote.reason, self)
        self.reason_label.setWordWrap(True)
        self.table = self._refund_table()
        self.total_label = QLabel(
            self.tr("Refund to the passenger: <b>{0}</b>").format(format_cents(quote.refund_cents)),
            self,
        )
        buttons = QDialogButtonBox(self)
        self.confirm_button = buttons.addButton(
            self.tr("Cancel and refund {0}").format(format_cents(quote.refund_cents)),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.keep_button = buttons.addButton(
            self.tr("Keep booking"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.keep_button.setDefault(True)
        self.keep_button.setAutoDefault(True)
        self.confirm_button.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (
            heading,
            self.rule_label,
            self.reason_label,
            self.table,
            self.total_label,
            buttons,
        ):
            layout.addWidget(widget)
        self.resize(560, 320)

    def _refund_table(self) -> QTableWidget:
        headers = [self.tr("Passenger"), self.tr("Fare"), self.tr("Fee"), self.tr("Refund")]
        table = QTableWidget(len(self.quote.lines), len(headers), self)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, line in enumerate(self.quote.lines):
            cells = (
                line.passenger_name,
                format_cents(line.fare_cents),
                format_cents(line.fee_cents),
                format_cents(line.refund_cents),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(_RIGHT)
                table.setItem(row, column, item)
        return table

    def refund_rows(self) -> list[tuple[str, str, str, str]]:
        """What the table shows, row by row (for tests and screen readers)."""
        return [
            tuple(self.table.item(row, column).text() for column in range(4))
            for row in range(self.table.rowCount())
        ]
