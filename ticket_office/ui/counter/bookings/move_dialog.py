"""Move a booking to another train of the same journey: pick a date, a train, then the seats.

Seats go to the passengers in the order they are chosen, in the order of the booking's tickets;
the dialog spells the pairing out with the fare difference before anything is saved.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ticket_office.services.results import BookingDetails, JourneyOption
from ticket_office.ui.counter.bookings.seat_choice_dialog import SeatChoiceDialog
from ticket_office.ui.dates import day_time_text, show_days, time_text
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.plurals import counted
from ticket_office.ui.shared.search.results_model import JourneyTableModel, not_bookable_reason
from ticket_office.ui.shared.search.results_table import JourneyTable

if TYPE_CHECKING:
    pass


class MoveRunDialog(SeatChoiceDialog):
    def __init__(
        self,
        desk: DeskContext,
        booking: BookingDetails,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(desk, booking, parent)
        self.tickets = sorted(
            (t for t in booking.tickets if t.status == "active"), key=lambda t: t.ticket_id
        )
        self.journey: JourneyOption | None = None
        self.setWindowTitle(self.tr("Move booking {0} to another train").format(booking.reference))
        passengers = counted(len(self.tickets), self.tr("{0} passenger"), self.tr("{0} passengers"))
        intro = QLabel(
            self.tr(
                "{0} → {1}, {2}, now on train {3} at {4}. Choose another date or "
                "train of the same journey, then one seat per passenger."
            ).format(
                booking.origin.name,
                booking.destination.name,
                passengers,
                booking.train_number,
                day_time_text(booking.departs_at),
            ),
            self,
        )
        intro.setWordWrap(True)
        self.date_edit = QDateEdit(QDate(booking.departs_at.date()), self)
        self.date_edit.setCalendarPopup(True)
        show_days(self.date_edit)
        date_label = QLabel(self.tr("Travel &date"), self)
        date_label.setBuddy(self.date_edit)
        self.find_button = QPushButton(self.tr("&Find trains"), self)
        self.find_button.setAutoDefault(False)
        # A click leaves the focus in the date field: taking it would "leave" the field, which
        # searches, and the click would search the same day again.
        self.find_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._searched: date | None = None  # the day of the last search asked for
        self.trains = JourneyTableModel(self)
        self.train_table = JourneyTable(self.trains, self)
        self.train_table.set_placeholder(self.tr("No train of this journey on that date."))
        self.train_table.setMinimumHeight(self._table_height(3))
        self.target_label.setText(self.tr("Choose a train above (Enter or click)."))
        self.panel.party_size.setValue(max(1, len(self.tickets)))
        self.panel.map_widget.set_max_selection(max(1, len(self.tickets)))
        self._lay_out(intro, date_label)
        self.find_button.clicked.connect(self.find_trains)
        self.date_edit.editingFinished.connect(self._date_left)
        self.train_table.journeyActivated.connect(self.choose_train)
        # Fits a 1366 x 768 screen with four trains in view and seats of MIN_SEAT_SIZE.
        self.resize(1120, 700)
        self.find_trains()

    def _lay_out(self, intro: QLabel, date_label: QLabel) -> None:
        date_row = QHBoxLayout()
        for widget in (date_label, self.date_edit, self.find_button):
            date_row.addWidget(widget)
        date_row.addStretch(1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.train_table)
        splitter.addWidget(self.choice_row())
        splitter.setStretchFactor(0, 0)  # a taller dialog is for the seats
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([self._table_height(4), 10_000])
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(date_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)
        self.chain_tab_order(self.date_edit, self.find_button, self.train_table)

    def _table_height(self, rows: int) -> int:
        table = self.train_table
        return (
            table.horizontalHeader().sizeHint().height()
            + rows * table.verticalHeader().defaultSectionSize()
            + 2 * table.frameWidth()
        )

    def apply_text(self) -> str:
        return self.tr("Move booking")

    # --- trains --------------------------------------------------------------------------------

    def travel_date(self) -> date:
        return self.date_edit.date().toPython()

    def _date_left(self) -> None:
        # Focus leaves the field after every list too (to the trains): only a new day searches.
        if self.travel_date() != self._searched:
            self.find_trains()

    def find_trains(self) -> None:
        self._searched = self.travel_date()
        self.tasks.run(
            self.services.search_journeys,
            self.booking.origin.code,
            self.booking.destination.code,
            self.travel_date(),
            owner=self,
            latest="trains",
            done=self._show_trains,
            failed=self.show_error,
        )

    def _show_trains(self, journeys: list[JourneyOption]) -> None:
        self.trains.set_journeys(journeys)
        if not self.panel.isAncestorOf(QApplication.focusWidget()):
            self.train_table.setFocus()  # but a late list must not pull the clerk off the map

    def choose_train(self, journey: JourneyOption) -> None:
        if journey.run_id == self.booking.run_id:
            self.message.show_message(
                self.tr("That is the booking's own train: use Change seat to choose other seats.")
            )
            return
        if not journey.bookable:
            self.message.show_message(not_bookable_reason(journey))
            return
        self.message.clear_message()
        self.journey = journey
        self.train_table.select_run(journey.run_id)
        self.target_label.setText(
            self.tr("Seats on train <b>{0}</b>, {1} → {2}:").format(
                escape(journey.train_number),
                day_time_text(journey.departs_at, zone=True),
                time_text(journey.arrives_at, zone=True),
            )
        )
        self.panel.map_widget.clear_selection()
        self.load_seat_map(journey.run_id, journey.board_position, journey.alight_position)
        self.panel.map_widget.setFocus()

    # --- seats ---------------------------------------------------------------------------------

    def quote_lines(self) -> int:
        return len(self.tickets) + 1

    def seat_choice(self, seat_ids: list[int]) -> dict[int, int]:
        """Ticket id to new seat: the booking's tickets in order, the seats as chosen."""
        return {
            ticket.ticket_id: seat_id
            for ticket, seat_id in zip(self.tickets, seat_ids, strict=False)
        }

    def request_quote(self, seat_ids: list[int]):
        if self.journey is None or len(seat_ids) != len(self.tickets):
            if self.journey is not None and seat_ids:
                self.quote_label.setText(
                    counted(
                        len(self.tickets) - len(seat_ids),
                        self.tr("Choose {0} more seat."),
                        self.tr("Choose {0} more seats."),
                    )
                )
            return None
        return self.services.quote_move, self._move_args(seat_ids)

    def apply_call(self):
        return self.services.move_booking, self._move_args(list(self.panel.selected_seat_ids()))

    def _move_args(self, seat_ids: list[int]) -> tuple:
        journey = self.journey
        assert journey is not None
        return (
            self.booking.reference,
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            self.seat_choice(seat_ids),
        )
