"""The server's prices (migrations/sql/0017_prices.sql) are the Python code's, to the cent and to
the word: fares over classes, concessions as a clerk types them, party positions, distances and
travel dates across fare changes; every leg of some demo runs; refunds on both sides of each
threshold of the refund rule."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from alembic.script import ScriptDirectory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ticket_office.db import schema
from ticket_office.db.database_api import API_ROLE
from ticket_office.db.engine import make_session_factory
from ticket_office.domain.errors import InvalidSegment, ValidationError
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.refunds import quote_refund
from ticket_office.domain.segments import Segment
from ticket_office.services import sale_facts
from ticket_office.services.pricing import FareTable
from ticket_office.services.unit_of_work import make_uow_factory

# The functions revision 0017 installs.
FUNCTIONS = (
    ScriptDirectory.from_config(schema.alembic_config()).get_revision("0017").module.FUNCTIONS
)

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FARE = text("SELECT api_fare_cents(:cls, :code, :position, :km, :day)")
CLASSES = [c.value for c in SeatClass]
# What str.isspace() calls white space (all of it below U+3001): str.strip() removes it.
WHITE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
FIRST_DAY = date(2030, 1, 1)  # fare histories start here
# Codes to add beside the demo's: one Python can never match (it lowers what is typed), a
# non-ASCII one, one with a k (the Kelvin sign lowers to k), one with the combining dot that
# Python's lower case of İ has, and the empty code (what Python looks up for no code at all).
EXTRA_CODES = ["VIP", "été", "kid", "i\u0307x", "", "staff"]


@pytest.fixture
def conn(owner_engine):
    with owner_engine.connect() as connection:
        yield connection
        connection.rollback()


def _sql_fare(conn, cls, code, position, km, day) -> int | tuple[str, str | None]:
    """The fare, or the refusal's message and the field it names."""
    try:
        with conn.begin_nested():
            params = {"cls": cls, "code": code, "position": position, "km": km, "day": day}
            return conn.execute(FARE, params).scalar_one()
    except DBAPIError as error:
        assert error.orig.sqlstate == "TO004", error
        return error.orig.diag.message_primary, error.orig.diag.column_name


def _python_fare(fares: FareTable, cls, code, position, km) -> int | tuple[str, str | None]:
    """What booking._fare_lines and changes._priced compute, or their refusal."""
    try:
        concession = fares.concession(code, position)
        return fares.fare(SeatClass(cls), concession, km)
    except ValidationError as error:
        return str(error), error.field


def _check(python, sql, code) -> None:
    unknown = not isinstance(python, int) and python[1] == "concession"
    if not unknown or code is None or code.isascii():
        assert sql == python
        return
    # text_rules.quoted shows any printable character of the code; the server, ASCII ones only.
    (p_message, p_field), (s_message, s_field) = python, sql
    assert s_field == p_field
    assert s_message.startswith("Unknown concession “")
    assert s_message.split("”")[-1] == p_message.split("”")[-1]


# --- fares ---------------------------------------------------------------------------------

per_km = st.one_of(
    st.integers(0, 40).map(Decimal),
    st.decimals(min_value=0, max_value=60, places=3),
)
rate = st.tuples(st.integers(0, 1500), per_km, st.integers(0, 2500))
# Per class: from which day (days after FIRST_DAY) which rate holds; none at all for a class
# now and then, so "no fare is set" is compared too.
history = st.dictionaries(st.integers(0, 60), rate, max_size=3)
percent = st.one_of(st.sampled_from([0, 25, 50, 100]), st.integers(0, 100))


def _typed(code: str) -> st.SearchStrategy[str]:
    """`code` as a clerk might type it: in any case, with white space around it."""
    cased = st.lists(st.booleans(), min_size=len(code), max_size=len(code)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(code, upper, strict=True))
    )
    pad = st.text(alphabet=WHITE, max_size=2)
    return st.tuples(pad, cased, pad).map("".join)


