"""Checking that a run exists and that a leg along it can be sold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from ticket_office.domain.dates import day_text
from ticket_office.domain.errors import InvalidSegment, NotFound, RunNotBookable
from ticket_office.domain.ids import known_id
from ticket_office.domain.segments import Segment


@dataclass(frozen=True, slots=True)
class RunLeg:
    run_id: int
    train_number: str
    service_date: date
    segment: Segment
    departs_at: datetime
    arrives_at: datetime
    distance_km: Decimal
    status: str
    sales_open_at: datetime
    now: datetime

    def ensure_bookable(self) -> None:
        if self.status != "scheduled":
            raise RunNotBookable(
                f"Train {self.train_number} on {day_text(self.service_date)} is cancelled."
            )
        if self.departs_at <= self.now:
            raise RunNotBookable(
                f"Train {self.train_number} has already left this passenger's station."
            )
        if self.sales_open_at > self.now:
            raise RunNotBookable(
                f"Sales for train {self.train_number} on {day_text(self.service_date)} open on "
                f"{day_text(self.sales_open_at)}."
            )


_LEG_COLUMNS = """
    r.id, s.train_number, r.service_date, r.status, r.sales_open_at, now() AS now,
    b.departs_at, b.distance_km AS board_km, b.pick_up,
    a.arrives_at, a.distance_km AS alight_km, a.set_down,
    (SELECT max(position) FROM run_stops WHERE run_id = r.id) AS last_position
"""
_LEG_JOINS = """
    JOIN services s ON s.id = r.service_id
    LEFT JOIN run_stops b ON b.run_id = r.id AND b.position = :board
    LEFT JOIN run_stops a ON a.run_id = r.id AND a.position = :alight
"""
_LEG = text(f"SELECT {_LEG_COLUMNS} FROM runs r {_LEG_JOINS} WHERE r.id = :run")


def load_leg(session: Session, run_id: int, board: int, alight: int) -> RunLeg:
    segment = Segment(board, alight)  # raises InvalidSegment for reversed or equal stops
    known_id(run_id, "train run")
    row = session.execute(_LEG, {"run": run_id, "board": board, "alight": alight}).one_or_none()
    return _leg_from_row(row, segment)


def ensure_served(train_number: str, *, served: bool, pick_up: bool, set_down: bool) -> None:
    """InvalidSegment, saying why, unless the train calls at both stops and may be used there."""
    if not served:
        raise InvalidSegment(f"Train {train_number} does not serve that part of the route.")
    if not pick_up:
        raise InvalidSegment(f"Train {train_number} does not pick up at that origin.")
    if not set_down:
        raise InvalidSegment(f"Train {train_number} does not set down at that destination.")


def _leg_from_row(row: Row | None, segment: Segment) -> RunLeg:
    """Check a leg row for `segment`; raise a typed error if it is unusable."""
    alight = segment.alight
    if row is None:
        raise NotFound("That train run does not exist.")
    ensure_served(
        row.train_number,
        served=row.departs_at is not None
        and row.arrives_at is not None
        and alight <= row.last_position,
        pick_up=row.pick_up,
        set_down=row.set_down,
    )
    return RunLeg(
        run_id=row.id,
        train_number=row.train_number,
        service_date=row.service_date,
        segment=segment,
        departs_at=row.departs_at,
        arrives_at=row.arrives_at,
        distance_km=row.alight_km - row.board_km,
        status=row.status,
        sales_open_at=row.sales_open_at,
        now=row.now,
    )
