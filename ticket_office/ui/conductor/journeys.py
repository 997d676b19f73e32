"""The conductor's Journeys page: search trains, see their seats. Nothing here writes.

Built from the shared search form, results table and seat map; the map is read-only (the cursor
moves between seats and their tooltips, nothing is selected or held). Live updates repaint the
seat map and the results when a desk sells or releases seats on a shown train.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ticket_office.services.results import JourneyOption, SeatMap, StationInfo
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.shared.search import (
    JourneyTable,
    JourneyTableModel,
    SearchForm,
    SearchQuery,
    StationListModel,
)
from ticket_office.ui.shared.search.journey_text import journey_date, journey_title
from ticket_office.ui.shared.search.results_table import share_with_seats
from ticket_office.ui.shared.seat_map import CoachStrip, SeatLegend, SeatMapWidget
from ticket_office.ui.status import InlineMessage, Tone, error_text


class JourneysPage(QWidget):
    statusMessage = Signal(str, str)  # text, Tone value: news for the window's status bar
    seatsChanged = Signal(object)  # never: a conductor's journeys page only reads

    def __init__(self, desk: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services, self._tasks, self._operator = desk.conductor, desk.tasks, desk.operator
        self._query: SearchQuery | None = None
        self._journey: JourneyOption | None = None
        self._search_serial = 0  # only the newest search and seat map are shown
        self._map_serial = 0
        self._split_done = False
        self._build()
        self._connect()

    def _build(self) -> None:
        self.stations = StationListModel(self)
        self.form = SearchForm(self.stations, self)
        self.results_model = JourneyTableModel(self)
        self.results = JourneyTable(self.results_model, self)
        self.message = InlineMessage(self)
        self.journey_label = QLabel(self.tr("Seats"), self)
        self.journey_label.setProperty("heading", "section")
        self.journey_when = QLabel(self)
        self.journey_when.setProperty("muted", True)
        self.coach_strip = CoachStrip(self)
        self.map_widget = SeatMapWidget(self)
        self.map_widget.set_read_only(True)
        self.legend = SeatLegend(self, read_only=True)
        self.seat_hint = QLabel(
            self.tr("Choose a train above: Enter (or a click) shows its seats."), self
        )
        self.seat_hint.setProperty("muted", True)
        self.seat_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self._seats = seats = QWidget(self)
        seats_layout = QVBoxLayout(seats)
        seats_layout.setContentsMargins(0, 0, 0, 0)
        seats_layout.addWidget(self.coach_strip)
        seats_layout.addWidget(self.map_widget, 1)
        seats_layout.addWidget(self.legend)
        self.seat_stack = QStackedWidget(self)
        self.seat_stack.addWidget(self.seat_hint)
        self.seat_stack.addWidget(seats)

        results_box = QWidget(self)
        results_layout = QVBoxLayout(results_box)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_title = QLabel(self.tr("Trains"), results_box)
        results_title.setProperty("heading", "section")
        results_layout.addWidget(results_title)
        results_layout.addWidget(self.results)
        seats_box = QWidget(self)
        box_layout = QVBoxLayout(seats_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()  # the day on the title's line, as on the Sell page
        title_row.addWidget(self.journey_label)
        title_row.addStretch(1)
        title_row.addWidget(self.journey_when)
        box_layout.addLayout(title_row)
        box_layout.addWidget(self.seat_stack, 1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(results_box)
        splitter.addWidget(seats_box)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.setSpacing(8)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        QWidget.setTabOrder(self.form.search_button, self.results)
        QWidget.setTabOrder(self.results, self.coach_strip)
        QWidget.setTabOrder(self.coach_strip, self.map_widget)

    def _connect(self) -> None:
        self.form.searchRequested.connect(self.search)
        self.results.journeyActivated.connect(self.open_journey)
        self.coach_strip.coachSelected.connect(self.map_widget.set_coach)
        self.map_widget.coachChanged.connect(self.coach_strip.set_current_coach)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._split_done:
            self._split_done = True
            QTimer.singleShot(0, self._split)

    def _split(self) -> None:
        """Up to six trains on top, the rest for the seats (the conductor can drag it)."""
        share_with_seats(self.splitter, self.results, self._seats)

    # --- the page protocol ---------------------------------------------------------------------

    def start(self) -> None:
        self._tasks.run(
            self._services.list_stations, done=self._stations_loaded, failed=self._show_error
        )

    def focus_first(self) -> None:
        self.form.focus_origin()

    def refresh(self) -> None:
        if self._query is not None:
            self.search(self._query, quiet=True)
        self._load_seat_map()

    def on_runs_changed(self, runs: set[int]) -> None:
        if self._journey is not None and self._journey.run_id in runs:
            self._load_seat_map()
        if self._query is not None and runs & self.results_model.run_ids():
            self.search(self._query, quiet=True)

    def print_tickets(self) -> bool:
        return False  # a conductor prints nothing

    def unfinished_work(self) -> str:
        return ""  # read-only: nothing to lose

    def leaving(self) -> None:
        """Nothing is held here."""

    # --- searching -----------------------------------------------------------------------------

    def new_search(self) -> None:
        self._journey = None
        self.seat_stack.setCurrentWidget(self.seat_hint)
        self.journey_label.setText(self.tr("Seats"))
        self.journey_when.clear()
        self.message.clear_message()
        self.form.start_new_search()

    def _stations_loaded(self, stations: list[StationInfo]) -> None:
        self.stations.set_stations(stations)
        if not self.form.origin.text() and self._operator.station_code:
            self.form.set_origin(self.stations.by_code(self._operator.station_code))

    def search(self, query: SearchQuery, *, quiet: bool = False) -> None:
        """Run a search; `quiet` (a refresh) keeps focus and says nothing."""
        self._query = query
        self._search_serial += 1
        serial = self._search_serial
        if not quiet:
            self.message.clear_message()
        self._tasks.run(
            self._services.search_journeys,
            query.origin,
            query.destination,
            query.travel_date,
            query.earliest,
            done=lambda journeys: self._searched(serial, query, journeys, quiet),
            failed=lambda error: serial == self._search_serial and self._show_error(error),
        )

    def _searched(
        self, serial: int, query: SearchQuery, journeys: list[JourneyOption], quiet: bool
    ) -> None:
        if serial != self._search_serial:
            return
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
        found = (
            self.tr("1 train found.")
            if len(journeys) == 1
            else self.tr("{0} trains found.").format(len(journeys))
        )
        self.statusMessage.emit(found, Tone.INFO.value)
        self.results.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- the seat map --------------------------------------------------------------------------

    @property
    def journey(self) -> JourneyOption | None:
        return self._journey

    def open_journey(self, journey: JourneyOption) -> None:
        self._journey = journey
        self.journey_label.setText(journey_title(journey))
        self.journey_when.setText(journey_date(journey))
        self.seat_hint.setText(self.tr("Loading the seats of {0}…").format(journey.train_number))
        self.seat_stack.setCurrentWidget(self.seat_hint)
        self._load_seat_map(focus=True)

    def _load_seat_map(self, *, focus: bool = False) -> None:
        journey = self._journey
        if journey is None:
            return
        self._map_serial += 1
        serial = self._map_serial
        self._tasks.run(
            self._services.seat_map,
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            done=lambda seat_map: self._map_loaded(serial, seat_map, focus),
            failed=lambda error: serial == self._map_serial and self._show_error(error),
        )

    def _map_loaded(self, serial: int, seat_map: SeatMap, focus: bool) -> None:
        if serial != self._map_serial:
            return
        self.coach_strip.set_seat_map(seat_map)
        self.map_widget.set_seat_map(seat_map)
        coach_no = self.map_widget.current_coach()
        if coach_no is not None:
            self.coach_strip.set_current_coach(coach_no)
        self.seat_stack.setCurrentWidget(self.seat_stack.widget(1))
        if focus:
            self.map_widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_error(self, error: BaseException) -> None:
        self.message.show_message(error_text(error), Tone.ERROR)
