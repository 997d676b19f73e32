"""Writing the demo network into an empty database, then generating its runs and some sales.

"Empty" means no stations: operator accounts may exist already (a supervisor created them
first). They are kept as they are, and the demo operators with the same usernames are skipped,
so the demo never changes a real account's password; the sample sales are the demo clerk's,
so they are skipped too when that clerk is not the demo's. The loader runs as the schema's
owner, so it also makes the first ticket-signing key (desks cannot), sealed with this machine's
signing secret, unless the database has an active key already.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from ticket_office.demo.network import DemoNetwork, demo_network, reversed_line, stop_times
from ticket_office.domain.errors import ValidationError
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.references import ALPHABET, LENGTH
from ticket_office.domain.time_zones import iana_time_zone, today_at
from ticket_office.services import passwords, ticket_signing
from ticket_office.services.pricing import FareTable
from ticket_office.services.results import OperatorContext
from ticket_office.services.timetable import generate_runs
from ticket_office.services.unit_of_work import UnitOfWork

UowFactory = Callable[[], UnitOfWork]


def network_is_empty(uow: UnitOfWork) -> bool:
    with uow:
        return uow.session.execute(text("SELECT NOT EXISTS (SELECT 1 FROM stations)")).scalar_one()


def load_demo(
    uow_factory: UowFactory,
    *,
    scale: int = 0,
    today: date | None = None,
    sold_days: int = 3,
    progress: Callable[[str], None] = lambda _message: None,
    signing_secret: ticket_signing.SecretSource = ticket_signing.signing_secret,
) -> DemoNetwork:
    network = demo_network(scale=scale)
    # The demo's days are the network's own: a machine set to another zone sells the same ones.
    today = today or today_at(network.stations[0].timezone)
    if not network_is_empty(uow_factory()):
        raise ValidationError(
            "This database already has a network; load the demo into an empty one."
        )
    progress("Writing stations, lines, coach layouts and timetables…")
    uow = uow_factory()
    with uow:
        _write_network(uow.session, network, today)
        created = _write_operators(uow.session, network)
        uow.commit()
    if kept := [op[0] for op in network.operators if op[0] not in created]:
        progress(
            f"Existing operator accounts kept as they are: {', '.join(kept)}. The demo's "
            "accounts of the same names were not created; the demo passwords do not apply."
        )
    _first_signing_key(uow_factory(), signing_secret, progress)
    demo_clerk = next(op[0] for op in network.operators if op[2] == "clerk")
    progress(f"Generating {network.days} days of runs…")
    first = today - timedelta(days=1)  # yesterday's late trains may still be running
    generate_runs(
        uow_factory(), OperatorContext.system(), first, today + timedelta(days=network.days - 1)
    )
    if sold_days and demo_clerk not in created:
        progress("No sample sales: they are made by the demo's clerk account, not created here.")
    elif sold_days:
        progress("Selling some seats so the maps look lived-in…")
        uow = uow_factory()
        with uow:
            _sell_some_seats(uow.session, today, sold_days, demo_clerk)
            uow.commit()
    return network


def _first_signing_key(
    uow: UnitOfWork, source: ticket_signing.SecretSource, progress: Callable[[str], None]
) -> None:
    try:
        secret = source()
    except ticket_signing.SigningUnavailable as unavailable:
        progress(
            f"No ticket-signing key was made: {unavailable} Then run "
            f"{ticket_signing.CREATE_KEY_COMMAND}."
        )
        return
    with uow:
        if uow.session.execute(text("SELECT count(*) FROM signing_keys WHERE active")).scalar():
            return
        key_id = ticket_signing.add_key(uow.session, OperatorContext.system(), secret)
        uow.commit()
    progress(f"Made ticket-signing key {key_id}, sealed with this machine's signing secret.")


def _ids(session: Session, table: str, key: str) -> dict[str, int]:
    return dict(session.execute(text(f"SELECT {key}, id FROM {table}")).all())


def _write_network(session: Session, network: DemoNetwork, today: date) -> None:
    session.execute(
        text("INSERT INTO stations (code, name, timezone) VALUES (:code, :name, :timezone)"),
        [
            {"code": s.code, "name": s.name, "timezone": iana_time_zone(s.timezone)}
            for s in network.stations
        ],
    )
    stations = _ids(session, "stations", "code")
    for layout in network.layouts:
        layout_id = session.execute(
            text(
                "INSERT INTO coach_layouts (code, name, grid_rows, grid_columns) "
                "VALUES (:code, :name, :rows, :columns) RETURNING id"
            ),
            {
                "code": layout.code,
                "name": layout.name,
                "rows": layout.rows,
                "columns": layout.columns,
            },
        ).scalar_one()
        session.execute(
            text(
                "INSERT INTO layout_seats (layout_id, label, grid_row, grid_column, seat_class, "
                "features, for_sale) VALUES (:layout, :label, :row, :column, :cls, :features, "
                ":for_sale)"
            ),
            [
                {
                    "layout": layout_id,
                    "label": s.label,
                    "row": s.row,
                    "column": s.column,
                    "cls": s.seat_class,
                    "features": list(s.features),
                    "for_sale": s.for_sale,
                }
                for s in layout.seats
            ],
        )
    layouts = _ids(session, "coach_layouts", "code")
    for line in network.lines:
        for direction, stops in enumerate((line.stops, reversed_line(line))):
            _write_direction(
                session,
                network,
                line.code,
                line.name,
                line.train_base,
                direction,
                stops,
                stations,
                layouts,
                today,
            )
    for seat_class, (base, per_km, minimum) in network.fares.items():
        session.execute(
            text(
                "INSERT INTO fare_rates (seat_class, valid_from, base_cents, cents_per_km, "
                "minimum_cents) VALUES (:cls, :start, :base, :per_km, :minimum)"
            ),
            {
                "cls": seat_class,
                "start": date(2020, 1, 1),
                "base": base,
                "per_km": per_km,
                "minimum": minimum,
            },
        )
    session.execute(
        text(
            "INSERT INTO concessions (code, name, discount_percent, sort_order) "
            "VALUES (:code, :name, :pct, :order)"
        ),
        [
            {"code": c, "name": n, "pct": p, "order": i}
            for i, (c, n, p) in enumerate(network.concessions)
        ],
    )


def _write_operators(session: Session, network: DemoNetwork) -> set[str]:
    """The demo's operators whose usernames are free; returns the usernames created."""
    stations = _ids(session, "stations", "code")
    created: set[str] = set()
    for username, display, role, station, password in network.operators:
        new_id = session.execute(
            text(
                "INSERT INTO operators (username, display_name, role, home_station_id, "
                "password_salt, password_verifier) "
                "VALUES (:u, :d, :r, :s, left(:h, 29), sha256(convert_to(:h, 'UTF8'))) "
                "ON CONFLICT (username) DO NOTHING RETURNING id"
            ),
            {
                "u": username,
                "d": display,
                "r": role,
                "s": stations[station],
                "h": passwords.hash_new_password(password),
            },
        ).scalar_one_or_none()
        if new_id is not None:
            created.add(username)
    return created


