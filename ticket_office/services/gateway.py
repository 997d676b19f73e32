"""One object the desktop app holds: every use case, bound to the app's database.

Each method opens its own unit of work, so each call is one short transaction; the UI runs
these calls on its background task runner, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time

from ticket_office.services import (
    auth,
    availability,
    booking,
    booking_lookup,
    cancellation,
    changes,
    holds,
    network,
    operators,
    pricing,
    ticket_documents,
    ticket_signing,
)
from ticket_office.services.results import (
    BookingDetails,
    BookingRequest,
    CancellationQuote,
    ConcessionInfo,
    FareQuote,
    JourneyOption,
    OperatorContext,
    OperatorInfo,
    SeatMap,
    StationInfo,
)
from ticket_office.services.unit_of_work import UnitOfWorkFactory


class TicketOfficeServices:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, hold_seconds: int = holds.DEFAULT_HOLD_SECONDS
    ) -> None:
        self.uow = uow_factory
        self.hold_seconds = hold_seconds

    # auth
    def log_in(self, username: str, password: str) -> OperatorContext:
        return auth.log_in(self.uow(), username, password)

    def change_password(self, username: str, current: str, new: str) -> OperatorContext:
        return auth.change_password(self.uow(), username, current, new)

    # network
    def list_stations(self, operator: OperatorContext) -> list[StationInfo]:
        return network.list_stations(self.uow(), operator)

    def find_stations(self, operator: OperatorContext, prefix: str) -> list[StationInfo]:
        return network.find_stations(self.uow(), operator, prefix)

    def search_journeys(
        self,
        operator: OperatorContext,
        origin: str,
        destination: str,
        travel_date: date,
        earliest: time | None = None,
    ) -> list[JourneyOption]:
        return network.search_journeys(
            self.uow(), operator, origin, destination, travel_date, earliest
        )

    # seats and sales
    def seat_map(self, operator: OperatorContext, run_id: int, board: int, alight: int) -> SeatMap:
        return availability.seat_map(self.uow(), operator, run_id, board, alight)

    def list_concessions(self, operator: OperatorContext) -> list[ConcessionInfo]:
        del operator  # public price list: any logged-in operator may read it
        with self.uow() as uow:
            return pricing.list_concessions(uow.session)

    def quote(
        self,
        operator: OperatorContext,
        run_id: int,
        board: int,
        alight: int,
        seat_ids: Sequence[int],
        concessions: Sequence[str],
    ) -> FareQuote:
        return booking.quote(self.uow(), operator, run_id, board, alight, seat_ids, concessions)

    def book(
        self, operator: OperatorContext, request: BookingRequest
    ) -> booking.BookingConfirmation:
        return booking.book(self.uow(), operator, request)

    def set_holds(
        self,
        operator: OperatorContext,
        run_id: int,
        board: int,
        alight: int,
        seat_ids: Sequence[int],
    ) -> holds.HoldResult:
        return holds.set_holds(
            self.uow(), operator, run_id, board, alight, seat_ids, self.hold_seconds
        )

    def release_holds(self, operator: OperatorContext, run_id: int | None = None) -> int:
        return holds.release_holds(self.uow(), operator, run_id)

    # lookup and cancellation
    def find_booking(self, operator: OperatorContext, reference: str) -> BookingDetails:
        return booking_lookup.find_booking(self.uow(), operator, reference)

    def find_bookings_by_passenger(
        self, operator: OperatorContext, name: str, travel_date: date
    ) -> list[BookingDetails]:
        return booking_lookup.find_bookings_by_passenger(self.uow(), operator, name, travel_date)

    def quote_cancellation(
        self, operator: OperatorContext, reference: str, ticket_ids: Sequence[int] | None = None
    ) -> CancellationQuote:
        return cancellation.quote_cancellation(self.uow(), operator, reference, ticket_ids)

    def cancel(
        self, operator: OperatorContext, reference: str, ticket_ids: Sequence[int] | None = None
    ) -> CancellationQuote:
        return cancellation.cancel(self.uow(), operator, reference, ticket_ids)

    # operators
    def list_operators(self, operator: OperatorContext) -> list[OperatorInfo]:
        return operators.list_operators(self.uow(), operator)

    # tickets: documents to print, signing keys
    def ticket_documents(
        self, operator: OperatorContext, reference: str
    ) -> list[ticket_documents.TicketDocument]:
        return ticket_documents.ticket_documents(self.uow(), operator, reference)

    def reprint_tickets(
        self, operator: OperatorContext, reference: str
    ) -> list[ticket_documents.TicketDocument]:
        return ticket_documents.ticket_documents(self.uow(), operator, reference, reprint=True)

    def public_keys(self, operator: OperatorContext) -> dict[int, bytes]:
        return ticket_signing.public_keys(self.uow(), operator)

    def rotate_signing_key(self, operator: OperatorContext) -> int:
        return ticket_signing.rotate_signing_key(self.uow(), operator)

    # changes: another seat, another run
    def quote_seat_change(
        self, operator: OperatorContext, reference: str, ticket_id: int, seat_id: int
    ) -> changes.ChangeResult:
        return changes.quote_seat_change(self.uow(), operator, reference, ticket_id, seat_id)

    def change_seat(
        self, operator: OperatorContext, reference: str, ticket_id: int, seat_id: int
    ) -> changes.ChangeResult:
        return changes.change_seat(self.uow(), operator, reference, ticket_id, seat_id)

    def quote_move(
        self,
        operator: OperatorContext,
        reference: str,
        run_id: int,
        board: int,
        alight: int,
        seats: Mapping[int, int],
    ) -> changes.ChangeResult:
        return changes.quote_move(self.uow(), operator, reference, run_id, board, alight, seats)

    def move_booking(
        self,
        operator: OperatorContext,
        reference: str,
        run_id: int,
        board: int,
        alight: int,
        seats: Mapping[int, int],
    ) -> changes.ChangeResult:
        return changes.move_booking(self.uow(), operator, reference, run_id, board, alight, seats)
