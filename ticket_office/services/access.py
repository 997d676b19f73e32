"""Who may do what: the role check at the top of every use case, and the account check of
those that change data or show passengers' details."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ticket_office.domain.errors import AccountInactive, PermissionDenied
from ticket_office.domain.roles import DOING, Permission
from ticket_office.services.results import OperatorContext

DEACTIVATED = "This account has been deactivated. Please see a supervisor."
_ACTIVE = text("SELECT active FROM operators WHERE id = :id")


def require(operator: OperatorContext, permission: Permission) -> None:
    if not operator.may(permission):
        raise PermissionDenied(f"A {operator.role.title.lower()} may not {DOING[permission]}.")


def require_active(session: Session, operator: OperatorContext) -> None:
    """Refuse an operator deactivated since logging in (the app keeps its session open).

    Timetables, seat maps and fares stay readable until the app logs out; anything that writes
    or shows a passenger's details asks here, inside its own transaction. The sale asks on the
    server (`sell_seats`)."""
    if operator.id is None:  # the command-line administrator, not an account
        return
    if not session.execute(_ACTIVE, {"id": operator.id}).scalar():
        raise AccountInactive(DEACTIVATED)
