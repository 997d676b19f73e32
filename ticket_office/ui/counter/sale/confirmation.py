"""After a sale: the booking reference, big and clear, the change to hand back, Print tickets,
and Next sale (the default button, so Enter starts serving the next customer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain.money import format_cents
from ticket_office.services.results import JourneyOption
from ticket_office.ui.counter.keys import COUNTER_KEYS
from ticket_office.ui.plurals import counted
from ticket_office.ui.resources import icon
from ticket_office.ui.shared.search.journey_text import journey_date, journey_title

if TYPE_CHECKING:
    from ticket_office.services.booking import BookingConfirmation


class SaleConfirmation(QDialog):
    def __init__(
        self,
        confirmation: BookingConfirmation,
        journey: JourneyOption,
        print_tickets: Callable[[str], None] | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.confirmation = confirmation
        self._print = print_tickets
        self.setWindowTitle(self.tr("Sale confirmed"))
        self.setModal(True)
        heading = QLabel(self.tr("Booking reference"), self)
        heading.setProperty("muted", True)
        self.reference = QLabel(confirmation.reference, self)
        self.reference.setProperty("reference", True)
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reference.setAccessibleName(self.tr("Booking reference"))
        seats = len(confirmation.lines)
        what = QLabel(
            self.tr("{0} · {1} · {2}, total {3}").format(
                journey_title(journey),
                journey_date(journey),
                counted(seats, self.tr("{0} ticket"), self.tr("{0} tickets")),
                format_cents(confirmation.total_cents),
            ),
            self,
        )
        what.setWordWrap(True)
        what.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.change = QLabel(self)
        self.change.setProperty("amount", "big")
        if confirmation.change_due_cents:
            self.change.setText(
                self.tr("Change to give: {0}").format(format_cents(confirmation.change_due_cents))
            )
        else:
            self.change.hide()
        self.print_button = QPushButton(
            icon("print"),
            self.tr("&Print tickets ({0})").format(COUNTER_KEYS.native("print_sold")),
            self,
        )
        self.print_button.setAutoDefault(False)
        self.print_button.setEnabled(print_tickets is not None)
        if print_tickets is None:
            self.print_button.setToolTip(self.tr("Ticket printing is not available here."))
        self.next_button = QPushButton(self.tr("Next sale"), self)
        self.next_button.setProperty("primary", True)
        self.next_button.setDefault(True)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.next_button, QDialogButtonBox.ButtonRole.AcceptRole)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(heading, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.reference, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(what)
        layout.addWidget(self.change, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(8)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.next_button.clicked.connect(self.accept)
        self.print_button.clicked.connect(self.print_tickets)
        shortcut = QShortcut(COUNTER_KEYS.sequence("print_sold"), self)
        shortcut.activated.connect(self.print_tickets)
        self.next_button.setFocus()

    def print_tickets(self) -> None:
        if self._print is not None:
            self._print(self.confirmation.reference)
