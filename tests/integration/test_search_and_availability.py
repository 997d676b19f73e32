"""Journey search and seat maps: right runs, local times, exact free counts, constant queries."""

from __future__ import annotations

from datetime import date, time

import pytest
from helpers import counting_statements, free_seats, request

from ticket_office.domain.errors import InvalidSegment, NotFound, ValidationError
from ticket_office.domain.seats import SeatState


def test_search_finds_ten_trains_a_day_in_departure_order(services, clerk, full_day):
    options = services.counter(clerk).search_journeys("PCA", "MAD", full_day)
    assert len(options) == 10  # on a day every train runs
    assert [o.departs_at for o in options] == sorted(o.departs_at for o in options)


def test_times_are_local_to_each_station_across_the_border(services, clerk, full_day):
    first = services.counter(clerk).search_journeys("PCA", "MAD", full_day)[0]
    assert (first.departs_at.hour, first.departs_at.minute) == (6, 0)
    assert str(first.departs_at.tzinfo) == "Europe/Lisbon"
    assert str(first.arrives_at.tzinfo) == "Europe/Madrid"
    # 795 km at 110 km/h plus dwell is 7 h 35 min; Madrid's clock is an hour ahead.
    assert first.duration_minutes == 455
    assert (first.arrives_at.hour, first.arrives_at.minute) == (14, 35)


def test_the_reverse_direction_and_a_middle_segment_are_found(services, clerk, full_day):
    options = services.counter(clerk).search_journeys("BDJ", "CMB", full_day)
    assert options and all(o.board_position < o.alight_position for o in options)


def test_earliest_departure_filters_the_day(services, clerk, full_day):
    options = services.counter(clerk).search_journeys("PCA", "MAD", full_day, earliest=time(12, 0))
    assert options and all(o.departs_at.time() >= time(12, 0) for o in options)


@pytest.mark.parametrize(
    ("origin", "destination", "error", "message"),
    [
        ("", "MAD", ValidationError, "origin"),
        ("PCA", "PCA", ValidationError, "same station"),
        ("XXX", "MAD", NotFound, "XXX"),
        ("PCA", "ZZZ", NotFound, "ZZZ"),
        ("\u202eDAM", "MAD", ValidationError, "control characters"),  # never echoed back
        ("PCA\n", "MA\u200bD", ValidationError, "control characters"),
        (5, "MAD", ValidationError, "origin"),
    ],
)
def test_bad_searches_get_clear_messages(
    services, clerk, origin, destination, error, message, full_day
):
    with pytest.raises(error, match=message):
        services.counter(clerk).search_journeys(origin, destination, full_day)


@pytest.mark.parametrize(
    ("day", "earliest", "message"),
    [
        (date.max, None, "travel date in the years"),
        (date.min, None, "travel date in the years"),
        (date(2030, 1, 2), "10:00", "time of day"),  # any day: the time is wrong,
    ],
)
def test_dates_and_times_off_the_calendar_get_clear_messages(
    services, clerk, day, earliest, message
):
    with pytest.raises(ValidationError, match=message):
        services.counter(clerk).search_journeys("PCA", "MAD", day, earliest=earliest)


def test_stations_match_by_code_or_name_prefix(services, clerk):
    assert [s.code for s in services.counter(clerk).find_stations("mad")] == ["MAD"]
    assert {s.code for s in services.counter(clerk).find_stations("Ma")} >= {"MAD"}
    assert services.counter(clerk).find_stations("%") == []
    with pytest.raises(ValidationError):
        services.counter(clerk).find_stations("x" * 41)


def test_free_counts_are_for_exactly_the_searched_leg(services, clerk, journey, full_day):
    seat = free_seats(services.counter(clerk).seat_map(journey.run_id, 0, 4), 1, coach=4)
    services.counter(clerk).book(request(journey, seat, board=0, alight=4))

    def standard_free(origin, destination):
        options = services.counter(clerk).search_journeys(origin, destination, full_day)
        return next(o for o in options if o.run_id == journey.run_id).free_standard

    before_leg = standard_free("PCA", "ENT")  # stops 0 -> 4: overlaps
    after_leg = standard_free("ENT", "MAD")  # stops 4 -> 12: does not
    assert after_leg == before_leg + 1


def test_search_free_counts_match_the_seat_map(services, clerk, journey):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    free_standard = sum(
        1
        for c in seat_map.coaches
        for s in c.seats
        if s.state is SeatState.FREE and s.seat_class.value == "standard"
    )
    assert journey.free_standard == free_standard


def test_search_runs_one_query_for_all_runs(services, backend, clerk, full_day):
    with counting_statements(backend) as statements:
        services.counter(clerk).search_journeys("PCA", "MAD", full_day)
    # two station look-ups and the search itself, however many runs match
    assert len(statements) == 3


def test_a_seat_map_takes_a_constant_number_of_queries(services, backend, clerk, journey):
    with counting_statements(backend) as statements:
        seat_map = services.counter(clerk).seat_map(
            journey.run_id, journey.board_position, journey.alight_position
        )
    assert sum(len(c.seats) for c in seat_map.coaches) > 500
    assert len(statements) == 3
    with counting_statements(backend) as statements:
        again = services.counter(clerk).seat_map(
            journey.run_id, journey.board_position, journey.alight_position
        )
    assert again == seat_map
    assert len(statements) == 2  # the run's layout is remembered; only the leg and its sales


def test_a_seat_map_shows_sold_held_and_not_for_sale_seats(services, clerk, supervisor, journey):
    seats = free_seats(services.counter(clerk).seat_map(journey.run_id, 0, 12), 3, coach=4)
    services.counter(clerk).book(request(journey, seats[:1]))
    services.counter(supervisor).set_holds(journey.run_id, 0, 12, seats[1:2])
    services.counter(clerk).set_holds(journey.run_id, 0, 12, seats[2:3])
    seat_map = services.counter(clerk).seat_map(journey.run_id, 0, 12)
    states = [seat_map.seat(s).state for s in seats]
    assert states == [SeatState.TAKEN, SeatState.HELD, SeatState.HELD_BY_ME]
    assert seat_map.seat(seats[1]).hold_expires_at is not None


def test_a_seat_map_for_a_reversed_leg_is_refused(services, clerk, journey):
    with pytest.raises(InvalidSegment):
        services.counter(clerk).seat_map(journey.run_id, 5, 2)


def test_seat_lookups_use_the_double_sale_index_for_run_seat_and_leg(backend, journey):
    """Python ints must reach the server untyped: an int2 parameter against the int4 run_id
    column keeps btree_gist from using the index, and every check scans all tickets."""
    from sqlalchemy import text

    with backend.uow() as uow:
        uow.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            uow.session.execute(
                text(
                    "EXPLAIN SELECT 1 FROM tickets WHERE run_id = :run AND run_seat_id = :seat "
                    "AND status = 'active' AND stops && int4range(:board, :alight)"
                ),
                {"run": journey.run_id, "seat": 40_000, "board": 0, "alight": 3},
            ).scalars()
        )
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "run_id" in index_condition and "run_seat_id" in index_condition
