"""A lost or refused connection: a clear message, nothing half-written, and recovery after."""

from __future__ import annotations

import re
import threading
import time

import psycopg
import pytest
from helpers import free_seats, request, table_counts

from ticket_office.db import statement_pool
from ticket_office.db.engine import libpq_url, make_engine, make_session_factory
from ticket_office.db.statement_pool import StatementPool
from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.services.desks import SignInServices
from ticket_office.services.unit_of_work import make_uow_factory


def test_a_connection_dropped_mid_booking_writes_nothing_and_says_so(
    services, backend, database_url, clerk, journey
):
    seats = free_seats(services.counter(clerk).seat_map(journey.run_id, 0, 12), 1)
    before = table_counts(backend)
    url = libpq_url(backend.database.url)
    # Another session (the owner's: no desk may lock run seats) holds the seat's lock, so the
    # sale waits inside sell_seats with its transaction open; the server then loses the
    # selling session.
    with psycopg.connect(libpq_url(database_url)) as blocker:
        blocker.execute("SELECT 1 FROM run_seats WHERE id = %s FOR UPDATE", (seats[0],))
        killer = threading.Thread(target=_terminate_the_waiting_sale, args=(url,))
        killer.start()
        try:
            with pytest.raises(DatabaseUnavailable, match="Nothing was saved"):
                services.counter(clerk).book(request(journey, seats))
        finally:
            killer.join()
        blocker.rollback()
    assert table_counts(backend) == before
    assert services.counter(clerk).book(request(journey, seats)).reference  # the pool recovered


def _terminate_the_waiting_sale(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        for _ in range(500):
            waiting = admin.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE query LIKE '%%sell_seats(%%' AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting:
                admin.execute("SELECT pg_terminate_backend(%s)", waiting)
                return
            time.sleep(0.01)


def test_a_connection_lost_after_the_sale_committed_says_the_booking_was_saved(
    services, backend, clerk, journey, monkeypatch
):
    """The reply to a committed sale can be lost on the way back; the clerk must not resell."""
    seats = free_seats(services.counter(clerk).seat_map(journey.run_id, 0, 12), 1)
    answer_lost = {"done": False}
    real_run = statement_pool.PreparedStatements.run

    def run_then_lose_the_reply(self, statement, params):
        row = real_run(self, statement, params)
        if "sell_seats" in statement and not answer_lost["done"]:
            answer_lost["done"] = True  # committed (autocommit); the reply never arrives
            self._connection.close()
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return row

    monkeypatch.setattr(statement_pool.PreparedStatements, "run", run_then_lose_the_reply)
    with pytest.raises(DatabaseUnavailable, match=r"booking \w{6} was saved") as lost:
        services.counter(clerk).book(request(journey, seats))
    reference = re.search(r"booking (\w{6})", str(lost.value)).group(1)
    assert services.counter(clerk).find_booking(reference).tickets


def test_an_unreachable_server_is_named_in_the_message():
    url = "postgresql+psycopg://nobody@127.0.0.1:9/ticket_office"
    engine = make_engine(url, pool_size=1)
    services = SignInServices(
        make_uow_factory(
            make_session_factory(engine), "ticket_office on 127.0.0.1:9", StatementPool(url)
        )
    )
    with pytest.raises(DatabaseUnavailable, match="Cannot reach ticket_office on 127.0.0.1:9"):
        services.log_in("clerk", "clerk-demo-2026")
    engine.dispose()


def test_a_sale_on_a_connection_the_server_dropped_while_idle_goes_through(
    services, backend, clerk, journey, monkeypatch
):
    """After a quiet spell (server restart, network blip) the first sale must not fail."""
    monkeypatch.setattr(statement_pool, "IDLE_PING_SECONDS", 0.0)  # every connection is "idle"
    seats = free_seats(services.counter(clerk).seat_map(journey.run_id, 0, 12), 2)
    services.counter(clerk).book(request(journey, seats[:1]))
    with psycopg.connect(libpq_url(backend.database.url), autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            (statement_pool.APPLICATION_NAME,),
        ).fetchone()[0]
    assert dropped >= 1
    assert services.counter(clerk).book(request(journey, seats[1:])).reference


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
    ],
)
def test_a_transaction_the_server_rolled_back_is_not_called_a_lost_connection(error):
    from ticket_office.services.unit_of_work import translate_driver_error

    said = str(translate_driver_error(error, "the central server"))
    assert "same seats at the same moment" in said and "Cannot reach" not in said
