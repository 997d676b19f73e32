"""Seat map latency: `CounterServices.seat_map` for one leg of a ~1,180-seat run, 70% sold.

    .venv/bin/python bench/availability.py [--calls 200] [--sold-share 0.7] [--board 4 --alight 15]

On a fresh copy of the benchmark-scale template, one run of the 23-stop line is filled directly
in SQL: every seat's line is cut at two random stops into three legs, each sold with probability
`--sold-share` (random, non-overlapping, valid tickets; one booking each), and a few seats are
held by another clerk. Then a logged-in clerk calls seat_map for one leg `--calls` times.
Reports p50/p95/p99, the split between time in SQL (execute + fetch) and Python, round trips
and rows per call, and compares p95 with the limit (10 ms).

One JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

LIMIT_P95_MS = 10.0


def measure_seat_map(
    services, clerk, backend, run_id: int, board: int, alight: int, calls: int, warmup: int = 10
) -> dict:
    for _ in range(warmup):
        services.counter(clerk).seat_map(run_id, board, alight)
    latencies = []
    cpu0 = time.process_time()
    with common.SqlTimer(backend.database.engine) as sql:
        for _ in range(calls):
            t0 = time.perf_counter()
            seat_map = services.counter(clerk).seat_map(run_id, board, alight)
            latencies.append(time.perf_counter() - t0)
    cpu = time.process_time() - cpu0
    seats = [seat for coach in seat_map.coaches for seat in coach.seats]
    states: dict[str, int] = {}
    for seat in seats:
        states[seat.state.name] = states.get(seat.state.name, 0) + 1
    out = common.latency_summary(latencies)
    out.update(
        {
            "seats": len(seats),
            "states": states,
            "sql_statements_per_call": round(sql.statements / calls, 2),
            "sql_execute_ms_per_call": round(1000 * sql.seconds / calls, 3),
            "client_cpu_ms_per_call": round(1000 * cpu / calls, 3),
        }
    )
    return out


def profile_seat_map(
    services,
    clerk,
    run_id: int,
    board: int,
    alight: int,
    calls: int = 50,
) -> list[str]:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        services.counter(clerk).seat_map(run_id, board, alight)
    profiler.disable()
    return common.profile_top(pstats.Stats(profiler), calls)


def hold_some_seats(conn, run_id: int, board: int, alight: int, count: int) -> int:
    """Another clerk's live holds on `count` seats still free for the leg."""
    op = conn.execute("SELECT id FROM operators WHERE role = 'supervisor' LIMIT 1").fetchone()[0]
    cur = conn.execute(
        """
        INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position,
                                operator_id, client_id, expires_at)
        SELECT rs.run_id, rs.id, %(b)s, %(a)s, %(op)s, 'bench-other-clerk',
               now() + interval '1 hour'
        FROM run_seats rs JOIN layout_seats ls ON ls.id = rs.layout_seat_id AND ls.for_sale
        WHERE rs.run_id = %(run)s AND NOT EXISTS (
            SELECT 1 FROM tickets t WHERE t.run_id = rs.run_id AND t.run_seat_id = rs.id
              AND t.status = 'active' AND t.stops && int4range(%(b)s, %(a)s))
        ORDER BY hashint8(rs.id) LIMIT %(n)s
        """,
        {"run": run_id, "b": board, "a": alight, "op": op, "n": count},
    )
    conn.commit()
    return cur.rowcount


def fill_stats(conn, run_id: int, board: int, alight: int) -> dict:
    row = conn.execute(
        """
        SELECT (SELECT count(*) FROM tickets WHERE run_id = %(run)s) AS tickets,
               (SELECT sum(upper(stops) - lower(stops)) FROM tickets
                 WHERE run_id = %(run)s AND status = 'active')::float
               / ((SELECT count(*) FROM run_seats rs JOIN layout_seats ls
                     ON ls.id = rs.layout_seat_id AND ls.for_sale WHERE rs.run_id = %(run)s)
                  * (SELECT max(position) FROM run_stops WHERE run_id = %(run)s))
                 AS seat_legs_sold_share,
               (SELECT count(DISTINCT run_seat_id) FROM tickets WHERE run_id = %(run)s
                 AND status = 'active' AND stops && int4range(%(b)s, %(a)s)) AS taken_for_leg
        """,
        {"run": run_id, "b": board, "a": alight},
    ).fetchone()
    return {
        "tickets_on_run": row[0],
        "seat_legs_sold_share": round(row[1], 3),
        "seats_taken_for_leg": row[2],
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--sold-share", type=float, default=0.7)
    parser.add_argument("--board", type=int, default=4)
    parser.add_argument("--alight", type=int, default=15)
    parser.add_argument("--holds", type=int, default=12, help="seats held by another clerk")
    parser.add_argument("--no-profile", action="store_true")
    common.common_arguments(parser)
    args = parser.parse_args(argv)

    result: dict = {"benchmark": "availability"}
    with common.fresh_copy("availability", args) as (server, database):
        with server.connect(database) as conn:
            run = common.pick_runs(conn, 1)[0]
            started = time.perf_counter()
            inserted = common.fill_run(conn, run.run_id, args.sold_share)
            conn.execute("ANALYZE tickets")
            conn.commit()
            held = hold_some_seats(conn, run.run_id, args.board, args.alight, args.holds)
            fill = fill_stats(conn, run.run_id, args.board, args.alight)
            common.log(
                f"run {run.run_id}: {inserted} tickets, {held} holds in "
                f"{time.perf_counter() - started:.1f} s; {fill}"
            )
        backend, services = common.open_services(server.url_for(database))
        try:
            clerk = services.log_in(*common.CLERK)
            measured = measure_seat_map(
                services, clerk, backend, run.run_id, args.board, args.alight, args.calls
            )
            profile = (
                None
                if args.no_profile
                else profile_seat_map(services, clerk, run.run_id, args.board, args.alight)
            )
        finally:
            backend.close()
        result["server_version"] = common.server_version(server)

    result.update(
        {
            "run_id": run.run_id,
            "segment": [args.board, args.alight],
            "calls": args.calls,
            "seats": measured["seats"],
            "p50_ms": measured["p50_ms"],
            "p95_ms": measured["p95_ms"],
            "p99_ms": measured["p99_ms"],
            "mean_ms": measured["mean_ms"],
            "fill": {**fill, "holds": held, "sold_share_setting": args.sold_share},
            "states": measured["states"],
            "anatomy": {
                k: measured[k]
                for k in (
                    "sql_statements_per_call",
                    "sql_execute_ms_per_call",
                    "client_cpu_ms_per_call",
                )
            },
            "profile_top": profile,
            "limit": {"p95_ms_max": LIMIT_P95_MS},
            "meets": {"p95_ms_max": measured["p95_ms"] <= LIMIT_P95_MS},
            "loadavg_1m": round(__import__("os").getloadavg()[0], 2),
            "environment": common.environment(),
        }
    )
    common.emit(result)
    return result


if __name__ == "__main__":
    main()
