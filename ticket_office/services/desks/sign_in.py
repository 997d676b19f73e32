"""Signing in, and binding a desk's services to the operator who signed in.

This is the only facade that is not bound to an operator: it turns a name and password into an
`OperatorContext`, and hands out the counter, conductor and supervisor facades for that operator.
The service layer still checks each call against the operator's role.
"""

from __future__ import annotations

from ticket_office.services import auth, holds
from ticket_office.services.desks.conductor import ConductorServices
from ticket_office.services.desks.counter import CounterServices
from ticket_office.services.desks.supervisor import SupervisorServices
from ticket_office.services.results import OperatorContext
from ticket_office.services.unit_of_work import UnitOfWorkFactory

__all__ = ["OperatorContext", "SignInServices"]


class SignInServices:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, hold_seconds: int = holds.DEFAULT_HOLD_SECONDS
    ) -> None:
        self.uow = uow_factory
        self.hold_seconds = hold_seconds

    def log_in(self, username: str, password: str) -> OperatorContext:
        return auth.log_in(self.uow(), username, password)

    def change_password(self, username: str, current: str, new: str) -> OperatorContext:
        return auth.change_password(self.uow(), username, current, new)

    def sign_out(self, operator: OperatorContext) -> None:
        auth.sign_out(self.uow(), operator)

    def counter(self, operator: OperatorContext) -> CounterServices:
        return CounterServices(self.uow, operator, self.hold_seconds)

    def conductor(self, operator: OperatorContext) -> ConductorServices:
        return ConductorServices(self.uow, operator)

    def supervisor(self, operator: OperatorContext) -> SupervisorServices:
        return SupervisorServices(self.uow, operator)
