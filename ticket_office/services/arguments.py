"""The arguments a desk passes to a use case, checked before any of them reaches SQL.

A desk (or a script holding its facade) may pass anything: a bool for an id, a number past the
column's type, a string with a NUL or a lone surrogate that the database driver cannot encode.
Each helper here turns such a value into one typed error with a message fit for the counter, so
nothing arrives at the database that it would answer with a raw driver error.
"""

from __future__ import annotations

from datetime import date, datetime

from ticket_office.domain import text_rules
from ticket_office.domain.errors import ValidationError
from ticket_office.domain.ids import BIGINT_MAX, INTEGER_MAX, known_id

__all__ = [
    "BIGINT_MAX",
    "INTEGER_MAX",
    "SEARCHABLE_DATES",
    "database_id",
    "id_list",
    "optional_id",
    "search_text",
    "travel_day",
]

# Any timetable fits in here; the bounds keep time-zone arithmetic off the calendar's edges.
SEARCHABLE_DATES = (date(1970, 1, 1), date(9998, 12, 31))


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def database_id(value: object, what: str, *, limit: int = INTEGER_MAX) -> int:
    """`value` as the id of a `what` (a row id of a column whose largest value is `limit`).

    Not an id at all (a bool, a float, text, None, zero or less): ValidationError "Choose a
    seat.". A positive number past the column's type names no row: NotFound.
    """
    if not _is_whole_number(value) or value < 1:
        raise ValidationError(f"Choose a {what}.", field=what.replace(" ", "_"))
    return known_id(value, what, limit=limit)


def id_list(
    values: object, what: str, *, limit: int = BIGINT_MAX, empty_message: str
) -> tuple[int, ...]:
    """A non-empty list or tuple of ids of `what`, duplicates dropped, order kept."""
    field = what.replace(" ", "_") + "s"
    if not isinstance(values, list | tuple):
        raise ValidationError(empty_message, field=field)
    if not values:
        raise ValidationError(empty_message, field=field)
    return tuple(dict.fromkeys(database_id(v, what, limit=limit) for v in values))


def travel_day(value: object, *, field: str = "date") -> date:
    """A calendar day (not a moment) within the searchable years."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError("Choose a travel date.", field=field)
    first, last = SEARCHABLE_DATES
    if not first <= value <= last:
        raise ValidationError(
            f"Choose a travel date in the years {first.year}-{last.year}.", field=field
        )
    return value


def search_text(value: object, *, label: str, max_length: int, field: str) -> str:
    """What someone typed to search by: spaces collapsed, "" when nothing was typed.

    Unlike a name to store, empty is an answer here (nothing matches yet), but a control
    character, a lone surrogate or overlong text is refused.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{label} must be text.", field=field)
    cleaned = " ".join(value.split())
    if text_rules.has_control_characters(cleaned):
        raise ValidationError(f"{label} contains control characters.", field=field)
    if len(cleaned) > max_length:
        raise ValidationError(
            f"{label} is too long ({len(cleaned)} characters, at most {max_length}).", field=field
        )
    return cleaned


def optional_id(value: object, what: str, *, limit: int = INTEGER_MAX) -> int | None:
    """None, or `value` checked as by `database_id`."""
    return None if value is None else database_id(value, what, limit=limit)
