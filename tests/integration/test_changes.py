"""Changing seats and moving bookings: one transaction, never two seats and never none."""

from __future__ import annotations

import threading
from datetime import timedelta

import owner_reads
import pytest
from helpers import free_seats, request, table_counts
from sqlalchemy import text

from ticket_office.domain.errors import (
    BookingNotChangeable,
    NotFound,
    PermissionDenied,
    SeatUnavailable,
    ValidationError,
)
from ticket_office.domain.seats import SeatState
from ticket_office.services.results import Payment

FIRST_CLASS_COACH = 1
STANDARD_COACH = 4


def seat_state(services, operator, journey, seat_id, board=None, alight=None) -> SeatState:
    seat_map = services.counter(operator).seat_map(
        journey.run_id,
        journey.board_position if board is None else board,
        journey.alight_position if alight is None else alight,
    )
    return seat_map.seat(seat_id).state


def standard_seats(services, operator, journey, count):
    seat_map = services.counter(operator).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    return free_seats(seat_map, count, coach=STANDARD_COACH)


def active_seat_rows(backend, reference):
    with backend.uow() as uow:
        return uow.session.execute(
            text(
                "SELECT t.id, t.run_id, t.run_seat_id, t.board_position, t.alight_position, "
                "t.fare_cents FROM tickets t JOIN bookings b ON b.id = t.booking_id "
                "WHERE b.reference = :ref AND t.status = 'active' ORDER BY t.id"
            ),
            {"ref": reference},
        ).all()


@pytest.fixture
def party(services, clerk, journey):
    """Two passengers in standard class, plus three more free seats of the same coach."""
    seats = standard_seats(services, clerk, journey, 5)
    confirmation = services.counter(clerk).book(
        request(journey, seats[:2], ["Ana Silva", "Rui Silva"])
    )
    ticket_ids = [
        t.ticket_id for t in services.counter(clerk).find_booking(confirmation.reference).tickets
    ]
    return confirmation.reference, dict(zip(seats[:2], sorted(ticket_ids), strict=True)), seats[2:]


# --- change seat ---------------------------------------------------------------------------


def test_changing_a_seat_frees_the_old_seat_and_takes_the_new_one_at_once(
    backend, services, clerk, journey, party
):
    reference, tickets, spare = party
    old_seat, ticket_id = next(iter(tickets.items()))
    result = services.counter(clerk).change_seat(reference, ticket_id, spare[0])
    assert seat_state(services, clerk, journey, old_seat) is SeatState.FREE
    assert seat_state(services, clerk, journey, spare[0]) is SeatState.TAKEN
    assert result.due_cents == 0
    assert result.old_run_id == result.new_run_id == journey.run_id
    (line,) = result.lines
    assert line.ticket_id == ticket_id and line.new_seat_id == spare[0]
    seats = {row.id: row.run_seat_id for row in active_seat_rows(backend, reference)}
    assert seats[ticket_id] == spare[0]


def test_a_seat_change_is_audited_with_both_seats(backend, services, clerk, party):
    reference, tickets, spare = party
    ticket_id = next(iter(tickets.values()))
    services.counter(clerk).change_seat(reference, ticket_id, spare[0])
    ((kind, subject, details),) = owner_reads.read(
        backend, "SELECT kind, subject, details FROM audit_events ORDER BY id DESC LIMIT 1"
    )
    assert (kind, subject) == ("seat_change", reference)
    assert details["old_seat"] != details["new_seat"]
    assert details["ticket"] == ticket_id


def test_changing_to_a_sold_seat_changes_nothing(backend, services, clerk, journey, party):
    reference, tickets, spare = party
    services.counter(clerk).book(request(journey, [spare[0]]))
    before_rows, before_counts = active_seat_rows(backend, reference), table_counts(backend)
    old_seat, ticket_id = next(iter(tickets.items()))
    with pytest.raises(SeatUnavailable):
        services.counter(clerk).change_seat(reference, ticket_id, spare[0])
    assert active_seat_rows(backend, reference) == before_rows
    assert table_counts(backend) == before_counts
    assert seat_state(services, clerk, journey, old_seat) is SeatState.TAKEN


def test_changing_to_a_seat_another_clerk_holds_is_refused(
    services, clerk, supervisor, journey, party
):
    reference, tickets, spare = party
    services.counter(supervisor).set_holds(
        journey.run_id, journey.board_position, journey.alight_position, [spare[0]]
    )
    with pytest.raises(SeatUnavailable):
        services.counter(clerk).change_seat(reference, next(iter(tickets.values())), spare[0])


