"""Ids that arrive from outside (a screen, a script): whole numbers a row could have, or not.

A run id of 2**40 names no row. Saying so here keeps it from reaching SQL, where it would be an
out-of-range error rather than an answer a clerk can act on.
"""

from __future__ import annotations

from ticket_office.domain.errors import NotFound

INTEGER_MAX = 2**31 - 1  # runs, services, stations, operators
BIGINT_MAX = 2**63 - 1  # run seats, tickets, bookings


def known_id(value: object, what: str, *, limit: int = INTEGER_MAX) -> int:
    """`value` if it could be the id of a `what`; NotFound ("That run does not exist.") if not."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise NotFound(f"That {what} does not exist.")
    return value
