"""What the database refuses by itself, to a writer that bypasses the services (revision 0009)."""

from __future__ import annotations

import json

import psycopg
import pytest
from helpers import free_seats, request
from sqlalchemy import text

from ticket_office.db.engine import libpq_url


@pytest.fixture
def sold(services, clerk, journey):
    """A booking of one ticket, and the seat map it was sold from."""
    leg = (journey.run_id, journey.board_position, journey.alight_position)
    seat_map = services.counter(clerk).seat_map(*leg)
    confirmation = services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))
    return confirmation, seat_map


@pytest.fixture
def raw(backend):
    with psycopg.connect(libpq_url(backend.database.url)) as conn:
        yield conn


@pytest.fixture
def owner_raw(database_url):
    """Holds, sold tickets and bookings are written around the services only by the schema's
    owner: desks may not write them (revisions 0016, 0019 and 0021)."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        yield conn


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE bookings SET cash_given_cents = -5000 WHERE id = %(booking)s",
        "UPDATE bookings SET refunded_cents = total_cents + 1 WHERE id = %(booking)s",
        "UPDATE tickets SET refund_cents = -1 WHERE booking_id = %(booking)s",
        "UPDATE tickets SET refund_cents = fare_cents + 1 WHERE booking_id = %(booking)s",
        "UPDATE tickets SET seat_class = 'economy' WHERE booking_id = %(booking)s",
    ],
    ids=["negative cash", "refund over total", "negative refund", "refund over fare", "class"],
)
def test_money_and_classes_that_cannot_be_are_refused(sold, owner_raw, statement):
    confirmation, _seat_map = sold
    with pytest.raises(psycopg.errors.CheckViolation):
        owner_raw.execute(statement, {"booking": confirmation.booking_id})


def test_a_full_refund_is_allowed(sold, owner_raw):
    confirmation, _seat_map = sold
    owner_raw.execute(
        "UPDATE tickets SET refund_cents = fare_cents WHERE booking_id = %(b)s",
        {"b": confirmation.booking_id},
    )


def test_a_run_seat_stays_on_its_run(sold, owner_raw, journey):
    """Moved to another run, a sold seat's id could be sold again there for the same leg (no
    desk may touch run seats at all: revision 0021)."""
    confirmation, _seat_map = sold
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="for good"):
        owner_raw.execute(
            "UPDATE run_seats SET run_id = (SELECT min(id) FROM runs WHERE id <> %(run)s) "
            "WHERE id = (SELECT run_seat_id FROM tickets WHERE booking_id = %(b)s)",
            {"run": journey.run_id, "b": confirmation.booking_id},
        )


@pytest.mark.parametrize("level", ["REPEATABLE READ", "SERIALIZABLE"])
def test_tickets_and_holds_are_only_written_at_read_committed(
    services, sold, owner_raw, journey, level
):
    """At a stricter level the check for a conflicting hold reads an older snapshot: a hold
    committed meanwhile would be missed, so the write is refused instead."""
    confirmation, seat_map = sold
    seat = free_seats(seat_map, 2)[1]
    owner_raw.execute(f"SET TRANSACTION ISOLATION LEVEL {level}")
    with pytest.raises(psycopg.errors.FeatureNotSupported, match="READ COMMITTED"):
        owner_raw.execute(
            "INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, "
            "alight_position, passenger_name, concession_code, seat_class, fare_cents) "
            "SELECT %(b)s, %(run)s, %(seat)s, 0, 1, 'Eva Luz', 'adult', 'standard', 100",
            {"b": confirmation.booking_id, "run": journey.run_id, "seat": seat},
        )
    owner_raw.rollback()
    owner_raw.execute(f"SET TRANSACTION ISOLATION LEVEL {level}")
    with pytest.raises(psycopg.errors.FeatureNotSupported, match="READ COMMITTED"):
        owner_raw.execute(
            "INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position, "
            "operator_id, client_id, expires_at) "
            "SELECT %(run)s, %(seat)s, 0, 1, id, 'script', now() + interval '1 minute' "
            "FROM operators WHERE username = 'clerk'",
            {"run": journey.run_id, "seat": seat},
        )


def test_a_server_defaulting_to_a_stricter_level_still_sells(database_url, journey):
    """A DBA's default_transaction_isolation must not make every sale refused: the app's
    connections say READ COMMITTED themselves."""
    from sqlalchemy.engine import make_url

    from ticket_office.backend import open_backend
    from ticket_office.config import DatabaseChoice

    name = make_url(database_url).database
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_isolation = serializable')
    strict = open_backend(choice=DatabaseChoice(database_url, "test"), pool_size=2)
    try:
        services = strict.services
        clerk = services.log_in("clerk", "clerk-demo-2026")
        leg = (journey.run_id, journey.board_position, journey.alight_position)
        seat = free_seats(services.counter(clerk).seat_map(*leg), 1)[0]
        services.counter(clerk).set_holds(*leg, [seat])
        assert services.counter(clerk).book(request(journey, [seat])).booking_id
    finally:
        strict.close()


# Every table a guard or sell_seats reads (revision 0013): a desk's TEMP table of the same name
# is found first on an unpinned search_path.
GUARDED_READS = (
    "runs",
    "run_stops",
    "run_seats",
    "layout_seats",
    "fare_revision",
    "operators",
    "tickets",
    "seat_holds",
)


def test_every_function_of_the_schema_pins_its_search_path(owner_engine):
    with owner_engine.connect() as conn:
        settings = dict(
            conn.execute(
                text(
                    "SELECT p.proname, p.proconfig FROM pg_proc p "
                    "WHERE p.pronamespace = 'public'::regnamespace AND NOT EXISTS ("
                    "  SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass "
                    "  AND d.objid = p.oid AND d.deptype = 'e')"
                )
            ).all()
        )
    assert {"sell_seats", "tickets_respect_holds", "holds_respect_tickets"} <= set(settings)
    unpinned = {
        name
        for name, config in settings.items()
        if "search_path=public, pg_temp" not in (config or [])
    }
    assert unpinned == set()


@pytest.fixture
def other_run(services, clerk, full_day, journey):
    """Another train of the same day, on sale: where the sold seat is "moved" to."""
    other = services.counter(clerk).search_journeys("PCA", "MAD", full_day)[1]
    assert other.run_id != journey.run_id
    return other


def _shadow_with_the_seat_on(raw, seat: int, run: int) -> None:
    """TEMP tables standing in for every table the guards read, the sold seat on `run`."""
    for table in GUARDED_READS:
        rows = " WHERE false" if table in ("tickets", "seat_holds") else ""
        # A desk reads every column of an operator but the password's.
        columns = "id, username, role, home_station_id, active" if table == "operators" else "*"
        raw.execute(f"CREATE TEMP TABLE {table} AS SELECT {columns} FROM public.{table}{rows}")
    raw.execute("UPDATE pg_temp.run_seats SET run_id = %s WHERE id = %s", (run, seat))


def _sold_seat(raw, booking_id: int) -> tuple[int, str]:
    return raw.execute(
        "SELECT run_seat_id, seat_class FROM public.tickets WHERE booking_id = %s", (booking_id,)
    ).fetchone()


def _active_tickets_on(raw, seat: int) -> int:
    return raw.execute(
        "SELECT count(*) FROM public.tickets WHERE run_seat_id = %s AND status = 'active'",
        (seat,),
    ).fetchone()[0]


@pytest.mark.parametrize("write", ["ticket", "hold"])
def test_a_temp_table_cannot_stand_in_for_what_the_guards_read(
    sold, raw, owner_raw, other_run, write
):
    confirmation, _seat_map = sold
    raw = owner_raw  # a desk may write neither
    seat, seat_class = _sold_seat(raw, confirmation.booking_id)
    _shadow_with_the_seat_on(raw, seat, other_run.run_id)
    leg = {
        "b": confirmation.booking_id,
        "run": other_run.run_id,
        "seat": seat,
        "board": other_run.board_position,
        "alight": other_run.alight_position,
        "class": seat_class,
    }
    statement = (
        "INSERT INTO public.tickets (booking_id, run_id, run_seat_id, board_position, "
        "alight_position, passenger_name, concession_code, seat_class, fare_cents) "
        "VALUES (%(b)s, %(run)s, %(seat)s, %(board)s, %(alight)s, 'Eva Luz', 'adult', "
        "%(class)s, 100)"
        if write == "ticket"
        else "INSERT INTO public.seat_holds (run_id, run_seat_id, board_position, "
        "alight_position, operator_id, client_id, expires_at) "
        "SELECT %(run)s, %(seat)s, %(board)s, %(alight)s, id, 'script', "
        "now() + interval '1 minute' FROM public.operators WHERE username = 'clerk'"
    )
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="is not on run"):
        raw.execute(statement, leg)


def test_sell_seats_cannot_be_fooled_by_temp_tables(sold, raw, clerk, other_run):
    confirmation, _seat_map = sold
    seat, _seat_class = _sold_seat(raw, confirmation.booking_id)
    run, board, alight = other_run.run_id, other_run.board_position, other_run.alight_position
    sale = {
        "run": run,
        "board": board,
        "alight": alight,
        "method": "card",
        "card_reference": "T",
        "cash_given": None,
        "reference": "TEMP22",
        "party": [{"seat": seat, "name": "Eva Luz", "concession": "adult", "fare": 1000}],
    }
    _shadow_with_the_seat_on(raw, seat, run)
    (answer,) = raw.execute(
        "SELECT public.sell_seats(%s, gen_random_uuid(), %s::jsonb)",
        (clerk.session_token, json.dumps(sale)),
    ).fetchone()
    assert answer["outcome"] == "missing"
    assert _active_tickets_on(raw, seat) == 1


def _stranger_seat_one(raw, run: int) -> dict:
    """A seat labelled like one of the run's coach's seats, from another layout."""
    found = raw.execute(
        "SELECT rs.run_id, rs.coach_no, other.id AS layout_seat_id "
        "FROM public.run_seats rs JOIN public.layout_seats ls ON ls.id = rs.layout_seat_id "
        "JOIN public.layout_seats other ON other.label = ls.label "
        "  AND other.layout_id <> ls.layout_id "
        "WHERE rs.run_id = %s ORDER BY rs.coach_no DESC, rs.id LIMIT 1",
        (run,),
    ).fetchone()
    assert found is not None, "the demo has a single coach layout"
    return dict(zip(("run", "coach", "layout_seat"), found, strict=True))


PHANTOM = (
    "INSERT INTO public.run_seats (run_id, coach_no, layout_seat_id) "
    "VALUES (%(run)s, %(coach)s, %(layout_seat)s)"
)


def test_a_desk_cannot_add_a_phantom_seat_to_a_run(raw, journey):
    seat = _stranger_seat_one(raw, journey.run_id)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        raw.execute(PHANTOM, seat)


def test_a_runs_coach_has_each_seat_label_once_whoever_writes(database_url, journey):
    with psycopg.connect(libpq_url(database_url)) as owner:
        seat = _stranger_seat_one(owner, journey.run_id)
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="coach's layout"):
            owner.execute(PHANTOM, seat)
        owner.rollback()
        with pytest.raises(psycopg.errors.UniqueViolation):
            owner.execute(
                "INSERT INTO run_seats (run_id, coach_no, layout_seat_id) "
                "SELECT run_id, coach_no, layout_seat_id FROM run_seats WHERE run_id = %s LIMIT 1",
                (journey.run_id,),
            )


@pytest.mark.parametrize("write", ["ticket", "hold"])
@pytest.mark.parametrize("alight", [32767, None], ids=["far past", "one past the last stop"])
def test_a_leg_lies_within_its_runs_stops(sold, raw, owner_raw, journey, write, alight):
    confirmation, seat_map = sold
    raw = owner_raw  # a desk may write neither
    if alight is None:
        (alight,) = raw.execute(
            "SELECT max(position) + 1 FROM run_stops WHERE run_id = %s", (journey.run_id,)
        ).fetchone()
    leg = {
        "b": confirmation.booking_id,
        "run": journey.run_id,
        "seat": free_seats(seat_map, 2)[1],
        "board": 0,
        "alight": alight,
    }
    statement = (
        "INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, "
        "alight_position, passenger_name, concession_code, seat_class, fare_cents) "
        "SELECT %(b)s, %(run)s, %(seat)s, %(board)s, %(alight)s, 'Eva Luz', 'adult', "
        "'standard', 100"
        if write == "ticket"
        else "INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position, "
        "operator_id, client_id, expires_at) "
        "SELECT %(run)s, %(seat)s, %(board)s, %(alight)s, id, 'script', "
        "now() + interval '1 minute' FROM operators WHERE username = 'clerk'"
    )
    with pytest.raises(psycopg.errors.CheckViolation):
        raw.execute(statement, leg)
