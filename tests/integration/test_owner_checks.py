"""The product owner's race and bad-input checks against the services and the database.

Every hostile input must end in a typed error from `ticket_office.domain.errors` with a short
message fit for a counter, and must write nothing (row counts compared before and after). The
database guards are attacked with raw psycopg, bypassing the services, and a few races run
eight counters (each its own backend and connection pool) against one seat or one booking.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import owner_reads
import psycopg
import pytest
from helpers import as_owner, free_seats, request, table_counts

from ticket_office.backend import open_backend
from ticket_office.config import DatabaseChoice
from ticket_office.db.engine import libpq_url
from ticket_office.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    BookingNotChangeable,
    InvalidSegment,
    NotFound,
    PermissionDenied,
    RunNotBookable,
    SeatUnavailable,
    TicketOfficeError,
    ValidationError,
)
from ticket_office.domain.text_rules import has_control_characters
from ticket_office.services import operators
from ticket_office.services.results import BookingRequest, PassengerRequest, Payment

COUNTERS = 8


def assert_clear(error: BaseException) -> None:
    """A message for the counter: one short line, no control or bidi characters."""
    message = str(error)
    assert isinstance(error, TicketOfficeError), repr(error)
    assert message and len(message) <= 200 and "\n" not in message, repr(message)
    assert not has_control_characters(message), repr(message)


def refusals(calls, expected) -> dict[str, str]:
    """Run each call; return {name: what went wrong} for those not refused with `expected`."""
    wrong = {}
    for name, call in calls.items():
        try:
            call()
            wrong[name] = "no error"
        except expected as error:
            assert_clear(error)
        except Exception as error:
            wrong[name] = repr(error)[:150]
    return wrong


def sql(backend, statement: str, params=()):
    with psycopg.connect(libpq_url(backend.database.url), autocommit=True) as conn:
        return conn.execute(statement, params).fetchall()


@pytest.fixture
def seat_map(services, clerk, journey):
    return services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )


@pytest.fixture
def booked(services, clerk, journey, seat_map):
    """A two-passenger booking in coach 5; returns (reference, ticket ids, a spare free seat)."""
    seats = free_seats(seat_map, 3, coach=5)
    reference = services.counter(clerk).book(
        request(journey, seats[:2], ["Ana Silva", "Rui Costa"])
    )
    tickets = [
        t.ticket_id for t in services.counter(clerk).find_booking(reference.reference).tickets
    ]
    return reference.reference, tickets, seats[2]


# --- bad input to a sale --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "A" * 10_000,
        "Ana\x00Silva",
        "Ana\u202eavliS",
        "\u2066Ana\u2069",
        "Ana\u200dSilva",
        "\U0001f686\U0001f686\U0001f686",
        "\u3000\u3000",
        "Ana\ud800",
        "\x1b[31mAna",
    ],
    ids=[
        "10k",
        "nul",
        "rtl-override",
        "bidi-isolate",
        "zwj",
        "emoji-only",
        "ideographic-space",
        "lone-surrogate",
        "ansi-escape",
    ],
)
def test_hostile_passenger_names_are_refused_clearly_and_write_nothing(
    services, backend, clerk, journey, seat_map, name
):
    before = table_counts(backend)
    with pytest.raises(ValidationError) as raised:
        services.counter(clerk).book(request(journey, free_seats(seat_map, 2), ["Eva Luz", name]))
    assert_clear(raised.value)
    assert "Passenger 2" in str(raised.value)
    assert table_counts(backend) == before


def test_emoji_and_decomposed_accents_within_80_characters_are_sold_and_stored_normalised(
    services, clerk, journey, seat_map
):
    names = ["A" + "\U0001f686" * 79, "  Zoe\u0308   O\u2019Brien-\u0141ukasz  "]
    sold = services.counter(clerk).book(request(journey, free_seats(seat_map, 2), names))
    stored = {
        t.passenger_name for t in services.counter(clerk).find_booking(sold.reference).tickets
    }
    assert stored == {names[0], "Zo\u00eb O\u2019Brien-\u0141ukasz"}


@pytest.mark.parametrize(
    "payment",
    [
        Payment("cash", -1),
        Payment("card", None, None),
        Payment("card", None, "   "),
        Payment("card", None, "X" * 41),
        Payment("card", None, "CARD\x00-1"),
        Payment("card", None, "CARD\u202e-1"),
        Payment("cheque", None, "X"),
        Payment("", None, None),
        Payment("cash", 2**31),
        Payment("cash", 2**63),
    ],
    ids=[
        "cash-negative",
        "card-none",
        "card-blank",
        "card-41",
        "card-nul",
        "card-rtl",
        "cheque",
        "no-method",
        "cash-2^31",
        "cash-2^63",
    ],
)
def test_bad_payments_are_refused_clearly_and_write_nothing(
    services, backend, clerk, journey, seat_map, payment
):
    before = table_counts(backend)
    with pytest.raises(ValidationError) as raised:
        services.counter(clerk).book(request(journey, free_seats(seat_map, 1), payment=payment))
    assert_clear(raised.value)
    assert table_counts(backend) == before


SALES_USE_CASES = {
    "book": lambda s, op, run, b, a, seat: s.counter(op).book(
        BookingRequest(run, b, a, (PassengerRequest(seat, "Eva Luz"),), Payment("cash"))
    ),
    "quote": lambda s, op, run, b, a, seat: s.counter(op).quote(run, b, a, [seat], ["adult"]),
    "seat_map": lambda s, op, run, b, a, seat: s.counter(op).seat_map(run, b, a),
    "set_holds": lambda s, op, run, b, a, seat: s.counter(op).set_holds(run, b, a, [seat]),
}


@pytest.mark.parametrize(
    ("run", "board", "alight", "error"),
    [
        (-1, 0, 1, NotFound),
        (0, 0, 1, NotFound),
        (2**31, 0, 1, NotFound),
        (2**63, 0, 1, NotFound),
        (None, -5, -1, InvalidSegment),
        (None, 4, 2, InvalidSegment),
        (None, 3, 3, InvalidSegment),
        (None, 0, 2**15, InvalidSegment),
        (None, 0, 2**63, InvalidSegment),
        (None, 2**63, 2**63 + 1, InvalidSegment),
    ],
)
def test_absurd_runs_and_stops_get_a_typed_error_from_every_sales_use_case(
    services, backend, clerk, journey, seat_map, run, board, alight, error
):
    before, seat = table_counts(backend), free_seats(seat_map, 1)[0]
    run = journey.run_id if run is None else run
    calls = {
        name: lambda u=u: u(services, clerk, run, board, alight, seat)
        for name, u in SALES_USE_CASES.items()
    }
    assert refusals(calls, error) == {}
    assert table_counts(backend) == before


def test_a_seat_of_another_run_is_not_found_by_any_sales_use_case(
    services, backend, clerk, journey
):
    (seat,) = sql(backend, "SELECT min(id) FROM run_seats WHERE run_id <> %s", (journey.run_id,))
    before = table_counts(backend)
    calls = {
        name: lambda u=u: u(services, clerk, journey.run_id, 0, 1, seat[0])
        for name, u in SALES_USE_CASES.items()
        if name != "seat_map"
    }
    assert refusals(calls, NotFound) == {}
    assert table_counts(backend) == before


@pytest.mark.parametrize(
    ("seats", "concessions"),
    [
        ([], []),
        ("ten", ["adult"] * 10),
        ("one", ["adult", "adult"]),
        ("one", ["\u202eadult"]),
        ("twice", ["adult", "adult"]),
    ],
    ids=["none", "ten", "too-many-concessions", "rtl-concession", "same-seat-twice"],
)
def test_a_quote_refuses_every_party_the_sale_would_refuse(
    services, clerk, journey, seat_map, seats, concessions
):
    free = free_seats(seat_map, 10)
    chosen = {"ten": free, "one": free[:1], "twice": free[:1] * 2}.get(str(seats), [])
    with pytest.raises(ValidationError):
        services.counter(clerk).quote(
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            chosen,
            concessions,
        )


def test_a_cancelled_run_cannot_be_sold_or_held(
    services, backend, owner_engine, clerk, journey, seat_map
):
    as_owner(
        owner_engine, "UPDATE runs SET status = 'cancelled' WHERE id = :r", {"r": journey.run_id}
    )
    before = table_counts(backend)
    seat = free_seats(seat_map, 1)[0]
    for name in ("book", "set_holds"):
        with pytest.raises(RunNotBookable, match="cancelled"):
            SALES_USE_CASES[name](services, clerk, journey.run_id, 0, 3, seat)
    assert table_counts(backend) == before


# --- references and name searches ------------------------------------------------------------

BOOKING_USE_CASES = {
    "find_booking": lambda s, op, ref: s.counter(op).find_booking(ref),
    "quote_cancellation": lambda s, op, ref: s.counter(op).quote_cancellation(ref),
    "cancel": lambda s, op, ref: s.counter(op).cancel(ref),
    "ticket_documents": lambda s, op, ref: s.counter(op).ticket_documents(ref),
    "reprint_tickets": lambda s, op, ref: s.counter(op).reprint_tickets(ref),
    "quote_seat_change": lambda s, op, ref: s.counter(op).quote_seat_change(ref, 1, 1),
    "change_seat": lambda s, op, ref: s.counter(op).change_seat(ref, 1, 1),
    "quote_move": lambda s, op, ref: s.counter(op).quote_move(ref, 1, 0, 1, {1: 1}),
    "move_booking": lambda s, op, ref: s.counter(op).move_booking(ref, 1, 0, 1, {1: 1}),
}


@pytest.mark.parametrize(
    "reference",
    [
        "' OR 1=1 --",
        "ABC'; DROP TABLE bookings; --",
        "x" * 10_000,
        "zzzzzz",
        " 2 3 4 5 6 7 ",
        "\U0001f686" * 6,
        "AB\x00CDE",
    ],
    ids=["or-1=1", "drop-table", "10k", "unknown-lower", "unknown-spaced", "emoji", "nul"],
)
def test_garbage_references_get_a_typed_error_from_every_booking_use_case(
    services, backend, clerk, booked, reference
):
    before = table_counts(backend)
    calls = {
        name: lambda u=u: u(services, clerk, reference) for name, u in BOOKING_USE_CASES.items()
    }
    assert refusals(calls, (ValidationError, NotFound)) == {}
    assert table_counts(backend) == before
    assert sql(backend, "SELECT count(*) FROM bookings")[0][0] >= 1  # still there


@pytest.mark.parametrize(
    "attempt",
    [
        lambda s, op, j, seat: s.counter(op).find_booking("\u202eABCDEF"),
        lambda s, op, j, seat: s.counter(op).find_booking("AB\x07CDE"),
        lambda s, op, j, seat: s.counter(op).quote(j.run_id, 0, 3, [seat], ["\u202eadult"]),
    ],
    ids=["reference-rtl", "reference-bell", "concession-rtl"],
)
def test_refusals_never_echo_control_or_bidi_characters_to_the_counter(
    services, clerk, journey, seat_map, attempt
):
    with pytest.raises(ValidationError) as raised:
        attempt(services, clerk, journey, free_seats(seat_map, 1)[0])
    assert_clear(raised.value)


@pytest.mark.parametrize("pattern", ["%%", "__", "%_%", "\\%"])
def test_wildcards_in_a_name_search_match_only_themselves(
    services, clerk, journey, booked, pattern
):
    assert (
        services.counter(clerk).find_bookings_by_passenger(pattern, journey.departs_at.date()) == []
    )


# --- roles ---------------------------------------------------------------------------------


def _clerk_desk(s, op, journey, booked):
    ref, tickets, spare = booked
    leg = (journey.run_id, journey.board_position, journey.alight_position)
    return {
        "quote": lambda: s.counter(op).quote(*leg, [spare], ["adult"]),
        "book": lambda: s.counter(op).book(request(journey, [spare])),
        "set_holds": lambda: s.counter(op).set_holds(*leg, [spare]),
        "quote_cancellation": lambda: s.counter(op).quote_cancellation(ref),
        "cancel": lambda: s.counter(op).cancel(ref),
        "quote_seat_change": lambda: s.counter(op).quote_seat_change(ref, tickets[0], spare),
        "change_seat": lambda: s.counter(op).change_seat(ref, tickets[0], spare),
        "quote_move": lambda: s.counter(op).quote_move(ref, *leg, {tickets[0]: spare}),
        "move_booking": lambda: s.counter(op).move_booking(ref, *leg, {tickets[0]: spare}),
        "ticket_documents": lambda: s.counter(op).ticket_documents(ref),
        "reprint_tickets": lambda: s.counter(op).reprint_tickets(ref),
        "rotate_signing_key": lambda: s.supervisor(op).rotate_signing_key(),
        "list_operators": lambda: s.supervisor(op).list_operators(),
    }


def test_a_conductor_is_refused_every_clerk_and_supervisor_use_case_and_writes_nothing(
    services, backend, conductor, journey, booked
):
    before = table_counts(backend)
    assert refusals(_clerk_desk(services, conductor, journey, booked), PermissionDenied) == {}
    assert table_counts(backend) == before


def test_a_clerk_is_refused_conductor_and_supervisor_use_cases_and_writes_nothing(
    services, backend, clerk, journey, booked
):
    before = table_counts(backend)
    calls = {
        name: call
        for name, call in _clerk_desk(services, clerk, journey, booked).items()
        if name in ("rotate_signing_key", "list_operators")
    }
    calls["public_keys"] = lambda: services.conductor(clerk).public_keys()
    calls["deactivate"] = lambda: operators.deactivate(services.uow(), clerk, "conductor")
    assert refusals(calls, PermissionDenied) == {}
    assert table_counts(backend) == before


# --- logging in and passwords ----------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["clerk-demo-2026\x00", "\x00", "x" * 10_000, "clerk-demo-2026" + "\U0001f686" * 20]
)
def test_nul_bytes_and_overlong_passwords_at_login_are_just_wrong_passwords(services, password):
    with pytest.raises(AuthenticationFailed) as raised:
        services.log_in("clerk", password)
    assert_clear(raised.value)


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("\U0001f686" * 9, "at least 10"),
        ("\U0001f686" * 18 + "a", "72 bytes"),
        ("long-enough\x00pw", "control characters"),
        ("\t" * 12, "control characters"),
    ],
)
def test_new_passwords_are_measured_in_utf8_bytes_and_refuse_control_characters(
    services, new, message
):
    with pytest.raises(ValidationError, match=message):
        services.change_password("clerk", "clerk-demo-2026", new)


def test_wrong_current_passwords_in_a_password_change_count_towards_the_lockout(services):
    for attempt in range(5):
        expected = AccountLocked if attempt == 4 else AuthenticationFailed
        with pytest.raises(expected):
            services.change_password("clerk", f"not-it-{attempt}", "brand-new-password-1")
    with pytest.raises(AccountLocked):
        services.log_in("clerk", "clerk-demo-2026")


def test_an_inactive_account_with_a_wrong_password_does_not_say_it_is_inactive(
    supervisor_desk, services, supervisor
):
    operators.deactivate(supervisor_desk.uow(), supervisor, "clerk")
    with pytest.raises(AuthenticationFailed):
        services.log_in("clerk", "not-the-password")


# --- the database's own guards, bypassing the services --------------------------------------


def _raw_ticket(conn, clerk, run_id, seat, board, alight, reference):
    booking = conn.execute(
        "INSERT INTO bookings (reference, run_id, operator_id, total_cents, payment_method) "
        "VALUES (%s, %s, %s, 100, 'card') RETURNING id",
        (reference, run_id, clerk.id),
    ).fetchone()[0]
    return conn.execute(
        "INSERT INTO tickets (booking_id, run_id, run_seat_id, board_position, alight_position, "
        "passenger_name, concession_code, seat_class, fare_cents) "
        "VALUES (%s, %s, %s, %s, %s, 'Raw Client', 'adult', 'standard', 100) RETURNING id",
        (booking, run_id, seat, board, alight),
    ).fetchone()[0]


@pytest.fixture
def raw(database_url):
    """The database's owner, bypassing every service: what the constraints and triggers let
    through whatever the privileges (a desk may not write these rows at all)."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        yield conn


