"""A lost or refused connection: a clear message, nothing half-written, and recovery after."""

from __future__ import annotations

import pytest
from helpers import free_seats, request, table_counts
from sqlalchemy import text

from ticket_office.db.engine import make_engine, make_session_factory
from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.services import booking
from ticket_office.services.gateway import TicketOfficeServices
from ticket_office.services.unit_of_work import make_uow_factory


def test_a_connection_dropped_mid_booking_writes_nothing_and_says_so(
    services, backend, clerk, journey, monkeypatch
):
    seats = free_seats(services.seat_map(clerk, journey.run_id, 0, 12), 1)
    before = table_counts(backend)
    real_insert = booking._insert_booking

    def connection_dies_after_locking(session, *args):
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return real_insert(session, *args)

    monkeypatch.setattr(booking, "_insert_booking", connection_dies_after_locking)
    with pytest.raises(DatabaseUnavailable, match="Nothing was saved"):
        services.book(clerk, request(journey, seats))
    monkeypatch.setattr(booking, "_insert_booking", real_insert)
    assert table_counts(backend) == before
    assert services.book(clerk, request(journey, seats)).reference  # the pool recovered


def test_an_unreachable_server_is_named_in_the_message():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/ticket_office", pool_size=1)
    services = TicketOfficeServices(
        make_uow_factory(make_session_factory(engine), "ticket_office on 127.0.0.1:9")
    )
    with pytest.raises(DatabaseUnavailable, match="Cannot reach ticket_office on 127.0.0.1:9"):
        services.log_in("clerk", "clerk-demo-2026")
    engine.dispose()
