"""The sale as a database API function (revision 0021, issue 14 §2-§4), attacked with a counter
desk's own database credential, and its lost replies.

What worked before: inserting a booking and its tickets at fare 0 directly; calling
`sell_seats` with "fare": 0, which answered 'sold'; writing the audit event in another
operator's name (the document named the operator). And after a connection dropped, the clerk
read "Nothing was saved" about a booking that was saved.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import cutting_proxy as proxy_module
import owner_reads
import psycopg
import pytest
from cutting_proxy import CuttingProxy, wait_until_backend_waits_for_lock
from helpers import free_seats, request, table_counts

from ticket_office.backend import Backend, open_backend
from ticket_office.config import DatabaseChoice
from ticket_office.db.engine import libpq_url
from ticket_office.domain.errors import DatabaseUnavailable, NotFound
from ticket_office.services import requests

CLERK_PASSWORD = "clerk-demo-2026"


@pytest.fixture
def desk(backend) -> Iterator[psycopg.Connection]:
    """A counter desk's own connection (its database role), autocommit."""
    with psycopg.connect(libpq_url(backend.database.url), autocommit=True) as conn:
        yield conn


@pytest.fixture
def seat_map(services, clerk, journey):
    return services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )


def _fare(services, clerk, journey, seat: int) -> int:
    leg = (journey.run_id, journey.board_position, journey.alight_position)
    return services.counter(clerk).quote(*leg, [seat], ["adult"]).total_cents


def _document(journey, seat: int, fare, reference: str = "API017", **changes) -> dict:
    sale = {
        "run": journey.run_id,
        "board": journey.board_position,
        "alight": journey.alight_position,
        "method": "card",
        "card_reference": "T",
        "cash_given": None,
        "reference": reference,
        "party": [{"seat": seat, "name": "Eva Luz", "concession": "adult", "fare": fare}],
    }
    sale.update(changes)
    return sale


def _sell(conn, token, sale: dict, request_id: str | None = None) -> dict:
    (answer,) = conn.execute(
        "SELECT sell_seats(%s, %s::uuid, %s::jsonb)",
        (token, request_id or str(uuid.uuid4()), json.dumps(sale)),
    ).fetchone()
    return answer


def _bookings(database_url: str, reference: str) -> list:
    return owner_reads.read(
        database_url,
        "SELECT b.id, b.operator_id, b.station_id, b.total_cents, "
        "array_agg(t.fare_cents ORDER BY t.id) AS fares "
        "FROM bookings b JOIN tickets t ON t.booking_id = b.id "
        "WHERE b.reference = :r GROUP BY b.id",
        {"r": reference},
    )


# -- the attacks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO bookings (reference, run_id, operator_id, station_id, total_cents, "
        "payment_method, payment_reference) "
        "SELECT 'FREE00', r.id, o.id, o.home_station_id, 0, 'card', 'X' "
        "FROM runs r, operators o LIMIT 1",
        "INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, alight_position, "
        "passenger_name, concession_code, seat_class, fare_cents) "
        "SELECT b.id, b.run_id, rs.id, 0, 1, 'Eva Luz', 'adult', 'standard', 0 "
        "FROM bookings b JOIN run_seats rs ON rs.run_id = b.run_id LIMIT 1",
        "SELECT nextval('bookings_id_seq')",
        "SELECT nextval('tickets_id_seq')",
        "INSERT INTO audit_events (operator_id, kind, subject) "
        "SELECT id, 'booking', 'FREE00' FROM operators WHERE username = 'supervisor'",
        # A seat locked from a desk's transaction held every sale of it up.
        "SELECT 1 FROM run_seats LIMIT 1 FOR UPDATE",
    ],
    ids=["booking", "ticket", "booking id", "ticket id", "audit event", "seat lock"],
)
def test_a_desk_cannot_write_a_booking_or_a_ticket_itself(desk, sold_one, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(statement)


@pytest.fixture
def sold_one(services, clerk, journey, seat_map):
    return services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))


