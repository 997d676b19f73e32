"""The sale in one statement: the server prices what the service quoted from its caches.

The service quotes a party from per-process caches (a run's seats and stops, the fares of a
day); `sell_seats` prices it again from the server's own tables and refuses the sale as
'stale', with its own prices, when any fare differs. These tests change the facts behind the
cache's back, as a supervisor on another PC would, and call the function as a writer that
bypasses the service would.
"""

from __future__ import annotations

import json
import threading
import uuid

import owner_reads
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


def _fare(services, clerk, journey, seat, concession="adult", board=None, alight=None) -> int:
    board = journey.board_position if board is None else board
    alight = journey.alight_position if alight is None else alight
    quote = services.counter(clerk).quote(journey.run_id, board, alight, [seat], [concession])
    return quote.total_cents


def _sell(backend, operator, journey, seat, *, party_list=None, request_id=None, **changes):
    """Call sell_seats as the service would, in `operator`'s session, with some of its inputs
    changed; the server's answer."""
    sale = {
        "run": journey.run_id,
        "board": journey.board_position,
        "alight": journey.alight_position,
        "method": "card",
        "card_reference": "T",
        "cash_given": None,
        "reference": "TEST22",
    }
    party = {"seat": seat, "name": "Eva Luz", "concession": "adult"}
    with psycopg.connect(libpq_url(backend.database.url), autocommit=True) as conn:
        party_change = changes.pop("party", {})
        if party_list is not None or party_change is MISSING:
            sale["party"] = MISSING if party_list is None else party_list
        else:
            sale["party"] = [{**party, **party_change}]
        sale.update(changes)
        sale = {key: value for key, value in sale.items() if value is not MISSING}
        (answer,) = conn.execute(
            "SELECT sell_seats(%s, %s::uuid, %s::jsonb)",
            (operator.session_token, request_id or str(uuid.uuid4()), json.dumps(sale)),
        ).fetchone()
        return answer


def _outcome(answer) -> tuple:
    return answer["outcome"], answer.get("problem_seats")


@pytest.fixture
def seat_and_fare(services, clerk, journey, seat_map):
    seat = _standard_seats(seat_map, 1)[0]
    return seat, _fare(services, clerk, journey, seat)


@pytest.mark.parametrize(
    "fare",
    [0, -1, 1, None, MISSING, "child's fare"],
    ids=["zero", "one cent less", "one cent more", "null", "none", "another concession's"],
)
def test_a_fare_that_is_not_the_servers_sells_nothing_and_is_answered_with_the_servers(
    services, backend, clerk, journey, seat_and_fare, fare
):
    seat, right = seat_and_fare
    sent = {
        -1: right - 1,
        1: right + 1,
        "child's fare": _fare(services, clerk, journey, seat, "child"),
    }.get(fare, fare)
    party = {"fare": sent} if sent is not MISSING else {}
    before = table_counts(backend)
    answer = _sell(backend, clerk, journey, seat, party=party)
    assert answer["outcome"] == "stale" and answer["saved"] is False
    assert answer["fares"] == [
        {"seat": seat, "seat_class": "standard", "concession": "adult", "fare": right}
    ]
    assert answer["total_cents"] == right
    assert table_counts(backend) == before
    assert _sell(backend, clerk, journey, seat, party={"fare": right})["outcome"] == "sold"


@pytest.mark.parametrize(
    ("board", "alight"),
    [(2, 1), (1, 1), (0, 99)],
    ids=["reversed", "empty", "past the last stop"],
)
def test_a_direct_call_with_a_leg_the_run_does_not_serve_writes_nothing(
    backend, clerk, journey, seat_and_fare, board, alight
):
    """The service refuses such legs before any SQL. A writer calling the function itself gets
    'stale' (nothing to price the leg by) and no ticket."""
    seat, fare = seat_and_fare
    before = table_counts(backend)
    answer = _sell(backend, clerk, journey, seat, board=board, alight=alight, party={"fare": fare})
    assert _outcome(answer) == ("stale", None) and "fares" not in answer
    assert table_counts(backend) == before


