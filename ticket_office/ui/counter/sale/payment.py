"""Payment: cash (amount given, change shown as it is typed) or card (terminal reference).

Alt+C and Alt+D choose the method and put the cursor in its field, ready for the amount or the
reference.

Amounts are parsed and formatted by the domain (`parse_amount`, `format_cents`); an empty
amount means the customer paid exactly the total.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QShortcutEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain.errors import ValidationError
from ticket_office.domain.money import format_cents, parse_amount
from ticket_office.services.results import Payment
from ticket_office.ui.counter.sale.drafts import PaymentDraft
from ticket_office.ui.status import InlineMessage, Tone

CASH, CARD = "cash", "card"


class MethodButton(QRadioButton):
    """A payment method whose key (Alt+C, Alt+D) chooses it and puts the cursor in its field,
    all selected, at once: a button's own mnemonic only focuses it and clicks 100 ms later, so
    the digits typed straight after were lost."""

    def __init__(self, text: str, field: QLineEdit, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.field = field

    def event(self, event: QEvent) -> bool:
        if (
            isinstance(event, QShortcutEvent)
            and not event.isAmbiguous()
            and self.isEnabled()
            and self.isVisible()
        ):
            self.setChecked(True)  # shows the method's field first: a hidden one takes no focus
            self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.field.selectAll()
            return True
        return super().event(event)


class PaymentBox(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._total: int | None = None
        self.cash_given = QLineEdit(self)
        self.cash_given.setPlaceholderText(self.tr("exact amount"))
        self.cash_given.setAccessibleName(self.tr("Amount given"))
        self.cash_given.setMaxLength(12)
        self.change = QLabel(self)
        self.change.setProperty("amount", "big")
        self.change.setAccessibleName(self.tr("Change due"))
        self.cash_note = InlineMessage(self)
        self.card_reference = QLineEdit(self)
        self.card_reference.setPlaceholderText(self.tr("reference printed by the terminal"))
        self.card_reference.setAccessibleName(self.tr("Card reference"))
        self.card_reference.setMaxLength(40)
        self.cash = MethodButton(self.tr("&Cash"), self.cash_given, self)
        self.card = MethodButton(self.tr("Car&d"), self.card_reference, self)
        self.cash.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.cash)
        group.addButton(self.card)
        self.details = QStackedWidget(self)
        self._lay_out()
        group.buttonToggled.connect(self._method_toggled)
        self.cash_given.textChanged.connect(self._update_change)
        self.cash_given.textChanged.connect(self.changed)
        self.card_reference.textChanged.connect(self.changed)
        self._update_change()

    def _lay_out(self) -> None:
        cash_page = QWidget(self)
        cash_form = QFormLayout(cash_page)
        cash_form.setContentsMargins(0, 0, 0, 0)
        given_label = QLabel(self.tr("Amount &given"), cash_page)
        given_label.setBuddy(self.cash_given)
        cash_form.addRow(given_label, self.cash_given)
        cash_form.addRow(self.tr("Change"), self.change)
        cash_form.addRow(self.cash_note)
        card_page = QWidget(self)
        card_form = QFormLayout(card_page)
        card_form.setContentsMargins(0, 0, 0, 0)
        reference_label = QLabel(self.tr("Card &reference"), card_page)
        reference_label.setBuddy(self.card_reference)
        card_form.addRow(reference_label, self.card_reference)
        self.details.addWidget(cash_page)
        self.details.addWidget(card_page)
        methods = QHBoxLayout()
        methods.addWidget(self.cash)
        methods.addWidget(self.card)
        methods.addStretch(1)
        title = QLabel(self.tr("Payment"), self)
        title.setProperty("heading", "section")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(methods)
        layout.addWidget(self.details)

    # --- state ---------------------------------------------------------------------------------

    def method(self) -> str:
        return CARD if self.card.isChecked() else CASH

    def set_total(self, total_cents: int | None) -> None:
        self._total = total_cents
        self._update_change()

    def draft(self) -> PaymentDraft:
        return PaymentDraft(self.method(), self.cash_given.text(), self.card_reference.text())

    def set_draft(self, draft: PaymentDraft) -> None:
        (self.card if draft.method == CARD else self.cash).setChecked(True)
        self.cash_given.setText(draft.cash_given)
        self.card_reference.setText(draft.card_reference)

    def payment(self) -> Payment:
        """The payment to book, or ValidationError saying what to fix (field set)."""
        if self.method() == CARD:
            reference = self.card_reference.text().strip()
            if not reference:
                raise ValidationError(
                    self.tr("Type the card terminal's reference."), field="card_reference"
                )
            return Payment(CARD, card_reference=reference)
        given = self._cash_given()
        if given is not None and self._total is not None and given < self._total:
            raise ValidationError(
                self.tr("The cash given is less than the total ({0}).").format(
                    format_cents(self._total)
                ),
                field="cash_given",
            )
        return Payment(CASH, cash_given_cents=given)

    def focus_field(self) -> QLineEdit:
        return self.card_reference if self.method() == CARD else self.cash_given

    def _cash_given(self) -> int | None:
        text = self.cash_given.text()
        return None if not text.strip() else parse_amount(text)

    # --- live feedback -------------------------------------------------------------------------

    def _method_toggled(self) -> None:
        self.details.setCurrentIndex(1 if self.method() == CARD else 0)
        self.changed.emit()

    def _update_change(self) -> None:
        self.cash_note.clear_message()
        if self._total is None:
            self.change.setText("—")
            return
        try:
            given = self._cash_given()
        except ValidationError as error:
            self.change.setText("—")
            self.cash_note.show_message(str(error), Tone.ERROR)
            return
        if given is None:
            self.change.setText(format_cents(0))
        elif given < self._total:
            self.change.setText("—")
            self.cash_note.show_message(
                self.tr("{0} short of the total.").format(format_cents(self._total - given)),
                Tone.WARNING,
            )
        else:
            self.change.setText(format_cents(given - self._total))
        self.change.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