def test_the_document_only_sale_is_gone(desk, journey, seat_map):
    """sell_seats(jsonb) trusted the document's operator and fares, and needed no session."""
    with pytest.raises(psycopg.errors.UndefinedFunction):
        desk.execute("SELECT sell_seats('{}'::jsonb)")


@pytest.mark.parametrize("fare", [0, 1, None], ids=["zero", "one cent", "none"])
def test_a_fare_of_zero_is_never_sold_and_the_servers_price_comes_back(
    services, backend, database_url, desk, clerk, journey, seat_map, fare
):
    seat = free_seats(seat_map, 1)[0]
    price = _fare(services, clerk, journey, seat)
    before = table_counts(backend)
    answer = _sell(desk, clerk.session_token, _document(journey, seat, fare))
    assert answer["outcome"] == "stale" and answer["total_cents"] == price
    assert [line["fare"] for line in answer["fares"]] == [price]
    assert table_counts(backend) == before
    # At the server's price the same document sells, at that price.
    assert _sell(desk, clerk.session_token, _document(journey, seat, price))["outcome"] == "sold"
    assert [(row.total_cents, row.fares) for row in _bookings(database_url, "API017")] == [
        (price, [price])
    ]


def test_temporary_fare_tables_of_zeros_price_nothing(
    services, backend, desk, clerk, journey, seat_map
):
    """The server's prices read the schema's fare tables, whatever a desk's TEMP tables say."""
    seat = free_seats(seat_map, 1)[0]
    price = _fare(services, clerk, journey, seat)
    desk.execute("CREATE TEMP TABLE fare_rates AS SELECT * FROM public.fare_rates")
    desk.execute(
        "UPDATE pg_temp.fare_rates SET base_cents = 0, cents_per_km = 0, minimum_cents = 0"
    )
    desk.execute("CREATE TEMP TABLE concessions AS SELECT * FROM public.concessions")
    desk.execute("UPDATE pg_temp.concessions SET discount_percent = 100")
    before = table_counts(backend)
    answer = _sell(desk, clerk.session_token, _document(journey, seat, 0))
    assert answer["outcome"] == "stale" and answer["total_cents"] == price
    assert table_counts(backend) == before


def test_the_seller_station_and_desk_are_the_sessions_whatever_the_document_says(
    services, database_url, desk, clerk, supervisor, journey, seat_map
):
    mine, theirs = free_seats(seat_map, 2)
    leg = (journey.run_id, journey.board_position, journey.alight_position)
    services.counter(supervisor).set_holds(*leg, [theirs])
    price = _fare(services, clerk, journey, mine)
    (other_station,) = owner_reads.read(
        database_url, "SELECT id FROM stations WHERE id <> :s LIMIT 1", {"s": clerk.station_id}
    )[0]
    forged = {
        "operator": supervisor.id,
        "station": other_station,
        "client": supervisor.client_id,
        "audit": {"operator": "supervisor", "total_cents": 0},
    }
    # Naming the supervisor's desk does not make the supervisor's hold the clerk's own.
    answer = _sell(desk, clerk.session_token, _document(journey, theirs, price, **forged))
    assert (answer["outcome"], answer["problem_seats"]) == ("taken", [theirs])
    answer = _sell(desk, clerk.session_token, _document(journey, mine, price, **forged))
    assert answer["outcome"] == "sold"
    ((_id, operator, station, total, _fares),) = _bookings(database_url, "API017")
    assert (operator, station, total) == (clerk.id, clerk.station_id, price)
    events = owner_reads.read(
        database_url,
        "SELECT operator_id, details FROM audit_events WHERE kind = 'booking' AND subject = :r",
        {"r": "API017"},
    )
    assert [(e.operator_id, e.details["total_cents"]) for e in events] == [(clerk.id, price)]
    assert events[0].details["seats"] and "operator" not in events[0].details


