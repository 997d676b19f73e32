"""A first end-to-end sale through the services on real PostgreSQL."""

from ticket_office.services.results import BookingRequest, PassengerRequest, Payment


def test_a_clerk_can_sell_a_seat_and_find_the_booking(services, clerk, journey):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    seat = next(s for c in seat_map.coaches for s in c.seats if s.state.value == "free")
    confirmation = services.counter(clerk).book(
        BookingRequest(
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            (PassengerRequest(seat.seat_id, "Ana Silva"),),
            Payment("cash", 50_000),
        ),
    )
    found = services.counter(clerk).find_booking(confirmation.reference)
    assert [t.passenger_name for t in found.tickets] == ["Ana Silva"]
