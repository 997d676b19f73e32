"""Passengers and payment: a name and concession per seat, the quoted fares, cash or card, and
Confirm, which calls `services.book` exactly once, at the total on screen: if the fares
changed meanwhile nothing is sold, and the dialog shows the new fares for the clerk to confirm.

Keyboard: the first name field has focus; Tab runs name, concession, next name … payment;
Enter confirms (the default button); Esc goes back to the seat map with everything typed kept.
If a seat was sold meanwhile the dialog closes with `seatsLost` so the page can refresh the map;
what was typed is available from `drafts()` and `payment_draft()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain import text_rules
from ticket_office.domain.errors import FaresChanged, SeatUnavailable, ValidationError
from ticket_office.services.results import (
    BookingRequest,
    ConcessionInfo,
    FareQuote,
    JourneyOption,
    PassengerRequest,
    SeatInfo,
)
from ticket_office.ui.counter.sale.drafts import PassengerDraft, PaymentDraft
from ticket_office.ui.counter.sale.fare_breakdown import FareBreakdown
from ticket_office.ui.counter.sale.payment import PaymentBox
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.shared.search.journey_text import journey_date, journey_title, seat_caption
from ticket_office.ui.shared.tickets.glyphs import unprintable
from ticket_office.ui.status import InlineMessage, Tone, error_text

if TYPE_CHECKING:
    from ticket_office.services.booking import BookingConfirmation


class PassengerRow:
    """The widgets of one passenger: seat caption, name, concession."""

    def __init__(
        self,
        parent: QWidget,
        seat: SeatInfo,
        concessions: Sequence[ConcessionInfo],
        draft: PassengerDraft,
        position: int,
    ) -> None:
        self.seat = seat
        self.position = position
        self.caption = QLabel(seat_caption(seat), parent)
        # No maxLength: a pasted name longer than the limit is refused with the limit named,
        # never cut to a name nobody typed.
        self.name = QLineEdit(draft.name, parent)
        self.name.setPlaceholderText(parent.tr("Passenger {0}'s name").format(position))
        self.name.setAccessibleName(parent.tr("Name for {0}").format(seat_caption(seat)))
        self.caption.setBuddy(self.name)
        self.concession = QComboBox(parent)
        self.concession.setAccessibleName(
            parent.tr("Concession for {0}").format(seat_caption(seat))
        )
        for info in concessions:
            self.concession.addItem(info.name, info.code)
        found = self.concession.findData(draft.concession)
        self.concession.setCurrentIndex(max(found, 0))

    def draft(self) -> PassengerDraft:
        return PassengerDraft(self.name.text(), self.concession_code())

    def concession_code(self) -> str:
        return self.concession.currentData() or "adult"


class PartyDialog(QDialog):
    booked = Signal(object)  # BookingConfirmation
    seatsLost = Signal(object)  # SeatUnavailable

    def __init__(
        self,
        desk: DeskContext,
        journey: JourneyOption,
        seats: Sequence[SeatInfo],
        concessions: Sequence[ConcessionInfo],
        drafts: Sequence[PassengerDraft],
        payment: PaymentDraft | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._tasks, self._operator = desk.counter, desk.tasks, desk.operator
        self._journey = journey
        self._concession_names = {c.code: c.name for c in concessions}
        self._booking = False
        self._boxes_accepted: set[str] = set()  # names sold anyway though they print as boxes
        self.booking: BookingConfirmation | None = None  # set once the sale went through
        # The title names what is sold, so no one sells a seat on another train or day.
        self.setWindowTitle(
            self.tr("Passengers and payment: {0}, {1}").format(
                journey.train_number, journey_date(journey)
            )
        )
        self.setModal(True)
        self.rows = [
            PassengerRow(self, seat, concessions, draft, position)
            for position, (seat, draft) in enumerate(zip(seats, drafts, strict=True), 1)
        ]
        self.fares = FareBreakdown(self)
        self.payment = PaymentBox(self)
        if payment is not None:
            self.payment.set_draft(payment)
        self.message = InlineMessage(self)
        self.confirm_button = QPushButton(self.tr("Confirm sale"), self)
        self.confirm_button.setProperty("primary", True)
        self.confirm_button.setDefault(True)
        self.confirm_button.setAutoDefault(True)
        self.confirm_button.setEnabled(False)
        self.back_button = QPushButton(self.tr("Back to seats"), self)
        self.back_button.setAutoDefault(False)
        self._lay_out()
        self.confirm_button.clicked.connect(self.confirm)
        self.back_button.clicked.connect(self.reject)
        for row in self.rows:
            row.concession.currentIndexChanged.connect(self._requote)
            row.name.textChanged.connect(lambda _text, row=row: self._name_edited(row))
        self._requote()

    def _lay_out(self) -> None:
        title = QLabel(journey_title(self._journey), self)
        title.setProperty("heading", "section")
        title.setWordWrap(True)
        when = QLabel(journey_date(self._journey), self)
        when.setProperty("muted", True)
        passengers = QLabel(self.tr("Passengers"), self)
        passengers.setProperty("heading", "section")
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        for index, row in enumerate(self.rows):
            grid.addWidget(row.caption, index, 0)
            grid.addWidget(row.name, index, 1)
            grid.addWidget(row.concession, index, 2)
        grid.setColumnStretch(1, 1)
        fares_title = QLabel(self.tr("Fares"), self)
        fares_title.setProperty("heading", "section")
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.back_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(when)
        layout.addSpacing(4)
        layout.addWidget(passengers)
        layout.addLayout(grid)
        layout.addSpacing(4)
        layout.addWidget(fares_title)
        layout.addWidget(self.fares)
        layout.addWidget(self.payment)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        widgets: list[QWidget] = []
        for row in self.rows:
            widgets += [row.name, row.concession]
        widgets += [
            self.payment.cash,
            self.payment.cash_given,
            self.payment.card_reference,
            self.confirm_button,
            self.back_button,
        ]
        for first, second in zip(widgets, widgets[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self.setMinimumWidth(620)
        if self.rows:
            self.rows[0].name.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- what was typed ------------------------------------------------------------------------

    def seat_ids(self) -> list[int]:
        return [row.seat.seat_id for row in self.rows]

    def drafts(self) -> dict[int, PassengerDraft]:
        return {row.seat.seat_id: row.draft() for row in self.rows}

    def payment_draft(self) -> PaymentDraft:
        return self.payment.draft()

    def _name_edited(self, row: PassengerRow) -> None:
        self.message.clear_message()
        if len(row.name.text()) > text_rules.MAX_PASSENGER_NAME:  # say so while typing
            try:
                text_rules.passenger_name(row.name.text(), row.position)
            except ValidationError as error:
                self.message.show_message(str(error), Tone.WARNING)

    # --- pricing -------------------------------------------------------------------------------

    def _requote(self) -> None:
        self.confirm_button.setEnabled(False)
        self.fares.show_pending()
        self.payment.set_total(None)
        journey = self._journey
        self._tasks.run(
            self._services.quote,
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            self.seat_ids(),
            [row.concession_code() for row in self.rows],
            owner=self,
            latest="quote",
            done=self._quoted,
            failed=self._show_error,
        )

    def _quoted(self, quote: FareQuote) -> None:
        self.fares.show_quote(quote, self._concession_names)
        self.payment.set_total(quote.total_cents)
        self.confirm_button.setEnabled(not self._booking)

    # --- confirming ----------------------------------------------------------------------------

    def confirm(self) -> None:
        if self._booking or self.fares.quote() is None:
            return
        request = self._request()
        if request is None:
            return
        self._booking = True
        self.confirm_button.setEnabled(False)
        self.confirm_button.setText(self.tr("Booking…"))
        self.back_button.setEnabled(False)
        self.setCursor(Qt.CursorShape.BusyCursor)
        self.message.show_message(self.tr("Booking…"), Tone.INFO)
        self._tasks.run(
            self._services.book,
            request,
            done=self._booked,
            failed=self._book_failed,
        )

    def _request(self) -> BookingRequest | None:
        passengers = []
        for row in self.rows:
            try:
                name = text_rules.passenger_name(row.name.text(), row.position)
            except ValidationError as error:
                return self._refuse(str(error), row.name)
            if (missing := unprintable(name)) and name not in self._boxes_accepted:
                self._boxes_accepted.add(name)  # asked once: Confirm again sells as typed
                return self._refuse(
                    self.tr(
                        "The ticket printer has no font for “{0}” in passenger {1}'s name: it "
                        "would print as empty boxes. Type the name as on the passenger's ID in "
                        "Latin letters, or press Confirm again to sell it as typed."
                    ).format(missing, row.position),
                    row.name,
                    Tone.WARNING,
                )
            passengers.append(PassengerRequest(row.seat.seat_id, name, row.concession_code()))
        try:
            payment = self.payment.payment()
        except ValidationError as error:
            return self._refuse(str(error), self.payment.focus_field())
        journey = self._journey
        quote = self.fares.quote()
        return BookingRequest(
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            tuple(passengers),
            payment,
            quoted_total_cents=None if quote is None else quote.total_cents,
        )

    def _refuse(self, text: str, field: QWidget, tone: Tone = Tone.ERROR) -> None:
        self.message.show_message(text, tone)
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        if isinstance(field, QLineEdit):
            field.selectAll()
        return None

    def _booked(self, confirmation: BookingConfirmation) -> None:
        self._finish_booking()
        self.booking = confirmation
        self.booked.emit(confirmation)
        self.accept()

    def _book_failed(self, error: BaseException) -> None:
        self._finish_booking()
        if isinstance(error, SeatUnavailable):
            self.seatsLost.emit(error)
            self.reject()
            return
        if isinstance(error, FaresChanged) and isinstance(error.quote, FareQuote):
            # Nothing was sold: the new total is on screen before the clerk confirms again.
            self._quoted(error.quote)
        self._show_error(error)
        field = getattr(error, "field", None)
        if field in ("cash_given", "card_reference"):
            self.payment.focus_field().setFocus()
        elif field == "name" and self.rows:
            self.rows[0].name.setFocus()

    def _finish_booking(self) -> None:
        self._booking = False
        self.unsetCursor()
        self.confirm_button.setText(self.tr("Confirm sale"))
        self.confirm_button.setEnabled(self.fares.quote() is not None)
        self.back_button.setEnabled(True)

    def _show_error(self, error: BaseException) -> None:
        self.message.show_message(error_text(error), Tone.ERROR)

    def reject(self) -> None:
        if not self._booking:  # a sale in flight must finish: its answer decides what happened
            super().reject()
