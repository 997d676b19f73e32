"""Journey search latency: `CounterServices.search_journeys` over the 30-day timetable.

    .venv/bin/python bench/search.py [--calls 200] [--tickets 50000]

On a fresh copy of the benchmark-scale template (two lines, 23 + 8 stops, 10 trains a day each
way, 30 days), first `--tickets` synthetic sold tickets are spread over all runs (set-based SQL,
valid and non-overlapping: the free-seat counts then have real work to do; 0 for an unsold
network). A logged-in clerk then searches random (origin, destination) pairs that a line serves
in that order, on random dates among the timetable's remaining days. Reports p50/p95/p99,
results per search, SQL statements and SQL execute time per call, the slowest pair, and compares
p95 with the limit (20 ms).

One JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

LIMIT_P95_MS = 20.0


def measure_search(
    services, clerk, backend, pairs, dates, calls: int, seed: int = 3, warmup: int = 10
) -> dict:
    rng = random.Random(seed)
    for _ in range(warmup):
        origin, destination = rng.choice(pairs)
        services.counter(clerk).search_journeys(origin, destination, rng.choice(dates))
    latencies = []
    results = []
    slowest = (0.0, None)
    cpu0 = time.process_time()
    with common.SqlTimer(backend.database.engine) as sql:
        for _ in range(calls):
            origin, destination = rng.choice(pairs)
            day = rng.choice(dates)
            t0 = time.perf_counter()
            options = services.counter(clerk).search_journeys(origin, destination, day)
            elapsed = time.perf_counter() - t0
            latencies.append(elapsed)
            results.append(len(options))
            if elapsed > slowest[0]:
                slowest = (elapsed, f"{origin}-{destination} {day}")
    cpu = time.process_time() - cpu0
    out = common.latency_summary(latencies)
    out.update(
        {
            "results_per_search_mean": round(sum(results) / len(results), 2),
            "empty_results": sum(1 for r in results if r == 0),
            "sql_statements_per_call": round(sql.statements / calls, 2),
            "sql_execute_ms_per_call": round(1000 * sql.seconds / calls, 3),
            "client_cpu_ms_per_call": round(1000 * cpu / calls, 3),
            "slowest": {"ms": round(1000 * slowest[0], 3), "search": slowest[1]},
        }
    )
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument(
        "--tickets",
        type=int,
        default=50_000,
        help="synthetic sold tickets spread over all runs first (0: none)",
    )
    parser.add_argument("--seed", type=int, default=3)
    common.common_arguments(parser)
    args = parser.parse_args(argv)

    result: dict = {"benchmark": "search"}
    with common.fresh_copy("search", args) as (server, database):
        with server.connect(database) as conn:
            if args.tickets:
                started = time.perf_counter()
                inserted = common.fill_tickets(conn, args.tickets)
                conn.execute("ANALYZE")
                conn.commit()
                common.log(
                    f"{inserted} tickets over all runs in {time.perf_counter() - started:.1f} s"
                )
            pairs = common.line_station_pairs(conn)
            dates = common.future_dates(conn)
            tickets = common.ticket_count(conn)
        backend, services = common.open_services(server.url_for(database))
        try:
            clerk = services.log_in(*common.CLERK)
            measured = measure_search(
                services, clerk, backend, pairs, dates, args.calls, seed=args.seed
            )
        finally:
            backend.close()
        result["server_version"] = common.server_version(server)

    result.update(
        {
            "calls": args.calls,
            "p50_ms": measured["p50_ms"],
            "p95_ms": measured["p95_ms"],
            "p99_ms": measured["p99_ms"],
            "mean_ms": measured["mean_ms"],
            "tickets_in_db": tickets,
            "station_pairs": len(pairs),
            "dates": [str(dates[0]), str(dates[-1]), len(dates)],
            "anatomy": {
                k: measured[k]
                for k in (
                    "results_per_search_mean",
                    "empty_results",
                    "sql_statements_per_call",
                    "sql_execute_ms_per_call",
                    "client_cpu_ms_per_call",
                    "slowest",
                )
            },
            "limit": {"p95_ms_max": LIMIT_P95_MS},
            "meets": {"p95_ms_max": measured["p95_ms"] <= LIMIT_P95_MS},
            "loadavg_1m": round(os.getloadavg()[0], 2),
            "environment": common.environment(),
        }
    )
    common.emit(result)
    return result


if __name__ == "__main__":
    main()
