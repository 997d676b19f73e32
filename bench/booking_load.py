"""The booking load generator shared by bench/booking.py and bench/growth.py.

Each client is a separate process (multiprocessing, spawn), as each clerk is a separate app:
its own engine and pool through the app's `open_backend`, one bcrypt login, then bookings
through `CounterServices.book` until told to stop. A sale is one `sell_seats` call in
autocommit; the app's background thread batches the NOTIFYs for seat maps
(services/seat_notices.py), and its CPU counts as the client's. Clients pick random seats
(mostly a party of 1, a share of 2-4 adjacent seats) on random legs of a handful of runs; a
share of the attempts goes to a small "hot" set of seats per run so that clients really wait on
each other's seat locks. SeatUnavailable is an expected outcome (counted as a conflict).

Also here: the raw-SQL sale for pgbench (`raw_sql`: what `sell_seats` does for one seat;
`raw_sql_plain`: without the audit row), the count
of the sales pgbench made, CPU accounting of clients and server, and the wire round trips of
one booking.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import os
import random
import re
import subprocess
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import common

NAMES = (
    "Ana Silva",
    "João Santos",
    "Marta Costa",
    "Pedro Gómez",
    "Lucía Díaz",
    "Inês Ferreira",
    "Javier López",
    "Carmen Martín",
    "Rui Oliveira",
    "Elena Sánchez",
)
CONCESSIONS = ("adult", "adult", "adult", "child", "youth", "senior")


@dataclass
class LoadSpec:
    """What one level of load does."""

    runs: list[tuple[int, int, tuple[int, ...]]]  # (run id, last stop position, seat ids)
    duration: float
    party_share: float = 0.1  # share of bookings for 2-4 adjacent seats
    hot_share: float = 0.1  # share of attempts on the hot seats
    hot_seats: int = 16  # the first N seats of each run
    seed: int = 1
    start_at: float = 0.0  # time.time() at which every client starts
    record_latencies: bool = True
    requests_ahead: int = 0  # requests each client draws before the start (ClientPool.run)


@dataclass
class ClientResult:
    attempts: int = 0
    ok: int = 0
    conflicts: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lat_ok: list[float] = field(default_factory=list)
    lat_conflict: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    first_error: str = ""


def make_request(rng: random.Random, spec: LoadSpec):
    from ticket_office.services.results import BookingRequest, PassengerRequest, Payment

    run_id, last, seat_ids = rng.choice(spec.runs)
    board = rng.randrange(0, last)
    alight = rng.randrange(board + 1, last + 1)
    size = rng.randint(2, 4) if rng.random() < spec.party_share else 1
    pool = seat_ids[: spec.hot_seats] if rng.random() < spec.hot_share else seat_ids
    start = rng.randrange(0, max(1, len(pool) - size + 1))
    seats = pool[start : start + size]
    passengers = tuple(
        PassengerRequest(seat, rng.choice(NAMES), rng.choice(CONCESSIONS)) for seat in seats
    )
    if rng.random() < 0.3:
        payment = Payment("cash", None, None)
    else:
        payment = Payment("card", None, f"VISA ****{rng.randrange(10000):04d}")
    return BookingRequest(run_id, board, alight, passengers, payment)


def requests_for(spec: LoadSpec, index: int) -> Iterator:
    """Client `index`'s requests: `spec.requests_ahead` drawn now, before the start, so the
    harness's own Python does not compete with the sales it measures (pgbench draws its random
    numbers in C); any more are drawn as needed."""
    rng = random.Random(spec.seed * 7919 + index)
    ahead = [make_request(rng, spec) for _ in range(spec.requests_ahead)]
    return itertools.chain(ahead, (make_request(rng, spec) for _ in itertools.count()))


def wait_for_start(spec: LoadSpec) -> float:
    """Sleep until every client starts together; returns when this level stops (time.time())."""
    wait = spec.start_at - time.time()
    if wait > 0:
        time.sleep(wait)
    return spec.start_at + spec.duration


def run_load(services, clerk, spec: LoadSpec, index: int) -> ClientResult:
    from ticket_office.domain.errors import SeatUnavailable

    requests = requests_for(spec, index)
    result = ClientResult()
    stop_at = wait_for_start(spec)
    cpu0 = time.process_time()
    perf = time.perf_counter
    while time.time() < stop_at:
        request = next(requests)
        started = perf()
        try:
            services.counter(clerk).book(request)
        except SeatUnavailable:
            elapsed = perf() - started
            result.conflicts += 1
            if spec.record_latencies:
                result.lat_conflict.append(elapsed)
        except Exception as exc:
            name = type(exc).__name__
            result.errors[name] = result.errors.get(name, 0) + 1
            if not result.first_error:
                result.first_error = "".join(traceback.format_exception_only(exc)).strip()[:500]
        else:
            elapsed = perf() - started
            result.ok += 1
            if spec.record_latencies:
                result.lat_ok.append(elapsed)
        result.attempts += 1
    result.cpu_seconds = time.process_time() - cpu0
    return result


@dataclass
class WarmCaches:
    """Load each run's per-process caches (seats, stops, fares) without selling anything."""

    runs: list[tuple[int, int, tuple[int, ...]]]


