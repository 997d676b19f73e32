"""Turning timetabled services into runs: dated trains with absolute times and seat inventory.

Set-based SQL, so thirty days of a network materialise in one statement per table. Existing
runs are kept (ON CONFLICT DO NOTHING): re-running never touches sold inventory.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, text

from ticket_office.domain.errors import ValidationError
from ticket_office.domain.roles import Permission
from ticket_office.services.access import require, require_active
from ticket_office.services.results import OperatorContext
from ticket_office.services.unit_of_work import UnitOfWork

MAX_DAYS = 400

_NEW_RUNS = text(
    """
    INSERT INTO runs (service_id, service_date, departs_at, sales_open_at,
                      first_seats, standard_seats)
    SELECT s.id, d.day,
           (d.day + make_interval(mins => first_stop.departure_minute)) AT TIME ZONE s.timezone,
           (d.day - s.sales_open_days)::timestamp AT TIME ZONE s.timezone,
           seats.first, seats.standard
    FROM services s
    CROSS JOIN LATERAL (SELECT g::date AS day
                        FROM generate_series(CAST(:first AS date), CAST(:last AS date),
                                             interval '1 day') g) d
    JOIN service_stops first_stop ON first_stop.service_id = s.id AND first_stop.position = 0
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE ls.seat_class = 'first' AND ls.for_sale) AS first,
               count(*) FILTER (WHERE ls.seat_class = 'standard' AND ls.for_sale) AS standard
        FROM service_coaches sc JOIN layout_seats ls ON ls.layout_id = sc.layout_id
        WHERE sc.service_id = s.id
    ) seats
    LEFT JOIN service_exceptions ex ON ex.service_id = s.id AND ex.service_date = d.day
    WHERE d.day BETWEEN s.valid_from AND s.valid_to
      AND coalesce(ex.runs, substr(s.operating_days, extract(isodow FROM d.day)::int, 1) = '1')
    ON CONFLICT (service_id, service_date) DO NOTHING
    RETURNING id
    """
)

_RUN_STOPS = text(
    """
    INSERT INTO run_stops (run_id, position, station_id, distance_km, arrives_at, departs_at,
                           pick_up, set_down)
    SELECT r.id, ss.position, ss.station_id, ss.distance_km,
           (r.service_date + make_interval(mins => ss.arrival_minute)) AT TIME ZONE s.timezone,
           (r.service_date + make_interval(mins => ss.departure_minute)) AT TIME ZONE s.timezone,
           ss.pick_up AND ss.departure_minute IS NOT NULL,
           ss.set_down AND ss.arrival_minute IS NOT NULL
    FROM runs r
    JOIN services s ON s.id = r.service_id
    JOIN service_stops ss ON ss.service_id = s.id
    WHERE r.id IN :ids
    """
).bindparams(bindparam("ids", expanding=True))

_RUN_SEATS = text(
    """
    INSERT INTO run_seats (run_id, coach_no, layout_seat_id)
    SELECT r.id, sc.coach_no, ls.id
    FROM runs r
    JOIN service_coaches sc ON sc.service_id = r.service_id
    JOIN layout_seats ls ON ls.layout_id = sc.layout_id
    WHERE r.id IN :ids
    ORDER BY r.id, sc.coach_no, ls.grid_row, ls.grid_column
    """
).bindparams(bindparam("ids", expanding=True))


def generate_runs(
    uow: UnitOfWork, operator: OperatorContext, first_day: date, last_day: date
) -> int:
    """Create the runs (with stops and seats) of every service between two dates; return count."""
    require(operator, Permission.MANAGE_NETWORK)
    if last_day < first_day:
        raise ValidationError("The last day comes before the first day.", field="dates")
    if (last_day - first_day).days > MAX_DAYS:
        raise ValidationError(f"Generate at most {MAX_DAYS} days at a time.", field="dates")
    with uow:
        require_active(uow.session, operator)
        # A batch job, not a click: a month of a large network takes longer than the
        # interactive statement timeout.
        uow.session.execute(text("SET LOCAL statement_timeout = 0"))
        ids = uow.session.execute(_NEW_RUNS, {"first": first_day, "last": last_day}).scalars().all()
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            uow.session.execute(_RUN_STOPS, {"ids": chunk})
            uow.session.execute(_RUN_SEATS, {"ids": chunk})
        uow.commit()
    return len(ids)
