"""A lost or refused connection: a clear message, nothing half-written, and recovery after."""

from __future__ import annotations

import psycopg
import pytest
from helpers import free_seats, request, table_counts
from sqlalchemy import event

from ticket_office.db.engine import libpq_url, make_engine, make_session_factory
from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.services.gateway import TicketOfficeServices
from ticket_office.services.unit_of_work import make_uow_factory


def test_a_connection_dropped_mid_booking_writes_nothing_and_says_so(
    services, backend, clerk, journey
):
    seats = free_seats(services.seat_map(clerk, journey.run_id, 0, 12), 1)
    before = table_counts(backend)
    engine = backend.database.engine

    def kill_the_session_before_the_sale_is_written(_conn, cursor, statement, *_args):
        # The seats are locked by now; the server loses this session before the writes.
        if "INSERT INTO bookings" in statement:
            with psycopg.connect(libpq_url(backend.database.url), autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(%s)", (cursor.connection.info.backend_pid,)
                )

    event.listen(engine, "before_cursor_execute", kill_the_session_before_the_sale_is_written)
    try:
        with pytest.raises(DatabaseUnavailable, match="Nothing was saved"):
            services.book(clerk, request(journey, seats))
    finally:
        event.remove(engine, "before_cursor_execute", kill_the_session_before_the_sale_is_written)
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