@dataclass
class BareLoad:
    """A load level for bare_client.py (bare psycopg, no service layer): the same spec."""

    spec: LoadSpec


def warm_caches(services, clerk, warm: WarmCaches) -> float:
    """A quote for one seat of each run fills what a sale prices from; returns CPU seconds."""
    cpu0 = time.process_time()
    for run_id, _last, seat_ids in warm.runs:
        services.counter(clerk).quote(run_id, 0, 1, [seat_ids[-1]], ["adult"])
    return time.process_time() - cpu0


def _worker(index: int, url: str, pool_size: int, commands, results) -> None:
    try:
        backend, services = common.open_services(url, pool_size=pool_size)
        clerk = services.log_in(*common.CLERK)
        results.put(("ready", index, None))
    except Exception:
        results.put(("failed", index, traceback.format_exc()))
        return
    try:
        while True:
            spec = commands.get()
            if spec is None:
                break
            if isinstance(spec, WarmCaches):
                results.put(("warmed", index, warm_caches(services, clerk, spec)))
                continue
            if isinstance(spec, BareLoad):
                from bare_client import run_bare_load

                from ticket_office.db.engine import libpq_url

                results.put(("result", index, run_bare_load(libpq_url(url), spec.spec, index)))
                continue
            results.put(("result", index, run_load(services, clerk, spec, index)))
    except Exception:
        results.put(("failed", index, traceback.format_exc()))
    finally:
        backend.close()


class ClientPool:
    """N client processes, logged in once, that run load levels on command."""

    def __init__(self, url: str, count: int, *, pool_size: int = 4):
        ctx = mp.get_context("spawn")
        self.results = ctx.Queue()
        self.commands = [ctx.Queue() for _ in range(count)]
        self.processes = [
            ctx.Process(
                target=_worker,
                args=(i, url, pool_size, self.commands[i], self.results),
                daemon=True,
            )
            for i in range(count)
        ]
        started = time.perf_counter()
        for process in self.processes:
            process.start()
        for _ in range(count):
            kind, index, payload = self.results.get(timeout=300)
            if kind != "ready":
                self.close()
                raise RuntimeError(f"client {index} failed to start:\n{payload}")
        common.log(
            f"{count} clients started and logged in in {time.perf_counter() - started:.1f} s"
        )

    def run(self, clients: int, spec: LoadSpec, *, bare: bool = False) -> list[ClientResult]:
        """One level of load; `bare`: through bare_client.py instead of the services."""
        # A client makes ~160 attempts a second at 16 clients and ~900 alone; drawing them takes
        # ~15 µs each, done before the start. Bare clients also connect first.
        spec.requests_ahead = int(spec.duration * 1200 / clients) + 200
        spec.start_at = time.time() + (1.0 if bare else 0.5)
        command = BareLoad(spec) if bare else spec
        for i in range(clients):
            self.commands[i].put(command)
        out: list[ClientResult | None] = [None] * clients
        for _ in range(clients):
            kind, index, payload = self.results.get(timeout=spec.duration + 120)
            if kind != "result":
                raise RuntimeError(f"client {index} failed:\n{payload}")
            out[index] = payload
        return out  # type: ignore[return-value]

    def warm(self, clients: int, runs: list[tuple[int, int, tuple[int, ...]]]) -> dict:
        """The first `clients` clients load these runs' caches; wall and CPU seconds."""
        started = time.perf_counter()
        for i in range(clients):
            self.commands[i].put(WarmCaches(runs))
        cpu = 0.0
        for _ in range(clients):
            kind, index, payload = self.results.get(timeout=300)
            if kind != "warmed":
                raise RuntimeError(f"client {index} failed to warm its caches:\n{payload}")
            cpu += payload
        return {"wall_s": round(time.perf_counter() - started, 2), "client_cpu_s": round(cpu, 2)}

    def close(self) -> None:
        for queue in self.commands:
            queue.put(None)
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()