@pytest.mark.parametrize("token", ["null", "forged", "ended", "conductor's"])
def test_without_a_sellers_live_session_nothing_is_sold(
    services, backend, desk, clerk, conductor, journey, seat_map, token
):
    seat = free_seats(seat_map, 1)[0]
    price = _fare(services, clerk, journey, seat)
    if token == "ended":
        ended = services.log_in("clerk", CLERK_PASSWORD)
        services.sign_out(ended)
    given = {
        "null": None,
        "forged": clerk.session_token[:-4] + "0000",
        "ended": ended.session_token if token == "ended" else None,
        "conductor's": conductor.session_token,
    }[token]
    refusal = "TO003" if token == "conductor's" else "TO001"
    before = table_counts(backend)
    with pytest.raises(psycopg.DatabaseError) as refused:
        _sell(desk, given, _document(journey, seat, price))
    assert refused.value.sqlstate == refusal
    assert table_counts(backend) == before


def test_a_sale_without_a_request_id_is_refused(services, backend, desk, clerk, journey, seat_map):
    seat = free_seats(seat_map, 1)[0]
    sale = _document(journey, seat, _fare(services, clerk, journey, seat))
    before = table_counts(backend)
    with pytest.raises(psycopg.DatabaseError, match="request id") as refused:
        desk.execute(
            "SELECT sell_seats(%s, NULL, %s::jsonb)", (clerk.session_token, json.dumps(sale))
        )
    assert refused.value.sqlstate == "TO004"
    assert table_counts(backend) == before


def test_the_same_request_sent_again_is_answered_from_its_record_and_sells_once(
    services, backend, database_url, desk, clerk, supervisor, journey, seat_map
):
    first, second = free_seats(seat_map, 2)
    price = _fare(services, clerk, journey, first)
    request_id = str(uuid.uuid4())
    sold = _sell(desk, clerk.session_token, _document(journey, first, price), request_id)
    assert sold["saved"] is True and sold["reference"] == "API017"
    after = table_counts(backend)
    # Even with another document: the request was this sale, and is answered as it was.
    again = _sell(
        desk, clerk.session_token, _document(journey, second, price, "API018"), request_id
    )
    assert again == sold
    assert table_counts(backend) == after and _bookings(database_url, "API018") == []
    with pytest.raises(psycopg.DatabaseError, match="already in use"):
        _sell(desk, supervisor.session_token, _document(journey, second, price), request_id)
    outcome = desk.execute(
        "SELECT request_outcome(%s, %s::uuid)", (clerk.session_token, request_id)
    ).fetchone()[0]
    assert outcome == sold


def test_a_request_given_up_after_a_lost_reply_never_sells(
    services, backend, desk, clerk, journey, seat_map
):
    seat = free_seats(seat_map, 1)[0]
    price = _fare(services, clerk, journey, seat)
    request_id = str(uuid.uuid4())
    outcome = desk.execute(
        "SELECT request_outcome(%s, %s::uuid)", (clerk.session_token, request_id)
    ).fetchone()[0]
    assert outcome == {"saved": False}
    before = table_counts(backend)
    late = _sell(desk, clerk.session_token, _document(journey, seat, price), request_id)
    assert late == {"saved": False}
    assert table_counts(backend) == before


# -- lost replies -------------------------------------------------------------------------------


@pytest.fixture
def proxied(proxied_desk_url: str) -> Iterator[Backend]:
    """The counter's app connecting through the cutting proxy."""
    opened = open_backend(choice=DatabaseChoice(proxied_desk_url, "test"), pool_size=2)
    yield opened
    opened.close()


@pytest.fixture
def at_the_desk(proxied, journey, seat_map):
    """The clerk signed in at the proxied desk, its caches warm for the journey (so the sale
    itself is its one statement), and a seat to sell."""
    clerk = proxied.services.log_in("clerk", CLERK_PASSWORD)
    seat = free_seats(seat_map, 1)[0]
    leg = (journey.run_id, journey.board_position, journey.alight_position)
    proxied.services.counter(clerk).quote(*leg, [seat], ["adult"])
    return proxied.services.counter(clerk), seat


