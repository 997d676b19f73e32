"""Selling seats: fares from the service, all-or-nothing parties, legs that may share a seat."""

from __future__ import annotations

import dataclasses

import owner_reads
import pytest
from helpers import as_owner, free_seats, request, table_counts
from sqlalchemy import text

from ticket_office.domain.errors import (
    InvalidSegment,
    NotFound,
    PermissionDenied,
    RunNotBookable,
    SeatUnavailable,
    ValidationError,
)
from ticket_office.domain.seats import SeatState
from ticket_office.services.results import BookingRequest, PassengerRequest, Payment


@pytest.fixture
def seat_map(services, clerk, journey):
    return services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )


def test_a_party_of_three_is_booked_with_fares_computed_by_the_service(
    services, clerk, journey, seat_map
):
    seats = free_seats(seat_map, 3, coach=4)
    confirmation = services.counter(clerk).book(
        request(journey, seats, ["Ana Silva", "Rui Costa", "Eva Luz"])
    )
    booking = services.counter(clerk).find_booking(confirmation.reference)
    assert len(booking.tickets) == 3
    assert booking.total_cents == sum(t.fare_cents for t in booking.tickets) > 0
    quote = services.counter(clerk).quote(
        journey.run_id, journey.board_position, journey.alight_position, seats, ["adult"] * 3
    )
    assert quote.total_cents == confirmation.total_cents


def test_cash_payment_records_the_change_due(services, clerk, journey, seat_map):
    seats = free_seats(seat_map, 1)
    confirmation = services.counter(clerk).book(
        request(journey, seats, payment=Payment("cash", 1_000_000))
    )
    assert confirmation.change_due_cents == 1_000_000 - confirmation.total_cents


def test_too_little_cash_is_refused_and_nothing_is_written(
    services, backend, clerk, journey, seat_map
):
    before = table_counts(backend)
    with pytest.raises(ValidationError, match="less than the total"):
        services.counter(clerk).book(
            request(journey, free_seats(seat_map, 1), payment=Payment("cash", 1))
        )
    assert table_counts(backend) == before


def test_legs_that_do_not_overlap_may_share_a_seat(services, clerk, journey, seat_map):
    seat = free_seats(seat_map, 1)
    services.counter(clerk).book(request(journey, seat, board=0, alight=4))
    services.counter(clerk).book(request(journey, seat, board=4, alight=8))
    with pytest.raises(SeatUnavailable):
        services.counter(clerk).book(request(journey, seat, board=3, alight=5))


def test_a_party_is_all_or_nothing(services, backend, clerk, journey, seat_map):
    first, second = free_seats(seat_map, 2)
    services.counter(clerk).book(request(journey, [second]))
    before = table_counts(backend)
    with pytest.raises(SeatUnavailable) as raised:
        services.counter(clerk).book(request(journey, [first, second]))
    assert len(raised.value.seat_labels) == 1
    assert table_counts(backend) == before
    after = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    assert after.seat(first).state is SeatState.FREE


BAD_PASSENGERS = [
    pytest.param([], "at least one", id="no passengers"),
    pytest.param([""], "empty", id="empty name"),
    pytest.param(["   "], "empty", id="blank name"),
    pytest.param(["A" * 81], "too long", id="overlong name"),
    pytest.param(["Ana\x07Silva"], "control characters", id="control character"),
    pytest.param(["Ana\nSilva"], "control characters", id="newline"),
]


@pytest.mark.parametrize(("names", "message"), BAD_PASSENGERS)
def test_bad_names_get_a_clear_message_and_write_nothing(
    services, backend, clerk, journey, seat_map, names, message
):
    before = table_counts(backend)
    with pytest.raises(ValidationError, match=message):
        services.counter(clerk).book(request(journey, free_seats(seat_map, len(names)), names))
    assert table_counts(backend) == before


def _with(booking: BookingRequest, **changes) -> BookingRequest:
    return dataclasses.replace(booking, **changes)


