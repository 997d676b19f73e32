"""The conductor desk, as data: the read-only Journeys page, its action and its keys."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ticket_office.domain.roles import Desk, Permission
from ticket_office.ui.conductor.journeys import JourneysPage
from ticket_office.ui.conductor.keys import CONDUCTOR_KEYS
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.registry import ActionSpec, DeskSpec, PageSpec
from ticket_office.ui.shared.keys import SHARED_KEYS


def _journeys_page(desk: DeskContext, parent: QWidget) -> JourneysPage:
    return JourneysPage(desk, parent)


CONDUCTOR_DESK = DeskSpec(
    desk=Desk.CONDUCTOR,
    pages=(
        PageSpec(
            "journeys",
            "Journeys",
            "journeys",
            Permission.SEARCH,
            _journeys_page,
            CONDUCTOR_KEYS.find("page_journeys"),
        ),
    ),
    actions=(
        ActionSpec(
            CONDUCTOR_KEYS.find("conductor_new_search"),
            "&New search",
            "journeys",
            JourneysPage.new_search,
            "search",
        ),
    ),
    shortcuts=(*CONDUCTOR_KEYS, *SHARED_KEYS),
)
