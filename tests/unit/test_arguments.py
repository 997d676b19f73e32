"""The checks every desk argument passes before it reaches SQL."""

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket_office.domain.errors import NotFound, TicketOfficeError, ValidationError
from ticket_office.services import arguments


@pytest.mark.parametrize(
    ("value", "limit", "error"),
    [
        (True, arguments.INTEGER_MAX, ValidationError),
        (1.0, arguments.INTEGER_MAX, ValidationError),
        ("7", arguments.INTEGER_MAX, ValidationError),
        (None, arguments.INTEGER_MAX, ValidationError),
        (0, arguments.INTEGER_MAX, ValidationError),
        (-1, arguments.INTEGER_MAX, ValidationError),
        (2**31, arguments.INTEGER_MAX, NotFound),
        (2**63, arguments.BIGINT_MAX, NotFound),
    ],
)
def test_an_id_is_a_whole_number_its_column_can_hold(value, limit, error):
    with pytest.raises(error):
        arguments.database_id(value, "seat", limit=limit)


def test_the_largest_ids_of_each_column_pass():
    assert arguments.database_id(2**31 - 1, "train run") == 2**31 - 1
    assert arguments.database_id(2**63 - 1, "seat", limit=arguments.BIGINT_MAX) == 2**63 - 1


@pytest.mark.parametrize("values", [5, "12", {1, 2}, {1: 2}, [], ()])
def test_a_list_of_ids_is_a_non_empty_list_or_tuple(values):
    with pytest.raises(ValidationError, match="Choose the tickets"):
        arguments.id_list(values, "ticket", empty_message="Choose the tickets.")


def test_a_list_of_ids_drops_repeats_in_order():
    assert arguments.id_list([3, 1, 3], "ticket", empty_message="x") == (3, 1)


@pytest.mark.parametrize(
    "value", [None, "garbage", "2026-01-01", datetime(2026, 1, 1), date(1, 1, 1)]
)
def test_a_travel_day_is_a_date_in_the_searchable_years(value):
    with pytest.raises(ValidationError, match="travel date"):
        arguments.travel_day(value)


@pytest.mark.parametrize("value", ["ab\ud800cd", "Por\x00to", "\u202eoP", 12, b"Por", "P" * 41])
def test_search_text_refuses_what_cannot_be_searched(value):
    with pytest.raises(ValidationError, match="Station name"):
        arguments.search_text(value, label="Station name", max_length=40, field="station")


def test_search_text_collapses_spaces_and_nothing_typed_is_empty():
    assert (
        arguments.search_text("  São   Bento ", label="x", max_length=40, field="f") == "São Bento"
    )
    assert arguments.search_text(None, label="x", max_length=40, field="f") == ""


@given(st.one_of(st.integers(), st.floats(), st.booleans(), st.none(), st.text(), st.binary()))
def test_any_value_is_an_id_or_a_typed_error(value):
    try:
        assert arguments.database_id(value, "seat", limit=arguments.BIGINT_MAX) == value
    except TicketOfficeError as error:
        assert str(error).startswith(("Choose a seat", "That seat does not exist"))
