"""Whatever a desk passes to its facade, the answer is a typed refusal with its own message (never
the database's "out of range" fallback, never a raw exception) and nothing is written."""

from __future__ import annotations

import inspect
from datetime import datetime

import owner_reads
import pytest
from helpers import free_seats, request, table_counts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ticket_office.domain.errors import NotFound, TicketOfficeError, ValidationError
from ticket_office.services.desks.conductor import ConductorServices
from ticket_office.services.desks.counter import CounterServices
from ticket_office.services.desks.sign_in import SignInServices
from ticket_office.services.results import BookingRequest, PassengerRequest, Payment

FALLBACK = "out of range or contains characters that cannot be stored"

_WEIRD = ["a", "A", "1", " ", "\x00", "\ud800", "\udfff", "\x1b", "\x7f", "\u202e", "\u200b", "%"]
HOSTILE = st.one_of(
    st.integers(min_value=2**31 - 1, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=0),
    st.sampled_from([True, False, None, 2**31, 2**63, -1, 0, 1.0, b"PCA", object(), {1, 2}]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.sampled_from(_WEIRD), max_size=12),
    st.text(min_size=90, max_size=400),
    st.lists(
        st.one_of(st.integers(-(2**70), 2**70), st.booleans(), st.none(), st.text()), max_size=3
    ),
    st.dictionaries(st.one_of(st.integers(), st.text(max_size=3)), st.integers(), max_size=2),
    st.builds(datetime.now),
)


@pytest.fixture
def world(services, clerk, journey, full_day):
    """Valid values to mix with the hostile ones, so checks deep inside a use case are reached."""
    counter = services.counter(clerk)
    leg = (journey.run_id, journey.board_position, journey.alight_position)
    seats = free_seats(counter.seat_map(*leg), 3, coach=5)
    booked = counter.book(request(journey, seats[:2], ["Ana Silva", "Rui Costa"]))
    ticket_id = counter.find_booking(booked.reference).tickets[0].ticket_id
    return {
        "prefix": "Por",
        "origin": "PCA",
        "destination": "MAD",
        "travel_date": full_day,
        "earliest": None,
        "run_id": journey.run_id,
        "board": journey.board_position,
        "alight": journey.alight_position,
        "seat_ids": [seats[2]],
        "concessions": ["adult"],
        "reference": booked.reference,
        "name": "Ana",
        "ticket_ids": [ticket_id],
        "ticket_id": ticket_id,
        "seat_id": seats[2],
        "seats": {ticket_id: seats[2]},
        "concession": "adult",
        "method": "card",
        "cash_given": None,
        "card_reference": "CARD-1",
    }


def _book(counter, run_id, board, alight, seat_id, name, concession, method, cash_given, card):
    passenger = PassengerRequest(seat_id, name, concession)
    return counter.book(
        BookingRequest(run_id, board, alight, (passenger,), Payment(method, cash_given, card))
    )


# Each public method of the counter, as (call, the names of its arguments in `world`).
CALLS = {
    "list_stations": (CounterServices.list_stations, ()),
    "list_concessions": (CounterServices.list_concessions, ()),
    "find_stations": (CounterServices.find_stations, ("prefix",)),
    "search_journeys": (
        CounterServices.search_journeys,
        ("origin", "destination", "travel_date", "earliest"),
    ),
    "seat_map": (CounterServices.seat_map, ("run_id", "board", "alight")),
    "quote": (CounterServices.quote, ("run_id", "board", "alight", "seat_ids", "concessions")),
    "book": (
        _book,
        ("run_id", "board", "alight", "seat_id", "name", "concession", "method", "cash_given")
        + ("card_reference",),
    ),
    "set_holds": (CounterServices.set_holds, ("run_id", "board", "alight", "seat_ids")),
    "release_holds": (CounterServices.release_holds, ("run_id",)),
    "find_booking": (CounterServices.find_booking, ("reference",)),
    "find_bookings_by_passenger": (
        CounterServices.find_bookings_by_passenger,
        ("name", "travel_date"),
    ),
    "quote_cancellation": (CounterServices.quote_cancellation, ("reference", "ticket_ids")),
    "cancel": (CounterServices.cancel, ("reference", "ticket_ids")),
    "ticket_documents": (CounterServices.ticket_documents, ("reference",)),
    "reprint_tickets": (CounterServices.reprint_tickets, ("reference",)),
    "quote_seat_change": (CounterServices.quote_seat_change, ("reference", "ticket_id", "seat_id")),
    "change_seat": (CounterServices.change_seat, ("reference", "ticket_id", "seat_id")),
    "quote_move": (
        CounterServices.quote_move,
        ("reference", "run_id", "board", "alight", "seats"),
    ),
    "move_booking": (
        CounterServices.move_booking,
        ("reference", "run_id", "board", "alight", "seats"),
    ),
}


def test_every_public_method_of_the_counter_is_driven():
    public = {
        name
        for name, member in inspect.getmembers(CounterServices, inspect.isfunction)
        if not name.startswith("_")
    }
    assert public == set(CALLS)