# --------------------------------------------------------------------------------------------
# CPU accounting


class CpuMeter:
    """Machine-wide CPU use (/proc/stat) and the bench server's CPU (its postgres processes)."""

    def __init__(self, server: common.BenchServer) -> None:
        self.postmaster = None
        embedded = server.embedded
        if embedded is not None:
            try:
                import psutil

                pid = int((Path(embedded.pgdata) / "postmaster.pid").read_text().split()[0])
                self.postmaster = psutil.Process(pid)
            except Exception:
                self.postmaster = None

    @staticmethod
    def _proc_stat() -> tuple[float, float, float]:
        with open("/proc/stat") as f:
            values = [float(v) for v in f.readline().split()[1:]]
        idle = values[3] + values[4]
        steal = values[7] if len(values) > 7 else 0.0
        return sum(values), idle, steal

    def _server_cpu(self) -> float | None:
        if self.postmaster is None:
            return None
        # Live backends, plus the exited ones the postmaster has reaped (children_*).
        try:
            own = self.postmaster.cpu_times()
            total = own.children_user + own.children_system
        except Exception:
            return None
        for proc in [self.postmaster, *self.postmaster.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except Exception:
                pass
        return total

    def start(self) -> None:
        self._stat = self._proc_stat()
        self._server = self._server_cpu()
        self._wall = time.perf_counter()

    def stop(self) -> dict:
        total, idle, steal = self._proc_stat()
        dt = total - self._stat[0] or 1.0
        server = self._server_cpu()
        wall = time.perf_counter() - self._wall
        return {
            "machine_busy_pct": round(100 * (1 - (idle - self._stat[1]) / dt), 1),
            "steal_pct": round(100 * (steal - self._stat[2]) / dt, 1),
            "server_cpu_s": None
            if server is None or self._server is None
            else round(server - self._server, 3),
            "wall_s": round(wall, 3),
            "loadavg_1m": round(os.getloadavg()[0], 2),
        }


def summarize(results: list[ClientResult], duration: float, cpu: dict | None = None) -> dict:
    ok = sum(r.ok for r in results)
    conflicts = sum(r.conflicts for r in results)
    attempts = sum(r.attempts for r in results)
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r.errors.items():
            errors[k] = errors.get(k, 0) + v
    lat_ok = [x for r in results for x in r.lat_ok]
    lat_all = lat_ok + [x for r in results for x in r.lat_conflict]
    summary = common.latency_summary(lat_ok)
    client_cpu = sum(r.cpu_seconds for r in results)
    out = {
        "clients": len(results),
        "duration_s": duration,
        "attempts": attempts,
        "successes": ok,
        "conflicts": conflicts,
        "errors": errors,
        "bookings_per_s": round(ok / duration, 1),
        "attempts_per_s": round(attempts / duration, 1),
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "p99_ms": summary["p99_ms"],
        "max_ms": summary["max_ms"],
        "all_attempts_p95_ms": common.latency_summary(lat_all)["p95_ms"],
        "client_cpu_ms_per_attempt": round(1000 * client_cpu / attempts, 3) if attempts else None,
    }
    if cpu:
        if cpu.get("server_cpu_s") is not None and attempts:
            out["server_cpu_ms_per_attempt"] = round(1000 * cpu["server_cpu_s"] / attempts, 3)
        out["machine"] = {k: v for k, v in cpu.items() if k != "server_cpu_s"}
        if cpu.get("server_cpu_s") is not None:
            # CPU that neither these clients nor this server used: other work on the machine.
            cores = os.cpu_count() or 1
            capacity = cores * cpu["wall_s"]
            others = capacity * cpu["machine_busy_pct"] / 100 - client_cpu - cpu["server_cpu_s"]
            out["machine"]["others_cpu_pct"] = round(max(0.0, 100 * others / capacity), 1)
    first_error = next((r.first_error for r in results if r.first_error), "")
    if first_error:
        out["first_error"] = first_error
    return out


# --------------------------------------------------------------------------------------------
# Raw SQL with pgbench

_PGBENCH_HEADER = r"""
\set b random(0, {last_minus_1})
\set a random(:b + 1, {last})
\set h random(1, 1000)
\if :h <= {hot_permille}
\set seat random({first}, {hot_last})
\else
\set seat random({first}, {last_seat})
\endif
"""

# What `sell_seats` (migrations 0004-0008) does for one seat, as plain SQL: lock the run seat
# (its class from the layout), check that no active ticket (on the B-tree of revision 0008) and
# no one's live hold overlaps the leg, and if the seat is free write the booking, its ticket
# (exclusion constraint and cross-table trigger apply) and, in `raw_sql`, the audit event;
# commit. No NOTIFY: the service batches those in the background (services/seat_notices.py) and
# pays for them in its own CPU, while raw SQL is spared them, so the comparison leans against
# the service.
# `raw_sql_plain` leaves out the audit row.
_PGBENCH_BODY = r"""
BEGIN;
SELECT ls.seat_class FROM run_seats rs JOIN layout_seats ls ON ls.id = rs.layout_seat_id
 WHERE rs.id = :seat AND rs.run_id = {run} FOR UPDATE OF rs \gset
SELECT CASE WHEN EXISTS (SELECT 1 FROM tickets WHERE run_seat_id = :seat AND status = 'active'
                          AND board_position < :a AND alight_position > :b)
              OR EXISTS (SELECT 1 FROM seat_holds WHERE run_id = {run} AND run_seat_id = :seat
                          AND expires_at > now() AND stops && int4range(:b, :a))
            THEN 0 ELSE 1 END AS free \gset
\if :free
INSERT INTO bookings (reference, run_id, operator_id, station_id, total_cents, payment_method,
                      payment_reference)
VALUES (lpad(nextval('bench_reference_seq')::text, 8, '0'), {run}, {operator}, {station}, 1000,
        'card', '{payment_reference}') RETURNING id AS booking_id, reference \gset
INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, alight_position,
                     passenger_name, concession_code, seat_class, fare_cents)
VALUES (:booking_id, {run}, :seat, :b, :a, 'Raw Passenger', 'adult', :seat_class, 1000);
{audit}\endif
COMMIT;
"""

_PGBENCH_AUDIT = """\
INSERT INTO audit_events (operator_id, kind, subject, details)
VALUES ({operator}, 'booking', :reference,
        jsonb_build_object('run_id', {run}, 'seats', jsonb_build_array(:seat::text),
                           'total_cents', 1000, 'board', :b::int, 'alight', :a::int,
                           'reference', :reference::text));
"""

PGBENCH_PAYMENT_REFERENCE = "PGBENCH"  # marks the bookings pgbench made (sales are counted)
RAW_KINDS = ("raw_sql", "raw_sql_plain")


def pgbench_scripts(
    conn,
    runs: list[common.RunInfo],
    directory: Path,
    *,
    hot_share: float,
    hot_seats: int,
    kind: str = "raw_sql",
) -> list[Path]:
    """One script per run (picked with equal weight): `raw_sql` or `raw_sql_plain`."""
    if kind not in RAW_KINDS:
        raise ValueError(f"unknown raw sale {kind!r}; one of {RAW_KINDS}")
    full = kind == "raw_sql"
    common.ensure_bench_objects(conn)
    conn.commit()
    operator, station = conn.execute(
        "SELECT id, home_station_id FROM operators WHERE role = 'clerk' ORDER BY id LIMIT 1"
    ).fetchone()
    paths = []
    for run in runs:
        ids = run.seat_ids
        if ids[-1] - ids[0] + 1 != len(ids):
            raise SystemExit(
                f"run {run.run_id}: seat ids are not contiguous; pgbench script "
                "needs a contiguous range"
            )
        text = _PGBENCH_HEADER.format(
            last=run.last_position,
            last_minus_1=run.last_position - 1,
            hot_permille=int(round(hot_share * 1000)),
            first=ids[0],
            hot_last=ids[min(hot_seats, len(ids)) - 1],
            last_seat=ids[-1],
        ) + _PGBENCH_BODY.format(
            run=run.run_id,
            operator=operator,
            station=station,
            payment_reference=PGBENCH_PAYMENT_REFERENCE,
            audit=_PGBENCH_AUDIT.format(run=run.run_id, operator=operator) if full else "",
        )
        path = directory / f"book_run{run.run_id}_{kind}.sql"
        path.write_text(text)
        paths.append(path)
    return paths


def pgbench_sales(conn, runs: list[common.RunInfo]) -> int:
    """Bookings pgbench made on these runs (its tps also counts the refused attempts)."""
    row = conn.execute(
        "SELECT count(*) FROM bookings WHERE payment_reference = %s AND run_id = ANY(%s)",
        (PGBENCH_PAYMENT_REFERENCE, [r.run_id for r in runs]),
    ).fetchone()
    conn.commit()
    return row[0]


def run_pgbench(
    server: common.BenchServer,
    database: str,
    scripts: list[Path],
    *,
    clients: int,
    duration: float,
    threads: int = 2,
) -> dict:
    params = server.libpq_params(database)
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    if "password" in params:
        env["PGPASSWORD"] = params.pop("password")
    env["PGHOST"] = params.get("host", "")
    if "port" in params:
        env["PGPORT"] = params["port"]
    env["PGUSER"] = params["user"]
    seconds = max(1, int(round(duration)))
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as tmp:
        command = [
            server.bin("pgbench"),
            "-n",
            "-M",
            "prepared",
            "-c",
            str(clients),
            "-j",
            str(min(threads, clients)),
            "-T",
            str(seconds),
            "-l",
            "--log-prefix",
            f"{tmp}/log",
        ]
        for script in scripts:
            command += ["-f", f"{script}@1"]
        command.append(database)
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=duration + 120
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"pgbench failed ({completed.returncode}):\n{completed.stderr}\n{completed.stdout}"
            )
        latencies = []
        for log_file in Path(tmp).glob("log*"):
            for line in log_file.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 3:
                    latencies.append(int(parts[2]) / 1e6)  # microseconds → seconds
    out = completed.stdout
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    processed = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    summary = common.latency_summary(latencies)
    return {
        "clients": clients,
        "duration_s": seconds,
        "tps": float(tps.group(1)) if tps else None,
        "transactions": int(processed.group(1)) if processed else len(latencies),
        "failed": int(failed.group(1)) if failed else None,
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "p99_ms": summary["p99_ms"],
    }


