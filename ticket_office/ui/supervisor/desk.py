"""The supervisor desk, as data: no pages, actions or keys of its own yet."""

from __future__ import annotations

from ticket_office.domain.roles import Desk
from ticket_office.ui.registry import DeskSpec

SUPERVISOR_DESK = DeskSpec(desk=Desk.SUPERVISOR, pages=(), actions=(), shortcuts=())
