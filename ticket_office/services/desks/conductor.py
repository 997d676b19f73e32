"""The conductor's desk: journeys and seat maps read-only, bookings read-only, and the public
keys that check a ticket's signature, bound to the signed-in operator. The result types it
returns are re-exported here."""

from __future__ import annotations

from datetime import date

from ticket_office.services import booking_lookup, ticket_signing
from ticket_office.services.desks.bound import JourneyReads
from ticket_office.services.results import (
    BookingDetails,
    ConcessionInfo,
    JourneyOption,
    SeatMap,
    StationInfo,
)

__all__ = [
    "BookingDetails",
    "ConcessionInfo",
    "ConductorServices",
    "JourneyOption",
    "SeatMap",
    "StationInfo",
]


class ConductorServices(JourneyReads):
    def find_booking(self, reference: str) -> BookingDetails:
        return booking_lookup.find_booking(self.uow(), self.operator, reference)

    def find_bookings_by_passenger(self, name: str, travel_date: date) -> list[BookingDetails]:
        return booking_lookup.find_bookings_by_passenger(
            self.uow(), self.operator, name, travel_date
        )

    def public_keys(self) -> dict[int, bytes]:
        return ticket_signing.public_keys(self.uow(), self.operator)
