"""The search form: From ⇄ To, travel date, optional earliest departure, Search.

The date follows the origin: until the clerk changes it, it is today in the origin station's
time zone (a Madrid clerk selling a Lisbon departure just after midnight Madrid time gets
Lisbon's date). Enter in any field searches once both stations are known, otherwise it moves
to the missing one. A station may be typed by code or by name; a text that fits no station,
or several, is said so here and never sent to the server as if it were a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QPushButton,
    QTimeEdit,
    QToolButton,
    QWidget,
)

from ticket_office.domain import text_rules
from ticket_office.domain.time_zones import today_at
from ticket_office.services.results import StationInfo
from ticket_office.ui.dates import show_days
from ticket_office.ui.resources import icon
from ticket_office.ui.shared.keys import SHARED_KEYS
from ticket_office.ui.shared.search.stations import StationField, StationListModel
from ticket_office.ui.status import InlineMessage, Tone

MAX_NAMED = 5  # stations an ambiguous text is said to fit, at most


@dataclass(frozen=True, slots=True)
class SearchQuery:
    origin: str  # station codes
    destination: str
    travel_date: date
    earliest: time | None = None


class TravelDateEdit(QDateEdit):
    """Up/Down move one day and Page Up/Down one week, whichever part has the cursor
    (QDateEdit would step only the part under it, and a weekday never leaves its week)."""

    def stepBy(self, steps: int) -> None:
        days = steps if abs(steps) == 1 else 7 * (1 if steps > 0 else -1)
        self.setDate(self.date().addDays(days))

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        return (
            QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
            | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        )


class SearchForm(QWidget):
    searchRequested = Signal(object)  # SearchQuery
    edited = Signal()  # From, To or the date changed, by the clerk or by a swap

    def __init__(self, stations: StationListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stations = stations
        self._date_chosen = False
        self._setting_date = False
        self.origin = StationField(stations, self)
        self.origin.setAccessibleName(self.tr("From"))
        self.destination = StationField(stations, self)
        self.destination.setAccessibleName(self.tr("To"))
        self.swap_button = QToolButton(self)
        self.swap_button.setIcon(icon("swap"))
        self.swap_button.setToolTip(
            self.tr("Swap From and To ({0})").format(SHARED_KEYS.native("swap"))
        )
        self.swap_button.setAccessibleName(self.tr("Swap From and To"))
        self.swap_button.setAutoRaise(True)
        self.swap_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Ctrl+E does it from the keys
        self.travel_date = TravelDateEdit(self)
        self.travel_date.setCalendarPopup(True)
        show_days(self.travel_date)
        self.travel_date.setDate(QDate.currentDate())
        self.earliest = QTimeEdit(self)
        self.earliest.setDisplayFormat("HH:mm")
        self.earliest.setMinimumTime(QTime(0, 0))
        self.earliest.setSpecialValueText(self.tr("Any time"))
        self.earliest.setTime(QTime(0, 0))
        self.earliest.setToolTip(self.tr("Earliest departure; 00:00 means any time"))
        self.search_button = QPushButton(icon("search"), self.tr("&Search"), self)
        self.search_button.setProperty("primary", True)
        self.message = InlineMessage(self)
        self._lay_out()
        self._connect()

    def _lay_out(self) -> None:
        labels = []
        for text, buddy in (
            (self.tr("&From"), self.origin),
            (self.tr("&To"), self.destination),
            (self.tr("D&ate"), self.travel_date),
            (self.tr("Not &before"), self.earliest),
        ):
            label = QLabel(text, self)
            label.setBuddy(buddy)
            labels.append(label)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.addWidget(labels[0], 0, 0)
        grid.addWidget(labels[1], 0, 2)
        grid.addWidget(labels[2], 0, 3)
        grid.addWidget(labels[3], 0, 4)
        grid.addWidget(self.origin, 1, 0)
        grid.addWidget(self.swap_button, 1, 1)
        grid.addWidget(self.destination, 1, 2)
        grid.addWidget(self.travel_date, 1, 3)
        grid.addWidget(self.earliest, 1, 4)
        grid.addWidget(self.search_button, 1, 5)
        grid.addWidget(self.message, 2, 0, 1, 6)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(2, 3)
        grid.setColumnStretch(3, 2)
        grid.setColumnStretch(4, 1)
        self.origin.setMinimumWidth(200)
        self.destination.setMinimumWidth(200)
        QWidget.setTabOrder(self.origin, self.destination)
        QWidget.setTabOrder(self.destination, self.travel_date)
        QWidget.setTabOrder(self.travel_date, self.earliest)
        QWidget.setTabOrder(self.earliest, self.search_button)

    def _connect(self) -> None:
        self.swap_button.clicked.connect(self.swap)
        swap = QShortcut(SHARED_KEYS.sequence("swap"), self)
        swap.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        swap.activated.connect(self.swap)
        self.search_button.clicked.connect(self.submit)
        for field in (self.origin, self.destination):
            field.returnPressed.connect(self._enter_pressed)
        self.origin.editingFinished.connect(self._origin_settled)
        self.origin.completer().activated.connect(lambda _text: self._origin_settled())
        self.travel_date.dateChanged.connect(self._date_edited)
        for field in (self.origin, self.destination):
            field.textChanged.connect(self.edited)
        self.travel_date.dateChanged.connect(self.edited)
        # QDateEdit and QTimeEdit have no returnPressed; their line edits do.
        for spin in (self.travel_date, self.earliest):
            spin.lineEdit().returnPressed.connect(self._enter_pressed)

    # --- behaviour -----------------------------------------------------------------------------

    def swap(self) -> None:
        origin, destination = self.origin.text(), self.destination.text()
        self.origin.setText(destination)
        self.destination.setText(origin)
        self._origin_settled()

    def set_origin(self, station: StationInfo | None) -> None:
        self.origin.set_station(station)
        self._origin_settled()

    def start_new_search(self) -> None:
        """Ready for the next customer: keep From (the clerk's usual station), clear the rest."""
        self.destination.clear()
        self._date_chosen = False
        self.earliest.setTime(QTime(0, 0))
        self.message.clear_message()
        self._origin_settled()
        self.focus_origin()

    def focus_origin(self) -> None:
        self.origin.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.origin.selectAll()

    def fields(self) -> tuple[str, str, date]:
        """From, To and the date as they stand, typed or not: what a search was made for."""
        return (
            self.origin.text().strip(),
            self.destination.text().strip(),
            self.travel_date.date().toPython(),
        )

    def query(self) -> SearchQuery | None:
        """The query as typed, or None after saying what is missing or unclear."""
        origin = self._code_in(self.origin, self.tr("Choose where the journey starts."))
        if origin is None:
            return None
        destination = self._code_in(self.destination, self.tr("Choose where the journey ends."))
        if destination is None:
            return None
        if origin == destination:
            return self._missing(self.destination, self.tr("From and To are the same station."))
        earliest = self.earliest.time()
        return SearchQuery(
            origin,
            destination,
            self.travel_date.date().toPython(),
            None if earliest == QTime(0, 0) else earliest.toPython(),
        )

    def _code_in(self, field: StationField, missing: str) -> str | None:
        """The code of the one station the field's text means, or None after saying why not."""
        typed = " ".join(field.text().split())
        if not typed:
            return self._missing(field, missing)
        if self._stations.rowCount() == 0:
            return field.typed_code()  # the list is not loaded yet: the server judges the code
        found = self._stations.matches(typed)
        if len(found) == 1:
            return found[0].code
        shown = text_rules.quoted(typed, 40)
        if not found:
            return self._missing(
                field, self.tr("There is no station called or coded “{0}”.").format(shown)
            )
        names = ", ".join(station.name for station in found[:MAX_NAMED])
        if len(found) > MAX_NAMED:
            names += ", …"
        return self._missing(
            field,
            self.tr(
                "“{0}” fits several stations: {1}. Type more of the name, or pick one from "
                "the list."
            ).format(shown, names),
        )

    def submit(self) -> None:
        query = self.query()
        if query is not None:
            self.message.clear_message()
            origin = self.origin.station()
            if origin is not None and query.travel_date < today_at(origin.timezone):
                self.message.show_message(
                    self.tr(
                        "That day is past: its trains have already departed and can no longer "
                        "be sold."
                    )
                )
            self.searchRequested.emit(query)

    def _missing(self, field: StationField, text: str) -> None:
        self.message.show_message(text, Tone.WARNING)
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        field.selectAll()  # what the clerk types next replaces what was not understood
        return None

    def _enter_pressed(self) -> None:
        if not self.origin.typed_code():
            self.origin.setFocus()
        elif not self.destination.typed_code():
            self.destination.setFocus()
        else:
            self.submit()

    def _origin_settled(self) -> None:
        station = self.origin.station()
        if station is not None and not self._date_chosen:
            self._setting_date = True
            try:
                self.travel_date.setDate(QDate(today_at(station.timezone)))
            finally:
                self._setting_date = False

    def _date_edited(self) -> None:
        if not self._setting_date:
            self._date_chosen = True
