"""Booking throughput and latency through the service layer, against raw SQL, on one server.

    .venv/bin/python bench/booking.py [--clients 1,8,16] [--duration 5] [--tickets 50000]

On a fresh copy of the benchmark-scale template (16-coach trains of ~1,180 seats, 23-stop line),
`--tickets` synthetic sold tickets are first spread over every run the bench does not use, then
VACUUM (ANALYZE), so the planner and the caches see a live database (as search.py does). Then:
1. N client processes (spawn), each the app's own backend (`open_backend`, pool of 4) and one
   logged-in clerk, call `CounterServices.book` in a loop for `--duration` seconds at
   1, 8 and 16 concurrent clients. A sale is one `sell_seats` call on an autocommit
   connection (db/statement_pool.py); each app's background thread batches the NOTIFYs for
   seat maps (services/seat_notices.py), on the client's CPU. Each client draws its requests
   before the start, as pgbench draws its random numbers in C: the harness's Python does not
   compete with the sales it measures. Bookings are random seats (10% are parties of
   2-4 adjacent seats) on random legs of `--runs-per-level` runs per level (16: fresh runs per
   level, which do not fill up within a level, so refusals stay a minority); 10% of attempts go
   to 16 "hot" seats per run, so clients do wait on each other's seat locks. SeatUnavailable is
   an expected outcome, counted as a conflict. Before each level every client quotes one seat
   on each of the level's runs, untimed (nothing sold): the service's per-process caches of a
   run (seats, stops, fares) cost ~25-35 ms of client CPU to load, once per run and process,
   which in a 5 s level of 16 clients x 16 fresh runs would be most of 2 cores' time. A clerk's
   app sells on runs it has loaded; `--cold-caches` times the loading too.
2. The same one-seat sale as raw SQL with pgbench (16 clients, same duration, prepared
   statements), on its own fresh runs: `raw_sql` does what `sell_seats` does for one seat (lock
   the run seat FOR UPDATE with its class, check overlapping tickets and live holds, insert
   booking, ticket and audit event, commit), without the NOTIFY the service pays for in the
   background, and without the session check, the request record and the pricing that
   sell_seats does since revision 0021. pgbench's tps (`raw_sql_tps`) counts refused attempts
   too, while the service's bookings/s counts sales only, so the bookings pgbench made are
   counted afterwards: `raw_sql_sales_per_s`. `ratio` = the service's bookings/s at the top
   level over `raw_sql_sales_per_s` (sales against sales); `ratio_attempts` = its attempts/s
   over `raw_sql_tps`. `raw_sql_plain` (no audit row) is reported alongside.
3. The same load and runs shape through bare_client.py: bare psycopg calling `sell_seats`, no
   service layer (`bare_client_*`): what any Python client could reach on this machine.
4. A SQL check for double bookings: two active tickets overlapping on one seat of one run.
Before the load, `anatomy` counts the wire round trips of one booking from a libpq trace.

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

import booking_load
import common

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
    parser.add_argument(
        "--runs-per-level", type=int, default=16, help="fresh runs per level (and per pgbench run)"
    )
    parser.add_argument(
        "--tickets",
        type=int,
        default=50_000,
        help="synthetic sold tickets on the runs the bench does not use, first (0: none)",
    )
    parser.add_argument(
        "--party-share", type=float, default=0.1, help="share of bookings for 2-4 adjacent seats"
    )
    parser.add_argument(
        "--hot-share", type=float, default=0.1, help="share of attempts on the hot seats"
    )
    parser.add_argument("--hot-seats", type=int, default=16, help="hot seats per run")
    parser.add_argument("--pool-size", type=int, default=4, help="each client's pool size")
    parser.add_argument(
        "--raw-plain",
        action="store_true",
        help="also run raw_sql_plain (raw SQL without the audit row; reported, not compared)",
    )
    parser.add_argument(
        "--cold-caches",
        action="store_true",
        help="do not load each level's runs into the clients' caches before timing it",
    )
    parser.add_argument("--seed", type=int, default=1)
    common.common_arguments(parser)
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    top = max(levels)
    k = args.runs_per_level

    result: dict = {"benchmark": "booking"}
    with common.fresh_copy("booking", args) as (server, database):
        url = server.url_for(database)
        with server.connect(database) as conn:
            # levels, bare, raw_sql, raw_sql_plain: k runs each; warm-up: 2; the trace: 1.
            runs = common.pick_runs(conn, k * (len(levels) + 3) + 3)
            tickets_before = _prefill(conn, args.tickets, [r.run_id for r in runs])
        level_runs = [runs[i * k : (i + 1) * k] for i in range(len(levels))]
        raw_runs = runs[len(levels) * k : (len(levels) + 1) * k]
        raw_plain_runs = runs[(len(levels) + 1) * k : (len(levels) + 2) * k]
        bare_runs = runs[(len(levels) + 2) * k : (len(levels) + 3) * k]
        warm_runs, trace_run = runs[-3:-1], runs[-1]

        result["anatomy"] = booking_load.wire_round_trips(url, trace_run)
        common.log(
            f"round trips per one-seat booking: {result['anatomy']['round_trips_per_booking']} "
            f"{result['anatomy']['round_trips']}"
        )

        meter = booking_load.CpuMeter(server)
        pool = booking_load.ClientPool(url, top, pool_size=args.pool_size)
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
                warmed = None if args.cold_caches else pool.warm(n, load.runs)
                meter.start()
                outcomes = pool.run(n, load)
                cpu = meter.stop()
                summary = booking_load.summarize(outcomes, args.duration, cpu)
                summary["cache_warm_up"] = warmed
                by_clients.append(summary)
                common.log(
                    f"{n:2d} clients: {summary['bookings_per_s']} bookings/s "
                    f"({summary['attempts_per_s']} attempts/s), "
                    f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, "
                    f"p99 {summary['p99_ms']} ms, conflicts {summary['conflicts']}, "
                    f"errors {summary['errors']}, machine {summary.get('machine')}"
                )
            bare = _bare_level(pool, meter, top, bare_runs, args, spec)
        finally:
            pool.close()

        with (
            tempfile.TemporaryDirectory(prefix="bench-booking-") as tmp,
            server.connect(database) as conn,
        ):
            raw = _pgbench(server, database, conn, raw_runs, Path(tmp), top, args, meter, "raw_sql")
            raw_plain = (
                None
                if not args.raw_plain
                else _pgbench(
                    server,
                    database,
                    conn,
                    raw_plain_runs,
                    Path(tmp),
                    top,
                    args,
                    meter,
                    "raw_sql_plain",
                )
            )

        with server.connect(database) as conn:
            doubles = common.double_bookings(conn)
            tickets = common.ticket_count(conn)
        result["server_version"] = common.server_version(server)

    at_top = by_clients[levels.index(top)]
    raw_sales = raw.get("sales_per_s")
    ratio = at_top["bookings_per_s"] / raw_sales if raw_sales else None
    ratio_attempts = at_top["attempts_per_s"] / raw["tps"] if raw.get("tps") else None
    result.update(
        {
            "clients": top,
            "bookings_per_s": at_top["bookings_per_s"],
            "attempts_per_s": at_top["attempts_per_s"],
            "p50_ms": at_top["p50_ms"],
            "p95_ms": at_top["p95_ms"],
            "p99_ms": at_top["p99_ms"],
            "attempts": at_top["attempts"],
            "successes": at_top["successes"],
            "conflicts": at_top["conflicts"],
            "raw_sql_tps": raw.get("tps"),
            "raw_sql_sales_per_s": raw_sales,
            "raw_sql_p95_ms": raw.get("p95_ms"),
            "raw_sql_plain_tps": raw_plain.get("tps") if raw_plain else None,
            "raw_sql_plain_sales_per_s": raw_plain.get("sales_per_s") if raw_plain else None,
            "bare_client_attempts_per_s": bare["attempts_per_s"],
            "bare_client_p95_ms": bare["p95_ms"],
            "ratio": round(ratio, 3) if ratio is not None else None,
            "ratio_attempts": round(ratio_attempts, 3) if ratio_attempts is not None else None,
            "double_bookings": doubles,
            "tickets_before": tickets_before,
            "tickets_in_db": tickets,
            "round_trips_per_booking": result["anatomy"]["round_trips_per_booking"],
            "by_clients": by_clients,
            "raw_sql": raw,
            "raw_sql_plain": raw_plain,
            "bare_client": bare,
            "settings": {
                "duration_s": args.duration,
                "runs_per_level": k,
                "tickets": args.tickets,
                "party_share": args.party_share,
                "hot_share": args.hot_share,
                "hot_seats": args.hot_seats,
                "pool_size": args.pool_size,
                "warm_caches": not args.cold_caches,
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


def _prefill(conn, tickets: int, exclude_runs: list[int]) -> int:
    """Spread `tickets` sold tickets over the runs the bench does not use, then VACUUM
    (ANALYZE); returns the tickets in the database."""
    if tickets:
        started = time.perf_counter()
        inserted = common.fill_tickets(conn, tickets, exclude_runs=exclude_runs)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM (ANALYZE)")
        conn.autocommit = False
        common.log(
            f"{inserted} tickets over the other runs, VACUUM (ANALYZE), in "
            f"{time.perf_counter() - started:.1f} s"
        )
    count = common.ticket_count(conn)
    conn.commit()
    return count


def _bare_level(pool, meter, clients, runs, args, spec) -> dict:
    """The same load through bare_client.py: the same sale with no service layer."""
    load = booking_load.LoadSpec(
        booking_load.run_infos_for_load(runs), duration=args.duration, seed=args.seed, **spec
    )
    meter.start()
    outcomes = pool.run(clients, load, bare=True)
    summary = booking_load.summarize(outcomes, args.duration, meter.stop())
    common.log(
        f"bare psycopg {clients} clients: {summary['bookings_per_s']} bookings/s "
        f"({summary['attempts_per_s']} attempts/s), p95 {summary['p95_ms']} ms, "
        f"errors {summary['errors']}"
    )
    return summary


def _pgbench(server, database, conn, runs, directory, clients, args, meter, kind):
    scripts = booking_load.pgbench_scripts(
        conn, runs, directory, hot_share=args.hot_share, hot_seats=args.hot_seats, kind=kind
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
    # pgbench's tps counts every attempt; the service's bookings/s only sales. Sales per
    # second over the same time pgbench's tps is measured over (transactions / tps).
    sales = booking_load.pgbench_sales(conn, runs)
    out["sales"] = sales
    out["sold_share"] = round(sales / out["transactions"], 3) if out.get("transactions") else None
    seconds = out["transactions"] / out["tps"] if out.get("tps") else out["duration_s"]
    out["sales_per_s"] = round(sales / seconds, 1) if seconds else None
    common.log(
        f"pgbench {kind} {clients} clients: {out['tps']} tps, {out['sales_per_s']} sales/s "
        f"(sold {out['sold_share']}), p95 {out['p95_ms']} ms "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return out


if __name__ == "__main__":
    main()
