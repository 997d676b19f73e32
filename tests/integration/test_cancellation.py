"""Finding and cancelling bookings: the seat is free for that leg at once, the refund recorded."""

from __future__ import annotations

import owner_reads
import pytest
from helpers import free_seats, request, table_counts

from ticket_office.domain.errors import BookingNotChangeable, NotFound, ValidationError
from ticket_office.domain.seats import SeatState


@pytest.fixture
def booked(services, clerk, journey):
    seats = free_seats(
        services.counter(clerk).seat_map(
            journey.run_id, journey.board_position, journey.alight_position
        ),
        2,
        coach=5,
    )
    confirmation = services.counter(clerk).book(request(journey, seats, ["Ana Silva", "Rui Costa"]))
    return confirmation, seats


def test_a_booking_is_found_by_reference_typed_loosely(services, clerk, booked):
    confirmation, _ = booked
    loose = " ".join(confirmation.reference.lower())
    assert services.counter(clerk).find_booking(loose).reference == confirmation.reference


def test_a_booking_is_found_by_passenger_name_and_travel_date(services, clerk, booked, journey):
    found = services.counter(clerk).find_bookings_by_passenger("silva", journey.departs_at.date())
    assert booked[0].reference in [b.reference for b in found]
    assert (
        services.counter(clerk).find_bookings_by_passenger(
            "silva", journey.service_date.replace(year=journey.service_date.year + 1)
        )
        == []
    )


@pytest.mark.parametrize(
    ("reference", "error"),
    [
        ("", ValidationError),
        ("ABC", ValidationError),
        ("O0O0O0", ValidationError),
        ("ZZZZZZ", NotFound),
    ],
)
def test_bad_references_get_clear_messages(services, clerk, reference, error):
    with pytest.raises(error):
        services.counter(clerk).find_booking(reference)


def test_the_refund_is_quoted_before_cancelling_and_recorded(services, backend, clerk, booked):
    confirmation, _ = booked
    quote = services.counter(clerk).quote_cancellation(confirmation.reference)
    assert "24 h" in quote.rule and quote.refund_cents == confirmation.total_cents
    done = services.counter(clerk).cancel(confirmation.reference)
    assert done.refund_cents == quote.refund_cents
    booking = services.counter(clerk).find_booking(confirmation.reference)
    assert booking.status == "cancelled"
    assert booking.refunded_cents == confirmation.total_cents
    assert {t.status for t in booking.tickets} == {"cancelled"}
    assert owner_reads.audit_kinds(backend, booking.reference) == ["booking", "cancellation"]


def test_cancelling_one_ticket_frees_that_seat_for_the_leg_at_once(
    services, clerk, booked, journey
):
    confirmation, seats = booked
    booking = services.counter(clerk).find_booking(confirmation.reference)
    first = next(t for t in booking.tickets if t.passenger_name == "Ana Silva")
    services.counter(clerk).cancel(confirmation.reference, [first.ticket_id])
    after = services.counter(clerk).find_booking(confirmation.reference)
    assert after.status == "active"
    assert sorted(t.status for t in after.tickets) == ["active", "cancelled"]
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    assert sorted(seat_map.seat(s).state.value for s in seats) == ["free", "taken"]
    resold = services.counter(clerk).book(
        request(journey, [s for s in seats if seat_map.seat(s).state is SeatState.FREE])
    )
    assert resold.reference


def test_cancelling_twice_is_refused_and_changes_nothing(services, backend, clerk, booked):
    confirmation, _ = booked
    services.counter(clerk).cancel(confirmation.reference)
    before = table_counts(backend)
    with pytest.raises(BookingNotChangeable):
        services.counter(clerk).cancel(confirmation.reference)
    assert table_counts(backend) == before


def test_a_ticket_of_another_booking_cannot_be_cancelled_through_this_one(services, clerk, booked):
    with pytest.raises(NotFound):
        services.counter(clerk).cancel(booked[0].reference, [1])
