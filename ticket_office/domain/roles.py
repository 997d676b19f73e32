"""Operator roles and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"
    CONDUCTOR = "conductor"
    SUPERVISOR = "supervisor"

    @property
    def title(self) -> str:
        return self.value.capitalize()


class Permission(StrEnum):
    SEARCH = "search"
    SELL = "sell"
    VIEW_BOOKINGS = "view_bookings"
    CANCEL = "cancel"
    CHECK_TICKETS = "check_tickets"
    MANAGE_NETWORK = "manage_network"
    MANAGE_OPERATORS = "manage_operators"
    VIEW_REPORTS = "view_reports"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset(
        {Permission.SEARCH, Permission.SELL, Permission.VIEW_BOOKINGS, Permission.CANCEL}
    ),
    Role.CONDUCTOR: frozenset(
        {Permission.SEARCH, Permission.VIEW_BOOKINGS, Permission.CHECK_TICKETS}
    ),
    # A supervisor can cover any desk.
    Role.SUPERVISOR: frozenset(Permission),
}


def permits(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]
