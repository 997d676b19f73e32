"""Sixteen clerks racing for overlapping legs of the same seats on one run.

The referee is SQL: afterwards no two active tickets overlap on a seat, every loser was told
"seat unavailable" (nothing else), and no deadlock ever reached a caller.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from helpers import free_seats, request
from sqlalchemy import text

from ticket_office.domain.errors import SeatUnavailable

CLIENTS = 16
ATTEMPTS_PER_CLIENT = 25


@pytest.mark.slow
def test_racing_clerks_never_sell_one_leg_twice(services, backend, clerk, journey):
    seat_map = services.counter(clerk).seat_map(journey.run_id, 0, journey.alight_position)
    seats = free_seats(seat_map, 12, coach=4)  # few seats, many clients: real contention
    last_stop = journey.alight_position
    outcomes: Counter[str] = Counter()
    unexpected: list[BaseException] = []
    start = threading.Barrier(CLIENTS)
    lock = threading.Lock()

    def clerk_at_a_counter(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(ATTEMPTS_PER_CLIENT):
            board = rng.randrange(0, last_stop)
            alight = rng.randrange(board + 1, last_stop + 1)
            party = rng.sample(seats, rng.choice([1, 1, 2, 3]))
            try:
                services.counter(clerk).book(request(journey, party, board=board, alight=alight))
                result = "sold"
            except SeatUnavailable:
                result = "seat unavailable"
            except BaseException as error:
                with lock:
                    unexpected.append(error)
                continue
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=clerk_at_a_counter, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert unexpected == []
    assert outcomes["sold"] > 0 and outcomes["seat unavailable"] > 0
    assert sum(outcomes.values()) == CLIENTS * ATTEMPTS_PER_CLIENT
    with backend.uow() as uow:
        overlaps = uow.session.execute(
            text(
                """
            SELECT count(*) FROM tickets a JOIN tickets b
              ON a.run_id = b.run_id AND a.run_seat_id = b.run_seat_id AND a.id < b.id
             AND a.stops && b.stops
            WHERE a.status = 'active' AND b.status = 'active' AND a.run_id = :run
            """
            ),
            {"run": journey.run_id},
        ).scalar_one()
        sold_tickets = uow.session.execute(
            text(
                "SELECT count(*) FROM tickets t JOIN bookings b ON b.id = t.booking_id "
                "WHERE t.run_id = :run AND b.payment_reference = 'CARD-1'"
            ),
            {"run": journey.run_id},
        ).scalar_one()
    assert overlaps == 0
    assert sold_tickets >= outcomes["sold"]