codes = ["adult", "child", "youth", "senior", *EXTRA_CODES]
concession_input = st.one_of(
    st.none(),
    st.sampled_from(codes).flatmap(_typed),
    st.sampled_from(["\u212aID", "\u0130X", "ÉTÉ", "ch\u200bild", "chİld", "x" * 30, "ad ult"]),
    # What text can reach the server: no NUL, no lone surrogate (services/arguments.py).
    st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=24),
    st.text(alphabet="adultchilKIÉ \u212a\u0130\u0307\u202e", max_size=8),
)
distance = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(3000), places=2),
    st.integers(1, 2000).map(Decimal),
    st.sampled_from([Decimal(0), Decimal("-1.5"), Decimal("0.01")]),
)
query = st.tuples(
    st.sampled_from(CLASSES),
    concession_input,
    st.sampled_from([None, 0, 1, 2, 9, -1]),
    distance,
    st.integers(-2, 65).map(lambda days: FIRST_DAY + timedelta(days)),
)


@given(
    histories=st.fixed_dictionaries({c: history for c in CLASSES}),
    percents=st.fixed_dictionaries({code: percent for code in codes}),
    queries=st.lists(query, min_size=1, max_size=12),
)
@SETTINGS
def test_the_server_prices_a_passenger_as_python_does(conn, histories, percents, queries):
    with conn.begin_nested() as fare_change:
        conn.execute(text("DELETE FROM fare_rates"))
        for cls, rates in histories.items():
            for days, (base, km_cents, minimum) in rates.items():
                conn.execute(
                    text(
                        "INSERT INTO fare_rates (seat_class, valid_from, base_cents, "
                        "cents_per_km, minimum_cents) VALUES (:c, :d, :b, :k, :m)"
                    ),
                    {
                        "c": cls,
                        "d": FIRST_DAY + timedelta(days),
                        "b": base,
                        "k": km_cents,
                        "m": minimum,
                    },
                )
        conn.execute(
            text(
                "INSERT INTO concessions (code, name, discount_percent, sort_order) "
                "VALUES (:code, :code, :pct, :order) "
                "ON CONFLICT (code) DO UPDATE SET discount_percent = excluded.discount_percent"
            ),
            [{"code": c, "pct": p, "order": i % 3} for i, (c, p) in enumerate(percents.items())],
        )
        tables: dict[date, FareTable] = {}
        for cls, code, position, km, day in queries:
            # A Connection runs text() as a Session does: the table is the one services load.
            fares = tables.get(day) or tables.setdefault(day, FareTable.load(conn, day))
            python = _python_fare(fares, cls, code, position, km)
            sql = _sql_fare(conn, cls, code, position, km, day)
            _check(python, sql, code)
        fare_change.rollback()


def test_ties_round_half_up_as_python_does(conn):
    """50% of 25 cents is 13 (half to even would say 12); 25 cents of fare is 30 (not 20)."""
    conn.execute(text("UPDATE fare_rates SET base_cents = 5, cents_per_km = 2, minimum_cents = 0"))
    assert _sql_fare(conn, "standard", "adult", 1, Decimal(10), FIRST_DAY) == 30
    conn.execute(text("UPDATE fare_rates SET minimum_cents = 25"))
    assert _sql_fare(conn, "standard", "child", 1, Decimal("0.01"), FIRST_DAY) == 13
    fares = FareTable.load(conn, FIRST_DAY)
    assert fares.fare(SeatClass.STANDARD, fares.concession("child"), Decimal("0.01")) == 13


def test_a_class_python_does_not_know_is_refused_by_name(conn):
    assert set(CLASSES) == {"first", "standard"}  # the list in api_fare_cents
    for cls in ["First", "economy", "", None]:
        refusal = _sql_fare(conn, cls, "adult", 1, Decimal(10), FIRST_DAY)
        assert refusal == (f"There is no seat class “{cls or ''}”.", "seat_class")


