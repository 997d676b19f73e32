"""Thin table models over the lookup results: bookings found, and one booking's tickets.

Both swap their rows inside beginResetModel/endResetModel, build cells on demand from the plain
dataclasses, and sort through SORT_ROLE (timestamps, cents, numbers), never the shown text.
Cancelled tickets stay listed, greyed and not selectable, so they cannot be chosen for an action.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import (
    QCoreApplication,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QGuiApplication, QPalette

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.money import format_cents
from ticket_office.services.results import BookingDetails, TicketInfo
from ticket_office.ui.dates import day_time_text
from ticket_office.ui.row_table_model import SORT_ROLE, Index, RowTableModel
from ticket_office.ui.shared.search.results_model import train_sort_key

ITEM_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's BookingDetails or TicketInfo

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter)


def _tr(text: str) -> str:
    return QCoreApplication.translate("BookingModels", text)


def status_text(status: str) -> str:
    return {
        "active": _tr("Active"),
        "cancelled": _tr("Cancelled"),
        "no_show": _tr("No-show"),
    }.get(status, status)


def class_text(seat_class: SeatClass) -> str:
    return _tr("First") if seat_class is SeatClass.FIRST else _tr("Standard")


def _muted():
    return QGuiApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


class BookingColumn(IntEnum):
    REFERENCE = 0
    PASSENGERS = 1
    TRAIN = 2
    DEPARTS = 3
    ROUTE = 4
    STATUS = 5
    PAID = 6
    REFUNDED = 7


_BOOKING_HEADERS = {
    BookingColumn.REFERENCE: "Reference",
    BookingColumn.PASSENGERS: "Passengers",
    BookingColumn.TRAIN: "Train",
    BookingColumn.DEPARTS: "Departs",
    BookingColumn.ROUTE: "From → To",
    BookingColumn.STATUS: "Status",
    # What was paid and what went back, as the summary under the list says them; not a net.
    BookingColumn.PAID: "Paid",
    BookingColumn.REFUNDED: "Refunded",
}


class BookingListModel(RowTableModel[BookingDetails]):
    def __init__(self, parent=None) -> None:
        super().__init__(BookingColumn, _BOOKING_HEADERS, _tr, parent)

    def set_bookings(self, bookings: Sequence[BookingDetails]) -> None:
        self.set_rows(bookings)

    def replace_booking(self, booking: BookingDetails) -> None:
        """Show a refreshed copy of a listed booking in place (after a change or cancel)."""
        for row, listed in enumerate(self._rows):
            if listed.booking_id == booking.booking_id:
                self._rows[row] = booking
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(BookingColumn) - 1))
                return

    def bookings(self) -> list[BookingDetails]:
        return self.rows()

    def booking(self, row: int) -> BookingDetails | None:
        return self.row_at(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        booking = self._rows[index.row()]
        column = BookingColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(booking, column)
        if role == SORT_ROLE:
            return self._sort_value(booking, column)
        if role == ITEM_ROLE:
            return booking
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            BookingColumn.PAID,
            BookingColumn.REFUNDED,
        ):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and booking.status != "active":
            return _muted()
        return None

    @staticmethod
    def _text(booking: BookingDetails, column: BookingColumn) -> str:
        if column is BookingColumn.REFERENCE:
            return booking.reference
        if column is BookingColumn.PASSENGERS:
            return ", ".join(t.passenger_name for t in booking.tickets)
        if column is BookingColumn.TRAIN:
            return booking.train_number
        if column is BookingColumn.DEPARTS:
            return day_time_text(booking.departs_at)
        if column is BookingColumn.ROUTE:
            return f"{booking.origin.name} → {booking.destination.name}"
        if column is BookingColumn.STATUS:
            return status_text(booking.status)
        if column is BookingColumn.PAID:
            return format_cents(booking.total_cents)
        return format_cents(booking.refunded_cents) if booking.refunded_cents else ""

    @staticmethod
    def _sort_value(booking: BookingDetails, column: BookingColumn) -> int | str:
        if column is BookingColumn.TRAIN:
            return train_sort_key(booking.train_number)
        if column is BookingColumn.DEPARTS:
            return int(booking.departs_at.timestamp())
        if column is BookingColumn.PAID:
            return booking.total_cents
        if column is BookingColumn.REFUNDED:
            return booking.refunded_cents
        return BookingListModel._text(booking, column).casefold()


class TicketColumn(IntEnum):
    PASSENGER = 0
    CONCESSION = 1
    TRAIN = 2
    DEPARTS = 3
    COACH = 4
    SEAT = 5
    CLASS = 6
    FARE = 7
    STATUS = 8
    REFUND = 9


_TICKET_HEADERS = {
    TicketColumn.PASSENGER: "Passenger",
    TicketColumn.CONCESSION: "Concession",
    # Each ticket's own train: after a move, cancelled tickets keep the train they were on.
    TicketColumn.TRAIN: "Train",
    TicketColumn.DEPARTS: "Departs",
    TicketColumn.COACH: "Coach",
    TicketColumn.SEAT: "Seat",
    TicketColumn.CLASS: "Class",
    TicketColumn.FARE: "Fare",
    TicketColumn.STATUS: "Status",
    TicketColumn.REFUND: "Refunded",
}


class TicketTableModel(RowTableModel[TicketInfo]):
    def __init__(self, parent=None) -> None:
        super().__init__(TicketColumn, _TICKET_HEADERS, _tr, parent)

    def set_tickets(self, tickets: Sequence[TicketInfo]) -> None:
        self.set_rows(tickets)

    def tickets(self) -> list[TicketInfo]:
        return self.rows()

    def ticket(self, row: int) -> TicketInfo | None:
        return self.row_at(row)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or index.row() >= len(self._rows):
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()].status == "active":
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        ticket = self._rows[index.row()]
        column = TicketColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(ticket, column)
        if role == SORT_ROLE:
            return self._sort_value(ticket, column)
        if role == ITEM_ROLE:
            return ticket
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            TicketColumn.FARE,
            TicketColumn.REFUND,
        ):
            return _RIGHT
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            TicketColumn.COACH,
            TicketColumn.SEAT,
        ):
            return _CENTRE
        if role == Qt.ItemDataRole.ForegroundRole and ticket.status != "active":
            return _muted()
        return None

    @staticmethod
    def _text(ticket: TicketInfo, column: TicketColumn) -> str:
        if column is TicketColumn.PASSENGER:
            return ticket.passenger_name
        if column is TicketColumn.CONCESSION:
            return ticket.concession.capitalize()
        if column is TicketColumn.TRAIN:
            return ticket.train_number
        if column is TicketColumn.DEPARTS:
            return day_time_text(ticket.departs_at)
        if column is TicketColumn.COACH:
            return str(ticket.coach_no)
        if column is TicketColumn.SEAT:
            return ticket.seat_label
        if column is TicketColumn.CLASS:
            return class_text(ticket.seat_class)
        if column is TicketColumn.FARE:
            return format_cents(ticket.fare_cents)
        if column is TicketColumn.STATUS:
            return status_text(ticket.status)
        return "" if ticket.refund_cents is None else format_cents(ticket.refund_cents)

    @staticmethod
    def _sort_value(ticket: TicketInfo, column: TicketColumn) -> int | str:
        if column is TicketColumn.TRAIN:
            return train_sort_key(ticket.train_number)
        if column is TicketColumn.DEPARTS:
            return int(ticket.departs_at.timestamp())
        if column is TicketColumn.COACH:
            return ticket.coach_no
        if column is TicketColumn.SEAT:
            return train_sort_key(ticket.seat_label)
        if column is TicketColumn.FARE:
            return ticket.fare_cents
        if column is TicketColumn.REFUND:
            return ticket.refund_cents or 0
        return TicketTableModel._text(ticket, column).casefold()


class ItemProxyModel(QSortFilterProxyModel):
    """Sorts by SORT_ROLE and reads a row's dataclass back through ITEM_ROLE."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def item(self, index: Index):
        if not index.isValid():
            return None
        return self.index(index.row(), 0).data(ITEM_ROLE)
