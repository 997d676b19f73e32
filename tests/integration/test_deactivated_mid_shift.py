"""An operator deactivated while logged in: the app's session stays open, the account does not.

A supervisor deactivates a clerk who is still at the counter. From then on the clerk's open
app cannot sell, hold, cancel, look up a passenger's booking or print it, and nothing is
written; timetables and seat maps stay readable until the app logs out.
"""

from __future__ import annotations

import pytest
from helpers import as_owner, free_seats, request, table_counts

from ticket_office.domain.errors import AccountInactive, SessionEnded
from ticket_office.services import operators


@pytest.fixture
def sold(services, clerk, journey):
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    return services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))


@pytest.fixture
def deactivated(supervisor_desk, backend, supervisor, clerk, sold):
    operators.deactivate(supervisor_desk.uow(), supervisor, clerk.username)
    return clerk


def test_a_deactivated_clerk_can_no_longer_sell_and_nothing_is_written(
    services, backend, journey, deactivated
):
    """Deactivating the account ended its sessions, and the sale is the session's: the server
    says why it ended."""
    seat_map = services.counter(deactivated).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    before = table_counts(backend)
    with pytest.raises(AccountInactive, match="deactivated"):
        services.counter(deactivated).book(request(journey, free_seats(seat_map, 1)))
    assert table_counts(backend) == before


def test_a_clerk_whose_account_is_switched_off_with_a_session_open_sells_nothing(
    services, backend, owner_engine, clerk, journey, sold
):
    """An account made inactive behind the sessions' back (by the schema's owner) is still
    refused by the server, before anything is written."""
    as_owner(owner_engine, "UPDATE operators SET active = false WHERE username = 'clerk'")
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    before = table_counts(backend)
    with pytest.raises(AccountInactive, match="deactivated"):
        services.counter(clerk).book(request(journey, free_seats(seat_map, 1)))
    assert table_counts(backend) == before


@pytest.mark.parametrize(
    ("use_case", "refusal"),
    [
        # The server asks for the session, which deactivating the account ended: it says why.
        (
            lambda s, op, j, ref, seat: s.counter(op).set_holds(
                j.run_id, j.board_position, j.alight_position, [seat]
            ),
            AccountInactive,
        ),
        (lambda s, op, j, ref, seat: s.counter(op).find_booking(ref), AccountInactive),
        (lambda s, op, j, ref, seat: s.counter(op).cancel(ref), AccountInactive),
        (lambda s, op, j, ref, seat: s.counter(op).ticket_documents(ref), AccountInactive),
    ],
    ids=["hold", "look up", "cancel", "print"],
)
def test_a_deactivated_clerk_can_no_longer_hold_look_up_cancel_or_print(
    services, backend, journey, sold, deactivated, use_case, refusal
):
    seat_map = services.counter(deactivated).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    before = table_counts(backend)
    with pytest.raises(refusal):
        use_case(services, deactivated, journey, sold.reference, free_seats(seat_map, 1)[0])
    assert table_counts(backend) == before


def test_timetables_and_seat_maps_stay_readable_until_the_app_logs_out(
    services, journey, deactivated
):
    seat_map = services.counter(deactivated).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    assert seat_map.coaches
    assert services.counter(deactivated).list_stations()


def test_a_reactivated_clerk_signs_in_again_and_sells(
    supervisor_desk, services, backend, supervisor, journey, deactivated
):
    """Deactivating ended the session for good: the old one sells nothing, a new one does."""
    operators.reactivate(supervisor_desk.uow(), supervisor, deactivated.username)
    seat_map = services.counter(deactivated).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    with pytest.raises(SessionEnded):
        services.counter(deactivated).book(request(journey, free_seats(seat_map, 1)))
    again = services.log_in(deactivated.username, "clerk-demo-2026")
    seat_map = services.counter(again).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    assert services.counter(again).book(request(journey, free_seats(seat_map, 1))).reference
