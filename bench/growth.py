"""How booking, seat map and search figures change as the database grows to 1M tickets.

    .venv/bin/python bench/growth.py [--levels 10000,100000,1000000] [--max-tickets N]

On one fresh copy of the benchmark-scale template, tickets are bulk-inserted set-based (valid,
non-overlapping: seats without tickets get their line cut into three legs, each sold with
probability 0.8; one booking per ticket; spread over every run) up to each level, then
VACUUM (ANALYZE), then a short measurement at that level:
- booking: `--booking-clients` client processes (spawned and logged in once) book through the
  service for `--booking-duration` s on fresh runs (bookings/s, p50/p95);
- seat map: `--seat-map-calls` calls for one leg of a run kept 70% sold (p50/p95);
- search: `--search-calls` random searches over the 30 days (p50/p95).
The 1M step inserts ~900k tickets (+ as many bookings) in about 50 s here; the whole script
takes about 1.5 minutes. `--max-tickets` caps the levels (e.g. 100000 for a quick look).

One JSON object (with a "levels" list) on the last line of stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import availability
import booking_load
import common
import search

LIMITS = {"booking_p95_ms_at_16": 25, "seat_map_p95_ms": 10, "search_p95_ms": 20}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="10000,100000,1000000")
    parser.add_argument("--max-tickets", type=int, default=1_000_000)
    parser.add_argument("--booking-clients", type=int, default=4)
    parser.add_argument("--booking-duration", type=float, default=4.0)
    parser.add_argument("--seat-map-calls", type=int, default=60)
    parser.add_argument("--search-calls", type=int, default=100)
    common.common_arguments(parser)
    args = parser.parse_args(argv)
    levels = [
        n for n in (int(x) for x in args.levels.split(",") if x.strip()) if n <= args.max_tickets
    ]
    if not levels:
        raise SystemExit("no level at or below --max-tickets")

    result: dict = {"benchmark": "growth", "levels": []}
    started_all = time.perf_counter()
    with common.fresh_copy("growth", args) as (server, database):
        url = server.url_for(database)
        with server.connect(database) as conn:
            reserved = common.pick_runs(conn, 4 * len(levels) + 1)
            map_run, booking_runs = reserved[0], reserved[1:]
            common.fill_run(conn, map_run.run_id, 0.7)
            conn.commit()
            pairs = common.line_station_pairs(conn)
            dates = common.future_dates(conn)
        exclude = [r.run_id for r in reserved]

        backend, services = common.open_services(url)
        clerk = services.log_in(*common.CLERK)
        clients = booking_load.ClientPool(url, args.booking_clients)
        try:
            for index, level in enumerate(levels):
                with server.connect(database) as conn:
                    have = common.ticket_count(conn)
                    t0 = time.perf_counter()
                    if level > have:
                        common.fill_tickets(
                            conn, level - have, exclude_runs=exclude, seed=0.1 + index / 100
                        )
                    t1 = time.perf_counter()
                    conn.commit()
                    # The steady state autovacuum would reach (visibility map, statistics).
                    conn.autocommit = True
                    conn.execute("VACUUM (ANALYZE) tickets")
                    conn.execute("VACUUM (ANALYZE) bookings")
                    conn.autocommit = False
                    t2 = time.perf_counter()
                    tickets = common.ticket_count(conn)
                    sizes = conn.execute(
                        "SELECT pg_total_relation_size('tickets'), "
                        "pg_total_relation_size('bookings'), pg_database_size(current_database())"
                    ).fetchone()
                common.log(
                    f"level {level}: {tickets} tickets (insert {t1 - t0:.1f} s, "
                    f"analyze {t2 - t1:.1f} s)"
                )
                entry = {
                    "tickets": tickets,
                    "insert_s": round(t1 - t0, 1),
                    "vacuum_analyze_s": round(t2 - t1, 1),
                    "tickets_mb": round(sizes[0] / 2**20, 1),
                    "bookings_mb": round(sizes[1] / 2**20, 1),
                    "database_mb": round(sizes[2] / 2**20, 1),
                }
                runs = booking_runs[4 * index : 4 * index + 4]
                spec = booking_load.LoadSpec(
                    booking_load.run_infos_for_load(runs),
                    duration=args.booking_duration,
                    seed=index + 1,
                )
                outcome = booking_load.summarize(
                    clients.run(args.booking_clients, spec), args.booking_duration
                )
                seat_map = availability.measure_seat_map(
                    services, clerk, backend, map_run.run_id, 4, 15, args.seat_map_calls
                )
                found = search.measure_search(
                    services, clerk, backend, pairs, dates, args.search_calls, seed=index + 5
                )
                entry["booking"] = {
                    k: outcome[k]
                    for k in (
                        "clients",
                        "bookings_per_s",
                        "p50_ms",
                        "p95_ms",
                        "p99_ms",
                        "conflicts",
                        "errors",
                    )
                }
                entry["seat_map"] = {k: seat_map[k] for k in ("p50_ms", "p95_ms", "p99_ms")}
                entry["search"] = {
                    k: found[k]
                    for k in (
                        "p50_ms",
                        "p95_ms",
                        "p99_ms",
                        "results_per_search_mean",
                        "sql_execute_ms_per_call",
                    )
                }
                entry["loadavg_1m"] = round(os.getloadavg()[0], 2)
                result["levels"].append(entry)
                common.log(f"level {level}: {entry}")
        finally:
            clients.close()
            backend.close()
        with server.connect(database) as conn:
            t0 = time.perf_counter()
            result["double_bookings"] = common.double_bookings(conn)
            result["double_booking_check_s"] = round(time.perf_counter() - t0, 1)
        result["server_version"] = common.server_version(server)

    first, last = result["levels"][0], result["levels"][-1]

    def growth(section: str, key: str) -> float | None:
        a, b = first[section][key], last[section][key]
        return round(b / a, 2) if a and b else None

    result.update(
        {
            "total_s": round(time.perf_counter() - started_all, 1),
            "change_first_to_last": {
                "booking_p95": growth("booking", "p95_ms"),
                "booking_per_s": growth("booking", "bookings_per_s"),
                "seat_map_p95": growth("seat_map", "p95_ms"),
                "search_p95": growth("search", "p95_ms"),
            },
            "limits": LIMITS,
            "meets_at_last_level": {
                "seat_map_p95_ms": last["seat_map"]["p95_ms"] <= LIMITS["seat_map_p95_ms"],
                "search_p95_ms": last["search"]["p95_ms"] <= LIMITS["search_p95_ms"],
                "no_double_bookings": result["double_bookings"] == 0,
            },
            "settings": {
                "booking_clients": args.booking_clients,
                "booking_duration_s": args.booking_duration,
                "seat_map_calls": args.seat_map_calls,
                "search_calls": args.search_calls,
            },
            "environment": common.environment(),
        }
    )
    common.emit(result)
    return result


if __name__ == "__main__":
    main()