def test_the_server_names_seats_already_sold_and_writes_nothing(
    backend, clerk, journey, seat_and_fare
):
    seat, fare = seat_and_fare
    assert _sell(backend, clerk, journey, seat, party={"fare": fare})["outcome"] == "sold"
    before = table_counts(backend)
    answer = _sell(backend, clerk, journey, seat, reference="TEST33", party={"fare": fare})
    assert _outcome(answer) == ("taken", [seat])
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


def test_a_reference_in_use_rolls_the_whole_sale_back(services, backend, clerk, journey, seat_map):
    first, second = _standard_seats(seat_map, 2)
    fare = _fare(services, clerk, journey, first)
    assert _sell(backend, clerk, journey, first, party={"fare": fare})["outcome"] == "sold"
    before = table_counts(backend)
    with pytest.raises(psycopg.errors.UniqueViolation):
        _sell(backend, clerk, journey, second, party={"fare": fare})  # the same reference
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


def _party(seats, fare):
    return [{"seat": seat, "name": "Eva Luz", "concession": "adult", "fare": fare}
            for seat in seats]  # fmt: skip


@pytest.mark.parametrize(
    "shape", ["one passenger too many", "one seat twice", "no passengers", "party missing"]
)
def test_a_direct_call_with_a_malformed_party_is_refused_and_writes_nothing(
    backend, clerk, journey, seat_map, shape
):
    """The service never sends these; a writer calling the function itself gets an error."""
    seats = _standard_seats(seat_map, MAX_PARTY + 1)
    assert len(seats) == MAX_PARTY + 1
    party = {
        "one passenger too many": _party(seats, 1000),
        "one seat twice": _party([seats[0], seats[0]], 1000),
        "no passengers": [],
    }.get(shape)
    changes = {"party": MISSING} if shape == "party missing" else {}
    before = table_counts(backend)
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        _sell(backend, clerk, journey, seats[0], party_list=party, **changes)
    assert table_counts(backend) == before


@pytest.mark.parametrize("given", [None, -1], ids=["without the amount", "one cent short"])
def test_cash_short_of_the_servers_total_is_refused_and_writes_nothing(
    backend, clerk, journey, seat_and_fare, given
):
    seat, fare = seat_and_fare
    cash = None if given is None else fare + given
    before = table_counts(backend)
    with pytest.raises(psycopg.DatabaseError, match="cash given is less") as refused:
        _sell(backend, clerk, journey, seat, party={"fare": fare}, method="cash", cash_given=cash)
    assert refused.value.sqlstate == "TO004"
    assert table_counts(backend) == before
    answer = _sell(backend, clerk, journey, seat, party={"fare": fare}, method="cash",
                   cash_given=fare)  # fmt: skip
    assert answer["outcome"] == "sold"


def test_a_direct_call_sells_a_party_of_max_party(services, backend, clerk, journey, seat_map):
    """The function's own limit is the app's (domain.seats.MAX_PARTY), not one short of it."""
    seats = _standard_seats(seat_map, MAX_PARTY)
    assert len(seats) == MAX_PARTY
    fare = _fare(services, clerk, journey, seats[0])
    answer = _sell(backend, clerk, journey, seats[0], party_list=_party(seats, fare))
    assert _outcome(answer) == ("sold", None)
    (total,) = owner_reads.read(
        backend, "SELECT total_cents FROM bookings WHERE id = :b", {"b": answer["booking_id"]}
    )[0]
    assert total == MAX_PARTY * fare


def test_the_seats_sold_are_those_of_the_party_all_checked_and_locked(
    backend, owner_engine, clerk, journey, seat_map
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
    answer = _sell(
        backend, clerk, journey, first, party_list=_party([first, second], 1000), seats=[first]
    )
    assert _outcome(answer) == ("unsellable", [second])
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
