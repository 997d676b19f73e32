"""The leanest Python client of the same sale: bare psycopg calling `sell_seats` directly.

It answers "how much of the gap to pgbench is the service layer, and how much is having a
Python client at all?". Each client process (the booking bench's own, already started) opens
one plain psycopg connection in autocommit, signs the clerk in and reads once, untimed, what a
sale needs (each run seat's class, each stop's distance, the fares of each run's day), then
sends the same request mix as the service clients (`booking_load.make_request`) as
`sell_seats` calls: the session's token, a new request id, the document. No NOTIFY for seat
maps, no validation, no pool, no ORM; each passenger's fare (which the server checks against
its own) from the app's FareTable, memoised: a floor for any Python client on this machine,
not a way to sell. The statement goes through libpq as the app's does (`PreparedStatements`,
db/statement_pool.py).
"""

from __future__ import annotations

import json
import time
import uuid

import booking_load
import common
import psycopg

from ticket_office.db.statement_pool import PreparedStatements

_SELL = "SELECT sell_seats($1, $2::uuid, $3::jsonb)"
_RATES = (
    "SELECT DISTINCT ON (seat_class) seat_class, base_cents, cents_per_km::text, minimum_cents "
    "FROM fare_rates WHERE valid_from <= %s ORDER BY seat_class, valid_from DESC"
)
_CONCESSIONS = "SELECT code, name, discount_percent FROM concessions"


def read_facts(conn: psycopg.Connection, runs: list[tuple[int, int, tuple[int, ...]]]) -> dict:
    from ticket_office.services.pricing import FareTable

    classes, distances, fares = {}, {}, {}
    concessions = conn.execute(_CONCESSIONS).fetchall()
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
        (day,) = conn.execute("SELECT service_date FROM runs WHERE id = %s", (run_id,)).fetchone()
        fares[run_id] = FareTable.from_rows(conn.execute(_RATES, (day,)).fetchall(), concessions)
    return {"classes": classes, "distances": distances, "fares": fares}


def sign_in(conn: psycopg.Connection, client_id: str) -> str:
    """The demo clerk's session token (common.CLERK's password: bench copies hash at cost 4)."""
    from ticket_office.services.passwords import proof

    username, password = common.CLERK
    (salt,) = conn.execute("SELECT sign_in_salt(%s)", (username,)).fetchone()
    (outcome, token) = conn.execute(
        "SELECT outcome, token FROM sign_in(%s, %s, %s)",
        (username, proof(password, salt), client_id),
    ).fetchone()
    if outcome != "signed_in":
        raise RuntimeError(f"the bench's clerk could not sign in: {outcome}")
    return token


def run_bare_load(
    conninfo: str, spec: booking_load.LoadSpec, index: int
) -> booking_load.ClientResult:
    result = booking_load.ClientResult()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        facts = read_facts(conn, spec.runs)
        token = sign_in(conn, f"bare-{index}-{uuid.uuid4()}")
        statements = PreparedStatements(conn)
        requests = booking_load.requests_for(spec, index)
        stop_at = booking_load.wait_for_start(spec)
        cpu0 = time.process_time()
        perf = time.perf_counter
        serial = 0
        while time.time() < stop_at:
            request = next(requests)
            serial += 1
            started = perf()
            outcome = _sell(statements, request, facts, token, f"B{index:02d}{serial:05d}"[:8])
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


def _sell(statements: PreparedStatements, request, facts: dict, token: str, reference: str) -> str:
    document = sale_document(request, facts, reference)
    try:
        (answer,) = statements.run(_SELL, (token, str(uuid.uuid4()), document))
    except psycopg.errors.UniqueViolation:
        return "reference_taken"
    return answer["outcome"]


def sale_document(request, facts: dict, reference: str) -> str:
    """The `sell_seats` JSON for one request, from facts read once (`facts`)."""
    from ticket_office.domain.fares import SeatClass

    run, board, alight = request.run_id, request.board_position, request.alight_position
    distance = facts["distances"][run, alight] - facts["distances"][run, board]
    fares = facts["fares"][run]
    sale = {
        "run": run,
        "board": board,
        "alight": alight,
        "method": "card",
        "card_reference": "BARE",
        "cash_given": None,
        "reference": reference,
        "party": [
            {
                "seat": p.seat_id,
                "name": p.name,
                "concession": p.concession,
                "fare": fares.fare(
                    SeatClass(facts["classes"][p.seat_id]),
                    fares.concession(p.concession),
                    distance,
                ),
            }
            for p in request.passengers
        ],
    }
    return json.dumps(sale)
