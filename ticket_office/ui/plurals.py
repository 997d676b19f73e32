"""Counts in words: "1 ticket", "3 tickets", not one form with an "(s)" tacked on.

Callers pass both sentences already translated, the count as {0} and any other values after
it, so a translator always sees a whole sentence in each number.
"""

from __future__ import annotations


def counted(count: int, one: str, many: str, *values: object) -> str:
    """`one` for exactly one, else `many`, formatted with the count and then `values`."""
    return (one if count == 1 else many).format(count, *values)
