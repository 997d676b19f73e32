"""What every desk facade starts from: the database and the operator it is bound to, and the
reads every desk that searches shares (stations, journeys, seat maps, the price list)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from functools import partial

from ticket_office.services import availability, network, pricing
from ticket_office.services.results import (
    ConcessionInfo,
    JourneyOption,
    OperatorContext,
    SeatMap,
    StationInfo,
)
from ticket_office.services.seat_notices import origin_of
from ticket_office.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


class BoundServices:
    def __init__(self, uow_factory: UnitOfWorkFactory, operator: OperatorContext) -> None:
        # Seat changes made through this facade are announced as this desk's own, so its
        # live updates skip the echo of what it has already shown.
        self.uow: Callable[[], UnitOfWork] = partial(uow_factory, origin_of(operator.client_id))
        self.operator = operator


class JourneyReads(BoundServices):
    def list_stations(self) -> list[StationInfo]:
        return network.list_stations(self.uow(), self.operator)

    def find_stations(self, prefix: str) -> list[StationInfo]:
        return network.find_stations(self.uow(), self.operator, prefix)

    def search_journeys(
        self, origin: str, destination: str, travel_date: date, earliest: time | None = None
    ) -> list[JourneyOption]:
        return network.search_journeys(
            self.uow(), self.operator, origin, destination, travel_date, earliest
        )

    def seat_map(self, run_id: int, board: int, alight: int) -> SeatMap:
        return availability.seat_map(self.uow(), self.operator, run_id, board, alight)

    def list_concessions(self) -> list[ConcessionInfo]:
        # the public price list: any signed-in operator may read it
        with self.uow() as uow:
            return pricing.list_concessions(uow.session)
