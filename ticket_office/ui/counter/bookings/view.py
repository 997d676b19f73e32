"""The Bookings page: find a booking, see its tickets, cancel, change seats, move, reprint.

Search takes a booking reference, or part of a passenger's name plus the travel date. Every
service call runs on the task runner; answers to a superseded search are dropped. Actions
are QActions (one place for text, keys and enabled state) shown as buttons under the tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain.errors import NotFound
from ticket_office.domain.money import format_cents
from ticket_office.domain.references import looks_like_reference, normalise_reference
from ticket_office.domain.roles import Permission
from ticket_office.domain.time_zones import today_at
from ticket_office.services.changes import ChangeResult
from ticket_office.services.results import (
    BookingDetails,
    CancellationQuote,
    StationInfo,
    TicketInfo,
)
from ticket_office.ui.counter.bookings.cancel_dialog import CancelConfirmDialog
from ticket_office.ui.counter.bookings.change_seat_dialog import ChangeSeatDialog
from ticket_office.ui.counter.bookings.keys import BOOKING_KEYS
from ticket_office.ui.counter.bookings.models import (
    BookingColumn,
    BookingListModel,
    ItemProxyModel,
    TicketColumn,
    TicketTableModel,
    status_text,
)
from ticket_office.ui.counter.bookings.move_dialog import MoveRunDialog
from ticket_office.ui.dates import day_text, day_time_text, show_days, time_text
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.plurals import counted
from ticket_office.ui.shared.tickets import print_tickets
from ticket_office.ui.status import InlineMessage, Tone, error_text

if TYPE_CHECKING:
    pass


def _table(model: ItemProxyModel, parent: QWidget, name: str) -> QTableView:
    table = QTableView(parent)
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.setSortingEnabled(True)
    table.setWordWrap(False)
    table.setShowGrid(False)
    table.verticalHeader().hide()
    table.horizontalHeader().setHighlightSections(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class BookingsView(QWidget):
    statusMessage = Signal(str, str)  # text, Tone value: news for the window's status bar
    seatsChanged = Signal(object)  # set[int]: runs whose seats a cancellation or change freed

    def __init__(
        self,
        desk: DeskContext,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.services, self.tasks, self.operator = desk.counter, desk.tasks, desk.operator
        self._dialog: QDialog | None = None
        self._build_search()
        self._build_results()
        self._build_details()
        self._build_actions()
        self._lay_out()
        self._update_actions()

    # --- construction --------------------------------------------------------------------------

    def _build_search(self) -> None:
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("Booking reference, or passenger name"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.returnPressed.connect(self.search)
        self.search_label = QLabel(self.tr("&Reference or name"), self)
        self.search_label.setBuddy(self.search_edit)
        # The station's day, not the machine's: at 00:30 in Madrid a UTC machine is on yesterday.
        self._home_zone = self.operator.station_timezone or "UTC"
        self._first_day = today_at(self._home_zone)
        self.date_edit = QDateEdit(QDate(self._first_day), self)
        self.date_edit.setCalendarPopup(True)
        show_days(self.date_edit)
        self.date_edit.setToolTip(self.tr("Travel date, for a search by name"))
        self.date_label = QLabel(self.tr("Travel &date"), self)
        self.date_label.setBuddy(self.date_edit)
        self.date_edit.installEventFilter(self)
        self.search_button = QPushButton(self.tr("Search"), self)
        self.search_button.setAutoDefault(False)
        self.search_button.clicked.connect(self.search)
        self.hint = QLabel(
            self.tr(
                "Type a booking reference (six letters and digits), or two or more letters of a "
                "passenger's name and choose the travel date; press Enter."
            ),
            self,
        )
        self.hint.setWordWrap(True)

    def _build_results(self) -> None:
        self.results = BookingListModel(self)
        self.results_proxy = ItemProxyModel(self)
        self.results_proxy.setSourceModel(self.results)
        self.results_table = _table(self.results_proxy, self, self.tr("Bookings found"))
        self.results_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results_table.sortByColumn(BookingColumn.DEPARTS, Qt.SortOrder.DescendingOrder)
        self.results_table.selectionModel().currentRowChanged.connect(self._result_chosen)
        self.results.modelReset.connect(self._select_first_result)

    def _build_details(self) -> None:
        self.summary = QLabel(self)
        # Three short lines; unwrapped, so the label always asks for all three.
        self.summary.setWordWrap(False)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tickets = TicketTableModel(self)
        self.tickets_proxy = ItemProxyModel(self)
        self.tickets_proxy.setSourceModel(self.tickets)
        self.tickets_table = _table(self.tickets_proxy, self, self.tr("Tickets of the booking"))
        self.tickets_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tickets_table.sortByColumn(TicketColumn.COACH, Qt.SortOrder.AscendingOrder)
        self.tickets_table.selectionModel().selectionChanged.connect(self._update_actions)
        self.tickets_label = QLabel(self.tr("&Tickets"), self)
        self.tickets_label.setBuddy(self.tickets_table)
        self.message = InlineMessage(self)

    def _action(self, text: str, key_id: str, slot, tip: str) -> QAction:
        action = QAction(text, self)
        action.setShortcut(BOOKING_KEYS.sequence(key_id))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setToolTip(f"{tip} ({BOOKING_KEYS.native(key_id)})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.cancel_booking_action = self._action(
            self.tr("Cancel booking…"),
            "cancel_booking",
            self.cancel_booking,
            self.tr("Cancel every ticket of this booking; the refund is shown first"),
        )
        self.cancel_tickets_action = self._action(
            self.tr("Cancel selected tickets…"),
            "cancel_tickets",
            self.cancel_selected_tickets,
            self.tr("Cancel the selected tickets; the refund is shown first"),
        )
        self.change_seat_action = self._action(
            self.tr("Change seat…"),
            "change_seat",
            self.change_seat,
            self.tr("Another seat for the selected passenger, same train and stops"),
        )
        self.move_action = self._action(
            self.tr("Move to another train…"),
            "move_booking",
            self.move_booking,
            self.tr("The same journey on another date or train"),
        )
        self.reprint_action = self._action(
            self.tr("Reprint tickets"),
            "reprint",
            self.print_tickets,
            self.tr("Print this booking's tickets again"),
        )
        self.action_buttons = []
        for action in (
            self.cancel_tickets_action,
            self.cancel_booking_action,
            self.change_seat_action,
            self.move_action,
            self.reprint_action,
        ):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.action_buttons.append(button)

    def _lay_out(self) -> None:
        search_row = QGridLayout()
        search_row.addWidget(self.search_label, 0, 0)
        search_row.addWidget(self.search_edit, 0, 1)
        search_row.addWidget(self.date_label, 0, 2)
        search_row.addWidget(self.date_edit, 0, 3)
        search_row.addWidget(self.search_button, 0, 4)
        search_row.addWidget(self.hint, 1, 1, 1, 4)
        search_row.setColumnStretch(1, 1)
        details = QWidget(self)
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.summary)
        details_layout.addWidget(self.tickets_label)
        details_layout.addWidget(self.tickets_table, 1)
        buttons = QHBoxLayout()
        for button in self.action_buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        details_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.results_table)
        splitter.addWidget(details)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(search_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)

    # --- public API (the main window calls these) ----------------------------------------------

    def start(self) -> None:
        """An operator with no home station searches the day at the desk's first station."""
        if self.operator.station_timezone is None:
            self.tasks.run(
                self.services.list_stations,
                owner=self,
                done=self._stations_loaded,
                failed=lambda _error: None,  # the day stays UTC's; the Sell page says what failed
            )

    def _stations_loaded(self, stations: list[StationInfo]) -> None:
        if stations:
            self._home_zone = stations[0].timezone
        if stations and self.search_date() == self._first_day:  # the clerk has not chosen one
            self._first_day = today_at(stations[0].timezone)
            self.date_edit.setDate(QDate(self._first_day))

    def focus_first(self) -> None:
        self.focus_search()

    def unfinished_work(self) -> str:
        return ""  # a change is only made by its dialog's Confirm; nothing is held meanwhile

    def leaving(self) -> None:
        if self._dialog is not None:
            self._dialog.reject()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def show_booking(self, reference: str) -> None:
        """Find and show one booking (after a sale, or from elsewhere in the desk)."""
        self.search_edit.setText(normalise_reference(reference))
        self.search()

    def current_booking(self) -> BookingDetails | None:
        return self.results_proxy.item(self.results_table.currentIndex())

    def selected_tickets(self) -> list[TicketInfo]:
        rows = self.tickets_table.selectionModel().selectedRows()
        chosen = [self.tickets_proxy.item(index) for index in rows]
        return sorted(
            (t for t in chosen if t is not None and t.status == "active"), key=lambda t: t.ticket_id
        )

    def refresh(self) -> None:
        booking = self.current_booking()
        if booking is not None:
            self._reload(booking.reference)

    def on_runs_changed(self, runs: set[int]) -> None:
        booking = self.current_booking()
        if booking is not None and booking.run_id in runs:
            self._reload(booking.reference)

    def print_tickets(self) -> bool:
        """Reprint the tickets of the booking shown."""
        booking = self.current_booking()
        if booking is None:
            return False
        print_tickets(
            self,
            self.desk,
            booking.reference,
            reprint=True,
            on_error=self._failed,
        )
        return True

    # --- search --------------------------------------------------------------------------------

    def search_date(self) -> date:
        return self.date_edit.date().toPython()

    def search(self) -> None:
        text = " ".join(self.search_edit.text().split())
        if not text:
            self._say(self.tr("Type a booking reference or a passenger's name."), Tone.WARNING)
            self.focus_search()
            return
        self.message.clear_message()
        if looks_like_reference(text):
            self.tasks.run(
                self.services.find_booking,
                text,
                owner=self,
                latest="find",
                done=lambda booking: self._found([booking]),
                failed=lambda error: self._reference_failed(error, text),
            )
        else:
            self._search_by_name(text)

    def _search_by_name(self, text: str, *, also_reference: bool = False) -> None:
        travel_date = self.search_date()

        def found(bookings: list[BookingDetails]) -> None:
            self._found(bookings, text, travel_date)
            if not bookings and also_reference:
                self._say(
                    self.tr(
                        "No booking with reference {0}, and no passenger called “{1}” "
                        "travelling on {2}."
                    ).format(normalise_reference(text), text, day_text(travel_date)),
                    Tone.WARNING,
                )

        self.tasks.run(
            self.services.find_bookings_by_passenger,
            text,
            travel_date,
            owner=self,
            latest="find",
            done=found,
            failed=self._search_failed,
        )

    def _reference_failed(self, error: BaseException, text: str) -> None:
        # Six letters may be a short surname as well as a reference: try the name too.
        if isinstance(error, NotFound) and text.isalpha():
            self._search_by_name(text, also_reference=True)
        else:
            self._search_failed(error)

    def _search_failed(self, error: BaseException) -> None:
        self.results.set_bookings([])
        self._failed(error)

    def _found(
        self,
        bookings: Sequence[BookingDetails],
        name: str | None = None,
        travel_date: date | None = None,
    ) -> None:
        self.results.set_bookings(bookings)
        if not bookings and name is not None and travel_date is not None:
            self._say(
                self.tr("No booking for a passenger called “{0}” travelling on {1}.").format(
                    name, day_text(travel_date)
                ),
                Tone.WARNING,
            )
        elif len(bookings) > 1:
            self._say(self.tr("{0} bookings found.").format(len(bookings)))
        if bookings:
            self.tickets_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _select_first_result(self) -> None:
        if self.results_proxy.rowCount():
            self.results_table.setCurrentIndex(self.results_proxy.index(0, 0))
        else:
            self._show_details(None)

    def _result_chosen(self, current, _previous) -> None:
        self._show_details(self.results_proxy.item(current))

    # --- details -------------------------------------------------------------------------------

    def _show_details(self, booking: BookingDetails | None) -> None:
        self.tickets.set_tickets(booking.tickets if booking else ())
        self.summary.setText(self._summary_html(booking) if booking else "")
        first_active = next(
            (row for row, t in enumerate(self.tickets.tickets()) if t.status == "active"), None
        )
        if first_active is not None:
            index = self.tickets_proxy.mapFromSource(self.tickets.index(first_active, 0))
            self.tickets_table.selectionModel().setCurrentIndex(
                index,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._update_actions()

    def _summary_html(self, booking: BookingDetails) -> str:
        def when(moment) -> str:
            return time_text(moment, zone=True)

        paid = format_cents(booking.total_cents)
        how = self.tr("cash") if booking.payment_method == "cash" else self.tr("card")
        lines = [
            self.tr("<b>Booking {0}</b> · {1} · train <b>{2}</b> · {3}").format(
                booking.reference,
                status_text(booking.status),
                escape(booking.train_number),
                day_text(booking.departs_at),
            ),
            self.tr("{0} {1} → {2} {3}").format(
                escape(booking.origin.name),
                when(booking.departs_at),
                escape(booking.destination.name),
                when(booking.arrives_at),
            ),
            (
                self.tr("Paid {0} by {1}; refunded {2}.").format(
                    paid, how, format_cents(booking.refunded_cents)
                )
                if booking.refunded_cents
                else self.tr("Paid {0} by {1}.").format(paid, how)
            )
            + " "
            + self.tr("Sold by {0} at {1} on {2}.").format(
                escape(booking.clerk_name),
                escape(booking.issuing_station or self.tr("the ticket office")),
                self._sold_at(booking),
            ),
        ]
        return "<br>".join(lines)

    def _sold_at(self, booking: BookingDetails) -> str:
        """On the selling station's clock (the service's), else on this desk's home station's."""
        sold = booking.created_at
        if booking.issuing_station is None:
            sold = sold.astimezone(ZoneInfo(self._home_zone))
        return day_time_text(sold, zone=True)

    def _update_actions(self, *_args) -> None:
        booking = self.current_booking()
        active = booking is not None and any(t.status == "active" for t in booking.tickets)
        selected = self.selected_tickets() if booking is not None else []
        may_change = self.operator.may(Permission.CANCEL)
        self.cancel_booking_action.setEnabled(active and may_change)
        self.cancel_tickets_action.setEnabled(bool(selected) and may_change)
        self.change_seat_action.setEnabled(len(selected) == 1 and may_change)
        self.move_action.setEnabled(active and may_change)
        self.reprint_action.setEnabled(active and self.operator.may(Permission.SELL))

    def _reload(self, reference: str) -> None:
        self.tasks.run(
            self.services.find_booking,
            reference,
            done=self._reloaded,
            failed=self._failed,
        )

    def _reloaded(self, booking: BookingDetails) -> None:
        kept = {t.ticket_id for t in self.selected_tickets()}
        self.results.replace_booking(booking)
        current = self.current_booking()
        if current is not None and current.booking_id == booking.booking_id:
            self._show_details(current)
            self._reselect(kept)

    def _reselect(self, ticket_ids: set[int]) -> None:
        if not ticket_ids:
            return
        selection = self.tickets_table.selectionModel()
        selection.clearSelection()
        for row, ticket in enumerate(self.tickets.tickets()):
            if ticket.ticket_id in ticket_ids and ticket.status == "active":
                index = self.tickets_proxy.mapFromSource(self.tickets.index(row, 0))
                selection.select(
                    index,
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    # --- cancel --------------------------------------------------------------------------------

    def cancel_booking(self) -> None:
        booking = self.current_booking()
        if booking is not None and self.cancel_booking_action.isEnabled():
            self._quote_cancellation(booking, None)

    def cancel_selected_tickets(self) -> None:
        booking = self.current_booking()
        tickets = self.selected_tickets()
        if booking is not None and tickets and self.cancel_tickets_action.isEnabled():
            self._quote_cancellation(booking, [t.ticket_id for t in tickets])

    def _quote_cancellation(self, booking: BookingDetails, ticket_ids: list[int] | None) -> None:
        self.tasks.run(
            self.services.quote_cancellation,
            booking.reference,
            ticket_ids,
            done=lambda quote: self._confirm_cancellation(quote, ticket_ids),
            failed=self._failed,
        )

    def _confirm_cancellation(self, quote: CancellationQuote, ticket_ids: list[int] | None) -> None:
        dialog = CancelConfirmDialog(quote, whole_booking=ticket_ids is None, parent=self)
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()
        if not accepted:
            self._say(self.tr("Nothing was cancelled."))
            return
        booking = self.current_booking()
        runs = {booking.run_id} if booking is not None else set()
        self.tasks.run(
            self.services.cancel,
            quote.reference,
            ticket_ids,
            done=lambda result: self._cancelled(result, runs),
            failed=self._failed,
        )

    def _cancelled(self, result: CancellationQuote, runs: set[int]) -> None:
        self.seatsChanged.emit(runs)
        self._announce(
            counted(
                len(result.lines),
                self.tr("Cancelled {0} ticket of booking {1}; refund {2}."),
                self.tr("Cancelled {0} tickets of booking {1}; refund {2}."),
                result.reference,
                format_cents(result.refund_cents),
            )
        )
        self._reload(result.reference)

    # --- change seat and move ------------------------------------------------------------------

    def change_seat(self) -> None:
        booking = self.current_booking()
        tickets = self.selected_tickets()
        if booking is None or len(tickets) != 1 or not self.change_seat_action.isEnabled():
            if booking is not None and len(tickets) != 1:
                self._say(
                    self.tr("Select one passenger's ticket to change its seat."), Tone.WARNING
                )
            return
        self._open(ChangeSeatDialog(self.desk, booking, tickets[0], self))

    def move_booking(self) -> None:
        booking = self.current_booking()
        if booking is not None and self.move_action.isEnabled():
            self._open(MoveRunDialog(self.desk, booking, self))

    def _open(self, dialog: QDialog) -> None:
        if self._dialog is not None:
            self._dialog.deleteLater()
        self._dialog = dialog
        dialog.changed.connect(self._changed)
        dialog.open()

    def _changed(self, result: ChangeResult) -> None:
        self.seatsChanged.emit({result.old_run_id, result.new_run_id})
        due = (
            self.tr(" Collect {0}.").format(format_cents(result.due_cents))
            if result.due_cents
            else ""
        )
        if result.old_run_id == result.new_run_id:
            text = self.tr("Booking {0}: {1}.").format(
                result.reference,
                "; ".join(f"{line.passenger_name} now in {line.new_seat}" for line in result.lines),
            )
        else:
            text = self.tr("Booking {0} moved to train {1}.").format(
                result.reference, result.train_number
            )
        self._announce(
            text
            + due
            + " "
            + self.tr("Reprint the tickets ({0}).").format(BOOKING_KEYS.native("reprint"))
        )
        self._reload(result.reference)

    # --- messages ------------------------------------------------------------------------------

    def _announce(self, text: str) -> None:
        self._say(text, Tone.SUCCESS)
        self.statusMessage.emit(text, Tone.SUCCESS.value)

    def _say(self, text: str, tone: Tone = Tone.INFO) -> None:
        self.message.show_message(text, tone)

    def _failed(self, error: BaseException) -> None:
        self._say(error_text(error), Tone.ERROR)

    def eventFilter(self, watched, event) -> bool:
        # Enter in the date field searches too (QDateEdit has no returnPressed).
        if (
            watched is self.date_edit
            and event.type() == event.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.search()
            return True
        return super().eventFilter(watched, event)
