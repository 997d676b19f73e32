"""What every page and dialog of a desk is given: one `DeskContext`.

It carries the signed-in operator, the services the desk calls, the task runner that runs those
calls off the GUI thread, the live seat updates (None when the desk runs without them) and the
desk's settings, so a page takes one argument instead of a growing list of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ticket_office.services.results import OperatorContext
from ticket_office.ui.tasks import TaskRunner

if TYPE_CHECKING:  # the UI receives these; importing them would load the database stack early
    from PySide6.QtCore import QSettings

    from ticket_office.services.gateway import TicketOfficeServices
    from ticket_office.ui.live_updates import LiveUpdates


@dataclass(frozen=True, slots=True)
class DeskContext:
    operator: OperatorContext
    services: TicketOfficeServices
    tasks: TaskRunner
    live: LiveUpdates | None = None
    settings: QSettings | None = None