def _snapshot(backend) -> tuple:
    """Row counts, and the contents of what a refused change could touch."""
    with backend.uow() as uow:
        digest = uow.session.execute(
            text(
                "SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM tickets t),"
                " (SELECT md5(string_agg(b::text, ',' ORDER BY id)) FROM bookings b),"
                " (SELECT md5(string_agg(h::text, ',' ORDER BY id)) FROM seat_holds h)"
            )
        ).one()
    return table_counts(backend), tuple(digest)


@pytest.mark.parametrize("method", sorted(name for name, (_, args) in CALLS.items() if args))
def test_hostile_arguments_get_a_typed_refusal_and_write_nothing(
    services, clerk, backend, world, method
):
    call, names = CALLS[method]
    _drive(
        lambda *values: call(services.counter(clerk), *values),
        [world[name] for name in names],
        lambda: _snapshot(backend),
        examples=30,
    )


def _drive(call, valid, snapshot, *, examples: int) -> None:
    """Call with each argument either its valid value or a hostile one (at least one hostile):
    a refusal must be typed, not the database's fallback, and leave `snapshot()` unchanged."""

    def argument(value):
        return st.one_of(
            st.tuples(st.just(False), st.just(value)), st.tuples(st.just(True), HOSTILE)
        )

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.tuples(*(argument(value) for value in valid)).filter(lambda a: any(h for h, _ in a)))
    def drive(arguments):
        before = snapshot()
        try:
            call(*(value for _, value in arguments))
        except TicketOfficeError as error:
            assert FALLBACK not in str(error), "the check was left to the database"
            assert snapshot() == before, "a refusal wrote"

    drive()


def test_methods_without_arguments_answer(services, clerk):
    counter = services.counter(clerk)
    assert counter.list_stations()
    assert counter.list_concessions()


# The inputs issue 14 found reaching callers raw, or as the database's generic fallback.
CASES = [
    ("find_stations", ("ab\ud800cd",), ValidationError),
    ("find_stations", ("Por\x00to",), ValidationError),
    ("release_holds", (True,), ValidationError),
    ("release_holds", (2**31,), NotFound),
    ("release_holds", (-1,), ValidationError),
    ("cancel", ("@ref", 5), ValidationError),
    ("quote_cancellation", ("@ref", 5), ValidationError),
    ("cancel", ("@ref", []), ValidationError),
    ("quote_cancellation", ("@ref", []), ValidationError),
    ("change_seat", ("@ref", "@ticket", 2**63), NotFound),
    ("find_bookings_by_passenger", ("Ana", "garbage"), ValidationError),
    ("find_bookings_by_passenger", ("Ana", None), ValidationError),
]


@pytest.mark.parametrize(("method", "arguments", "error"), CASES)
def test_each_bad_input_found_gets_its_own_typed_error(
    services, clerk, backend, world, method, arguments, error
):
    values = {"@ref": world["reference"], "@ticket": world["ticket_id"]}
    before = _snapshot(backend)
    with pytest.raises(error) as refused:
        getattr(services.counter(clerk), method)(
            *(values.get(a, a) if isinstance(a, str) else a for a in arguments)
        )
    assert FALLBACK not in str(refused.value)
    assert _snapshot(backend) == before


# The conductor's facade shares the counter's reads; its own is the public keys.
CONDUCTOR_CALLS = {
    name: (getattr(ConductorServices, name), CALLS[name][1])
    for name, _ in inspect.getmembers(ConductorServices, inspect.isfunction)
    if name in CALLS
}
# Signing in: the only facade not bound to an operator.
SIGN_IN_CALLS = {
    "log_in": (SignInServices.log_in, ("username", "password")),
    "change_password": (SignInServices.change_password, ("username", "password", "new_password")),
}


def test_every_public_method_of_the_conductor_and_the_sign_in_is_driven():
    def public(facade):
        return {
            name
            for name, _ in inspect.getmembers(facade, inspect.isfunction)
            if not name.startswith("_")
        }

    assert public(ConductorServices) == {*CONDUCTOR_CALLS, "public_keys"}
    assert public(SignInServices) == {*SIGN_IN_CALLS, "sign_out", "counter", "conductor"} | {
        "supervisor"
    }


def _accounts(backend) -> tuple:
    """What a refused sign-in or password change could touch, besides counting the failure."""
    return tuple(
        owner_reads.read(
            backend,
            "SELECT md5(string_agg(concat_ws(',', username, password_salt, password_verifier, "
            "role, active, must_change_password), ';' ORDER BY id)) FROM operators",
        )[0]
    )


@pytest.mark.parametrize(
    ("facade", "method"),
    [("conductor", name) for name in sorted(CONDUCTOR_CALLS) if CONDUCTOR_CALLS[name][1]]
    + [("sign_in", name) for name in sorted(SIGN_IN_CALLS)],
)
def test_hostile_arguments_to_the_conductor_and_the_sign_in_get_a_typed_refusal(
    services, conductor, backend, world, facade, method
):
    world = {
        **world,
        "username": "conductor",
        "password": "conductor-demo-2026",
        "new_password": "a-brand-new-pass-1",
    }
    call, names = (CONDUCTOR_CALLS if facade == "conductor" else SIGN_IN_CALLS)[method]
    target = services.conductor(conductor) if facade == "conductor" else services
    _drive(
        lambda *values: call(target, *values),
        [world[name] for name in names],
        lambda: (_snapshot(backend)[1], _accounts(backend)),
        examples=20,
    )