def test_the_server_reads_python_s_concession_key(conn):
    keys = {
        " Adult\u3000": "adult",
        "\u212aID": "kid",
        "\u0130X": "i\u0307x",
        "ÉTÉ": "été",
        "\x1cchild\x85": "child",
        "ch\u200bild": "ch\u200bild",
    }
    for typed, key in keys.items():
        assert typed.strip().lower() == key
        found = conn.execute(text("SELECT api_concession_code(:t)"), {"t": typed}).scalar_one()
        assert found == key
        # Under the C collation lower() changes ASCII letters only: the key of an ASCII code
        # is still Python's (of a non-ASCII code such as été, it is not).
        if key.isascii() or typed == "\u0130X":
            in_c = text('SELECT api_concession_code(CAST(:t AS text) COLLATE "C")')
            assert conn.execute(in_c, {"t": typed}).scalar_one() == key


# --- the demo's legs -----------------------------------------------------------------------


@pytest.fixture
def uow(owner_engine):
    """A unit of work of its own server name, so sale_facts caches nothing of other tests."""
    return make_uow_factory(make_session_factory(owner_engine), f"prices-{uuid.uuid4()}")()


def _runs(conn, day: date) -> list[int]:
    """A run of each service that day: every stop pattern the demo timetable has."""
    return list(
        conn.execute(
            text(
                "SELECT min(id) FROM runs WHERE service_date = :day GROUP BY service_id ORDER BY 1"
            ),
            {"day": day},
        ).scalars()
    )


def _python_distance(run: sale_facts.RunStops, board: int, alight: int) -> Decimal | None:
    try:
        return run.distance(Segment(board, alight))
    except InvalidSegment:
        return None


def test_every_leg_of_the_demo_runs_is_priced_as_python_prices_it(
    owner_engine, conn, uow, full_day
):
    # A fare change the day the runs travel: the day before is priced at the old rates.
    with owner_engine.begin() as change:
        change.execute(
            text(
                "INSERT INTO fare_rates (seat_class, valid_from, base_cents, cents_per_km, "
                "minimum_cents) VALUES ('first', :day, 305, 16.125, 905), "
                "('standard', :day, 195, 9.875, 495)"
            ),
            {"day": full_day},
        )
    runs = _runs(conn, full_day)
    assert len(runs) > 2
    # The demo's trains pick up and set down at every stop but the ends: make one halt of the
    # first run set-down only and the next pick-up only.
    with owner_engine.begin() as halts:
        halts.execute(
            text(
                "UPDATE run_stops SET pick_up = position <> 1, set_down = position <> 2 "
                "WHERE run_id = :run AND position IN (1, 2)"
            ),
            {"run": runs[0]},
        )
    days = [full_day - timedelta(1), full_day]
    tables = {day: sale_facts.fares(uow, day).table for day in days}
    concessions = list(tables[full_day].concessions)
    compared = 0
    for run_id in runs:
        run = sale_facts.run_stops(uow, run_id)
        last = len(run.stops)
        distances = {
            (b, a): km
            for b, a, km in conn.execute(
                text(
                    "SELECT b, a, api_distance_km(:run, b, a) "
                    "FROM generate_series(-1, :last) b, generate_series(-1, :last) a"
                ),
                {"run": run_id, "last": last},
            )
        }
        expected = {
            (b, a): _python_distance(run, b, a)
            for b, a in itertools.product(range(-1, last + 1), repeat=2)
        }
        assert distances == expected
        fares = conn.execute(
            text(
                "SELECT l.b, l.a, c.cls, k.code, d.day, "
                "       api_fare_cents(c.cls, k.code, 1, l.km, d.day) "
                "FROM (SELECT b, a, api_distance_km(:run, b, a) AS km "
                "      FROM generate_series(0, :last) b, generate_series(0, :last) a) l, "
                "     unnest(CAST(:classes AS text[])) c(cls), "
                "     unnest(CAST(:codes AS text[])) k(code), "
                "     unnest(CAST(:days AS date[])) d(day) "
                "WHERE l.km IS NOT NULL"
            ),
            {"run": run_id, "last": last, "classes": CLASSES, "codes": concessions, "days": days},
        ).all()
        for b, a, cls, code, day, fare in fares:
            table = tables[day]
            km = expected[(b, a)]
            assert fare == table.fare(SeatClass(cls), table.concession(code), km), (b, a, cls)
        compared += len(fares)
    assert compared > 1000