WRONG_TYPES = [
    pytest.param(
        lambda b: _with(b, passengers=(dataclasses.replace(b.passengers[0], name=123),)),
        ValidationError,
        id="name not text",
    ),
    pytest.param(
        lambda b: _with(b, passengers=(dataclasses.replace(b.passengers[0], concession=5),)),
        ValidationError,
        id="concession not text",
    ),
    pytest.param(lambda b: _with(b, passengers=None), ValidationError, id="no passenger list"),
    pytest.param(lambda b: _with(b, passengers=("Ana",)), ValidationError, id="bare names"),
    pytest.param(lambda b: _with(b, payment=None), ValidationError, id="no payment"),
    pytest.param(lambda b: _with(b, board_position="0"), InvalidSegment, id="stop as text"),
    pytest.param(lambda b: _with(b, alight_position=3.0), InvalidSegment, id="stop as float"),
]


@pytest.mark.parametrize(("spoil", "error"), WRONG_TYPES)
def test_values_of_the_wrong_type_get_a_clear_message_and_write_nothing(
    services, backend, clerk, journey, seat_map, spoil, error
):
    before = table_counts(backend)
    with pytest.raises(error):
        services.counter(clerk).book(spoil(request(journey, free_seats(seat_map, 1))))
    assert table_counts(backend) == before


def test_ten_passengers_are_too_many(services, clerk, journey, seat_map):
    with pytest.raises(ValidationError, match="at most 9"):
        services.counter(clerk).book(request(journey, free_seats(seat_map, 10)))


def test_the_same_seat_twice_in_one_party_is_refused(services, clerk, journey, seat_map):
    seat = free_seats(seat_map, 1)
    with pytest.raises(ValidationError, match="twice"):
        services.counter(clerk).book(request(journey, seat * 2))


def test_an_unknown_concession_is_refused(services, clerk, journey, seat_map):
    bad = BookingRequest(
        journey.run_id,
        journey.board_position,
        journey.alight_position,
        (PassengerRequest(free_seats(seat_map, 1)[0], "Ana", "pensioner"),),
        Payment("card", None, "X"),
    )
    with pytest.raises(ValidationError, match="Unknown concession"):
        services.counter(clerk).book(bad)


@pytest.mark.parametrize(
    ("board", "alight", "error"),
    [
        (5, 2, InvalidSegment),
        (3, 3, InvalidSegment),
        (0, 99, InvalidSegment),
        (-1, 2, InvalidSegment),
    ],
)
def test_reversed_equal_or_impossible_segments_are_refused(
    services, clerk, journey, seat_map, board, alight, error
):
    with pytest.raises(error):
        services.counter(clerk).book(
            request(journey, free_seats(seat_map, 1), board=board, alight=alight)
        )


def test_an_unknown_run_is_reported(services, clerk, journey, seat_map):
    bad = request(journey, free_seats(seat_map, 1))
    with pytest.raises(NotFound):
        services.counter(clerk).book(BookingRequest(999_999, 0, 1, bad.passengers, bad.payment))


def test_a_seat_of_another_run_is_refused(services, clerk, journey, seat_map):
    with pytest.raises(NotFound, match="not on train"):
        services.counter(clerk).book(request(journey, [1]))


def test_a_seat_not_for_sale_cannot_be_sold(services, clerk, journey, seat_map):
    crew = next(
        s.seat_id for c in seat_map.coaches for s in c.seats if s.state is SeatState.NOT_FOR_SALE
    )
    with pytest.raises(SeatUnavailable):
        services.counter(clerk).book(request(journey, [crew]))


def test_a_departed_train_cannot_be_sold(services, owner_engine, clerk, journey, seat_map):
    as_owner(
        owner_engine,
        "UPDATE run_stops SET departs_at = now() - interval '1 minute' "
        "WHERE run_id = :r AND position = :p",
        {"r": journey.run_id, "p": journey.board_position},
    )
    with pytest.raises(RunNotBookable, match="already left"):
        services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))


