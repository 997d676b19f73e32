"""The Sell page: search → results → seat map → passengers and payment → confirmation.

Seats the clerk selects are held for this desk (see `SeatHolder`) while details are typed.
Live updates refresh the seat map and the results when another desk changes the same run.
Every service call goes through the task runner; answers that arrive after the clerk moved
on (another train, another search) are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ticket_office.services.results import (
    ConcessionInfo,
    JourneyOption,
    SeatMap,
    StationInfo,
)
from ticket_office.ui.counter.keys import COUNTER_KEYS
from ticket_office.ui.counter.sale.confirmation import SaleConfirmation
from ticket_office.ui.counter.sale.drafts import PassengerDraft, PaymentDraft, assign_drafts
from ticket_office.ui.counter.sale.holds import Leg, SeatHolder
from ticket_office.ui.counter.sale.party_dialog import PartyDialog
from ticket_office.ui.dates import time_at
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.plurals import counted
from ticket_office.ui.resources import icon
from ticket_office.ui.shared.search import (
    JourneyTable,
    JourneyTableModel,
    SearchForm,
    SearchQuery,
    StationListModel,
)
from ticket_office.ui.shared.search.journey_text import journey_date, journey_title
from ticket_office.ui.shared.search.results_model import not_bookable_reason
from ticket_office.ui.shared.search.results_table import share_with_seats
from ticket_office.ui.shared.seat_map import SeatMapPanel
from ticket_office.ui.shared.tickets import ticket_printer
from ticket_office.ui.shortcuts import SHELL_KEYS
from ticket_office.ui.status import InlineMessage, Tone, error_text

if TYPE_CHECKING:
    from ticket_office.services.booking import BookingConfirmation
    from ticket_office.services.holds import HoldResult


def leg_of(journey: JourneyOption) -> Leg:
    return Leg(journey.run_id, journey.board_position, journey.alight_position)


class SalePage(QWidget):
    statusMessage = Signal(str, str)  # text, Tone value: news for the window's status bar
    sold = Signal(str)  # booking reference
    seatsChanged = Signal(object)  # set[int]: the run a sale was made on

    def __init__(
        self,
        desk: DeskContext,
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self._services, self._tasks, self._operator = desk.counter, desk.tasks, desk.operator
        self._print_tickets = ticket_printer(self, desk, on_error=self._show_error)
        self._query: SearchQuery | None = None
        self._searched_fields: tuple[str, str, object] | None = None
        self._searching = False
        self._results_dirty = False
        self._journey: JourneyOption | None = None
        self._seat_map: SeatMap | None = None
        self._focus_map_when_loaded = False
        self._concessions: list[ConcessionInfo] | None = None
        self._drafts: dict[int, PassengerDraft] = {}
        self._payment_draft: PaymentDraft | None = None
        self.party_dialog: PartyDialog | None = None
        self.confirmation: SaleConfirmation | None = None
        self.last_reference: str | None = None
        self._split_done = False
        self.holder = SeatHolder(desk, self)
        self._build()
        self._connect()

    # --- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.stations = StationListModel(self)
        self.form = SearchForm(self.stations, self)
        self.results_model = JourneyTableModel(self)
        self.results = JourneyTable(self.results_model, self)
        self.journey_label = QLabel(self.tr("Seats"), self)
        self.journey_label.setProperty("heading", "section")
        self.journey_when = QLabel(self)
        self.journey_when.setProperty("muted", True)
        self.seat_panel = SeatMapPanel(self)
        self.hold_label = QLabel(self)
        self.hold_label.setProperty("muted", True)
        self.message = InlineMessage(self)
        self.party_button = QPushButton(
            icon("sell"),
            self.tr("Passengers and payment ({0})").format(COUNTER_KEYS.native("party")),
            self,
        )
        self.party_button.setProperty("primary", True)
        self.party_button.setEnabled(False)
        self.party_button.setAutoDefault(False)

        results_box = QWidget(self)
        results_layout = QVBoxLayout(results_box)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_title = QLabel(self.tr("Trains"), results_box)
        results_title.setProperty("heading", "section")
        # News shares the heading's line, which is there anyway: coming and going it moves
        # nothing, and a long one would only shorten the table, never the seat area.
        self.message.reserve_lines(1)
        heading_row = QHBoxLayout()
        heading_row.addWidget(results_title)
        heading_row.addSpacing(16)
        heading_row.addWidget(self.message, 1)
        results_layout.addLayout(heading_row)
        results_layout.addWidget(self.results)
        self.results.setMinimumHeight(self.results.height_for_rows(3))

        seats_box = QWidget(self)
        seats_layout = QVBoxLayout(seats_box)
        seats_layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        title_row.addWidget(self.journey_label)
        title_row.addStretch(1)
        title_row.addWidget(self.journey_when)
        seats_layout.addLayout(title_row)
        self.seat_stack = QStackedWidget(seats_box)
        self.seat_hint = QLabel(self._choose_a_train(), self.seat_stack)
        self.seat_hint.setProperty("muted", True)
        self.seat_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.seat_stack.addWidget(self.seat_hint)
        self.seat_stack.addWidget(self.seat_panel)
        seats_layout.addWidget(self.seat_stack, 1)
        action_row = QHBoxLayout()
        action_row.addWidget(self.hold_label)
        action_row.addStretch(1)
        action_row.addWidget(self.party_button)

        # The seat area scrolls rather than forcing a tall window (1366x768 laptops, large fonts).
        seats_scroll = QScrollArea(self)
        seats_scroll.setWidget(seats_box)
        seats_scroll.setWidgetResizable(True)
        seats_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(results_box)
        splitter.addWidget(seats_scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(8)
        layout.addWidget(self.form)
        layout.addWidget(splitter, 1)
        layout.addLayout(action_row)  # below the scrolling seat area: always in reach

        QWidget.setTabOrder(self.form.search_button, self.results)
        QWidget.setTabOrder(self.results, self.seat_panel.coach_strip)
        QWidget.setTabOrder(self.seat_panel.coach_strip, self.seat_panel.map_widget)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._split_done:
            self._split_done = True
            QTimer.singleShot(0, self._split)

    def _split(self) -> None:
        """Up to six trains on top, the rest for the seat map (the clerk can drag it)."""
        share_with_seats(self.splitter, self.results, self.seat_panel)

    def _connect(self) -> None:
        self.form.searchRequested.connect(self.search)
        self.form.edited.connect(self._form_edited)
        self.results.journeyActivated.connect(self.open_journey)
        self.seat_panel.selectionChanged.connect(self._selection_changed)
        self.party_button.clicked.connect(self.open_party)
        for keys in (COUNTER_KEYS.sequence("party"), QKeySequence("Ctrl+Enter")):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.open_party)
        pick = QShortcut(COUNTER_KEYS.sequence("pick_together"), self)
        pick.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        pick.activated.connect(self.pick_together)
        self.holder.held.connect(self._held)
        self.holder.refused.connect(self._hold_refused)
        self.holder.failed.connect(self._show_error)

    # --- starting ------------------------------------------------------------------------------

    def start(self) -> None:
        """Load what the page needs once: stations and concessions."""
        self._tasks.run(
            self._services.list_stations,
            done=self._stations_loaded,
            failed=self._show_error,
        )
        self._tasks.run(
            self._services.list_concessions,
            done=self._concessions_loaded,
            failed=self._show_error,
        )

    def focus_first(self) -> None:
        self.form.focus_origin()

    def _stations_loaded(self, stations: list[StationInfo]) -> None:
        self.stations.set_stations(stations)
        if not self.form.origin.text() and self._operator.station_code:
            self.form.set_origin(self.stations.by_code(self._operator.station_code))

    def _concessions_loaded(self, concessions: list[ConcessionInfo]) -> None:
        self._concessions = concessions

    # --- searching -----------------------------------------------------------------------------

    def new_search(self) -> None:
        self.next_sale()

    def search(self, query: SearchQuery, *, quiet: bool = False) -> None:
        """Run a search; `quiet` (a refresh) keeps focus and says nothing.

        A new search leaves the train on screen: its seat map, selection and holds belong to
        the previous query, and selling from them would sell another day's seats."""
        self._query = query
        self._searching, self._results_dirty = True, False
        if not quiet:
            self.leave_journey()
            self.message.clear_message()
            self._searched_fields = self.form.fields()
            self.form.search_button.setEnabled(False)
            self.results.viewport().setCursor(Qt.CursorShape.BusyCursor)
        self._tasks.run(
            self._services.search_journeys,
            query.origin,
            query.destination,
            query.travel_date,
            query.earliest,
            owner=self,
            latest="search",
            done=lambda journeys: self._searched(query, journeys, quiet),
            failed=self._search_failed,
        )

    def _form_edited(self) -> None:
        """From, To or Date no longer say what the results and the seat map show: clear them."""
        if self._searched_fields is None or self.form.fields() == self._searched_fields:
            return
        self._searched_fields = None
        self._query = None
        self.leave_journey()
        self.results_model.set_journeys([])
        self.results.set_placeholder(self.tr("The journey changed: press Enter to search again."))

    def _searched(self, query: SearchQuery, journeys: list[JourneyOption], quiet: bool) -> None:
        self._search_done()
        if query != self._query:
            return  # the form changed since: these results answer a question no longer asked
        try:
            self._show_results(query, journeys, quiet)
        finally:
            if self._results_dirty:  # changes arrived while this search ran
                self.refresh_results()

    def _show_results(self, query: SearchQuery, journeys: list[JourneyOption], quiet: bool) -> None:
        current = self.results.current_journey()
        self.results_model.set_journeys(journeys)
        if current is not None:
            self.results.select_run(current.run_id)
        if quiet:
            return
        if not journeys:
            self.results.set_placeholder(
                self.tr("No trains from {0} to {1} on that day.").format(
                    query.origin, query.destination
                )
            )
            self.statusMessage.emit(self.tr("No trains found."), Tone.WARNING.value)
            self.form.focus_origin()
            return
        self.statusMessage.emit(
            counted(len(journeys), self.tr("1 train found."), self.tr("{0} trains found.")),
            Tone.INFO.value,
        )
        bookable = next((j for j in journeys if j.bookable), None)
        if bookable is not None:
            self.results.select_run(bookable.run_id)
        self.results.setFocus(Qt.FocusReason.OtherFocusReason)

    def _search_failed(self, error: BaseException) -> None:
        self._search_done()
        self._show_error(error)

    def refresh_results(self) -> None:
        """Read the shown results again; bursts of changes cost one search at a time."""
        if self._query is None:
            return
        if self._searching:
            self._results_dirty = True
            return
        self.search(self._query, quiet=True)

    def _search_done(self) -> None:
        self._searching = False
        self.form.search_button.setEnabled(True)
        self.results.viewport().unsetCursor()

    # --- the seat map --------------------------------------------------------------------------

    @property
    def journey(self) -> JourneyOption | None:
        return self._journey

    def open_journey(self, journey: JourneyOption) -> None:
        if not journey.bookable:
            self.message.show_message(not_bookable_reason(journey), Tone.WARNING)
            return
        self.message.clear_message()
        self._focus_map_when_loaded = True
        if self._journey is not None and leg_of(self._journey) == leg_of(journey):
            self._journey = journey
            self._reload_seat_map()
            return
        self._forget_journey()
        self._journey = journey
        self.holder.set_leg(leg_of(journey))
        self.journey_label.setText(journey_title(journey))
        self.journey_when.setText(journey_date(journey))
        self.seat_hint.setText(self.tr("Loading the seats of {0}…").format(journey.train_number))
        self._reload_seat_map()

    def leave_journey(self) -> None:
        """No train on screen: its map, selection and drafts go, and its holds end now."""
        if self._journey is None:
            return
        self._forget_journey()
        self.holder.set_leg(None)
        self.journey_label.setText(self.tr("Seats"))
        self.journey_when.clear()
        self.seat_hint.setText(self._choose_a_train())

    def _choose_a_train(self) -> str:
        return self.tr("Choose a train above: Enter (or a click) opens its seat map.")

    def _forget_journey(self) -> None:
        self._journey, self._seat_map = None, None
        self._drafts, self._payment_draft = {}, None
        self.seat_panel.map_widget.clear_selection()
        self.hold_label.clear()
        self.party_button.setEnabled(False)
        # Until the next train's seats arrive, no map may take clicks.
        self.seat_stack.setCurrentWidget(self.seat_hint)

    def refresh(self) -> None:
        """F5: read the results and the seat map again."""
        self.refresh_results()
        self._reload_seat_map()

    def on_runs_changed(self, runs: set[int]) -> None:
        if self._journey is not None and self._journey.run_id in runs:
            self._reload_seat_map()
        if runs & self.results_model.run_ids():
            self.refresh_results()

    def _reload_seat_map(self) -> None:
        if self._journey is None:
            return
        leg = leg_of(self._journey)
        self.seat_panel.setCursor(Qt.CursorShape.BusyCursor)
        self._tasks.run(
            self._services.seat_map,
            leg.run_id,
            leg.board,
            leg.alight,
            owner=self,
            latest="seat map",
            done=lambda seat_map: self._map_loaded(leg, seat_map),
            failed=lambda error: self._map_loaded(leg, None, error),
        )

    def _map_loaded(
        self, leg: Leg, seat_map: SeatMap | None, error: BaseException | None = None
    ) -> None:
        self.seat_panel.unsetCursor()
        current = self._journey is not None and leg_of(self._journey) == leg
        if current and seat_map is not None:
            self._seat_map = seat_map
            self.seat_panel.set_seat_map(seat_map)
            self.seat_stack.setCurrentWidget(self.seat_panel)
            if self._focus_map_when_loaded:
                self._focus_map_when_loaded = False
                self.seat_panel.map_widget.setFocus(Qt.FocusReason.OtherFocusReason)
        elif current and error is not None:
            self._show_error(error)
            if self._seat_map is None:
                self.seat_hint.setText(
                    self.tr("The seats could not be read. Press {0} to try again.").format(
                        SHELL_KEYS.native("refresh")
                    )
                )

    def pick_together(self) -> None:
        if self._seat_map is not None:
            self.seat_panel.pick_together()

    # --- holds ---------------------------------------------------------------------------------

    def selected_seat_ids(self) -> tuple[int, ...]:
        return self.seat_panel.selected_seat_ids()

    def _selection_changed(self, seat_ids: list[int]) -> None:
        self.party_button.setEnabled(bool(seat_ids))
        if seat_ids:
            self.hold_label.setText(self.tr("Holding your seats…"))
        self.holder.want(seat_ids)

    def _held(self, result: HoldResult) -> None:
        if not result.seat_ids:
            self.hold_label.clear()
            return
        zone = self._operator.station_timezone  # the clerk's station's clock, not the machine's
        until = time_at(result.expires_at, zone) if result.expires_at else "?"
        self.hold_label.setText(
            counted(
                len(result.seat_ids),
                self.tr("1 seat held for you until {1}"),
                self.tr("{0} seats held for you until {1}"),
                until,
            )
        )

    def _hold_refused(self, error: BaseException) -> None:
        self.hold_label.clear()
        self.message.show_message(error_text(error), Tone.ERROR)
        self._reload_seat_map()

    def release_holds(self) -> None:
        """Leave the current train: its holds end now."""
        self.holder.set_leg(None)

    def unfinished_work(self) -> str:
        seats = len(set(self.holder.held_seat_ids()) | set(self.selected_seat_ids()))
        if self.party_dialog is not None:
            return self.tr("A sale is open in Passengers and payment.")
        if seats == 1:
            return self.tr("1 seat is held for a customer.")
        return self.tr("{0} seats are held for a customer.").format(seats) if seats else ""

    def leaving(self) -> None:
        self.release_holds()
        if self.party_dialog is not None:
            self.party_dialog.reject()

    # --- selling -------------------------------------------------------------------------------

    def open_party(self) -> None:
        if self.party_dialog is not None or self._journey is None:
            return
        if not self.selected_seat_ids():
            self.message.show_message(
                self.tr("Select seats first: arrow keys and Space on the seat map."), Tone.WARNING
            )
            self.seat_panel.map_widget.setFocus()
            return
        if self._concessions is None:
            self._tasks.run(
                self._services.list_concessions,
                done=lambda found: (self._concessions_loaded(found), self.open_party()),
                failed=self._show_error,
            )
            return
        self.holder.flush(then=self._open_party_when_held)

    def _open_party_when_held(self) -> None:
        selected = self.selected_seat_ids()
        if (
            self.party_dialog is not None
            or not selected
            or self._seat_map is None
            or self._journey is None
            or self.holder is None
            or set(self.holder.held_seat_ids()) != set(selected)
        ):
            return  # the hold was refused or the selection moved on; the clerk was told
        seats = [self._seat_map.seat(seat_id) for seat_id in selected]
        if any(seat is None for seat in seats):
            return
        dialog = PartyDialog(
            self.desk,
            self._journey,
            seats,
            self._concessions or [],
            assign_drafts(selected, self._drafts),
            self._payment_draft,
            self,
        )
        dialog.booked.connect(self._sold)
        dialog.seatsLost.connect(self._seats_lost)
        dialog.finished.connect(lambda _result: self._party_closed(dialog))
        self.party_dialog = dialog
        dialog.open()

    def _party_closed(self, dialog: PartyDialog) -> None:
        if self.party_dialog is dialog:
            self.party_dialog = None
        if dialog.booking is None:
            self._drafts.update(dialog.drafts())
            self._payment_draft = dialog.payment_draft()
            self.seat_panel.map_widget.setFocus(Qt.FocusReason.OtherFocusReason)
            self._back_to_window()
        dialog.deleteLater()

    def _seats_lost(self, error: BaseException) -> None:
        self.message.show_message(
            self.tr("{0} The names you typed are kept; choose another seat and press {1}.").format(
                error_text(error), COUNTER_KEYS.native("party")
            ),
            Tone.ERROR,
        )
        self._reload_seat_map()

    def _sold(self, confirmation: BookingConfirmation) -> None:
        assert self._journey is not None
        self.holder.forget()
        self._drafts, self._payment_draft = {}, None
        self.last_reference = confirmation.reference
        self.seat_panel.map_widget.clear_selection()
        self.hold_label.clear()
        self.message.show_message(
            self.tr("Sold: booking {0}.").format(confirmation.reference), Tone.SUCCESS
        )
        self.statusMessage.emit(
            self.tr("Sold: booking {0}.").format(confirmation.reference), Tone.SUCCESS.value
        )
        self.sold.emit(confirmation.reference)
        self.seatsChanged.emit({self._journey.run_id})
        self._reload_seat_map()
        self.refresh_results()  # the free seats it shows; the desk skips its own notices
        dialog = SaleConfirmation(confirmation, self._journey, self._print_tickets, self)
        dialog.accepted.connect(self.next_sale)
        dialog.finished.connect(dialog.deleteLater)
        dialog.finished.connect(lambda _r: setattr(self, "confirmation", None))
        self.confirmation = dialog
        dialog.open()

    def _back_to_window(self) -> None:
        """After a dialog: the keys go back to this window (not every platform does that)."""
        if self.isVisible():
            self.window().activateWindow()

    def next_sale(self) -> None:
        """Ctrl+N and Next sale: leave the train (releasing its holds) and go to From."""
        if self.party_dialog is not None:
            return
        self.leave_journey()
        self.message.clear_message()
        self.form.start_new_search()
        self._back_to_window()

    def print_tickets(self) -> bool:
        """Print the last sale's tickets (the first print is the original)."""
        if self.last_reference is None:
            return False
        self._print_tickets(self.last_reference)
        return True

    # --- errors --------------------------------------------------------------------------------

    def _show_error(self, error: BaseException) -> None:
        self.message.show_message(error_text(error), Tone.ERROR)