def test_changing_to_a_seat_the_clerk_holds_uses_the_hold(services, clerk, journey, party):
    reference, tickets, spare = party
    services.counter(clerk).set_holds(
        journey.run_id, journey.board_position, journey.alight_position, [spare[0]]
    )
    services.counter(clerk).change_seat(reference, next(iter(tickets.values())), spare[0])
    assert seat_state(services, clerk, journey, spare[0]) is SeatState.TAKEN


def test_changing_to_another_passengers_seat_in_the_same_booking_is_refused(services, clerk, party):
    reference, tickets, _spare = party
    (seat_a, ticket_a), (seat_b, _ticket_b) = tickets.items()
    with pytest.raises(SeatUnavailable):
        services.counter(clerk).change_seat(reference, ticket_a, seat_b)


def test_moving_up_to_first_class_makes_the_difference_due_and_records_it(
    backend, services, clerk, journey, party
):
    reference, tickets, _spare = party
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    first = free_seats(seat_map, 1, coach=FIRST_CLASS_COACH)[0]
    ticket_id = next(iter(tickets.values()))
    before = services.counter(clerk).find_booking(reference)
    quote = services.counter(clerk).quote_seat_change(reference, ticket_id, first)
    assert quote.due_cents > 0
    assert services.counter(clerk).find_booking(reference) == before  # a quote writes nothing
    result = services.counter(clerk).change_seat(reference, ticket_id, first)
    assert result.due_cents == quote.due_cents
    after = services.counter(clerk).find_booking(reference)
    assert after.total_cents == before.total_cents + result.due_cents
    changed = next(t for t in after.tickets if t.ticket_id == ticket_id)
    assert changed.fare_cents == result.lines[0].new_fare_cents
    assert changed.seat_class.value == "first"


def test_moving_down_to_standard_keeps_the_fare_paid(services, clerk, journey):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    first, standard = (
        free_seats(seat_map, 1, coach=FIRST_CLASS_COACH)[0],
        free_seats(seat_map, 1, coach=STANDARD_COACH)[0],
    )
    reference = services.counter(clerk).book(request(journey, [first])).reference
    booking = services.counter(clerk).find_booking(reference)
    (ticket,) = booking.tickets
    result = services.counter(clerk).change_seat(reference, ticket.ticket_id, standard)
    assert result.due_cents == 0
    assert result.lines[0].new_fare_cents < ticket.fare_cents
    after = services.counter(clerk).find_booking(reference)
    assert after.total_cents == booking.total_cents
    assert after.tickets[0].fare_cents == ticket.fare_cents


@pytest.mark.parametrize(
    ("ticket", "seat", "error"),
    [
        (0, 1, ValidationError),
        ("7", 1, ValidationError),
        (1, -3, ValidationError),
        (1, None, ValidationError),
        (999_999, 1, NotFound),
    ],
)
def test_bad_ids_get_clear_messages_and_write_nothing(
    backend, services, clerk, party, ticket, seat, error
):
    reference, tickets, spare = party
    seat = spare[0] if seat == 1 else seat
    before = table_counts(backend)
    with pytest.raises(error):
        services.counter(clerk).change_seat(reference, ticket, seat)
    assert table_counts(backend) == before


def test_a_seat_of_another_train_is_not_found(services, clerk, journey, party):
    reference, tickets, _spare = party
    other = services.counter(clerk).search_journeys("PCA", "MAD", journey.service_date)[1]
    seat_map = services.counter(clerk).seat_map(
        other.run_id, other.board_position, other.alight_position
    )
    with pytest.raises(NotFound):
        services.counter(clerk).change_seat(
            reference, next(iter(tickets.values())), free_seats(seat_map, 1)[0]
        )


def test_the_same_seat_again_is_refused(services, clerk, party):
    reference, tickets, _spare = party
    seat, ticket_id = next(iter(tickets.items()))
    with pytest.raises(ValidationError, match="already"):
        services.counter(clerk).change_seat(reference, ticket_id, seat)


def test_a_cancelled_ticket_cannot_change_seat(services, clerk, party):
    reference, tickets, spare = party
    ticket_id = next(iter(tickets.values()))
    services.counter(clerk).cancel(reference, [ticket_id])
    with pytest.raises(BookingNotChangeable):
        services.counter(clerk).change_seat(reference, ticket_id, spare[0])


def test_a_conductor_may_not_change_seats(services, conductor, party):
    reference, tickets, spare = party
    with pytest.raises(PermissionDenied):
        services.counter(conductor).change_seat(reference, next(iter(tickets.values())), spare[0])


