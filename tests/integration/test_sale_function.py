"""The sale in one statement: the server re-checks what the service priced from its caches.

The service prices a party from per-process caches (a run's seats and stops, the fares of a
day) and `sell_seats` refuses the sale as 'stale' when any of that has moved on. These tests
change the facts behind the cache's back, as a supervisor on another PC would.
"""

from __future__ import annotations

import json
import threading

import psycopg
import pytest
from helpers import as_owner, free_seats, request, table_counts
from sqlalchemy import text

from ticket_office.db.engine import libpq_url
from ticket_office.domain.seats import MAX_PARTY
from ticket_office.services import booking
from ticket_office.services.seat_notices import SEAT_CHANNEL, origin_of


@pytest.fixture
def seat_map(services, clerk, journey):
    return services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )


def _standard_fares_up(owner_engine, cents: int) -> None:
    as_owner(
        owner_engine,
        "UPDATE fare_rates SET base_cents = base_cents + :c WHERE seat_class = 'standard'",
        {"c": cents},
    )


def _standard_seats(seat_map, count):
    return [
        s.seat_id
        for c in seat_map.coaches
        for s in c.seats
        if s.seat_class.value == "standard" and s.state.name == "FREE"
    ][:count]


def test_a_fare_change_made_elsewhere_is_charged_by_the_next_sale(
    services, owner_engine, clerk, journey, seat_map
):
    first, second = _standard_seats(seat_map, 2)
    before = services.counter(clerk).book(request(journey, [first])).total_cents  # fares now cached
    _standard_fares_up(owner_engine, 1000)
    after = services.counter(clerk).book(request(journey, [second]))
    assert after.total_cents == before + 1000
    quote = services.counter(clerk).quote(
        journey.run_id, journey.board_position, journey.alight_position, [second], ["adult"]
    )
    assert quote.total_cents == after.total_cents


def test_a_quote_shows_fares_changed_since_they_were_cached(
    services, owner_engine, clerk, journey, seat_map
):
    seat = _standard_seats(seat_map, 1)
    args = (journey.run_id, journey.board_position, journey.alight_position, seat)
    old = services.counter(clerk).quote(*args, ["adult"]).total_cents
    _standard_fares_up(owner_engine, 500)
    assert services.counter(clerk).quote(*args, ["adult"]).total_cents == old + 500


def test_every_change_to_fares_or_concessions_moves_the_fare_revision(backend, owner_engine):
    def revision() -> int:
        with backend.uow() as uow:
            return uow.session.execute(text("SELECT revision FROM fare_revision")).scalar_one()

    start = revision()
    _standard_fares_up(owner_engine, 10)
    as_owner(owner_engine, "UPDATE concessions SET discount_percent = discount_percent")
    assert revision() == start + 2


MISSING = object()  # a key to leave out of the document


def _sell(backend, journey, seat, *, party_list=None, **changes):
    """Call sell_seats as the service would, with some of its inputs changed."""
    sale = {
        "run": journey.run_id,
        "board": journey.board_position,
        "alight": journey.alight_position,
        "client": "test-client",
        "method": "card",
        "card_reference": "T",
        "cash_given": None,
        "reference": "TEST22",
        "audit": {},
    }
    party = {"seat": seat, "name": "Eva Luz", "concession": "adult", "seat_class": "standard"}
    with psycopg.connect(libpq_url(backend.database.url), autocommit=True) as conn:
        sale["distance"] = str(
            conn.execute(
                "SELECT a.distance_km - b.distance_km FROM run_stops a, run_stops b "
                "WHERE a.run_id = %(run)s AND b.run_id = %(run)s "
                "AND a.position = %(alight)s AND b.position = %(board)s",
                sale,
            ).fetchone()[0]
        )
        sale["fare_revision"] = conn.execute("SELECT revision FROM fare_revision").fetchone()[0]
        sale["operator"], sale["station"] = conn.execute(
            "SELECT id, home_station_id FROM operators WHERE username = 'clerk'"
        ).fetchone()
        party_change = changes.pop("party", {})
        if party_list is not None or party_change is MISSING:
            sale["party"] = MISSING if party_list is None else party_list
        else:
            sale["party"] = [{**party, "fare": 1000, **party_change}]
        sale.update(changes)
        sale = {key: value for key, value in sale.items() if value is not MISSING}
        return conn.execute(
            "SELECT outcome, problem_seats FROM sell_seats(%s::jsonb)", (json.dumps(sale),)
        ).fetchone()


