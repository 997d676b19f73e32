"""What a sale is priced from, cached per process: a run's stops, and the fares of a travel date.

A run's stops and distances are fixed when the run is generated; fares change, but every change
bumps `fare_revision` (migration 0004). So the service quotes a party without asking the
server, and `sell_seats` prices it again itself, under the seat locks, selling only if the two
agree. A 'stale' answer makes the sale forget these entries (and carries the server's prices).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text

from ticket_office.domain.errors import NotFound
from ticket_office.domain.ids import known_id
from ticket_office.domain.segments import Segment
from ticket_office.services.pricing import FareTable
from ticket_office.services.recent import RecentlyUsed
from ticket_office.services.run_layouts import RUN_LAYOUTS
from ticket_office.services.run_legs import ensure_served
from ticket_office.services.unit_of_work import UnitOfWork

_RUN = text(
    """
    SELECT s.train_number, r.service_date,
           (SELECT json_agg(json_build_array(position, distance_km::text, pick_up, set_down)
                            ORDER BY position)
            FROM run_stops WHERE run_id = r.id) AS stops
    FROM runs r JOIN services s ON s.id = r.service_id
    WHERE r.id = :run
    """
)

# One statement, so the revision is the one of exactly these rates and concessions.
_FARES = text(
    """
    SELECT (SELECT revision FROM fare_revision) AS revision,
           (SELECT json_agg(json_build_array(seat_class, base_cents, cents_per_km::text,
                                             minimum_cents))
            FROM (SELECT DISTINCT ON (seat_class) seat_class, base_cents, cents_per_km,
                         minimum_cents
                  FROM fare_rates WHERE valid_from <= :day
                  ORDER BY seat_class, valid_from DESC) rates) AS rates,
           (SELECT json_agg(json_build_array(code, name, discount_percent)
                            ORDER BY sort_order, code)
            FROM concessions) AS concessions
    """
)
_REVISION = text("SELECT revision FROM fare_revision")


@dataclass(frozen=True, slots=True)
class Stop:
    distance_km: Decimal
    pick_up: bool
    set_down: bool


@dataclass(frozen=True, slots=True)
class RunStops:
    run_id: int
    train_number: str
    service_date: date
    stops: tuple[Stop, ...]  # by position along the run

    def distance(self, segment: Segment) -> Decimal:
        """The leg's length, or InvalidSegment if this train does not serve it."""
        if segment.alight >= len(self.stops):
            ensure_served(self.train_number, served=False, pick_up=False, set_down=False)
        board, alight = self.stops[segment.board], self.stops[segment.alight]
        ensure_served(
            self.train_number, served=True, pick_up=board.pick_up, set_down=alight.set_down
        )
        return alight.distance_km - board.distance_km


@dataclass(frozen=True, slots=True)
class Fares:
    revision: int
    table: FareTable


_RUNS: RecentlyUsed[tuple[str, int], RunStops] = RecentlyUsed(256)
_FARE_TABLES: RecentlyUsed[tuple[str, date], Fares] = RecentlyUsed(64)


def run_stops(uow: UnitOfWork, run_id: int) -> RunStops:
    known_id(run_id, "train run")

    def load() -> RunStops:
        with uow.reading():
            row = uow.session.execute(_RUN, {"run": run_id}).one_or_none()
        if row is None:
            raise NotFound("That train run does not exist.")
        stops = tuple(
            Stop(Decimal(distance), bool(pick_up), bool(set_down))
            for _position, distance, pick_up, set_down in row.stops or ()
        )
        return RunStops(run_id, row.train_number, row.service_date, stops)

    return _RUNS.get((uow.server, run_id), load)


def fares(uow: UnitOfWork, day: date) -> Fares:
    def load() -> Fares:
        with uow.reading():
            row = uow.session.execute(_FARES, {"day": day}).one()
        return Fares(row.revision, FareTable.from_rows(row.rates or (), row.concessions or ()))

    return _FARE_TABLES.get((uow.server, day), load)


def current_fare_revision(uow: UnitOfWork) -> int:
    with uow.reading():
        return uow.session.execute(_REVISION).scalar_one()


def forget_fares(server: str) -> None:
    _FARE_TABLES.forget(lambda key: key[0] == server)


def forget(server: str, run_id: int) -> None:
    """Drop what a stale sale was priced from: this run's stops and seats, and the fares."""
    _RUNS.forget(lambda key: key == (server, run_id))
    RUN_LAYOUTS.forget(server, run_id)
    forget_fares(server)
