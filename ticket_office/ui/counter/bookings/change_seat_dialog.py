"""Change seat: another free seat for one passenger on the same train and the same stops."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ticket_office.services.results import BookingDetails, TicketInfo
from ticket_office.ui.counter.bookings.models import class_text
from ticket_office.ui.counter.bookings.seat_choice_dialog import SeatChoiceDialog
from ticket_office.ui.desk import DeskContext

if TYPE_CHECKING:
    pass


class ChangeSeatDialog(SeatChoiceDialog):
    def __init__(
        self,
        desk: DeskContext,
        booking: BookingDetails,
        ticket: TicketInfo,
        parent: QWidget | None = None,
    ) -> None:
        self.ticket = ticket
        super().__init__(desk, booking, parent)
        self.setWindowTitle(
            self.tr("Change seat — {0} ({1})").format(ticket.passenger_name, booking.reference)
        )
        intro = QLabel(
            self.tr(
                "Now in coach {0}, seat {1} ({2}). Choose a free seat on train {3} for the same "
                "stops, {4} → {5}."
            ).format(
                ticket.coach_no,
                ticket.seat_label,
                class_text(ticket.seat_class),
                booking.train_number,
                booking.origin.name,
                booking.destination.name,
            ),
            self,
        )
        intro.setWordWrap(True)
        self.panel.party_size.setValue(1)
        self.panel.map_widget.set_max_selection(1)
        self.target_label.hide()  # the intro says where the passenger sits now
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.choice_row(), 1)
        layout.addWidget(self.buttons)
        self.chain_tab_order()
        self.resize(1060, 600)
        self.load_seat_map(booking.run_id, booking.board_position, booking.alight_position)
        self.panel.map_widget.setFocus()

    def apply_text(self) -> str:
        return self.tr("Change seat")

    def quote_lines(self) -> int:
        return 2

    def request_quote(self, seat_ids: list[int]):
        if len(seat_ids) != 1:
            return None
        return self.services.quote_seat_change, (
            self.booking.reference,
            self.ticket.ticket_id,
            seat_ids[0],
        )

    def apply_call(self):
        seat_ids = self.panel.selected_seat_ids()
        return self.services.change_seat, (
            self.booking.reference,
            self.ticket.ticket_id,
            seat_ids[0],
        )