def _write_direction(
    session: Session,
    network: DemoNetwork,
    code: str,
    name: str,
    base: int,
    direction: int,
    stops: tuple[tuple[str, float], ...],
    stations: dict[str, int],
    layouts: dict[str, int],
    today: date,
) -> None:
    first, last = stops[0][0], stops[-1][0]
    route_id = session.execute(
        text("INSERT INTO routes (code, name) VALUES (:code, :name) RETURNING id"),
        {"code": f"{code}-{'AB'[direction]}", "name": f"{name} ({first}–{last})"},
    ).scalar_one()
    session.execute(
        text(
            "INSERT INTO route_stops (route_id, position, station_id, distance_km) "
            "VALUES (:route, :pos, :station, :km)"
        ),
        [
            {"route": route_id, "pos": i, "station": stations[c], "km": Decimal(str(km))}
            for i, (c, km) in enumerate(stops)
        ],
    )
    timezone = next(s.timezone for s in network.stations if s.code == first)
    for k, departure in enumerate(network.departures):
        # The second-to-last train each way runs on weekdays only.
        weekdays_only = k == len(network.departures) - 2
        service_id = session.execute(
            text(
                "INSERT INTO services (train_number, route_id, timezone, operating_days, "
                "valid_from, valid_to) VALUES (:num, :route, :tz, :days, :start, :end) "
                "RETURNING id"
            ),
            {
                "num": f"IC {base + 2 * k + direction}",
                "route": route_id,
                "tz": timezone,
                "days": "1111100" if weekdays_only else "1111111",
                "start": today - timedelta(days=7),
                "end": today + timedelta(days=400),
            },
        ).scalar_one()
        session.execute(
            text(
                "INSERT INTO service_stops (service_id, position, station_id, distance_km, "
                "arrival_minute, departure_minute) VALUES (:s, :pos, :st, :km, :arr, :dep)"
            ),
            [
                {
                    "s": service_id,
                    "pos": i,
                    "st": stations[c],
                    "km": Decimal(str(km)),
                    "arr": arr,
                    "dep": dep,
                }
                for i, ((c, km), (arr, dep)) in enumerate(
                    zip(stops, stop_times(stops, departure), strict=True)
                )
            ],
        )
        session.execute(
            text(
                "INSERT INTO service_coaches (service_id, coach_no, layout_id) VALUES (:s, :n, :l)"
            ),
            [
                {"s": service_id, "n": n, "l": layouts[c]}
                for n, c in enumerate(network.consist, start=1)
            ],
        )