def test_raw_overlapping_tickets_on_one_seat_hit_the_exclusion_constraint(
    raw, clerk, journey, seat_map
):
    seat = free_seats(seat_map, 1, coach=4)[0]
    _raw_ticket(raw, clerk, journey.run_id, seat, 0, 5, "RAW001")
    with pytest.raises(psycopg.errors.ExclusionViolation, match="ex_tickets_no_double_sale"):
        _raw_ticket(raw, clerk, journey.run_id, seat, 4, 6, "RAW002")


def test_raw_back_to_back_legs_share_a_seat_and_a_cancelled_leg_can_be_resold(
    raw, clerk, journey, seat_map
):
    seat = free_seats(seat_map, 1, coach=4)[0]
    first = _raw_ticket(raw, clerk, journey.run_id, seat, 0, 3, "RAW001")
    _raw_ticket(raw, clerk, journey.run_id, seat, 3, 6, "RAW002")
    raw.execute("UPDATE tickets SET status = 'cancelled' WHERE id = %s", (first,))
    _raw_ticket(raw, clerk, journey.run_id, seat, 0, 3, "RAW003")
    (active,) = raw.execute(
        "SELECT count(*) FROM tickets WHERE run_seat_id = %s AND status = 'active'", (seat,)
    ).fetchone()
    assert active == 2


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET details = '{}'", "DELETE FROM audit_events", "TRUNCATE audit_events"],
)
def test_raw_sql_cannot_rewrite_or_erase_the_audit_trail(database_url, clerk, statement):
    # As the schema's owner: a desk may not even try (test_desk_access.py).
    with psycopg.connect(libpq_url(database_url), autocommit=True) as owner:
        (before,) = owner.execute("SELECT count(*) FROM audit_events").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            owner.execute(statement)
        assert owner.execute("SELECT count(*) FROM audit_events").fetchone()[0] == before > 0


