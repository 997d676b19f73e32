"""What people type: names, usernames, passwords, references."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticket_office.domain import text_rules
from ticket_office.domain.errors import ValidationError
from ticket_office.domain.passwords import check_new_password
from ticket_office.domain.references import ALPHABET, looks_like_reference, new_reference
from ticket_office.domain.roles import Permission, Role, permits


@pytest.mark.parametrize(
    "name",
    ["", "   ", "A" * 81, "Ana\x00Silva", "Ana\u202eSilva", "1234", "\u3164", "\uffa0\u3164", 42],
)
def test_bad_passenger_names_are_refused(name):
    with pytest.raises(ValidationError):
        text_rules.passenger_name(name)


def test_names_are_trimmed_and_inner_spaces_collapsed():
    assert text_rules.passenger_name("  María   José  Ñúñez ") == "María José Ñúñez"


@pytest.mark.parametrize("name", ["مهدی\u200cزاده", "क्\u200dष"])
def test_a_zero_width_joiner_inside_a_word_is_part_of_a_name(name):
    assert text_rules.passenger_name(name) == name


@pytest.mark.parametrize(
    "name", ["\u200cمهدی", "مهدی\u200c", "مهدی \u200c زاده", "Ana\u200dSilva", "Ana\u200cé"]
)
def test_a_zero_width_joiner_outside_a_joining_word_is_refused(name):
    with pytest.raises(ValidationError, match="control characters"):
        text_rules.passenger_name(name)


def test_hangul_fillers_print_blank_so_they_count_as_spaces():
    assert text_rules.passenger_name("Kim\u3164Minji") == "Kim Minji"


@given(st.text(max_size=100))
def test_a_passenger_name_is_either_refused_or_clean(text):
    try:
        name = text_rules.passenger_name(text)
    except ValidationError as error:
        assert str(error)
    else:
        assert name == name.strip() and 0 < len(name) <= 80
        assert not text_rules.has_control_characters(name, joiners_in_words=True)


def test_a_ten_character_password_is_long_enough():
    assert check_new_password("abcdefghij") == b"abcdefghij"


def test_a_password_of_nine_characters_is_too_short():
    with pytest.raises(ValidationError, match="at least 10"):
        check_new_password("abcdefghi")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abcdefghij\u0085", "control characters"),  # C1 control
        ("abcdefghij\u200b", "control characters"),  # zero width: cannot be typed again
        ("abcdefghij\u202e", "control characters"),  # direction override
        ("abcdefghij\ud800", "control characters"),  # lone surrogate: no UTF-8 at all
        (" " * 12, "only spaces"),
        (None, "Type the new password"),
        (1234567890, "Type the new password"),
    ],
)
def test_a_new_password_must_be_typeable_text(password, message):
    with pytest.raises(ValidationError, match=message):
        check_new_password(password)


def test_a_password_over_72_bytes_is_refused_even_if_few_characters():
    with pytest.raises(ValidationError, match="72 bytes"):
        check_new_password("€" * 25)  # 25 characters, 75 bytes


def test_references_use_only_unambiguous_characters():
    for _ in range(200):
        reference = new_reference()
        assert looks_like_reference(reference)
        assert not set(reference) & set("0O1IL")
    assert len(ALPHABET) == len(set(ALPHABET))


def test_a_reference_can_be_typed_in_lower_case_with_spaces():
    assert looks_like_reference("ab2 c3d")


def test_clerks_cannot_manage_operators_but_supervisors_can():
    assert not permits(Role.CLERK, Permission.MANAGE_OPERATORS)
    assert permits(Role.SUPERVISOR, Permission.MANAGE_OPERATORS)
    assert not permits(Role.CONDUCTOR, Permission.SELL)


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "UTC+1", "../etc/passwd"])
def test_unknown_time_zones_are_refused(zone):
    from ticket_office.domain.time_zones import iana_time_zone

    with pytest.raises(ValidationError):
        iana_time_zone(zone)


def test_iana_time_zones_are_accepted():
    from ticket_office.domain.time_zones import iana_time_zone

    assert iana_time_zone(" Europe/Madrid ") == "Europe/Madrid"