def _demo_reference(number: int) -> str:
    # A bijection onto six-letter references, so demo sales never collide with each other.
    value = (number * 7_368_787) % (len(ALPHABET) ** LENGTH)
    chars = []
    for _ in range(LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


_FIRST_NAMES = (
    "Ana",
    "João",
    "Marta",
    "Pedro",
    "Lucía",
    "Javier",
    "Inês",
    "Carmen",
    "Rui",
    "Elena",
    "Tiago",
    "Sara",
    "Miguel",
    "Laura",
    "Nuno",
    "Pablo",
)
_SURNAMES = (
    "Silva",
    "García",
    "Santos",
    "Fernández",
    "Costa",
    "López",
    "Pereira",
    "Martín",
    "Oliveira",
    "Sánchez",
    "Rodrigues",
    "Gómez",
    "Ferreira",
    "Díaz",
)


def _sell_some_seats(session: Session, today: date, days: int, clerk: str) -> None:
    """About a third of each run's seats, on random legs, for the next few days."""
    rng = random.Random(20261121)
    clerk_id, station_id = session.execute(
        text("SELECT id, home_station_id FROM operators WHERE username = :clerk"),
        {"clerk": clerk},
    ).one()
    runs = session.execute(
        text(
            "SELECT r.id, r.service_date, (SELECT max(position) FROM run_stops "
            "WHERE run_id = r.id) AS last FROM runs r WHERE r.service_date BETWEEN :a AND :b "
            "ORDER BY r.id"
        ),
        {"a": today, "b": today + timedelta(days=days - 1)},
    ).all()
    fares = FareTable.load(session, today)
    concessions = list(fares.concessions.values())
    bookings, tickets = [], []
    for run in runs:
        km = dict(
            session.execute(
                text("SELECT position, distance_km FROM run_stops WHERE run_id = :r"), {"r": run.id}
            ).all()
        )
        seats = session.execute(
            text(
                "SELECT rs.id, ls.seat_class FROM run_seats rs JOIN layout_seats ls "
                "ON ls.id = rs.layout_seat_id WHERE rs.run_id = :r AND ls.for_sale ORDER BY rs.id"
            ),
            {"r": run.id},
        ).all()
        for seat in seats:
            if rng.random() > 0.35:
                continue
            board = rng.randrange(0, run.last)
            alight = rng.randrange(board + 1, run.last + 1)
            concession = rng.choice(concessions[:2] * 3 + concessions)
            fare = fares.fare(SeatClass(seat.seat_class), concession, km[alight] - km[board])
            reference = _demo_reference(seat.id)
            bookings.append(
                {"ref": reference, "run": run.id, "op": clerk_id, "st": station_id, "total": fare}
            )
            tickets.append(
                {
                    "ref": reference,
                    "run": run.id,
                    "seat": seat.id,
                    "b": board,
                    "a": alight,
                    "name": f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}",
                    "c": concession.code,
                    "cls": seat.seat_class,
                    "fare": fare,
                }
            )
    if not bookings:
        return
    session.execute(
        text(
            "INSERT INTO bookings (reference, run_id, operator_id, station_id, total_cents, "
            "payment_method, payment_reference) VALUES (:ref, :run, :op, :st, :total, 'card', "
            "'DEMO')"
        ),
        bookings,
    )
    booking_ids = _ids(session, "bookings", "reference")
    session.execute(
        text(
            "INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, "
            "alight_position, passenger_name, concession_code, seat_class, fare_cents) "
            "VALUES (:booking, :run, :seat, :b, :a, :name, :c, :cls, :fare)"
        ),
        [{**t, "booking": booking_ids[t["ref"]]} for t in tickets],
    )
