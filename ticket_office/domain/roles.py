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


# What each permission lets one do, as refusals say it: "A clerk may not manage the network."
DOING: dict[Permission, str] = {
    Permission.SEARCH: "search journeys",
    Permission.SELL: "sell tickets",
    Permission.VIEW_BOOKINGS: "look up bookings",
    Permission.CANCEL: "cancel or change bookings",
    Permission.CHECK_TICKETS: "check tickets",
    Permission.MANAGE_NETWORK: "manage the network",
    Permission.MANAGE_OPERATORS: "manage operator accounts",
    Permission.VIEW_REPORTS: "read reports",
}

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


class Desk(StrEnum):
    """A place of work in the app; each brings its own pages."""

    COUNTER = "counter"
    CONDUCTOR = "conductor"
    SUPERVISOR = "supervisor"


# The desks each role works, its own first. A supervisor covers the counter too; the
# conductor's read-only journeys page would only repeat the counter's Sell page for them.
_DESKS: dict[Role, tuple[Desk, ...]] = {
    Role.CLERK: (Desk.COUNTER,),
    Role.CONDUCTOR: (Desk.CONDUCTOR,),
    Role.SUPERVISOR: (Desk.SUPERVISOR, Desk.COUNTER),
}


def permits(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]


def desks_of(role: Role) -> tuple[Desk, ...]:
    return _DESKS[role]
