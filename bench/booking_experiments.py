"""Where a booking's time goes, and what candidate changes to the booking path would buy.

    .venv/bin/python bench/booking_experiments.py [--variants service,no_pre_ping+plan_auto]
                                                  [--clients 16] [--duration 5] [--rounds 1]

Nothing in ticket_office/ is changed: each variant (bench/booking_variants.py) is applied by
monkeypatching inside the bench processes only. On one fresh copy of the template:
1. serially, in this process, per variant: protocol round trips per one-seat booking (libpq
   trace), SQL statements, client CPU per booking, serial latency; plus a cProfile of the
   booking path grouped by library (sqlalchemy / psycopg / ticket_office / other);
2. with N client processes (spawned once, logged in once), each variant for `--duration` s on
   fresh runs, variants interleaved round by round so that machine noise hits all alike;
3. pgbench variants of the raw SQL booking: plain, + audit row, + NOTIFY, + both, to show what
   the database itself pays for the service's audit and NOTIFY;
4. the double-booking check.
One JSON object on the last line.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booking_load  # noqa: E402
import booking_variants  # noqa: E402
import common  # noqa: E402

DEFAULT_VARIANTS = (
    "service,no_pre_ping,notify_after_commit,keep_prepared,no_prepare,prepare0,plan_auto,"
    "keep_prepared+plan_auto,no_pre_ping+keep_prepared+plan_auto,"
    "no_pre_ping+keep_prepared+plan_auto+notify_after_commit"
)


def _group(filename: str) -> str:
    for key in ("sqlalchemy", "psycopg", "ticket_office", "bench"):
        if f"/{key}/" in filename or f"/{key}_" in filename:
            return key
    if filename.startswith("~") or filename == "<built-in>":
        return "builtins"
    return "other"


def profile_groups(stats: pstats.Stats) -> dict[str, float]:
    groups: dict[str, float] = {}
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        group = _group(filename)
        groups[group] = groups.get(group, 0.0) + tottime
        total += tottime
    return {k: round(100 * v / total, 1) for k, v in sorted(groups.items(), key=lambda kv: -kv[1])}


def _backend_cpu_ns(pid: int | None) -> int | None:
    """A local backend's on-CPU time in ns (/proc/PID/schedstat), None if not readable."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except OSError:
        return None


