"""Cancellations, seat changes and moves are the server's (revision 0019): what a desk's
credential could do to sold tickets before is refused, a request sent twice writes once, a lost
reply is answered "saved" or "not saved", and the Python quotes agree with the server's numbers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import owner_reads
import psycopg
import pytest
from alembic.script import ScriptDirectory
from helpers import as_owner, free_seats, request, table_counts

from ticket_office.db import schema, statement_pool
from ticket_office.domain.dates import day_text
from ticket_office.domain.errors import DatabaseUnavailable, PermissionDenied, ValidationError
from ticket_office.domain.fares import SeatClass
from ticket_office.domain.refunds import RULE_TEXT
from ticket_office.domain.seats import seat_caption
from ticket_office.services import cancellation, changes, requests

STANDARD_COACH = 4
FIRST_CLASS_COACH = 1


@pytest.fixture
def party(services, clerk, journey):
    """A booking of two passengers in standard class; (reference, ticket ids, spare seats)."""
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    seats = free_seats(seat_map, 5, coach=STANDARD_COACH)
    reference = (
        services.counter(clerk).book(request(journey, seats[:2], ["Ana Silva", "Rui Silva"]))
    ).reference
    tickets = sorted(t.ticket_id for t in services.counter(clerk).find_booking(reference).tickets)
    return reference, tickets, seats[2:]


@pytest.fixture
def next_day(services, clerk, journey):
    day = journey.service_date + timedelta(days=1)
    options = services.counter(clerk).search_journeys("PCA", "MAD", day)
    return next(o for o in options if o.train_number == journey.train_number)


def _booking_row(owner, reference):
    return owner.execute(
        "SELECT total_cents, refunded_cents, status FROM bookings WHERE reference = %s",
        (reference,),
    ).fetchone()


# --- what a counter's credential could do before ---------------------------------------------


@pytest.mark.parametrize(
    "attack",
    [
        "UPDATE tickets SET fare_cents = 0 WHERE id = %(ticket)s",
        "UPDATE bookings SET total_cents = 0 WHERE reference = %(reference)s",
        "UPDATE tickets SET status = 'cancelled', cancelled_at = now(), refund_cents = fare_cents "
        "WHERE id = %(ticket)s",
        "SELECT 1 FROM bookings WHERE reference = %(reference)s FOR UPDATE",
    ],
    ids=["fare-to-zero", "total-to-zero", "refund-in-full", "lock-a-booking"],
)
def test_a_counters_credential_can_no_longer_rewrite_a_sale(desk, owner, party, attack):
    reference, tickets, _spare = party
    before = owner.execute("SELECT t::text FROM tickets t ORDER BY id").fetchall()
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(attack, {"ticket": tickets[0], "reference": reference})
    assert owner.execute("SELECT t::text FROM tickets t ORDER BY id").fetchall() == before


@pytest.mark.parametrize(
    "helper",
    [
        "api_rewrite_tickets('[]', NULL, NULL, NULL)",
        "api_locked_booking('ABCDEF')",
        "api_refund(100, now(), now())",
        "api_leg(1, 0, 1)",
    ],
)
def test_a_desk_cannot_call_the_functions_helpers(desk, helper):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(f"SELECT {helper}")


def test_only_the_three_writes_are_the_desks_to_call(owner):
    module = ScriptDirectory.from_config(schema.alembic_config()).get_revision("0019").module
    callable_by = {
        signature: owner.execute(
            "SELECT has_function_privilege('public', %(f)s, 'EXECUTE'), "
            "has_function_privilege('ticket_office_counter', %(f)s, 'EXECUTE'), "
            "has_function_privilege('ticket_office_conductor', %(f)s, 'EXECUTE')",
            {"f": f"public.{signature}"},
        ).fetchone()
        for signature in module.FUNCTIONS
    }
    writes = {s for s in callable_by if not s.startswith("api_")}
    assert {s.split("(")[0] for s in writes} == {"cancel_tickets", "change_seats", "move_booking"}
    for signature, (public, counter, conductor) in callable_by.items():
        assert (public, counter, conductor) == (False, signature in writes, False), signature


def test_a_desk_cannot_forge_an_audit_event_in_another_operators_name(desk, supervisor):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        desk.execute(
            "INSERT INTO audit_events (operator_id, kind, subject) "
            "VALUES (%s, 'cancellation', 'FORGED')",
            (supervisor.id,),
        )


def test_the_cancellations_audit_event_names_the_session_not_what_the_desk_says(
    backend, services, clerk, supervisor, party
):
    reference, _tickets, _spare = party
    pretending = replace(clerk, id=supervisor.id, username="supervisor")
    cancellation.cancel(services.uow(), pretending, reference)
    ((operator_id,),) = owner_reads.read(
        backend,
        "SELECT operator_id FROM audit_events WHERE kind = 'cancellation' AND subject = :r",
        {"r": reference},
    )
    assert operator_id == clerk.id


def test_a_conductors_session_may_not_cancel_even_past_the_apps_own_check(
    backend, services, conductor, party
):
    reference, _tickets, _spare = party
    before = table_counts(backend)
    with pytest.raises(PermissionDenied, match="conductor"):
        requests.send(
            services.uow(),
            conductor,
            "SELECT cancel_tickets($1, $2::uuid, $3, NULL)",
            (reference,),
            request_id=None,
            what="a cancellation",
            saved=str,
        )
    assert table_counts(backend) == before


# --- a request sent again ---------------------------------------------------------------------


def test_a_cancellation_sent_twice_with_one_request_id_refunds_once(
    backend, services, clerk, owner, party
):
    reference, tickets, _spare = party
    request_id = requests.new_request_id()
    first = cancellation.cancel(
        services.uow(), clerk, reference, [tickets[0]], request_id=request_id
    )
    after_first = _booking_row(owner, reference), table_counts(backend)
    again = cancellation.cancel(
        services.uow(), clerk, reference, [tickets[0]], request_id=request_id
    )
    assert again == first
    assert (_booking_row(owner, reference), table_counts(backend)) == after_first
    assert owner_reads.audit_kinds(backend, reference) == ["booking", "cancellation"]


def test_a_seat_change_sent_twice_with_one_request_id_changes_once(
    backend, services, clerk, owner, journey, party
):
    reference, tickets, _spare = party
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    first_class = free_seats(seat_map, 1, coach=FIRST_CLASS_COACH)[0]
    request_id = requests.new_request_id()
    first = changes.change_seat(
        services.uow(), clerk, reference, tickets[0], first_class, request_id=request_id
    )
    assert first.due_cents > 0
    after_first = _booking_row(owner, reference)
    again = changes.change_seat(
        services.uow(), clerk, reference, tickets[0], first_class, request_id=request_id
    )
    assert again == first
    assert _booking_row(owner, reference) == after_first
    assert owner_reads.audit_kinds(backend, reference) == ["booking", "seat_change"]


def test_a_move_sent_twice_with_one_request_id_moves_once(
    backend, services, clerk, owner, next_day, party
):
    reference, tickets, _spare = party
    seat_map = services.counter(clerk).seat_map(
        next_day.run_id, next_day.board_position, next_day.alight_position
    )
    target = dict(zip(tickets, free_seats(seat_map, 2, coach=STANDARD_COACH), strict=True))
    leg = (next_day.run_id, next_day.board_position, next_day.alight_position)
    request_id = requests.new_request_id()
    first = changes.move_booking(
        services.uow(), clerk, reference, *leg, target, request_id=request_id
    )
    again = changes.move_booking(
        services.uow(), clerk, reference, *leg, target, request_id=request_id
    )
    assert again == first
    assert owner_reads.audit_kinds(backend, reference) == ["booking", "booking_move"]


def test_another_operator_cannot_replay_or_read_a_request_id(services, clerk, supervisor, party):
    reference, tickets, _spare = party
    request_id = requests.new_request_id()
    cancellation.cancel(services.uow(), clerk, reference, [tickets[0]], request_id=request_id)
    with pytest.raises(ValidationError, match="already in use"):
        cancellation.cancel(
            services.uow(), supervisor, reference, [tickets[1]], request_id=request_id
        )


# --- a lost reply -----------------------------------------------------------------------------


def _lose_the_reply(monkeypatch, function: str, *, after_commit: bool) -> None:
    """The next call of `function` loses its connection: after the server committed it, or
    before the statement reached the server."""
    real_run = statement_pool.PreparedStatements.run
    lost = {"done": False}

    def run(self, statement, params):
        if function not in statement or lost["done"]:
            return real_run(self, statement, params)
        lost["done"] = True
        if after_commit:
            real_run(self, statement, params)
        self._connection.close()
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(statement_pool.PreparedStatements, "run", run)


def test_a_cancellation_whose_reply_is_lost_is_said_to_be_saved_with_its_refund(
    backend, services, clerk, owner, party, monkeypatch
):
    reference, _tickets, _spare = party
    _lose_the_reply(monkeypatch, "cancel_tickets", after_commit=True)
    with pytest.raises(DatabaseUnavailable, match=r"but it was saved: 2 tickets cancelled, refund"):
        services.counter(clerk).cancel(reference)
    assert _booking_row(owner, reference)[2] == "cancelled"


def test_a_cancellation_lost_on_its_way_is_said_not_saved_and_never_can_be(
    backend, services, clerk, owner, party, monkeypatch
):
    reference, _tickets, _spare = party
    before = table_counts(backend), _booking_row(owner, reference)
    request_id = requests.new_request_id()
    _lose_the_reply(monkeypatch, "cancel_tickets", after_commit=False)
    with pytest.raises(DatabaseUnavailable, match="was not saved") as lost:
        cancellation.cancel(services.uow(), clerk, reference, request_id=request_id)
    assert "saved:" not in str(lost.value)
    assert (table_counts(backend), _booking_row(owner, reference)) == before
    # Should the lost request still arrive, it cannot be saved any more.
    with pytest.raises(DatabaseUnavailable, match="was not saved"):
        cancellation.cancel(services.uow(), clerk, reference, request_id=request_id)
    assert (table_counts(backend), _booking_row(owner, reference)) == before


def test_a_cancellation_refused_by_a_lock_timeout_is_no_lost_reply(
    backend, services, clerk, owner, party
):
    reference, _tickets, _spare = party
    request_id = requests.new_request_id()
    with psycopg.connect(owner.info.dsn) as blocker:
        blocker.execute("SELECT 1 FROM bookings WHERE reference = %s FOR UPDATE", (reference,))
        with pytest.raises(DatabaseUnavailable, match="busy") as refused:
            cancellation.cancel(services.uow(), clerk, reference, request_id=request_id)
    assert "saved" not in str(refused.value)
    # The id was not given up: the same request goes through once the booking is free.
    assert cancellation.cancel(services.uow(), clerk, reference, request_id=request_id).lines


def test_a_seat_change_whose_reply_is_lost_is_said_to_be_saved(services, clerk, party, monkeypatch):
    reference, tickets, spare = party
    _lose_the_reply(monkeypatch, "change_seats", after_commit=True)
    saved = r"but it was saved: train [^,]+, Ana Silva in coach \d+ seat \w+; nothing due\."
    with pytest.raises(DatabaseUnavailable, match=saved):
        services.counter(clerk).change_seat(reference, tickets[0], spare[0])
    changed = next(
        t
        for t in services.counter(clerk).find_booking(reference).tickets
        if t.ticket_id == tickets[0]
    )
    assert changed.passenger_name == "Ana Silva"


# --- the quotes and the server agree ----------------------------------------------------------


def test_a_quoted_cancellation_is_what_the_server_refunds(services, clerk, party):
    reference, tickets, _spare = party
    counter = services.counter(clerk)
    one = counter.quote_cancellation(reference, [tickets[1]])
    assert counter.cancel(reference, [tickets[1]]) == one
    rest = counter.quote_cancellation(reference)
    assert counter.cancel(reference) == rest


def test_a_late_cancellation_pays_the_fee_the_quote_showed(
    services, clerk, owner_engine, journey, party
):
    reference, _tickets, _spare = party
    # The train now leaves within the day: the 20% fee (at least 2.00) applies.
    as_owner(
        owner_engine,
        "UPDATE run_stops SET departs_at = now() + interval '3 hours' "
        "WHERE run_id = :run AND position = :board",
        {"run": journey.run_id, "board": journey.board_position},
    )
    counter = services.counter(clerk)
    quote = counter.quote_cancellation(reference)
    assert all(line.fee_cents > 0 for line in quote.lines)
    assert counter.cancel(reference) == quote


def test_a_quoted_upgrade_is_what_the_server_charges(services, clerk, journey, party):
    reference, tickets, _spare = party
    counter = services.counter(clerk)
    seat_map = counter.seat_map(journey.run_id, journey.board_position, journey.alight_position)
    first_class = free_seats(seat_map, 1, coach=FIRST_CLASS_COACH)[0]
    quote = counter.quote_seat_change(reference, tickets[0], first_class)
    assert quote.due_cents > 0 and quote.lines[0].new_seat_class is SeatClass.FIRST
    assert counter.change_seat(reference, tickets[0], first_class) == quote


def test_a_quoted_move_is_what_the_server_does(services, clerk, next_day, party):
    reference, tickets, _spare = party
    counter = services.counter(clerk)
    seat_map = counter.seat_map(next_day.run_id, next_day.board_position, next_day.alight_position)
    seats = [
        free_seats(seat_map, 1, coach=FIRST_CLASS_COACH)[0],
        free_seats(seat_map, 1, coach=STANDARD_COACH)[0],
    ]
    leg = (next_day.run_id, next_day.board_position, next_day.alight_position)
    target = dict(zip(tickets, seats, strict=True))
    quote = counter.quote_move(reference, *leg, target)
    assert counter.move_booking(reference, *leg, target) == quote


def test_the_servers_words_are_the_apps(owner):
    assert owner.execute("SELECT api_refund_rule()").fetchone()[0] == RULE_TEXT
    assert owner.execute("SELECT api_change_rule()").fetchone()[0] == changes.FARE_RULE
    assert owner.execute("SELECT api_seat_caption(4, '12A')").fetchone()[0] == seat_caption(
        4, "12A"
    )
    for offset in range(0, 400, 13):
        day = date(2026, 1, 1) + timedelta(days=offset)
        assert owner.execute("SELECT api_day_text(%s)", (day,)).fetchone()[0] == day_text(day)