_ITS_BOOKING = "WHERE id = (SELECT booking_id FROM tickets WHERE id = %s)"


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE tickets SET status = 'refunded' WHERE id = %s", "ck_tickets_status"),
        ("UPDATE tickets SET status = 'Active' WHERE id = %s", "ck_tickets_status"),
        (f"UPDATE bookings SET status = '' {_ITS_BOOKING}", "ck_bookings_status"),
        (
            f"UPDATE bookings SET payment_method = 'cheque' {_ITS_BOOKING}",
            "ck_bookings_payment_method",
        ),
    ],
)
def test_raw_sql_cannot_write_an_unknown_status_or_payment_method(
    raw, clerk, journey, seat_map, statement, constraint
):
    seat = free_seats(seat_map, 1, coach=4)[0]
    ticket = _raw_ticket(raw, clerk, journey.run_id, seat, 0, 5, "RAW001")
    with pytest.raises(psycopg.errors.CheckViolation, match=constraint):
        raw.execute(statement, (ticket,))


def test_raw_sql_may_write_every_known_status_and_payment_method(raw, clerk, journey, seat_map):
    seat = free_seats(seat_map, 1, coach=4)[0]
    ticket = _raw_ticket(raw, clerk, journey.run_id, seat, 0, 5, "RAW001")
    for status in ("no_show", "cancelled", "active"):
        raw.execute("UPDATE tickets SET status = %s WHERE id = %s", (status, ticket))
    for status, method in (("cancelled", "cash"), ("active", "card")):
        raw.execute(
            f"UPDATE bookings SET status = %s, payment_method = %s {_ITS_BOOKING}",
            (status, method, ticket),
        )