@pytest.mark.parametrize(
    "changes",
    [
        {"party": {"seat_class": "first"}},
        {"distance": "1"},
        {"fare_revision": 0},
        {"party": {"seat_class": None}},
        {"distance": None},
        {"distance": MISSING},
        {"fare_revision": None},
        {"fare_revision": MISSING},
    ],
    ids=[
        "seat class",
        "leg distance",
        "fare revision",
        "no seat class",
        "null distance",
        "no distance",
        "null fare revision",
        "no fare revision",
    ],
)
def test_the_server_refuses_a_sale_priced_from_stale_facts_and_writes_nothing(
    backend, journey, seat_map, changes
):
    seat = _standard_seats(seat_map, 1)[0]
    before = table_counts(backend)
    assert _sell(backend, journey, seat, **changes) == ("stale", None)
    assert table_counts(backend) == before
    assert _sell(backend, journey, seat)[0] == "sold"


@pytest.mark.parametrize(
    ("board", "alight", "refusal"),
    [
        (2, 1, psycopg.errors.DataException),  # the hold probe's int4range refuses it
        (1, 1, psycopg.errors.CheckViolation),  # ck_tickets_segment refuses the ticket
    ],
    ids=["reversed", "empty"],
)
def test_a_direct_call_with_a_reversed_or_empty_leg_writes_nothing(
    backend, journey, seat_map, board, alight, refusal
):
    """The service refuses such legs before any SQL. A writer calling the function itself, with
    a distance to match and intermediate stops (so the run checks pass), gets no ticket either,
    though the ticket probe (revision 0008) no longer builds an int4range."""
    seat = _standard_seats(seat_map, 1)[0]
    with psycopg.connect(libpq_url(backend.database.url)) as conn:
        (km,) = conn.execute(
            "SELECT a.distance_km - b.distance_km FROM run_stops a, run_stops b "
            "WHERE a.run_id = %(run)s AND b.run_id = %(run)s "
            "AND a.position = %(alight)s AND b.position = %(board)s",
            {"run": journey.run_id, "board": board, "alight": alight},
        ).fetchone()
    before = table_counts(backend)
    with pytest.raises(refusal):
        _sell(backend, journey, seat, board=board, alight=alight, distance=str(km))
    assert table_counts(backend) == before


def test_the_server_names_seats_already_sold_and_writes_nothing(backend, journey, seat_map):
    seat = _standard_seats(seat_map, 1)[0]
    assert _sell(backend, journey, seat)[0] == "sold"
    before = table_counts(backend)
    assert _sell(backend, journey, seat, reference="TEST33") == ("taken", [seat])
    assert table_counts(backend) == before


def test_seat_maps_elsewhere_hear_of_a_sale_after_it_commits(
    services, backend, clerk, journey, seat_map
):
    with psycopg.connect(libpq_url(backend.database.url), autocommit=True) as listener:
        listener.execute(f"LISTEN {SEAT_CHANNEL}")
        services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))
        heard = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    assert heard == [f"{origin_of(clerk.client_id)}:{journey.run_id}"]


def test_a_sale_priced_from_a_stale_seat_class_is_priced_again_and_sold(
    services, owner_engine, clerk, journey, seat_map
):
    seat = _standard_seats(seat_map, 1)[0]  # the seat map cached this run's layout
    as_owner(
        owner_engine,
        "UPDATE layout_seats SET seat_class = 'first' "
        "WHERE id = (SELECT layout_seat_id FROM run_seats WHERE id = :s)",
        {"s": seat},
    )
    confirmation = services.counter(clerk).book(request(journey, [seat]))
    assert [line.seat_class.value for line in confirmation.lines] == ["first"]
    booking = services.counter(clerk).find_booking(confirmation.reference)
    assert booking.total_cents == confirmation.total_cents