# --- refunds -------------------------------------------------------------------------------

ZONES = [UTC, timezone(timedelta(hours=-3)), ZoneInfo("Europe/Lisbon"), ZoneInfo("Europe/Madrid")]
_US = timedelta(microseconds=1)
_DAY = timedelta(hours=24)
THRESHOLDS = [
    delta + nudge
    for delta in (timedelta(0), _DAY)
    for nudge in (-timedelta(seconds=1), -_US, timedelta(0), _US, timedelta(seconds=1))
]
fares_cents = st.one_of(
    st.integers(0, 5_000),
    st.sampled_from([0, 1, 199, 200, 201, 999, 1000, 1002, 1003, 1007, 1008, 2**31 - 1]),
    st.integers(0, 2**31 - 1),
)


@given(
    fare=fares_cents,
    departs_at=st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2040, 1, 1),
        timezones=st.sampled_from(ZONES),
    ),
    before=st.one_of(
        st.sampled_from(THRESHOLDS),
        st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3)),
    ),
)
@settings(SETTINGS, max_examples=300)
def test_the_server_quotes_a_refund_as_python_does(conn, fare, departs_at, before):
    # As the app compares them: `now` from the server (in its zone, UTC here), the departure in
    # its station's zone.
    now = departs_at.astimezone(UTC) - before
    python = quote_refund(fare, departs_at, now)
    sql = conn.execute(
        text("SELECT * FROM api_refund(:fare, :departs, :now)"),
        {"fare": fare, "departs": departs_at, "now": now},
    ).one()
    assert tuple(sql) == (python.fee_cents, python.refund_cents, python.reason)


def test_the_24_hours_are_elapsed_hours_across_a_clock_change(conn):
    """Lisbon's clocks go forward on 29 March 2026: from 11:30 the day before to 12:00 is 23.5 h."""
    lisbon = ZoneInfo("Europe/Lisbon")
    departs_at = datetime(2026, 3, 29, 12, 0, tzinfo=lisbon)
    now = datetime(2026, 3, 28, 11, 30, tzinfo=lisbon)
    fee, refund, _ = conn.execute(
        text("SELECT * FROM api_refund(1000, :departs, :now)"),
        {"departs": departs_at, "now": now},
    ).one()
    assert (fee, refund) == (200, 800)
    assert quote_refund(1000, departs_at, now.astimezone(UTC)).fee_cents == 200


# --- who may call them ---------------------------------------------------------------------


def test_the_api_role_may_price_and_no_desk_may(conn, desk_role, full_day):
    """The write functions run as the API role: it can read what pricing reads."""
    run = _runs(conn, full_day)[0]
    conn.execute(text(f"SET LOCAL ROLE {API_ROLE}"))
    km = conn.execute(text("SELECT api_distance_km(:run, 0, 1)"), {"run": run}).scalar_one()
    assert _sql_fare(conn, "first", " Child", 1, km, full_day) > 0
    assert conn.execute(text("SELECT fee_cents FROM api_refund(1000, now(), now())")).scalar()
    conn.execute(text("RESET ROLE"))
    if desk_role is not None:
        may = text("SELECT has_function_privilege(:role, :function, 'EXECUTE')")
        for function in FUNCTIONS:
            assert not conn.execute(may, {"role": desk_role.name, "function": function}).scalar()
