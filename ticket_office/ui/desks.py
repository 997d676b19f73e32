"""Every desk the app has, and the ones a signed-in operator works.

The main window builds itself from `desks_for(operator)`; the README's shortcut tables and
the no-clash test read `all_shortcuts()`.
"""

from __future__ import annotations

from ticket_office.domain.roles import Desk, desks_of
from ticket_office.services.results import OperatorContext
from ticket_office.ui.conductor.desk import CONDUCTOR_DESK
from ticket_office.ui.counter.desk import COUNTER_DESK
from ticket_office.ui.registry import DeskSpec
from ticket_office.ui.shortcuts import SHELL_KEYS, Shortcut
from ticket_office.ui.supervisor.desk import SUPERVISOR_DESK

DESKS: dict[Desk, DeskSpec] = {
    spec.desk: spec for spec in (COUNTER_DESK, CONDUCTOR_DESK, SUPERVISOR_DESK)
}


def desks_for(operator: OperatorContext) -> tuple[DeskSpec, ...]:
    """The desks the operator's role works, its own first."""
    return tuple(DESKS[desk] for desk in desks_of(operator.role))


def shortcuts_of(desks: tuple[DeskSpec, ...]) -> tuple[Shortcut, ...]:
    """The shell's keys, then each desk's, each key once (desks share the search widgets)."""
    seen: dict[str, Shortcut] = {}
    for shortcut in (*SHELL_KEYS, *(key for spec in desks for key in spec.shortcuts)):
        seen.setdefault(shortcut.id, shortcut)
    return tuple(seen.values())


def all_shortcuts() -> tuple[Shortcut, ...]:
    return shortcuts_of(tuple(DESKS.values()))
