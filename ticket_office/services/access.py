"""Role checks at the top of every use case."""

from __future__ import annotations

from ticket_office.domain.errors import PermissionDenied
from ticket_office.domain.roles import Permission
from ticket_office.services.results import OperatorContext

_WHAT = {
    Permission.SEARCH: "search journeys",
    Permission.SELL: "sell tickets",
    Permission.VIEW_BOOKINGS: "look up bookings",
    Permission.CANCEL: "cancel or change bookings",
    Permission.CHECK_TICKETS: "check tickets",
    Permission.MANAGE_NETWORK: "manage the network",
    Permission.MANAGE_OPERATORS: "manage operator accounts",
    Permission.VIEW_REPORTS: "read reports",
}


def require(operator: OperatorContext, permission: Permission) -> None:
    if not operator.may(permission):
        raise PermissionDenied(f"A {operator.role.title.lower()} may not {_WHAT[permission]}.")