def _only_new_connections(proxied: Backend, cutting_proxy: CuttingProxy) -> None:
    """Cut every connection the desk has, and leave its pool of statement connections with one
    new one: the sale's, so that a question after it needs a connection of its own."""
    cutting_proxy.cut_now()
    for _ in range(8):  # each dead idle connection fails once and is closed
        try:
            proxied.statements.run("SELECT 1", ())
            return
        except psycopg.Error:
            continue
    raise AssertionError("the desk made no new connection")


@pytest.fixture
def watcher(pg_server) -> Iterator[psycopg.Connection]:
    """A connection that sees every backend's wait events (the admin's)."""
    with pg_server.admin() as conn:
        yield conn


@pytest.fixture
def owner(database_url: str) -> Iterator[psycopg.Connection]:
    """The schema's owner, in a transaction: for holding the locks a sale waits for."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        yield conn


@pytest.fixture
def background() -> Iterator[Callable[..., Future]]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit


SAVED = re.compile(r"^The connection dropped as the sale finished, but booking (\w{6}) was saved\.")
NOT_SAVED = "Nothing was saved: the connection dropped before the sale went through."


def _told(lost: BaseException, backend, before: dict, database_url: str) -> str:
    """'saved' or 'not saved', as the message says, once the database agrees with it."""
    message = str(lost)
    assert isinstance(lost, DatabaseUnavailable), message
    if saved := SAVED.match(message):
        assert NOT_SAVED not in message and "not known" not in message
        assert len(_bookings(database_url, saved.group(1))) == 1
        return "saved"
    assert message.startswith(NOT_SAVED), message
    assert not re.search(r"booking \w{6} was saved", message) and "not known" not in message
    assert table_counts(backend) == before
    return "not saved"


def test_a_sale_cut_before_the_server_sees_it_is_told_not_saved(
    backend, database_url, cutting_proxy: CuttingProxy, at_the_desk, journey
):
    counter, seat = at_the_desk
    before = table_counts(backend)
    cut = cutting_proxy.cut_before_request("sell_seats")
    with pytest.raises(DatabaseUnavailable) as lost:
        counter.book(request(journey, [seat]))
    assert cut.done and "sell_seats" in cut.sql
    assert _told(lost.value, backend, before, database_url) == "not saved"
    assert counter.book(request(journey, [seat])).reference  # the seat was never sold


def test_a_sale_whose_reply_is_lost_after_its_commit_is_told_saved(
    backend, database_url, cutting_proxy: CuttingProxy, at_the_desk, journey
):
    counter, seat = at_the_desk
    before = table_counts(backend)
    cut = cutting_proxy.cut_replies("sell_seats")
    with pytest.raises(DatabaseUnavailable) as lost:
        counter.book(request(journey, [seat]))
    assert cut.done
    assert _told(lost.value, backend, before, database_url) == "saved"


@pytest.mark.parametrize("checked", [False, True], ids=["unchecked", "backend checks the client"])
def test_a_sale_cut_off_while_it_waits_for_its_seat_is_told_what_the_server_did(
    backend,
    database_url,
    cutting_proxy: CuttingProxy,
    proxied,
    at_the_desk,
    journey,
    owner,
    watcher,
    background,
    checked,
):
    """Cut while the sale waits for a seat another transaction holds, then the seat let go:
    the server sold it (it never noticed the client go) or gave up (it did), and the clerk is
    told which."""
    counter, seat = at_the_desk
    if checked:  # the sale's connection is a new one: the setting reaches it
        watcher.execute(
            f'ALTER ROLE ALL IN DATABASE "{owner.info.dbname}" '
            "SET client_connection_check_interval = '50ms'"
        )
        _only_new_connections(proxied, cutting_proxy)
    before = table_counts(backend)
    owner.execute("SELECT 1 FROM run_seats WHERE id = %s FOR UPDATE", (seat,))
    sale = background(counter.book, request(journey, [seat]))
    waiting = cutting_proxy.wait_until_server_received_query("sell_seats")
    wait_until_backend_waits_for_lock(watcher, waiting.link.backend_pid)
    cutting_proxy.cut_now()
    if checked:
        proxy_module.wait_until_backend_gone(watcher, waiting.link.backend_pid)
    owner.rollback()  # the seat is free again
    with pytest.raises(DatabaseUnavailable) as lost:
        sale.result(timeout=30)
    assert _told(lost.value, backend, before, database_url) == ("not saved" if checked else "saved")


def test_a_sale_cut_off_while_its_commit_waits_is_told_saved(
    backend,
    database_url,
    cutting_proxy: CuttingProxy,
    at_the_desk,
    journey,
    owner,
    watcher,
    background,
):
    """Cut after the sale wrote everything, while its COMMIT waits in a deferred trigger (made
    here, as the owner): the server commits once the trigger may go on."""
    counter, seat = at_the_desk
    owner.execute(
        """
        CREATE FUNCTION public.test_sale_waits_at_commit() RETURNS trigger LANGUAGE plpgsql
        SET search_path = public, pg_temp AS $$
        BEGIN PERFORM pg_advisory_xact_lock(170017); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER test_sale_waits_at_commit AFTER INSERT ON public.bookings
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            EXECUTE FUNCTION public.test_sale_waits_at_commit();
        """
    )
    owner.commit()
    owner.execute("SELECT pg_advisory_lock(170017)")
    before = table_counts(backend)
    sale = background(counter.book, request(journey, [seat]))
    waiting = cutting_proxy.wait_until_server_received_query("sell_seats")
    wait_until_backend_waits_for_lock(watcher, waiting.link.backend_pid)
    cutting_proxy.cut_now()
    owner.execute("SELECT pg_advisory_unlock(170017)")
    owner.commit()
    with pytest.raises(DatabaseUnavailable) as lost:
        sale.result(timeout=30)
    assert _told(lost.value, backend, before, database_url) == "saved"


def test_a_server_back_within_a_few_seconds_is_asked_and_tells(
    backend, database_url, cutting_proxy: CuttingProxy, proxied, at_the_desk, journey, monkeypatch
):
    """As after a crash: the connection dropped with the answer, and the server refuses new
    connections for a while; the desk keeps asking until it can."""
    counter, seat = at_the_desk
    _only_new_connections(proxied, cutting_proxy)
    before = table_counts(backend)
    back = threading.Event()
    real_connect = proxy_module._connect

    def not_yet(target):
        if not back.is_set():
            raise OSError("the server is starting up")
        return real_connect(target)

    monkeypatch.setattr(proxy_module, "_connect", not_yet)
    cut = cutting_proxy.cut_replies("sell_seats")
    threading.Timer(1.0, back.set).start()
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as lost:
        counter.book(request(journey, [seat]))
    assert cut.done and time.monotonic() - started >= 1.0
    assert _told(lost.value, backend, before, database_url) == "saved"


def test_a_server_that_cannot_be_reached_at_all_leaves_the_outcome_open_and_says_how_to_find_it(
    backend, services, clerk, database_url, cutting_proxy: CuttingProxy, proxied, at_the_desk,
    journey, monkeypatch,
):  # fmt: skip
    counter, seat = at_the_desk
    _only_new_connections(proxied, cutting_proxy)
    monkeypatch.setattr(requests, "PATIENCE_SECONDS", 0.5)
    before = table_counts(backend)

    def unreachable(target):
        raise OSError("no route to host")

    monkeypatch.setattr(proxy_module, "_connect", unreachable)
    cut = cutting_proxy.cut_before_request("sell_seats")
    with pytest.raises(DatabaseUnavailable) as lost:
        counter.book(request(journey, [seat]))
    assert cut.done
    message = str(lost.value)
    (reference,) = re.findall(r"whether booking (\w{6}) was saved is not known yet", message)
    assert f"look up booking {reference} on the bookings page" in message
    assert "nothing was saved" not in message.lower()
    assert table_counts(backend) == before
    # Looking the booking up where the server can be reached finds nothing: it was not sold.
    with pytest.raises(NotFound, match="No booking"):
        services.counter(clerk).find_booking(reference)
