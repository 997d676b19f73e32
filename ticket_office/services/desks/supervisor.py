"""The supervisor's own desk: the operators and the ticket signing keys, bound to the signed-in
operator. (A supervisor also works the counter: that is the counter's facade, bound to them.)
The result types it returns are re-exported here."""

from __future__ import annotations

from ticket_office.services import operators, ticket_signing
from ticket_office.services.desks.bound import BoundServices
from ticket_office.services.results import OperatorInfo

__all__ = ["OperatorInfo", "SupervisorServices"]


class SupervisorServices(BoundServices):
    def list_operators(self) -> list[OperatorInfo]:
        return operators.list_operators(self.uow(), self.operator)

    def public_keys(self) -> dict[int, bytes]:
        return ticket_signing.public_keys(self.uow(), self.operator)

    def rotate_signing_key(self) -> int:
        return ticket_signing.rotate_signing_key(self.uow(), self.operator)
