"""A desk, as data: its pages, its actions and menus, and its keys.

Each desk package declares one `DeskSpec` (`ticket_office.ui.counter.desk`, ...); the main window
builds its tabs, menus and the F1 list from the specs of the desks the operator's role works,
keeping only the pages that role is permitted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QWidget

from ticket_office.domain.roles import Desk, Permission
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.pages import DeskPage
from ticket_office.ui.shortcuts import Shortcut


@dataclass(frozen=True, slots=True)
class PageSpec:
    id: str
    title: str
    icon: str
    permission: Permission
    factory: Callable[[DeskContext, QWidget], DeskPage]
    key: Shortcut  # shows the page


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A Desk-menu action that works on one page: the window shows the page, then runs it."""

    key: Shortcut
    text: str
    page: str  # the id of the page it works on; no page, no action
    run: Callable[[Any], None]  # given that page
    icon: str | None = None


@dataclass(frozen=True, slots=True)
class DeskSpec:
    desk: Desk
    pages: tuple[PageSpec, ...]
    actions: tuple[ActionSpec, ...]
    shortcuts: tuple[Shortcut, ...]  # every key of the desk's pages, for F1 and the README
    # Signing out: what the desk gives back on the server, then `then()` (called in any case).
    on_leave: Callable[[DeskContext, Callable[[], None]], None] | None = None