def test_a_reference_in_use_rolls_the_whole_sale_back(backend, journey, seat_map):
    first, second = _standard_seats(seat_map, 2)
    assert _sell(backend, journey, first)[0] == "sold"
    before = table_counts(backend)
    with pytest.raises(psycopg.errors.UniqueViolation):
        _sell(backend, journey, second)  # the same reference, TEST22
    assert table_counts(backend) == before


def test_the_service_draws_another_reference_when_its_first_is_in_use(
    services, clerk, journey, seat_map, monkeypatch
):
    first, second = free_seats(seat_map, 2)
    taken = services.counter(clerk).book(request(journey, [first])).reference
    fresh = iter([taken, "QWERT2"])
    monkeypatch.setattr(booking, "new_reference", lambda: next(fresh))
    confirmation = services.counter(clerk).book(request(journey, [second]))
    assert confirmation.reference == "QWERT2"
    assert services.counter(clerk).find_booking("QWERT2").total_cents == confirmation.total_cents


def _party(seats, fare=1000):
    return [
        {"seat": seat, "name": "Eva Luz", "concession": "adult", "seat_class": "standard",
         "fare": fare}
        for seat in seats
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("shape", "changes"),
    [
        ("one passenger too many", {}),
        ("one seat twice", {}),
        ("no passengers", {}),
        ("party missing", {"party": MISSING}),
        ("cash short of the total", {"method": "cash", "cash_given": 999}),
        ("cash without the amount", {"method": "cash", "cash_given": None}),
    ],
)
def test_a_direct_call_with_a_malformed_party_or_payment_is_refused_and_writes_nothing(
    backend, journey, seat_map, shape, changes
):
    """The service never sends these; a writer calling the function itself gets an error."""
    seats = _standard_seats(seat_map, MAX_PARTY + 1)
    assert len(seats) == MAX_PARTY + 1
    party = {
        "one passenger too many": _party(seats),
        "one seat twice": _party([seats[0], seats[0]]),
        "no passengers": [],
    }.get(shape)
    before = table_counts(backend)
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        _sell(backend, journey, seats[0], party_list=party, **changes)
    assert table_counts(backend) == before


def test_a_direct_call_sells_a_party_of_max_party(backend, journey, seat_map):
    """The function's own limit is the app's (domain.seats.MAX_PARTY), not one short of it."""
    seats = _standard_seats(seat_map, MAX_PARTY)
    assert len(seats) == MAX_PARTY
    assert _sell(backend, journey, seats[0], party_list=_party(seats)) == ("sold", None)


def test_the_seats_sold_are_those_of_the_party_all_checked_and_locked(
    backend, owner_engine, journey, seat_map
):
    """Revision 0009: a seat the document names only in its party is checked like any other
    (it once skipped the class and for-sale checks when the "seats" list left it out)."""
    first, second = _standard_seats(seat_map, 2)
    as_owner(
        owner_engine,
        "UPDATE layout_seats SET for_sale = false WHERE id = "
        "(SELECT layout_seat_id FROM run_seats WHERE id = :s)",
        {"s": second},
    )
    before = table_counts(backend)
    outcome = _sell(backend, journey, first, party_list=_party([first, second]), seats=[first])
    assert outcome == ("unsellable", [second])
    assert table_counts(backend) == before


def test_a_forged_notice_costs_nothing_of_the_genuine_ones_in_its_batch(backend):
    listener = backend.change_listener()
    listener.connect()
    try:
        with (
            psycopg.connect(libpq_url(backend.database.url), autocommit=True) as sender,
            sender.transaction(),  # one batch: the listener reads them together
        ):
            for payload in ("²", "1;DROP TABLE tickets", "ab12:7,8", "", "9"):
                sender.execute("SELECT pg_notify(%s, %s)", (SEAT_CHANNEL, payload))
        heard = []
        for _ in range(100):
            heard += listener.drain()
            if len(heard) >= 2:
                break
            threading.Event().wait(0.02)
    finally:
        listener.close()
    assert [(n.origin, sorted(n.run_ids)) for n in heard] == [("ab12", [7, 8]), ("", [9])]