def test_two_clerks_changing_to_one_seat_at_once_never_both_get_it(
    backend, services, clerk, supervisor, journey
):
    seats = standard_seats(services, clerk, journey, 3)
    first = services.counter(clerk).book(request(journey, [seats[0]])).reference
    second = services.counter(clerk).book(request(journey, [seats[1]])).reference
    tickets = {
        ref: services.counter(clerk).find_booking(ref).tickets[0].ticket_id
        for ref in (first, second)
    }
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def change(operator, reference):
        start.wait()
        try:
            services.counter(operator).change_seat(reference, tickets[reference], seats[2])
            outcomes[reference] = "changed"
        except SeatUnavailable:
            outcomes[reference] = "refused"

    threads = [
        threading.Thread(target=change, args=args)
        for args in ((clerk, first), (supervisor, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["changed", "refused"]
    loser = next(ref for ref, outcome in outcomes.items() if outcome == "refused")
    assert active_seat_rows(backend, loser)[0].run_seat_id == seats[[first, second].index(loser)]
    with backend.uow() as uow:
        holders = uow.session.execute(
            text("SELECT count(*) FROM tickets WHERE run_seat_id = :seat AND status = 'active'"),
            {"seat": seats[2]},
        ).scalar_one()
    assert holders == 1


# --- move to another run -------------------------------------------------------------------


@pytest.fixture
def next_day(services, clerk, journey):
    """The same train a day later: same journey, another date."""
    day = journey.service_date + timedelta(days=1)
    options = services.counter(clerk).search_journeys("PCA", "MAD", day)
    return next(o for o in options if o.train_number == journey.train_number)


def new_seats(services, clerk, option, count):
    seat_map = services.counter(clerk).seat_map(
        option.run_id, option.board_position, option.alight_position
    )
    return free_seats(seat_map, count, coach=STANDARD_COACH)


def test_moving_a_booking_frees_the_old_run_and_takes_seats_on_the_new_one(
    backend, services, clerk, journey, next_day, party
):
    reference, tickets, _spare = party
    target = new_seats(services, clerk, next_day, 2)
    choice = dict(zip(sorted(tickets.values()), target, strict=True))
    result = services.counter(clerk).move_booking(
        reference, next_day.run_id, next_day.board_position, next_day.alight_position, choice
    )
    assert (result.old_run_id, result.new_run_id) == (journey.run_id, next_day.run_id)
    for old_seat in tickets:
        assert seat_state(services, clerk, journey, old_seat) is SeatState.FREE
    for seat in target:
        assert (
            services.counter(clerk)
            .seat_map(next_day.run_id, next_day.board_position, next_day.alight_position)
            .seat(seat)
            .state
            is SeatState.TAKEN
        )
    rows = active_seat_rows(backend, reference)
    assert {row.run_id for row in rows} == {next_day.run_id}
    assert {row.id: row.run_seat_id for row in rows} == choice
    booking = services.counter(clerk).find_booking(reference)
    assert booking.run_id == next_day.run_id
    assert booking.departs_at == next_day.departs_at
    assert booking.total_cents == sum(row.fare_cents for row in rows)


def test_a_move_is_audited_and_both_runs_are_notified(
    backend, services, clerk, journey, next_day, party
):
    reference, tickets, _spare = party
    listener = backend.change_listener()
    listener.connect()
    try:
        listener.drain()
        target = new_seats(services, clerk, next_day, 2)
        services.counter(clerk).move_booking(
            reference,
            next_day.run_id,
            next_day.board_position,
            next_day.alight_position,
            dict(zip(sorted(tickets.values()), target, strict=True)),
        )
        changed: set[int] = set()
        for _ in range(50):
            changed |= {run for notice in listener.drain() for run in notice.run_ids}
            if {journey.run_id, next_day.run_id} <= changed:
                break
            threading.Event().wait(0.05)
    finally:
        listener.close()
    assert {journey.run_id, next_day.run_id} <= changed
    ((kind, details),) = owner_reads.read(
        backend, "SELECT kind, details FROM audit_events ORDER BY id DESC LIMIT 1"
    )
    assert kind == "booking_move"
    assert (details["old_run_id"], details["new_run_id"]) == (journey.run_id, next_day.run_id)


def test_a_move_where_one_new_seat_is_taken_changes_nothing(
    backend, services, clerk, next_day, party
):
    reference, tickets, _spare = party
    target = new_seats(services, clerk, next_day, 2)
    services.counter(clerk).book(request(next_day, [target[1]]))
    before_rows, before_counts = active_seat_rows(backend, reference), table_counts(backend)
    with pytest.raises(SeatUnavailable):
        services.counter(clerk).move_booking(
            reference,
            next_day.run_id,
            next_day.board_position,
            next_day.alight_position,
            dict(zip(sorted(tickets.values()), target, strict=True)),
        )
    assert active_seat_rows(backend, reference) == before_rows
    assert table_counts(backend) == before_counts


def test_a_move_must_seat_every_passenger(services, clerk, next_day, party):
    reference, tickets, _spare = party
    target = new_seats(services, clerk, next_day, 1)
    with pytest.raises(ValidationError, match="every passenger"):
        services.counter(clerk).move_booking(
            reference,
            next_day.run_id,
            next_day.board_position,
            next_day.alight_position,
            {min(tickets.values()): target[0]},
        )


def test_a_move_to_a_train_of_another_journey_is_refused(services, clerk, journey, party):
    reference, tickets, _spare = party
    other = services.counter(clerk).search_journeys("MAD", "BCN", journey.service_date)[0]
    target = new_seats(services, clerk, other, 2)
    with pytest.raises(ValidationError, match="same journey"):
        services.counter(clerk).move_booking(
            reference,
            other.run_id,
            other.board_position,
            other.alight_position,
            dict(zip(sorted(tickets.values()), target, strict=True)),
        )


def test_a_move_to_the_bookings_own_train_points_to_change_seat(services, clerk, journey, party):
    reference, tickets, spare = party
    with pytest.raises(ValidationError, match="Change seat"):
        services.counter(clerk).move_booking(
            reference,
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            dict(zip(sorted(tickets.values()), spare[:2], strict=True)),
        )


def test_a_quoted_move_writes_nothing(backend, services, clerk, next_day, party):
    reference, tickets, _spare = party
    before = table_counts(backend), active_seat_rows(backend, reference)
    target = new_seats(services, clerk, next_day, 2)
    quote = services.counter(clerk).quote_move(
        reference,
        next_day.run_id,
        next_day.board_position,
        next_day.alight_position,
        dict(zip(sorted(tickets.values()), target, strict=True)),
    )
    assert quote.due_cents == 0 and len(quote.lines) == 2
    assert (table_counts(backend), active_seat_rows(backend, reference)) == before


def test_a_move_after_cancelling_one_passenger_moves_only_the_others(
    backend, services, clerk, journey, next_day, party
):
    reference, tickets, _spare = party
    cancelled, kept = sorted(tickets.values())
    services.counter(clerk).cancel(reference, [cancelled])
    target = new_seats(services, clerk, next_day, 1)
    services.counter(clerk).move_booking(
        reference,
        next_day.run_id,
        next_day.board_position,
        next_day.alight_position,
        {kept: target[0]},
    )
    assert [row.id for row in active_seat_rows(backend, reference)] == [kept]
    trains = {
        t.ticket_id: t.run_id for t in services.counter(clerk).find_booking(reference).tickets
    }
    assert trains == {cancelled: journey.run_id, kept: next_day.run_id}
    with pytest.raises(BookingNotChangeable):
        services.counter(clerk).move_booking(
            reference,
            next_day.run_id,
            next_day.board_position,
            next_day.alight_position,
            {cancelled: target[0]},
        )


def test_a_cancelled_booking_cannot_be_moved(services, clerk, next_day, party):
    reference, tickets, _spare = party
    services.counter(clerk).cancel(reference)
    target = new_seats(services, clerk, next_day, 2)
    with pytest.raises(BookingNotChangeable):
        services.counter(clerk).move_booking(
            reference,
            next_day.run_id,
            next_day.board_position,
            next_day.alight_position,
            dict(zip(sorted(tickets.values()), target, strict=True)),
        )


def test_moving_a_cash_booking_keeps_its_payment(services, clerk, journey, next_day):
    seats = standard_seats(services, clerk, journey, 1)
    reference = (
        services.counter(clerk)
        .book(request(journey, seats, payment=Payment("cash", 100_000)))
        .reference
    )
    ticket_id = services.counter(clerk).find_booking(reference).tickets[0].ticket_id
    target = new_seats(services, clerk, next_day, 1)
    services.counter(clerk).move_booking(
        reference,
        next_day.run_id,
        next_day.board_position,
        next_day.alight_position,
        {ticket_id: target[0]},
    )
    assert services.counter(clerk).find_booking(reference).payment_method == "cash"
