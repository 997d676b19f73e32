"""Booking throughput and latency through the service layer, against raw SQL, on one server.

    .venv/bin/python bench/booking.py [--clients 1,8,16] [--duration 5] [--variant service]

On a fresh copy of the benchmark-scale template (16-coach trains of ~1,180 seats, 23-stop line):
1. N client processes (spawn), each the app's own backend (`open_backend`, pool of 4) and one
   logged-in clerk, call `TicketOfficeServices.book` in a loop for `--duration` seconds at
   1, 8 and 16 concurrent clients. Bookings are random seats (10% are parties of 2-4 adjacent
   seats) on random legs of 4 runs per level (fresh runs per level, so every level starts from
   empty trains); 10% of attempts go to 16 "hot" seats per run, so clients do wait on each
   other's seat locks. SeatUnavailable is an expected outcome, counted as a conflict.
2. The same one-seat sale as raw SQL with pgbench (16 clients, same duration, prepared
   statements): lock the seat FOR UPDATE, check overlap, insert booking + ticket into the real
   tables (exclusion constraint and trigger included). `raw_sql_tps` is that; `ratio` is the
   service's bookings/s at 16 clients over it. `raw_sql_full_tps` adds what the service also
   does in the transaction (audit row + NOTIFY), to split database cost from client cost.
3. A SQL check for double bookings: two active tickets overlapping on one seat of one run.

Prints progress on stderr and one JSON object on the last line of stdout. It compares itself
with its targets in "meets"; it is a measurement, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booking_load  # noqa: E402
import common  # noqa: E402

TARGETS = {
    "ratio_min": 0.5,
    "p95_ms_max_at_16": 25,
    "floor_bookings_per_s": 100,
    "floor_p95_ms": 200,
}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,8,16", help="client counts, comma-separated")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per level")
    parser.add_argument("--runs-per-level", type=int, default=4)
    parser.add_argument(
        "--party-share", type=float, default=0.1, help="share of bookings for 2-4 adjacent seats"
    )
    parser.add_argument(
        "--hot-share", type=float, default=0.1, help="share of attempts on the hot seats"
    )
    parser.add_argument("--hot-seats", type=int, default=16, help="hot seats per run")
    parser.add_argument("--pool-size", type=int, default=4, help="each client's pool size")
    parser.add_argument(
        "--no-raw-full", action="store_true", help="skip the raw SQL + audit + NOTIFY pgbench run"
    )
    parser.add_argument("--seed", type=int, default=1)
    common.common_arguments(parser, variant=True)
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    top = max(levels)
    k = args.runs_per_level

    result: dict = {"benchmark": "booking", "variant": args.variant}
    with common.fresh_copy("booking", args) as (server, database):
        url = server.url_for(database)
        with server.connect(database) as conn:
            runs = common.pick_runs(conn, k * (len(levels) + 2) + 3)
        level_runs = [runs[i * k : (i + 1) * k] for i in range(len(levels))]
        raw_runs = runs[len(levels) * k : (len(levels) + 1) * k]
        raw_full_runs = runs[(len(levels) + 1) * k : (len(levels) + 2) * k]
        warm_runs, trace_run = runs[-3:-1], runs[-1]

        result["anatomy"] = booking_load.wire_round_trips(url, trace_run, args.variant)
        common.log(
            f"round trips per one-seat booking: {result['anatomy']['round_trips_per_booking']}"
        )

        meter = booking_load.CpuMeter(server)
        pool = booking_load.ClientPool(url, top, variant=args.variant, pool_size=args.pool_size)
        by_clients = []
        try:
            spec = dict(
                party_share=args.party_share, hot_share=args.hot_share, hot_seats=args.hot_seats
            )
            pool.run(
                top,
                booking_load.LoadSpec(
                    booking_load.run_infos_for_load(warm_runs),
                    duration=1.5,
                    record_latencies=False,
                    seed=args.seed + 99,
                    **spec,
                ),
            )
            for n, level in zip(levels, level_runs, strict=True):
                load = booking_load.LoadSpec(
                    booking_load.run_infos_for_load(level),
                    duration=args.duration,
                    seed=args.seed,
                    **spec,
                )
                meter.start()
                outcomes = pool.run(n, load)
                cpu = meter.stop()
                summary = booking_load.summarize(outcomes, args.duration, cpu)
                by_clients.append(summary)
                common.log(
                    f"{n:2d} clients: {summary['bookings_per_s']} bookings/s, "
                    f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
                    f"p99 {summary['p99_ms']} ms, conflicts {summary['conflicts']}, "
                    f"errors {summary['errors']}, machine {summary.get('machine')}"
                )
        finally:
            pool.close()

        with (
            tempfile.TemporaryDirectory(prefix="bench-booking-") as tmp,
            server.connect(database) as conn,
        ):
            raw = _pgbench(
                server, database, conn, raw_runs, Path(tmp), top, args, meter, full=False
            )
            raw_full = (
                None
                if args.no_raw_full
                else _pgbench(
                    server, database, conn, raw_full_runs, Path(tmp), top, args, meter, full=True
                )
            )

        with server.connect(database) as conn:
            doubles = common.double_bookings(conn)
            tickets = common.ticket_count(conn)
        result["server_version"] = common.server_version(server)

    at_top = by_clients[levels.index(top)]
    ratio = (at_top["bookings_per_s"] / raw["tps"]) if raw.get("tps") else None
    result.update(
        {
            "clients": top,
            "bookings_per_s": at_top["bookings_per_s"],
            "p50_ms": at_top["p50_ms"],
            "p95_ms": at_top["p95_ms"],
            "p99_ms": at_top["p99_ms"],
            "attempts": at_top["attempts"],
            "successes": at_top["successes"],
            "conflicts": at_top["conflicts"],
            "raw_sql_tps": raw.get("tps"),
            "raw_sql_p95_ms": raw.get("p95_ms"),
            "raw_sql_full_tps": raw_full.get("tps") if raw_full else None,
            "ratio": round(ratio, 3) if ratio is not None else None,
            "double_bookings": doubles,
            "tickets_in_db": tickets,
            "by_clients": by_clients,
            "raw_sql": raw,
            "raw_sql_full": raw_full,
            "settings": {
                "duration_s": args.duration,
                "runs_per_level": k,
                "party_share": args.party_share,
                "hot_share": args.hot_share,
                "hot_seats": args.hot_seats,
                "pool_size": args.pool_size,
            },
            "environment": common.environment(),
            "targets": TARGETS,
        }
    )
    result["meets"] = {
        "ratio_min": ratio is not None and ratio >= TARGETS["ratio_min"],
        "p95_ms_max_at_16": at_top["p95_ms"] is not None
        and at_top["p95_ms"] <= TARGETS["p95_ms_max_at_16"],
        "floor_bookings_per_s": at_top["bookings_per_s"] >= TARGETS["floor_bookings_per_s"],
        "floor_p95_ms": at_top["p95_ms"] is not None
        and at_top["p95_ms"] <= TARGETS["floor_p95_ms"],
        "no_double_bookings": doubles == 0,
        "no_errors": all(not level["errors"] for level in by_clients),
    }
    common.emit(result)
    return result


def _pgbench(server, database, conn, runs, directory, clients, args, meter, *, full):  # noqa: ANN001, ANN202
    scripts = booking_load.pgbench_scripts(
        conn,
        runs,
        directory,
        hot_share=args.hot_share,
        hot_seats=args.hot_seats,
        extras=("audit", "notify") if full else (),
    )
    meter.start()
    started = time.perf_counter()
    out = booking_load.run_pgbench(
        server, database, scripts, clients=clients, duration=args.duration
    )
    cpu = meter.stop()
    if cpu.get("server_cpu_s") is not None and out.get("transactions"):
        out["server_cpu_ms_per_tx"] = round(1000 * cpu["server_cpu_s"] / out["transactions"], 3)
    out["machine"] = {key: value for key, value in cpu.items() if key != "server_cpu_s"}
    common.log(
        f"pgbench{' (+audit+notify)' if full else ''} {clients} clients: "
        f"{out['tps']} tps, p95 {out['p95_ms']} ms "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return out


if __name__ == "__main__":
    main()
