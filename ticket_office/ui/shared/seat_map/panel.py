"""The seat map as the clerk sees it: coach strip, map, legend and a "pick together" row.

The panel keeps the strip and the map showing the same coach and relays the map's messages
(refusals, seats sold meanwhile, what the picker chose) in one status line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.seat_picking import PickResult, SeatPreferences, pick_together
from ticket_office.domain.seats import MAX_PARTY
from ticket_office.services.results import SeatMap
from ticket_office.ui.shared.seat_map.coach_strip import CoachStrip
from ticket_office.ui.shared.seat_map.legend import SeatLegend
from ticket_office.ui.shared.seat_map.widget import SeatMapWidget, utc_now


class SeatMapPanel(QWidget):
    selectionChanged = Signal(list)  # seat ids, relayed from the map

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(parent)
        self.coach_strip = CoachStrip(self)
        self.map_widget = SeatMapWidget(self, clock=clock)
        self.legend = SeatLegend(self)
        self.party_size = QSpinBox(self)
        self.party_size.setRange(1, MAX_PARTY)
        self.party_size.setValue(2)
        self.seat_class = QComboBox(self)
        # Item data are plain strings: Qt hands a StrEnum back as str.
        self.seat_class.addItem(self.tr("Any class"), "")
        self.seat_class.addItem(self.tr("First"), SeatClass.FIRST.value)
        self.seat_class.addItem(self.tr("Standard"), SeatClass.STANDARD.value)
        self.prefer_window = QCheckBox(self.tr("Window"), self)
        self.prefer_aisle = QCheckBox(self.tr("Aisle"), self)
        self.prefer_table = QCheckBox(self.tr("Table"), self)
        self.pick_button = QPushButton(self.tr("Pick seats together"), self)
        self.selection_label = QLabel(self)
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._lay_out()
        self._connect()
        self._show_selection([])

    def _lay_out(self) -> None:
        party_label = QLabel(self.tr("&Party of"), self)
        party_label.setBuddy(self.party_size)
        class_label = QLabel(self.tr("&Class"), self)
        class_label.setBuddy(self.seat_class)
        pick_row = QHBoxLayout()
        for widget in (party_label, self.party_size, class_label, self.seat_class):
            pick_row.addWidget(widget)
        pick_row.addSpacing(8)
        for widget in (self.prefer_window, self.prefer_aisle, self.prefer_table, self.pick_button):
            pick_row.addWidget(widget)
        pick_row.addStretch(1)
        pick_row.addWidget(self.selection_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.coach_strip)
        layout.addWidget(self.map_widget, 1)
        layout.addWidget(self.legend)
        layout.addLayout(pick_row)
        layout.addWidget(self.status_label)

    def _connect(self) -> None:
        self.coach_strip.coachSelected.connect(self.map_widget.set_coach)
        self.map_widget.coachChanged.connect(self.coach_strip.set_current_coach)
        self.map_widget.selectionChanged.connect(self._show_selection)
        self.map_widget.selectionChanged.connect(self.selectionChanged)
        self.map_widget.message.connect(self.status_label.setText)
        self.map_widget.seatsDropped.connect(self._announce_dropped)
        self.pick_button.clicked.connect(self.pick_together)

    def heightForWidth(self, width: int) -> int:
        """The height needed with the map at its smallest: the map takes whatever more it gets.

        The legend wraps, so the panel has a height for each width, and layouts and scroll
        areas take that as both its preferred and its least height. With the map at its
        preferred size in it, a page would scroll the pick row out of sight rather than draw
        the seats a little smaller.
        """
        slack = self.map_widget.sizeHint().height() - self.map_widget.minimumSizeHint().height()
        return super().heightForWidth(width) - max(0, slack)

    # --- API -----------------------------------------------------------------------------------

    def set_seat_map(self, seat_map: SeatMap) -> None:
        self.coach_strip.set_seat_map(seat_map)
        self.map_widget.set_seat_map(seat_map)
        coach_no = self.map_widget.current_coach()
        if coach_no is not None:
            self.coach_strip.set_current_coach(coach_no)
        self.coach_strip.set_selected_seat_ids(self.map_widget.selected_seat_ids())

    def selected_seat_ids(self) -> tuple[int, ...]:
        return self.map_widget.selected_seat_ids()

    def preferences(self) -> SeatPreferences:
        chosen_class = self.seat_class.currentData()
        return SeatPreferences(
            seat_class=SeatClass(chosen_class) if chosen_class else None,
            window=self.prefer_window.isChecked(),
            aisle=self.prefer_aisle.isChecked(),
            table=self.prefer_table.isChecked(),
        )

    def pick_together(self) -> PickResult | None:
        """Choose seats for the party with the row's settings and select them on the map."""
        seat_map = self.map_widget.seat_map()
        if seat_map is None:
            return None
        result = pick_together(
            seat_map.coaches,
            self.party_size.value(),
            self.preferences(),
            start_coach=self.map_widget.current_coach(),
        )
        if result.seat_ids:
            self.map_widget.set_selection(result.seat_ids)
            first = seat_map.seat(result.seat_ids[0])
            if first is not None:
                self.map_widget.set_coach(first.coach_no)
        self.status_label.setText(result.message or self._chosen_text(result.seat_ids))
        return result

    # --- text ----------------------------------------------------------------------------------

    def _chosen_text(self, seat_ids: tuple[int, ...]) -> str:
        seat_map = self.map_widget.seat_map()
        seats = [seat_map.seat(seat_id) for seat_id in seat_ids] if seat_map else []
        names = ", ".join(seat.label for seat in seats if seat is not None)
        coach = seats[0].coach_no if seats and seats[0] is not None else "?"
        return self.tr("Chose seats {0} in coach {1}, together.").format(names, coach)

    def _show_selection(self, seat_ids: list[int]) -> None:
        self.coach_strip.set_selected_seat_ids(seat_ids)
        self.status_label.clear()  # an old message would no longer match the selection
        if not seat_ids:
            self.selection_label.setText(self.tr("No seats selected"))
        elif len(seat_ids) == 1:
            self.selection_label.setText(self.tr("1 seat selected"))
        else:
            self.selection_label.setText(self.tr("{0} seats selected").format(len(seat_ids)))

    def _announce_dropped(self, names: list[str]) -> None:
        self.status_label.setText(
            self.tr("No longer available, removed from your selection: {0}.").format(
                "; ".join(names)
            )
        )
