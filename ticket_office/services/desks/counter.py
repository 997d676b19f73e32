"""The counter clerk's desk: search, seats and holds, sales, bookings, cancellations, changes and
ticket printing, bound to the signed-in operator. The result types it returns are re-exported here,
so this module is the counter's whole contract."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from ticket_office.services import (
    booking,
    booking_lookup,
    cancellation,
    changes,
    holds,
    ticket_documents,
)
from ticket_office.services.booking import BookingConfirmation
from ticket_office.services.changes import ChangeResult
from ticket_office.services.desks.bound import JourneyReads
from ticket_office.services.holds import HoldResult
from ticket_office.services.results import (
    BookingDetails,
    BookingRequest,
    CancellationQuote,
    ConcessionInfo,
    FareQuote,
    JourneyOption,
    OperatorContext,
    SeatMap,
    StationInfo,
)
from ticket_office.services.ticket_documents import TicketDocument
from ticket_office.services.unit_of_work import UnitOfWorkFactory

__all__ = [
    "BookingConfirmation",
    "BookingDetails",
    "BookingRequest",
    "CancellationQuote",
    "ChangeResult",
    "ConcessionInfo",
    "CounterServices",
    "FareQuote",
    "HoldResult",
    "JourneyOption",
    "SeatMap",
    "StationInfo",
    "TicketDocument",
]


class CounterServices(JourneyReads):
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        operator: OperatorContext,
        hold_seconds: int = holds.DEFAULT_HOLD_SECONDS,
    ) -> None:
        super().__init__(uow_factory, operator)
        self.hold_seconds = hold_seconds

    # seats and sales
    def quote(
        self,
        run_id: int,
        board: int,
        alight: int,
        seat_ids: Sequence[int],
        concessions: Sequence[str],
    ) -> FareQuote:
        return booking.quote(
            self.uow(), self.operator, run_id, board, alight, seat_ids, concessions
        )

    def book(self, request: BookingRequest) -> BookingConfirmation:
        return booking.book(self.uow(), self.operator, request)

    def set_holds(
        self, run_id: int, board: int, alight: int, seat_ids: Sequence[int]
    ) -> HoldResult:
        return holds.set_holds(
            self.uow(), self.operator, run_id, board, alight, seat_ids, self.hold_seconds
        )

    def release_holds(self, run_id: int | None = None) -> int:
        return holds.release_holds(self.uow(), self.operator, run_id)

    # lookup and cancellation
    def find_booking(self, reference: str) -> BookingDetails:
        return booking_lookup.find_booking(self.uow(), self.operator, reference)

    def find_bookings_by_passenger(self, name: str, travel_date: date) -> list[BookingDetails]:
        return booking_lookup.find_bookings_by_passenger(
            self.uow(), self.operator, name, travel_date
        )

    def quote_cancellation(
        self, reference: str, ticket_ids: Sequence[int] | None = None
    ) -> CancellationQuote:
        return cancellation.quote_cancellation(self.uow(), self.operator, reference, ticket_ids)

    def cancel(self, reference: str, ticket_ids: Sequence[int] | None = None) -> CancellationQuote:
        return cancellation.cancel(self.uow(), self.operator, reference, ticket_ids)

    # tickets to print
    def ticket_documents(self, reference: str) -> list[TicketDocument]:
        return ticket_documents.ticket_documents(self.uow(), self.operator, reference)

    def reprint_tickets(self, reference: str) -> list[TicketDocument]:
        return ticket_documents.ticket_documents(self.uow(), self.operator, reference, reprint=True)

    # changes: another seat, another run
    def quote_seat_change(self, reference: str, ticket_id: int, seat_id: int) -> ChangeResult:
        return changes.quote_seat_change(self.uow(), self.operator, reference, ticket_id, seat_id)

    def change_seat(self, reference: str, ticket_id: int, seat_id: int) -> ChangeResult:
        return changes.change_seat(self.uow(), self.operator, reference, ticket_id, seat_id)

    def quote_move(
        self, reference: str, run_id: int, board: int, alight: int, seats: Mapping[int, int]
    ) -> ChangeResult:
        return changes.quote_move(
            self.uow(), self.operator, reference, run_id, board, alight, seats
        )

    def move_booking(
        self, reference: str, run_id: int, board: int, alight: int, seats: Mapping[int, int]
    ) -> ChangeResult:
        return changes.move_booking(
            self.uow(), self.operator, reference, run_id, board, alight, seats
        )