def test_a_run_outside_the_sales_window_cannot_be_sold(
    services, owner_engine, clerk, journey, seat_map
):
    as_owner(
        owner_engine,
        "UPDATE runs SET sales_open_at = now() + interval '2 days' WHERE id = :r",
        {"r": journey.run_id},
    )
    with pytest.raises(RunNotBookable, match="open on"):
        services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))


def test_a_conductor_may_not_sell(services, conductor, journey, seat_map):
    with pytest.raises(PermissionDenied):
        services.counter(conductor).book(request(journey, free_seats(seat_map, 1)))


def test_every_booking_writes_an_audit_event_in_the_same_transaction(
    services, backend, clerk, journey, seat_map
):
    confirmation = services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))
    assert owner_reads.audit_kinds(backend, confirmation.reference) == ["booking"]


def test_the_database_refuses_a_double_sale_that_bypasses_the_services(
    services, owner_engine, clerk, journey, seat_map
):
    """Desks may not write tickets at all (revision 0021); whoever may still meets guard two."""
    seat = free_seats(seat_map, 1)[0]
    confirmation = services.counter(clerk).book(request(journey, [seat], board=0, alight=5))
    with owner_engine.begin() as conn, pytest.raises(Exception, match="ex_tickets_no_double_sale"):
        conn.execute(
            text(
                "INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, "
                "alight_position, passenger_name, concession_code, seat_class, fare_cents) "
                "VALUES (:b, :r, :s, 2, 7, 'Intruder', 'adult', 'standard', 100)"
            ),
            {"b": confirmation.booking_id, "r": journey.run_id, "s": seat},
        )


def test_the_database_refuses_to_sell_a_seat_another_clerk_holds(
    services, owner_engine, clerk, supervisor, journey, seat_map
):
    seat = free_seats(seat_map, 1)[0]
    services.counter(supervisor).set_holds(journey.run_id, 0, 5, [seat])
    confirmation = services.counter(clerk).book(request(journey, free_seats(seat_map, 2)[1:]))
    with owner_engine.begin() as conn, pytest.raises(Exception, match="held"):
        conn.execute(
            text(
                "INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, "
                "alight_position, passenger_name, concession_code, seat_class, fare_cents) "
                "VALUES (:b, :r, :s, 4, 6, 'Intruder', 'adult', 'standard', 100)"
            ),
            {"b": confirmation.booking_id, "r": journey.run_id, "s": seat},
        )


def test_the_database_refuses_a_hold_on_a_sold_leg_that_bypasses_the_services(
    services, owner_engine, clerk, supervisor, journey, seat_map
):
    """Only the schema's owner can bypass them: desks may not write holds (revision 0016)."""
    seat = free_seats(seat_map, 1)[0]
    services.counter(clerk).book(request(journey, [seat], board=0, alight=5))
    with owner_engine.connect() as conn, pytest.raises(Exception, match="sold for an overlapping"):
        conn.execute(
            text(
                "INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position, "
                "operator_id, client_id, expires_at) "
                "VALUES (:r, :s, 4, 6, :o, 'bypass', now() + interval '5 minutes')"
            ),
            {"r": journey.run_id, "s": seat, "o": supervisor.id},
        )


def test_a_refused_sale_keeps_nothing_it_wrote_before_the_refusal(
    services, backend, clerk, supervisor, journey, seat_map
):
    """The sale's first statement sweeps the seller's holds; a refusal must undo that too."""
    mine, theirs = free_seats(seat_map, 2, coach=6)
    services.counter(clerk).set_holds(
        journey.run_id, journey.board_position, journey.alight_position, [mine]
    )
    services.counter(supervisor).set_holds(
        journey.run_id, journey.board_position, journey.alight_position, [theirs]
    )
    before = table_counts(backend)
    with pytest.raises(SeatUnavailable):
        services.counter(clerk).book(request(journey, [mine, theirs]))
    assert table_counts(backend) == before
    after = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    assert after.seat(mine).state is SeatState.HELD_BY_ME