def run_infos_for_load(runs: list[common.RunInfo]) -> list[tuple[int, int, tuple[int, ...]]]:
    return [(r.run_id, r.last_position, r.seat_ids) for r in runs]


# --------------------------------------------------------------------------------------------
# Round trips of one booking


def wire_round_trips(url: str, run: common.RunInfo, bookings: int = 5) -> dict:
    """Protocol round trips (client waits) per one-seat booking, from libpq traces of the
    app's two connections (pool_size=1: the engine's one, and the one of the pool for single
    statements that the sale uses, db/statement_pool.py): every simple Query and every Sync of
    the extended protocol is one wait for the server. The sale bypasses SQLAlchemy
    (UnitOfWork.call), so the traces, not SQLAlchemy's events, are what see it. Warm-up
    bookings first (caches loaded, statements prepared); then only the measured bookings are
    traced, each wait labelled with the statement it ran."""
    import psycopg

    from ticket_office.db.engine import libpq_url
    from ticket_office.services.results import BookingRequest, PassengerRequest, Payment

    backend, services = common.open_services(url, pool_size=1)
    try:
        clerk = services.log_in(*common.CLERK)
        with psycopg.connect(libpq_url(url)) as conn:
            free = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM run_seats rs WHERE run_id = %s AND NOT EXISTS "
                    "(SELECT 1 FROM tickets t WHERE t.run_seat_id = rs.id) ORDER BY id",
                    (run.run_id,),
                )
            ]
        seats = iter(random.Random().sample(free, 8 + bookings))
        sold = 0

        def book() -> None:
            nonlocal sold
            request = BookingRequest(
                run.run_id,
                0,
                3,
                (PassengerRequest(next(seats), "Ana Silva", "adult"),),
                Payment("card", None, "VISA ****1234"),
            )
            services.counter(clerk).book(request)
            sold += 1

        engine = backend.database.engine
        raw = engine.raw_connection()
        pgconns = [raw.driver_connection.pgconn]
        raw.close()  # back to the pool: the bookings use this very connection
        statements = backend.statements.borrow()
        pgconns.append(statements.connection.pgconn)
        backend.statements.give_back(statements)  # the sales use this very connection
        backend_pids = [pgconn.backend_pid for pgconn in pgconns]
        with contextlib.ExitStack() as files:
            warm = [files.enter_context(tempfile.TemporaryFile("w+")) for _ in pgconns]
            measured = [files.enter_context(tempfile.TemporaryFile("w+")) for _ in pgconns]
            for pgconn, file in zip(pgconns, warm, strict=True):
                pgconn.trace(file.fileno())  # to learn the prepared statements' text
            for _ in range(8):  # caches loaded, statements prepared
                book()
            for pgconn, file in zip(pgconns, measured, strict=True):
                pgconn.untrace()  # flushes
                pgconn.trace(file.fileno())
            sold = 0
            orm = common.RoundTrips(engine)
            for _ in range(bookings):
                book()
            orm.close()
            for pgconn in pgconns:
                pgconn.untrace()
            waits = [
                wait
                for warm_trace, trace in zip(warm, measured, strict=True)
                for wait in _labelled_waits(_read(warm_trace) + ["-- measured --"] + _read(trace))
            ]
        check, statements = engine.raw_connection(), backend.statements.borrow()
        try:
            same_connections = [
                check.driver_connection.pgconn.backend_pid,
                statements.connection.pgconn.backend_pid,
            ] == backend_pids
        finally:
            backend.statements.give_back(statements)
            check.close()
        return {
            "round_trips_per_booking": round(len(waits) / bookings, 2),
            "orm_statements_per_booking": round(len(orm.statements) / bookings, 2),
            "round_trips": waits[: len(waits) // bookings],
            "bookings": sold,
            "traced_connections_used": same_connections and bool(waits),
        }
    finally:
        backend.close()


def _read(file) -> list[str]:
    file.seek(0)
    return file.read().splitlines()


_MESSAGE = re.compile(r"\tF\t\d+\t(Query|Parse|Bind|Sync)\b\s*(.*)")
_PARSE = re.compile(r'(\S+) "(.*)" \d+(?: \d+)*$')  # name "text" nparams [param oids]


def _labelled_waits(lines: list[str]) -> list[str]:
    """The waits after the "-- measured --" line, each named by the statement it ran
    (prepared statements by the text their Parse gave them, anywhere in the trace)."""
    texts: dict[str, str] = {}
    waits: list[str] = []
    measured = False
    current = "?"
    for line in lines:
        if line == "-- measured --":
            measured = True
            continue
        match = _MESSAGE.search(line)
        if not match:
            continue
        kind, rest = match.groups()
        if kind == "Parse":
            parsed = _PARSE.match(rest)
            if parsed:
                texts[parsed.group(1)] = _short(parsed.group(2))
                current = texts[parsed.group(1)]
        elif kind == "Bind":
            parts = rest.split(" ")
            statement_name = parts[1] if len(parts) > 1 else '""'
            current = texts.get(statement_name, current)
        if not measured:
            continue
        if kind == "Query":
            waits.append(_short(rest))
        elif kind == "Sync":
            waits.append(current)
    return waits


def _short(statement: str) -> str:
    return " ".join(statement.strip().strip('"').split())[:120]
