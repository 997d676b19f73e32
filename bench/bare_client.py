"""The leanest Python client of the same sale: bare psycopg calling `sell_seats` directly.

It answers "how much of the gap to pgbench is the service layer, and how much is having a
Python client at all?". Each client process (the booking bench's own, already started) opens
one plain psycopg connection in autocommit, reads once, untimed, what a sale needs (each run
seat's class, each stop's distance, the fare revision, the clerk's ids), then sends the same
request mix as the service clients (`booking_load.make_request`) as `sell_seats` documents.
No NOTIFY for seat maps, no validation, no pricing (every
passenger pays 100.00: the server checks the class, the leg and the fare revision, not the
amounts), no pool, no ORM: a floor for any Python client on this machine, not a way to sell.
The statement goes through libpq as the app's does (`PreparedStatements`, db/statement_pool.py).
"""

from __future__ import annotations

import json
import time

import booking_load
import common
import psycopg

from ticket_office.db.statement_pool import PreparedStatements

_SELL = "SELECT outcome FROM sell_seats($1::jsonb)"


def read_facts(conn: psycopg.Connection, runs: list[tuple[int, int, tuple[int, ...]]]) -> dict:
    classes, distances = {}, {}
    for run_id, _last, _seats in runs:
        classes.update(
            conn.execute(
                "SELECT rs.id, ls.seat_class FROM run_seats rs "
                "JOIN layout_seats ls ON ls.id = rs.layout_seat_id WHERE rs.run_id = %s",
                (run_id,),
            ).fetchall()
        )
        for position, km in conn.execute(
            "SELECT position, distance_km FROM run_stops WHERE run_id = %s", (run_id,)
        ):
            distances[run_id, position] = km
    (revision,) = conn.execute("SELECT revision FROM fare_revision").fetchone()
    operator, station = conn.execute(
        "SELECT id, home_station_id FROM operators WHERE username = %s", (common.CLERK[0],)
    ).fetchone()
    return {
        "classes": classes,
        "distances": distances,
        "revision": revision,
        "operator": operator,
        "station": station,
    }


def run_bare_load(
    conninfo: str, spec: booking_load.LoadSpec, index: int
) -> booking_load.ClientResult:
    result = booking_load.ClientResult()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        facts = read_facts(conn, spec.runs)
        statements = PreparedStatements(conn)
        requests = booking_load.requests_for(spec, index)
        client_id = f"bare-{index}"
        stop_at = booking_load.wait_for_start(spec)
        cpu0 = time.process_time()
        perf = time.perf_counter
        serial = 0
        while time.time() < stop_at:
            request = next(requests)
            serial += 1
            started = perf()
            outcome = _sell(statements, request, facts, client_id, f"B{index:02d}{serial:05d}"[:8])
            elapsed = perf() - started
            result.attempts += 1
            if outcome == "sold":
                result.ok += 1
                result.lat_ok.append(elapsed)
            elif outcome in ("taken", "unsellable"):
                result.conflicts += 1
                result.lat_conflict.append(elapsed)
            else:
                result.errors[outcome] = result.errors.get(outcome, 0) + 1
        result.cpu_seconds = time.process_time() - cpu0
    return result


def _sell(
    statements: PreparedStatements, request, facts: dict, client_id: str, reference: str
) -> str:
    document = sale_document(request, facts, client_id, reference)
    try:
        (outcome,) = statements.run(_SELL, (document,))
    except psycopg.errors.UniqueViolation:
        return "reference_taken"
    return outcome


def sale_document(request, facts: dict, client_id: str, reference: str) -> str:
    """The `sell_seats` JSON for one request, from facts read once (`facts`)."""
    run, board, alight = request.run_id, request.board_position, request.alight_position
    seats = [p.seat_id for p in request.passengers]
    sale = {
        "run": run,
        "board": board,
        "alight": alight,
        "distance": str(facts["distances"][run, alight] - facts["distances"][run, board]),
        "fare_revision": facts["revision"],
        "client": client_id,
        "operator": facts["operator"],
        "station": facts["station"],
        "method": "card",
        "card_reference": "BARE",
        "cash_given": None,
        "reference": reference,
        "party": [
            {
                "seat": p.seat_id,
                "name": p.name,
                "concession": p.concession,
                "seat_class": facts["classes"][p.seat_id],
                "fare": 10000,
            }
            for p in request.passengers
        ],
        "audit": {"run_id": run, "seats": seats, "board": board, "alight": alight},
    }
    return json.dumps(sale)
