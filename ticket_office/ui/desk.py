"""What every page and dialog of a desk is given: one `DeskContext`.

It carries the signed-in operator, the services of each desk that operator works (each bound to
them: a page never passes the operator, and a desk's facade is only there for the roles that
work it), the task runner that runs those calls off the GUI thread, the live seat updates (None
when the desk runs without them) and the desk's settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ticket_office.domain.roles import Desk
from ticket_office.services.results import OperatorContext
from ticket_office.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the UI receives these; importing them would load the database stack early
    from PySide6.QtCore import QSettings

    from ticket_office.services.desks import (
        ConductorServices,
        CounterServices,
        SignInServices,
        SupervisorServices,
    )
    from ticket_office.ui.live_updates import LiveUpdates


class DeskNotOpen(LookupError):
    """A page asked for the services of a desk its operator does not work."""


class DeskContext:
    def __init__(
        self,
        operator: OperatorContext,
        tasks: TaskRunner,
        *,
        counter: CounterServices | None = None,
        conductor: ConductorServices | None = None,
        supervisor: SupervisorServices | None = None,
        live: LiveUpdates | None = None,
        settings: QSettings | None = None,
        sign_out: Callable[[], None] | None = None,
    ) -> None:
        self.operator, self.tasks, self.live, self.settings = operator, tasks, live, settings
        # Ends the operator's session on the server (a blocking call: run it as a task).
        self.sign_out = sign_out
        self._services = {
            Desk.COUNTER: counter,
            Desk.CONDUCTOR: conductor,
            Desk.SUPERVISOR: supervisor,
        }

    @classmethod
    def bind(
        cls,
        sign_in: SignInServices,
        operator: OperatorContext,
        tasks: TaskRunner,
        *,
        live: LiveUpdates | None = None,
        settings: QSettings | None = None,
    ) -> DeskContext:
        """The context of a signed-in operator: the facade of each desk their role works."""
        works = operator.works_at
        return cls(
            operator,
            tasks,
            counter=sign_in.counter(operator) if works(Desk.COUNTER) else None,
            conductor=sign_in.conductor(operator) if works(Desk.CONDUCTOR) else None,
            supervisor=sign_in.supervisor(operator) if works(Desk.SUPERVISOR) else None,
            live=live,
            settings=settings,
            sign_out=lambda: sign_in.sign_out(operator),
        )

    def works_at(self, desk: Desk) -> bool:
        return self._services[desk] is not None

    def _open(self, desk: Desk):
        services = self._services[desk]
        if services is None:
            raise DeskNotOpen(f"{self.operator.username} does not work the {desk} desk")
        return services

    @property
    def counter(self) -> CounterServices:
        return self._open(Desk.COUNTER)

    @property
    def conductor(self) -> ConductorServices:
        return self._open(Desk.CONDUCTOR)

    @property
    def supervisor(self) -> SupervisorServices:
        return self._open(Desk.SUPERVISOR)