def test_raw_sql_cannot_sell_a_seat_under_another_runs_id(raw, clerk, journey, seat_map):
    seat = free_seats(seat_map, 1, coach=4)[0]
    (other_run,) = raw.execute(
        "SELECT min(id) FROM runs WHERE id <> %s", (journey.run_id,)
    ).fetchone()
    _raw_ticket(raw, clerk, journey.run_id, seat, 0, 5, "RAW001")
    with pytest.raises(psycopg.IntegrityError):
        _raw_ticket(raw, clerk, other_run, seat, 0, 5, "RAW002")


@pytest.fixture
def owner_raw(database_url):
    """The schema's owner: desks may not write holds at all (revision 0016)."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        yield conn


def test_raw_sql_cannot_hold_a_seat_under_another_runs_id(owner_raw, clerk, journey, seat_map):
    seat = free_seats(seat_map, 1, coach=4)[0]
    (other_run,) = owner_raw.execute(
        "SELECT min(id) FROM runs WHERE id <> %s", (journey.run_id,)
    ).fetchone()
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        owner_raw.execute(
            "INSERT INTO seat_holds (run_id, run_seat_id, board_position, alight_position, "
            "operator_id, client_id, expires_at) "
            "VALUES (%s, %s, 0, 5, %s, 'raw-client', now() + interval '5 minutes')",
            (other_run, seat, clerk.id),
        )


# --- races ---------------------------------------------------------------------------------


@pytest.fixture
def counters(database_url):
    """Eight counters, each with its own backend and connection pool."""
    opened = [
        open_backend(choice=DatabaseChoice(database_url, "test"), pool_size=2)
        for _ in range(COUNTERS)
    ]
    yield [b.services for b in opened]
    for b in opened:
        b.close()


def race(calls) -> list[tuple[str, object]]:
    """Run the calls at once (a barrier); return ("ok", result) or ("error", exception)."""
    start = threading.Barrier(len(calls))
    outcomes: list[tuple[str, object]] = [("missing", None)] * len(calls)

    def counter(n: int) -> None:
        start.wait()
        try:
            outcomes[n] = ("ok", calls[n]())
        except BaseException as error:
            outcomes[n] = ("error", error)

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a counter hung"
    return outcomes


def _one_winner(outcomes, loser_type) -> None:
    losers = [o for kind, o in outcomes if kind == "error"]
    assert sum(kind == "ok" for kind, _ in outcomes) == 1, outcomes
    assert all(type(o) is loser_type for o in losers), losers
    for loser in losers:
        assert_clear(loser)


@pytest.mark.parametrize(
    ("use_case", "count"),
    [
        ("book", "SELECT count(*) FROM tickets WHERE run_seat_id = %s AND status = 'active'"),
        ("set_holds", "SELECT count(*) FROM seat_holds WHERE run_seat_id = %s"),
    ],
)
def test_eight_counters_taking_one_seat_on_overlapping_legs_get_it_exactly_once(
    backend, counters, clerk, journey, seat_map, use_case, count
):
    seat = free_seats(seat_map, 1, coach=6)[0]
    # Each counter signs in: whose holds they are is the session's (revision 0016).
    signed_in = [counter.log_in(clerk.username, "clerk-demo-2026") for counter in counters]
    calls = [
        lambda n=n: SALES_USE_CASES[use_case](  # every leg covers stops 3-5
            counters[n],
            signed_in[n],
            journey.run_id,
            n % 4,
            5 + n % 4,
            seat,
        )
        for n in range(COUNTERS)
    ]
    _one_winner(race(calls), SeatUnavailable)
    assert sql(backend, count, (seat,))[0][0] == 1


def test_eight_counters_cancelling_one_booking_at_once_refund_it_exactly_once(
    backend, counters, clerk, booked
):
    reference = booked[0]
    calls = [
        lambda n=n: counters[n].counter(replace(clerk, client_id=f"counter-{n}")).cancel(reference)
        for n in range(COUNTERS)
    ]
    outcomes = race(calls)
    _one_winner(outcomes, BookingNotChangeable)
    (refund,) = [o.refund_cents for kind, o in outcomes if kind == "ok"]
    assert (
        sql(backend, "SELECT refunded_cents FROM bookings WHERE reference = %s", (reference,))[0][0]
        == refund
    )
    assert owner_reads.audit_kinds(backend, reference).count("cancellation") == 1


def test_eight_parallel_wrong_guesses_lock_the_account_and_nothing_slips_past(services):
    outcomes = race(
        [lambda n=n: services.log_in("clerk", f"guess-number-{n}") for n in range(COUNTERS)]
    )
    assert all(
        kind == "error" and type(o) in (AuthenticationFailed, AccountLocked) for kind, o in outcomes
    ), outcomes
    with pytest.raises(AccountLocked):
        services.log_in("clerk", "clerk-demo-2026")
