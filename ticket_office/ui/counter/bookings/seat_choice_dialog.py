"""What the Change seat and Move dialogs share: a seat map to choose on, a quote of the fare
difference before anything is written, and one button that applies the change.

The quote, the fare rule and any message stand in a column beside the map, each with its room
kept: what they say changes with every seat picked, and the map must not jump when it does.

Every service call goes through the task runner. Answers that arrive after the dialog closed,
or that were overtaken by a newer request, are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain.errors import SeatUnavailable
from ticket_office.domain.money import format_cents
from ticket_office.services.changes import FARE_RULE, ChangeResult
from ticket_office.services.results import BookingDetails, SeatMap
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.shared.seat_map import SeatMapPanel
from ticket_office.ui.status import InlineMessage, Tone, error_text

if TYPE_CHECKING:
    pass

MIN_SEAT_SIZE = 28  # px: a seat number a clerk reads without leaning in
COLUMN_CHARACTERS = 44  # the column beside the map: "Nothing to pay: …" on about one line


class SeatChoiceDialog(QDialog):
    changed = Signal(object)  # ChangeResult, after the change was saved

    def __init__(
        self,
        desk: DeskContext,
        booking: BookingDetails,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk, self.booking = desk, booking
        self.services, self.tasks, self.operator = desk.counter, desk.tasks, desk.operator
        self.quote: ChangeResult | None = None
        self.leg: tuple[int, int, int] | None = None  # run, board, alight on the map
        self.panel = SeatMapPanel(self)
        self.panel.layout().setContentsMargins(0, 0, 0, 0)  # the dialog's margins are enough
        self.panel.map_widget.set_minimum_seat_size(MIN_SEAT_SIZE)
        self.quote_label = QLabel(self)
        self.quote_label.setTextFormat(Qt.TextFormat.RichText)
        self.quote_label.setWordWrap(True)
        self.quote_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.target_label = QLabel(self)
        self.target_label.setTextFormat(Qt.TextFormat.RichText)
        self.target_label.setWordWrap(True)
        self.target_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.rule_label = QLabel(self.tr("Fare rule: {0}").format(FARE_RULE), self)
        self.rule_label.setWordWrap(True)
        self.rule_label.setProperty("muted", True)
        self.message = InlineMessage(self)
        self.message.reserve_lines(2)
        self.buttons = QDialogButtonBox(self)
        self.apply_button = self.buttons.addButton(
            self.apply_text(), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        self.panel.selectionChanged.connect(self._selection_changed)

    # --- for subclasses ------------------------------------------------------------------------

    def apply_text(self) -> str:
        raise NotImplementedError

    def request_quote(self, seat_ids: list[int]) -> tuple[Callable[..., Any], tuple] | None:
        """The quote call for this selection, or None while the selection is incomplete."""
        raise NotImplementedError

    def apply_call(self) -> tuple[Callable[..., ChangeResult], tuple]:
        """The call that saves the quoted change."""
        raise NotImplementedError

    def quote_lines(self) -> int:
        """How many lines a quote takes (a line per passenger and the amount due): kept free."""
        raise NotImplementedError

    def describe(self, quote: ChangeResult) -> str:
        lines = [
            self.tr("{0}: {1} → <b>{2}</b>").format(
                escape(line.passenger_name), line.old_seat, line.new_seat
            )
            for line in quote.lines
        ]
        if quote.due_cents:
            lines.append(
                self.tr("<b>Due now: {0}</b> (the new fare is higher).").format(
                    format_cents(quote.due_cents)
                )
            )
        else:
            lines.append(self.tr("<b>Nothing to pay</b>: the fare already paid covers it."))
        return "<br>".join(lines)

    # --- layout --------------------------------------------------------------------------------

    def choice_row(self) -> QWidget:
        """The map with, beside it, what the choice means: train, quote, message, fare rule."""
        row = QWidget(self)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        line = self.fontMetrics().lineSpacing()
        self.target_label.setMinimumHeight(2 * line)
        self.quote_label.setMinimumHeight(self.quote_lines() * line)
        for widget in (self.target_label, self.quote_label, self.message):
            column.addWidget(widget)
        column.addStretch(1)
        column.addWidget(self.rule_label)
        width = COLUMN_CHARACTERS * self.fontMetrics().averageCharWidth()
        for widget in (self.target_label, self.quote_label, self.message, self.rule_label):
            widget.setFixedWidth(width)  # a long name wraps; it never narrows the map
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        layout.addWidget(self.panel, 1)
        layout.addLayout(column)
        return row

    def chain_tab_order(self, *first: QWidget) -> None:
        """Tab goes through `first`, then coaches, seats, the pick row and the buttons."""
        panel = self.panel
        chain = [
            *first,
            panel.coach_strip,
            panel.map_widget,
            panel.party_size,
            panel.seat_class,
            panel.prefer_window,
            panel.prefer_aisle,
            panel.prefer_table,
            panel.pick_button,
            *self.buttons.buttons(),
        ]
        for before, after in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(before, after)

    # --- seat map ------------------------------------------------------------------------------

    def load_seat_map(self, run_id: int, board: int, alight: int) -> None:
        self.leg = (run_id, board, alight)
        self._clear_quote()
        self.reload_seat_map()

    def _show_seat_map(self, seat_map: SeatMap) -> None:
        if self.leg is not None and seat_map.run_id == self.leg[0]:
            self.panel.set_seat_map(seat_map)

    def reload_seat_map(self) -> None:
        if self.leg is not None:
            run_id, board, alight = self.leg
            self.tasks.run(
                self.services.seat_map,
                run_id,
                board,
                alight,
                owner=self,
                latest="seat map",
                done=self._show_seat_map,
                failed=self.show_error,
            )

    # --- quote and apply -----------------------------------------------------------------------

    def _selection_changed(self, seat_ids: list[int]) -> None:
        self._clear_quote()
        call = self.request_quote(list(seat_ids))
        if call is None:
            return
        function, args = call
        self.tasks.run(
            function,
            *args,
            owner=self,
            latest="quote",
            done=self._show_quote,
            failed=self.show_error,
        )

    def _show_quote(self, quote: ChangeResult) -> None:
        self.quote = quote
        self.quote_label.setText(self.describe(quote))
        self.message.clear_message()
        self.apply_button.setEnabled(True)

    def _clear_quote(self) -> None:
        self.tasks.drop(self, "quote")  # a quote in flight priced the seats no longer chosen
        self.quote = None
        self.quote_label.clear()
        self.apply_button.setEnabled(False)

    def apply(self) -> None:
        if self.quote is None:
            return
        self.apply_button.setEnabled(False)
        function, args = self.apply_call()
        self.tasks.run(function, *args, owner=self, done=self._applied, failed=self._apply_failed)

    def _applied(self, result: ChangeResult) -> None:
        self.changed.emit(result)
        self.accept()

    def _apply_failed(self, error: BaseException) -> None:
        self.show_error(error)
        if isinstance(error, SeatUnavailable):
            self.reload_seat_map()  # the taken seat drops out of the selection by itself
        else:
            self.apply_button.setEnabled(self.quote is not None)

    # --- plumbing ------------------------------------------------------------------------------

    def show_error(self, error: BaseException) -> None:
        self.message.show_message(error_text(error), Tone.ERROR)
