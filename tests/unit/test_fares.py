"""Fares by class and distance, concessions and the refund rule: exact money, never floats."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket_office.domain.errors import ValidationError
from ticket_office.domain.fares import Concession, FareRate, SeatClass, fare_for
from ticket_office.domain.money import format_cents, parse_amount
from ticket_office.domain.refunds import quote_refund

STANDARD = FareRate(SeatClass.STANDARD, 200, Decimal("9.5"), 500)
FIRST = FareRate(SeatClass.FIRST, 300, Decimal("16.0"), 900)
ADULT = Concession("adult", "Adult", 0)
CHILD = Concession("child", "Child", 50)
distances = st.decimals(min_value=Decimal("0.1"), max_value=Decimal(2000), places=2)


def test_a_short_trip_costs_the_minimum_fare():
    assert STANDARD.full_fare(Decimal(10)) == 500


def test_fares_round_to_whole_ten_cents():
    assert STANDARD.full_fare(Decimal(100)) == 1150  # 200 + 950


def test_a_child_pays_half():
    assert fare_for(STANDARD, CHILD, Decimal(100)) == 575


def test_zero_distance_is_refused():
    with pytest.raises(ValidationError):
        STANDARD.full_fare(Decimal(0))


@given(distances, distances)
def test_a_longer_journey_never_costs_less(a, b):
    short, long = sorted((a, b))
    assert STANDARD.full_fare(short) <= STANDARD.full_fare(long)


@given(distances)
def test_first_class_never_costs_less_than_standard(km):
    assert FIRST.full_fare(km) >= STANDARD.full_fare(km)


@given(distances, st.integers(min_value=0, max_value=100))
def test_a_concession_never_raises_the_price_and_stays_whole_cents(km, percent):
    full = STANDARD.full_fare(km)
    payable = Concession("x", "X", percent).apply(full)
    assert isinstance(payable, int)
    assert 0 <= payable <= full


@given(st.integers(min_value=0, max_value=100_000_000))
def test_formatting_and_parsing_amounts_round_trips(cents):
    assert parse_amount(format_cents(cents).replace(",", "")) == cents


@pytest.mark.parametrize("text", ["", "  ", "abc", "-5", "1e999", "NaN"])
def test_bad_amounts_get_a_clear_message(text):
    with pytest.raises(ValidationError):
        parse_amount(text)


NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_cancelling_a_day_ahead_refunds_everything():
    assert quote_refund(2000, NOW + timedelta(hours=25), NOW).refund_cents == 2000


def test_cancelling_late_costs_a_fee_of_at_least_two_euros():
    quote = quote_refund(500, NOW + timedelta(hours=2), NOW)
    assert (quote.fee_cents, quote.refund_cents) == (200, 300)


def test_nothing_is_refunded_after_departure():
    assert quote_refund(2000, NOW - timedelta(minutes=1), NOW).refund_cents == 0


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=-(10**6), max_value=10**6))
def test_a_refund_is_never_negative_nor_more_than_the_fare(fare, minutes):
    quote = quote_refund(fare, NOW + timedelta(minutes=minutes), NOW)
    assert 0 <= quote.refund_cents <= fare
    assert quote.fee_cents + quote.refund_cents == fare
