"""What the database refuses by itself, to a writer that bypasses the services (revision 0009)."""

from __future__ import annotations

import psycopg
import pytest
from helpers import free_seats, request

from ticket_office.db.engine import libpq_url


@pytest.fixture
def sold(services, clerk, journey):
    """A booking of one ticket, and the seat map it was sold from."""
    leg = (journey.run_id, journey.board_position, journey.alight_position)
    seat_map = services.counter(clerk).seat_map(*leg)
    confirmation = services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))
    return confirmation, seat_map


@pytest.fixture
def raw(backend):
    with psycopg.connect(libpq_url(backend.database.url)) as conn:
        yield conn


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE bookings SET cash_given_cents = -5000 WHERE id = %(booking)s",
        "UPDATE bookings SET refunded_cents = total_cents + 1 WHERE id = %(booking)s",
        "UPDATE tickets SET refund_cents = -1 WHERE booking_id = %(booking)s",
        "UPDATE tickets SET refund_cents = fare_cents + 1 WHERE booking_id = %(booking)s",
        "UPDATE tickets SET seat_class = 'economy' WHERE booking_id = %(booking)s",
    ],
    ids=["negative cash", "refund over total", "negative refund", "refund over fare", "class"],
)
def test_money_and_classes_that_cannot_be_are_refused(sold, raw, statement):
    confirmation, _seat_map = sold
    with pytest.raises(psycopg.errors.CheckViolation):
        raw.execute(statement, {"booking": confirmation.booking_id})


def test_a_full_refund_is_allowed(sold, raw):
    confirmation, _seat_map = sold
    raw.execute(
        "UPDATE tickets SET refund_cents = fare_cents WHERE booking_id = %(b)s",
        {"b": confirmation.booking_id},
    )


def test_a_run_seat_stays_on_its_run(sold, raw, journey):
    """Moved to another run, a sold seat's id could be sold again there for the same leg."""
    confirmation, _seat_map = sold
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="for good"):
        raw.execute(
            "UPDATE run_seats SET run_id = (SELECT min(id) FROM runs WHERE id <> %(run)s) "
            "WHERE id = (SELECT run_seat_id FROM tickets WHERE booking_id = %(b)s)",
            {"run": journey.run_id, "b": confirmation.booking_id},
        )


@pytest.mark.parametrize("level", ["REPEATABLE READ", "SERIALIZABLE"])
def test_tickets_and_holds_are_only_written_at_read_committed(services, sold, raw, journey, level):
    """At a stricter level the check for a conflicting hold reads an older snapshot: a hold
    committed meanwhile would be missed, so the write is refused instead."""
    confirmation, seat_map = sold
    seat = free_seats(seat_map, 2)[1]
    raw.execute(f"SET TRANSACTION ISOLATION LEVEL {level}")
    with pytest.raises(psycopg.errors.FeatureNotSupported, match="READ COMMITTED"):
        raw.execute(
            "INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, "
            "alight_position, passenger_name, concession_code, seat_class, fare_cents) "
            "SELECT %(b)s, %(run)s, %(seat)s, 0, 1, 'Eva Luz', 'adult', 'standard', 100",
            {"b": confirmation.booking_id, "run": journey.run_id, "seat": seat},
        )
    raw.rollback()
    raw.execute(f"SET TRANSACTION ISOLATION LEVEL {level}")
    with pytest.raises(psycopg.errors.FeatureNotSupported, match="READ COMMITTED"):
        raw.execute(
            "INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position, "
            "operator_id, client_id, expires_at) "
            "SELECT %(run)s, %(seat)s, 0, 1, id, 'script', now() + interval '1 minute' "
            "FROM operators WHERE username = 'clerk'",
            {"run": journey.run_id, "seat": seat},
        )


def test_a_server_defaulting_to_a_stricter_level_still_sells(database_url, journey):
    """A DBA's default_transaction_isolation must not make every sale refused: the app's
    connections say READ COMMITTED themselves."""
    from sqlalchemy.engine import make_url

    from ticket_office.backend import open_backend
    from ticket_office.config import DatabaseChoice

    name = make_url(database_url).database
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_isolation = serializable')
    strict = open_backend(choice=DatabaseChoice(database_url, "test"), pool_size=2)
    try:
        services = strict.services
        clerk = services.log_in("clerk", "clerk-demo-2026")
        leg = (journey.run_id, journey.board_position, journey.alight_position)
        seat = free_seats(services.counter(clerk).seat_map(*leg), 1)[0]
        services.counter(clerk).set_holds(*leg, [seat])
        assert services.counter(clerk).book(request(journey, [seat])).booking_id
    finally:
        strict.close()