def serial_anatomy(
    url: str,
    variant: str,
    run: common.RunInfo,
    bookings: int,
    profile: bool,
    party_share: float = 0.1,
    hot_share: float = 0.1,
    hot_seats: int = 16,
) -> dict:
    """One clerk, one connection: round trips, client and server CPU, latency per booking.
    The same booking mix as the concurrent load, so refused sales (and their rollbacks) occur."""
    from sqlalchemy import text

    from ticket_office.domain.errors import SeatUnavailable

    out = booking_load.wire_round_trips(url, run, variant)
    out.pop("statements", None)
    backend, services = common.open_services(url, pool_size=1)
    try:
        booking_variants.apply(variant, backend)
        clerk = services.log_in(*common.CLERK)
        with backend.database.engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        spec = booking_load.LoadSpec(
            booking_load.run_infos_for_load([run]),
            duration=0,
            party_share=party_share,
            hot_share=hot_share,
            hot_seats=hot_seats,
        )
        rng = random.Random(7)
        for _ in range(20):  # warm: prepared statements, caches
            with contextlib.suppress(SeatUnavailable):
                services.book(clerk, booking_load.make_request(rng, spec))
        latencies = []
        refused = 0
        cpu0 = time.process_time()
        server0 = _backend_cpu_ns(pid)
        for _ in range(bookings):
            request = booking_load.make_request(rng, spec)
            started = time.perf_counter()
            try:
                services.book(clerk, request)
            except SeatUnavailable:
                refused += 1
            latencies.append(time.perf_counter() - started)
        server1 = _backend_cpu_ns(pid)
        out["client_cpu_ms_per_booking"] = round(1000 * (time.process_time() - cpu0) / bookings, 3)
        out["server_cpu_ms_per_booking"] = (
            None
            if server0 is None or server1 is None
            else round((server1 - server0) / 1e6 / bookings, 3)
        )
        out["refused_share"] = round(refused / bookings, 3)
        summary = common.latency_summary(latencies)
        out["serial_p50_ms"] = summary["p50_ms"]
        out["serial_p95_ms"] = summary["p95_ms"]
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(bookings):
                with contextlib.suppress(SeatUnavailable):
                    services.book(clerk, booking_load.make_request(rng, spec))
            profiler.disable()
            stats = pstats.Stats(profiler)
            out["profile_tottime_pct"] = profile_groups(stats)
            out["profile_top"] = common.profile_top(stats, bookings, "booking", 12)
    finally:
        backend.close()
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", default=DEFAULT_VARIANTS)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--serial-bookings", type=int, default=200)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument("--pool-size", type=int, default=4)
    parser.add_argument("--party-share", type=float, default=0.1)
    parser.add_argument("--hot-share", type=float, default=0.1)
    parser.add_argument("--hot-seats", type=int, default=16)
    common.common_arguments(parser)
    args = parser.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    k = 4
    pgbench_kinds = [
        (),
        ("audit",),
        ("notify",),
        ("audit", "notify"),
        ("audit", "notify_after_commit"),
    ]

    result: dict = {
        "benchmark": "booking_experiments",
        "clients": args.clients,
        "duration_s": args.duration,
        "rounds": args.rounds,
    }
    per_variant: dict[str, dict] = {v: {} for v in variants}
    with common.fresh_copy("bookexp", args) as (server, database):
        url = server.url_for(database)
        needed = len(variants) * (1 + args.rounds * k) + len(pgbench_kinds) * k + 3
        with server.connect(database) as conn:
            runs = common.pick_runs(conn, needed)
        pool_of_runs = iter(runs)

        # A throwaway pass first: the first backend of a process pays one-time costs.
        serial_anatomy(url, variants[0], next(pool_of_runs), 50, profile=False)
        for variant in variants:
            per_variant[variant]["serial"] = serial_anatomy(
                url,
                variant,
                next(pool_of_runs),
                args.serial_bookings,
                profile=not args.no_profile and variant == "service",
            )
            common.log(f"serial {variant}: {per_variant[variant]['serial']}")

        meter = booking_load.CpuMeter(server)
        clients = booking_load.ClientPool(url, args.clients, pool_size=args.pool_size)
        try:
            warm = [next(pool_of_runs), next(pool_of_runs)]
            for variant in variants:  # warm every variant's statements in every client
                clients.run(
                    args.clients,
                    booking_load.LoadSpec(
                        booking_load.run_infos_for_load(warm),
                        duration=0.5,
                        variant=variant,
                        record_latencies=False,
                    ),
                )
            for round_no in range(args.rounds):
                for variant in variants:
                    level = [next(pool_of_runs) for _ in range(k)]
                    spec = booking_load.LoadSpec(
                        booking_load.run_infos_for_load(level),
                        duration=args.duration,
                        party_share=args.party_share,
                        hot_share=args.hot_share,
                        hot_seats=args.hot_seats,
                        seed=round_no + 1,
                        variant=variant,
                    )
                    meter.start()
                    outcomes = clients.run(args.clients, spec)
                    summary = booking_load.summarize(outcomes, args.duration, meter.stop())
                    per_variant[variant].setdefault("concurrent", []).append(summary)
                    common.log(
                        f"round {round_no + 1} {variant}: {summary['bookings_per_s']} "
                        f"bookings/s, p95 {summary['p95_ms']} ms, client CPU "
                        f"{summary['client_cpu_ms_per_attempt']} ms, server CPU "
                        f"{summary.get('server_cpu_ms_per_attempt')} ms, "
                        f"errors {summary['errors']}, {summary.get('machine')}"
                    )
        finally:
            clients.close()

        raw: dict[str, dict] = {}
        if not args.no_pgbench:
            with (
                tempfile.TemporaryDirectory(prefix="bench-bookexp-") as tmp,
                server.connect(database) as conn,
            ):
                for extras in pgbench_kinds:
                    scripts = booking_load.pgbench_scripts(
                        conn,
                        [next(pool_of_runs) for _ in range(k)],
                        Path(tmp),
                        hot_share=args.hot_share,
                        hot_seats=args.hot_seats,
                        extras=extras,
                    )
                    meter.start()
                    out = booking_load.run_pgbench(
                        server, database, scripts, clients=args.clients, duration=args.duration
                    )
                    cpu = meter.stop()
                    if cpu.get("server_cpu_s") is not None and out.get("transactions"):
                        out["server_cpu_ms_per_tx"] = round(
                            1000 * cpu["server_cpu_s"] / out["transactions"], 3
                        )
                    out["machine"] = {k2: v for k2, v in cpu.items() if k2 != "server_cpu_s"}
                    name = "+".join(("raw",) + extras)
                    raw[name] = out
                    common.log(
                        f"pgbench {name}: {out['tps']} tps, p95 {out['p95_ms']} ms, "
                        f"server CPU {out.get('server_cpu_ms_per_tx')} ms/tx"
                    )
        with server.connect(database) as conn:
            result["double_bookings"] = common.double_bookings(conn)

    table = {}
    for variant, data in per_variant.items():
        rounds = data.get("concurrent", [])
        best = max(rounds, key=lambda r: r["bookings_per_s"]) if rounds else {}
        table[variant] = {
            "round_trips": data["serial"]["round_trips_per_booking"],
            "client_cpu_ms_serial": data["serial"]["client_cpu_ms_per_booking"],
            "server_cpu_ms_serial": data["serial"]["server_cpu_ms_per_booking"],
            "serial_p50_ms": data["serial"]["serial_p50_ms"],
            "bookings_per_s": [r["bookings_per_s"] for r in rounds],
            "p95_ms": [r["p95_ms"] for r in rounds],
            "client_cpu_ms_per_attempt": best.get("client_cpu_ms_per_attempt"),
            "server_cpu_ms_per_attempt": best.get("server_cpu_ms_per_attempt"),
        }
    baseline = table.get("service", {}).get("bookings_per_s")
    if baseline:
        for row in table.values():
            row["speedup_vs_service"] = (
                round(
                    (sum(row["bookings_per_s"]) / len(row["bookings_per_s"]))
                    / (sum(baseline) / len(baseline)),
                    2,
                )
                if row["bookings_per_s"]
                else None
            )
    raw_tps = raw.get("raw", {}).get("tps")
    if raw_tps:
        for row in table.values():
            if row["bookings_per_s"]:
                row["ratio_vs_raw_sql"] = round(max(row["bookings_per_s"]) / raw_tps, 3)
    result.update(
        {
            "summary": table,
            "raw_sql": raw,
            "variants": per_variant,
            "environment": common.environment(),
            # Candidates are compared, not judged; what every one of them must still keep:
            "limits": {"double_bookings": 0, "errors": 0},
            "meets": {
                "no_double_bookings": result["double_bookings"] == 0,
                "no_errors": not any(
                    r["errors"] for d in per_variant.values() for r in d.get("concurrent", [])
                ),
            },
        }
    )
    common.emit(result)
    return result


if __name__ == "__main__":
    main()
