"""Seat holds through the database API (revision 0016): a desk cannot write seat_holds, the
server decides whose holds they are and how long they last, and no writer can hold a seat for
longer than the bound. The attacks that worked before: a seat held until 'infinity', and
another clerk's holds deleted."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import psycopg
import pytest
from helpers import free_seats, request

from ticket_office.domain.errors import NotFound, SeatUnavailable, SessionEnded
from ticket_office.services import holds, passwords

HOLD = (
    "SELECT outcome, expires_at, expires_at - now() AS lasts FROM hold_seats("
    "%(token)s, %(request)s, %(run)s, %(board)s, %(alight)s, %(seats)s::bigint[], %(seconds)s)"
)


@pytest.fixture
def leg(journey):
    return (journey.run_id, journey.board_position, journey.alight_position)


@pytest.fixture
def seats(services, clerk, leg):
    return free_seats(services.counter(clerk).seat_map(*leg), 3)


def held_by(conn, operator) -> list[int]:
    return [
        seat
        for (seat,) in conn.execute(
            "SELECT run_seat_id FROM seat_holds WHERE client_id = %s AND expires_at > now() "
            "ORDER BY run_seat_id",
            (operator.client_id,),
        )
    ]


def call_hold(desk, operator, leg, seats, seconds=None, request_id=None):
    run, board, alight = leg
    return desk.execute(
        HOLD,
        {
            "token": operator.session_token,
            "request": request_id or uuid.uuid4(),
            "run": run,
            "board": board,
            "alight": alight,
            "seats": seats,
            "seconds": seconds,
        },
    ).fetchone()


# --- the attacks -------------------------------------------------------------------------


def test_a_desk_cannot_hold_a_seat_until_infinity(desk, clerk, leg, seats):
    run, board, alight = leg
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(
            "INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position, "
            "operator_id, client_id, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, 'infinity')",
            (run, seats[0], board, alight, clerk.id, clerk.client_id),
        )
    assert held_by(desk, clerk) == []


def test_a_desk_cannot_delete_or_stretch_another_clerks_hold(
    services, desk, clerk, supervisor, leg, seats
):
    services.counter(supervisor).set_holds(*leg, [seats[0]])
    for statement in (
        "DELETE FROM seat_holds WHERE client_id = %s",
        "UPDATE seat_holds SET expires_at = 'infinity' WHERE client_id = %s",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            desk.execute(statement, (supervisor.client_id,))
    assert held_by(desk, supervisor) == [seats[0]]


def test_no_writer_holds_a_seat_past_the_bound_not_even_the_schemas_owner(
    services, owner, clerk, leg, seats
):
    run, board, alight = leg
    with pytest.raises(psycopg.errors.CheckViolation, match="within 10 minutes"):
        owner.execute(
            "INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position, "
            "operator_id, client_id, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, 'script', 'infinity')",
            (run, seats[0], board, alight, clerk.id),
        )
    services.counter(clerk).set_holds(*leg, [seats[1]])
    with pytest.raises(psycopg.errors.CheckViolation, match="within 10 minutes"):
        owner.execute(
            "UPDATE seat_holds SET expires_at = now() + interval '11 minutes' "
            "WHERE run_seat_id = %s",
            (seats[1],),
        )


@pytest.mark.parametrize(
    ("asked", "lasts"),
    [(None, 300), (10**6, 300), (2**31 - 1, 300), (0, 1), (-5, 1), (30, 30)],
)
def test_the_server_decides_how_long_a_hold_lasts(desk, clerk, leg, seats, asked, lasts):
    outcome, _expires_at, lasted = call_hold(desk, clerk, leg, [seats[0]], seconds=asked)
    assert outcome == "held"
    assert lasted == timedelta(seconds=lasts)
    (longest,) = desk.execute(
        "SELECT max(expires_at) - now() FROM seat_holds WHERE client_id = %s",
        (clerk.client_id,),
    ).fetchone()
    assert longest <= timedelta(seconds=lasts)


def test_the_service_cannot_ask_for_a_longer_hold_either(backend, clerk, leg, seats, desk):
    result = holds.set_holds(backend.uow(), clerk, *leg, [seats[0]], hold_seconds=10**6)
    (now,) = desk.execute("SELECT now()").fetchone()
    assert result.expires_at <= now + timedelta(seconds=holds.DEFAULT_HOLD_SECONDS)


def test_a_session_cannot_release_another_sessions_holds(
    services, desk, clerk, supervisor, leg, seats
):
    services.counter(supervisor).set_holds(*leg, [seats[0]])
    services.counter(clerk).set_holds(*leg, [seats[1]])
    assert services.counter(clerk).release_holds(leg[0]) == 1
    assert services.counter(clerk).release_holds() == 0
    # Asking the server directly, with the run or without: only the caller's own.
    desk.execute("SELECT release_holds(%s, NULL)", (clerk.session_token,))
    desk.execute("SELECT release_holds(%s, %s)", (clerk.session_token, leg[0]))
    assert held_by(desk, supervisor) == [seats[0]]
    assert held_by(desk, clerk) == []


def test_nor_take_them_over_by_holding_the_same_seats(
    services, desk, clerk, supervisor, leg, seats
):
    services.counter(supervisor).set_holds(*leg, seats[:2])
    services.counter(clerk).set_holds(*leg, [seats[2]])
    with pytest.raises(SeatUnavailable) as refused:
        services.counter(clerk).set_holds(*leg, seats[1:])
    assert len(refused.value.seat_labels) == 1 and "seat" in refused.value.seat_labels[0]
    # The refusal wrote nothing: the clerk's own hold is kept too.
    assert held_by(desk, supervisor) == seats[:2]
    assert held_by(desk, clerk) == [seats[2]]


def test_nor_by_signing_in_under_another_desks_client_id(desk, supervisor):
    """Client ids are readable in seat_holds; the one a session signs in with is its own."""
    (salt,) = desk.execute("SELECT sign_in_salt('clerk')").fetchone()
    proof = passwords.proof("clerk-demo-2026", salt)
    with pytest.raises(psycopg.errors.UniqueViolation, match="client_id"):
        desk.execute("SELECT * FROM sign_in('clerk', %s, %s)", (proof, supervisor.client_id))


def test_nor_by_selling_with_another_desks_client_id(
    services, desk, backend, clerk, supervisor, journey, leg, seats
):
    """The sale's sweep of the seller's holds knows the seller from the token, not from the
    client id the desk writes into the sale."""
    services.counter(supervisor).set_holds(*leg, [seats[0]])
    impostor = replace(clerk, client_id=supervisor.client_id)
    with pytest.raises(SeatUnavailable):
        services.counter(impostor).book(request(journey, [seats[0]]))
    assert held_by(desk, supervisor) == [seats[0]]


@pytest.mark.parametrize("how", ["signed out", "expired"])
def test_an_ended_session_cannot_hold(services, backend, owner, desk, clerk, leg, seats, how):
    if how == "signed out":
        services.sign_out(clerk)
    else:
        owner.execute(
            "UPDATE operator_sessions SET expires_at = now() - interval '1 second' "
            "WHERE client_id = %s",
            (clerk.client_id,),
        )
    with pytest.raises(SessionEnded):
        services.counter(clerk).set_holds(*leg, [seats[0]])
    with pytest.raises(psycopg.Error, match="session has ended"):
        call_hold(desk, clerk, leg, [seats[0]])
    assert held_by(desk, clerk) == []


# --- what holds still do -----------------------------------------------------------------


def test_signing_out_ends_the_sessions_holds(services, desk, clerk, supervisor, leg, seats):
    services.counter(clerk).set_holds(*leg, seats[:2])
    services.counter(supervisor).set_holds(*leg, [seats[2]])
    services.sign_out(clerk)
    assert held_by(desk, clerk) == []
    assert held_by(desk, supervisor) == [seats[2]]


def test_a_click_is_one_statement_and_a_release_another(backend, services, clerk, leg, seats):
    sent: list[str] = []
    run = backend.statements.run

    def counting(statement, params):
        sent.append(statement)
        return run(statement, params)

    backend.statements.run = counting
    try:
        services.counter(clerk).set_holds(*leg, seats[:2])
        services.counter(clerk).release_holds(leg[0])
    finally:
        backend.statements.run = run
    assert [s.split("(")[0] for s in sent if "pg_notify" not in s] == [
        "SELECT outcome, train_number, expires_at, problem_seats, seat_coaches, seat_labels "
        "FROM hold_seats",
        "SELECT released, runs FROM release_holds",
    ]


def test_a_hold_request_answered_twice_holds_once(desk, clerk, leg, seats):
    first = uuid.uuid4()
    outcome, expires_at, _lasts = call_hold(desk, clerk, leg, [seats[0]], request_id=first)
    desk.execute("SELECT release_holds(%s, NULL)", (clerk.session_token,))
    again, recorded, _lasts = call_hold(desk, clerk, leg, [seats[0]], request_id=first)
    assert (again, recorded) == (outcome, expires_at)
    assert held_by(desk, clerk) == []


def test_a_seat_of_another_run_is_not_found(services, desk, clerk, leg):
    (stranger,) = desk.execute(
        "SELECT min(id) FROM run_seats WHERE run_id <> %s", (leg[0],)
    ).fetchone()
    with pytest.raises(NotFound, match="1 chosen seat is not on train"):
        services.counter(clerk).set_holds(*leg, [stranger])
