"""Network queries: stations, and journey search with free seats for exactly the searched leg."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from ticket_office.domain import text_rules
from ticket_office.domain.errors import NotFound, ValidationError
from ticket_office.domain.roles import Permission
from ticket_office.services import arguments
from ticket_office.services.access import require
from ticket_office.services.results import JourneyOption, OperatorContext, StationInfo
from ticket_office.services.unit_of_work import UnitOfWork

MAX_PREFIX = 40


def _station(row) -> StationInfo:
    return StationInfo(row.id, row.code, row.name, row.timezone)


def list_stations(uow: UnitOfWork, operator: OperatorContext) -> list[StationInfo]:
    require(operator, Permission.SEARCH)
    with uow.reading():
        rows = uow.session.execute(
            text("SELECT id, code, name, timezone FROM stations ORDER BY name")
        ).all()
    return [_station(r) for r in rows]


def find_stations(uow: UnitOfWork, operator: OperatorContext, prefix: str) -> list[StationInfo]:
    """Stations whose code or name starts with `prefix` (case-insensitive), codes first."""
    require(operator, Permission.SEARCH)
    cleaned = arguments.search_text(
        prefix, label="Station name", max_length=MAX_PREFIX, field="station"
    )
    if not cleaned:
        return []
    pattern = cleaned.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with uow.reading():
        rows = uow.session.execute(
            text(
                """
                SELECT id, code, name, timezone FROM stations
                WHERE lower(code) LIKE :p OR lower(name) LIKE :p
                ORDER BY (lower(code) LIKE :p) DESC, name
                LIMIT 20
                """
            ),
            {"p": pattern},
        ).all()
    return [_station(r) for r in rows]


def _station_by_code(uow: UnitOfWork, code: str, label: str) -> StationInfo:
    cleaned = code.strip().upper() if isinstance(code, str) else ""
    if not cleaned:
        raise ValidationError(f"Choose the {label} station.", field=label)
    if text_rules.has_control_characters(cleaned):
        raise ValidationError(f"The {label} station code contains control characters.", field=label)
    row = uow.session.execute(
        text("SELECT id, code, name, timezone FROM stations WHERE code = :c"), {"c": cleaned[:16]}
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no station with code {text_rules.quoted(cleaned, 16)}.")
    return _station(row)


# One query for every run: the free counts subtract the seats taken by active tickets or live
# holds that overlap exactly this leg (UNION so a seat sold twice on other legs counts once).
_SEARCH = text(
    """
    SELECT r.id AS run_id, s.train_number, r.service_date, o.position AS board,
           d.position AS alight, o.departs_at, d.arrives_at,
           d.distance_km - o.distance_km AS km,
           r.status = 'scheduled' AND o.departs_at > now() AND r.sales_open_at <= now()
               AS bookable,
           r.first_seats - coalesce(taken.first, 0) AS free_first,
           r.standard_seats - coalesce(taken.standard, 0) AS free_standard
    FROM run_stops o
    JOIN run_stops d ON d.run_id = o.run_id AND d.position > o.position
    JOIN runs r ON r.id = o.run_id
    JOIN services s ON s.id = r.service_id
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE cls = 'first') AS first,
               count(*) FILTER (WHERE cls = 'standard') AS standard
        FROM (
            SELECT t.run_seat_id, t.seat_class AS cls FROM tickets t
            WHERE t.run_id = r.id AND t.status = 'active'
              AND t.stops && int4range(o.position, d.position)
            UNION
            SELECT h.run_seat_id, ls.seat_class FROM seat_holds h
            JOIN run_seats rs ON rs.id = h.run_seat_id
            JOIN layout_seats ls ON ls.id = rs.layout_seat_id
            WHERE h.run_id = r.id AND h.expires_at > now()
              AND h.stops && int4range(o.position, d.position)
        ) occupied
    ) taken ON true
    WHERE o.station_id = :origin AND d.station_id = :destination
      AND o.departs_at >= :start AND o.departs_at < :end
      AND o.pick_up AND d.set_down AND r.status <> 'cancelled'
    ORDER BY o.departs_at, s.train_number
    """
)


def search_journeys(
    uow: UnitOfWork,
    operator: OperatorContext,
    origin_code: str,
    destination_code: str,
    travel_date: date,
    earliest: time | None = None,
) -> list[JourneyOption]:
    """Runs calling at origin then destination on `travel_date` (origin's local date)."""
    require(operator, Permission.SEARCH)
    arguments.travel_day(travel_date)
    if earliest is not None and not isinstance(earliest, time):
        raise ValidationError("Choose the earliest departure as a time of day.", field="time")
    with uow.reading():
        origin = _station_by_code(uow, origin_code, "origin")
        destination = _station_by_code(uow, destination_code, "destination")
        if origin.id == destination.id:
            raise ValidationError(
                "Origin and destination are the same station.", field="destination"
            )
        origin_zone = ZoneInfo(origin.timezone)
        destination_zone = ZoneInfo(destination.timezone)
        start = datetime.combine(travel_date, earliest or time(0), tzinfo=origin_zone)
        end = datetime.combine(travel_date + timedelta(days=1), time(0), tzinfo=origin_zone)
        rows = uow.session.execute(
            _SEARCH,
            {"origin": origin.id, "destination": destination.id, "start": start, "end": end},
        ).all()
    return [
        JourneyOption(
            run_id=r.run_id,
            train_number=r.train_number,
            service_date=r.service_date,
            origin=origin,
            destination=destination,
            board_position=r.board,
            alight_position=r.alight,
            departs_at=r.departs_at.astimezone(origin_zone),
            arrives_at=r.arrives_at.astimezone(destination_zone),
            free_first=r.free_first,
            free_standard=r.free_standard,
            bookable=r.bookable,
            distance_km=float(r.km),
        )
        for r in rows
    ]
