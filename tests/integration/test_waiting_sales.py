"""A sale that waits for a seat lock checks fares and seller after the wait (revision 0010), and
holds take seat locks before hold rows, as sales do, so the two never deadlock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from helpers import as_owner, free_seats, request
from sqlalchemy import text

from ticket_office.domain.errors import AccountInactive, SeatUnavailable
from ticket_office.services import holds, operators


@pytest.fixture
def seat_map(services, clerk, journey):
    return services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )


def _in_background(call: Callable[[], object]) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _wait_until_blocked(backend, how_many: int = 1) -> None:
    """Until `how_many` other sessions wait for a row lock (a sale queued behind a seat)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with backend.uow() as uow:
            waiting = uow.session.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar_one()
        if waiting >= how_many:
            return
        time.sleep(0.02)
    raise AssertionError("nothing waited for the seat lock")


def _sale_queued_behind_a_lock(
    backend, owner_engine, seat: int, sell: Callable[[], object], meanwhile
):
    """Hold the seat's lock as another clerk's sale would (from the owner's connection: no
    desk may lock run seats itself), start `sell`, let `meanwhile` commit while the sale
    waits, then release the lock; the sale's outcome."""
    with owner_engine.connect() as other_clerk:
        with other_clerk.begin():
            other_clerk.execute(
                text("SELECT 1 FROM run_seats WHERE id = :s FOR UPDATE"), {"s": seat}
            )
            thread, outcome = _in_background(sell)
            _wait_until_blocked(backend)
            meanwhile()
        thread.join(30)
    return outcome


def test_a_sale_waiting_for_its_seat_charges_fares_raised_meanwhile(
    services, backend, owner_engine, clerk, journey, seat_map
):
    seat = free_seats(seat_map, 1)[0]
    old = (
        services.counter(clerk)
        .quote(journey.run_id, journey.board_position, journey.alight_position, [seat], ["adult"])
        .total_cents
    )

    def raise_fares() -> None:
        as_owner(owner_engine, "UPDATE fare_rates SET base_cents = base_cents + 1000")

    outcome = _sale_queued_behind_a_lock(
        backend,
        owner_engine,
        seat,
        lambda: services.counter(clerk).book(request(journey, [seat])),
        raise_fares,
    )
    assert outcome["result"].total_cents == old + 1000


def test_a_clerk_deactivated_while_their_sale_waits_sells_nothing(
    supervisor_desk, services, backend, owner_engine, supervisor, clerk, journey, seat_map
):
    seat = free_seats(seat_map, 1)[0]
    outcome = _sale_queued_behind_a_lock(
        backend,
        owner_engine,
        seat,
        lambda: services.counter(clerk).book(request(journey, [seat])),
        lambda: operators.deactivate(supervisor_desk.uow(), supervisor, clerk.username),
    )
    assert isinstance(outcome.get("error"), AccountInactive)


def test_holding_seats_and_selling_them_at_once_never_deadlock(
    services, backend, owner_engine, clerk, supervisor, journey, seat_map
):
    """Another counter holds B and switches its hold to A while a sale of A and B sweeps B's
    lapsed hold: each takes the seats first, in id order, so one simply waits (a hold row
    deleted before its seat's lock deadlocked here about every other time)."""
    leg = (journey.run_id, journey.board_position, journey.alight_position)
    for round_ in range(6):
        a, b = free_seats(services.counter(clerk).seat_map(*leg), 2)
        holds.set_holds(backend.uow(), supervisor, *leg, [b], hold_seconds=1)
        time.sleep(1.1)  # B's hold lapses: the sale may sweep it
        with owner_engine.connect() as gate:
            with gate.begin():  # both start, then queue on A together
                gate.execute(text("SELECT 1 FROM run_seats WHERE id = :s FOR UPDATE"), {"s": a})
                hold, held = _in_background(
                    lambda a=a: services.counter(supervisor).set_holds(*leg, [a])
                )
                sale, sold = _in_background(
                    lambda a=a, b=b: services.counter(clerk).book(request(journey, [a, b]))
                )
                _wait_until_blocked(backend, 2)
            hold.join(30)
            sale.join(30)
        errors = [o["error"] for o in (held, sold) if "error" in o]
        assert all(isinstance(e, SeatUnavailable) for e in errors), (round_, errors)
        assert len(errors) == 1, round_  # one of them got seat A
