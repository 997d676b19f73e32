"""The conductor desk's keys (the search, results and seat map keys are the shared ones)."""

from __future__ import annotations

from ticket_office.ui.shortcuts import Shortcut, ShortcutTable

CONDUCTOR = "At the conductor's desk"

CONDUCTOR_KEYS = ShortcutTable(
    (
        Shortcut("conductor_new_search", "Ctrl+N", "New search: go to From", CONDUCTOR),
        Shortcut("page_journeys", "Ctrl+1", "Show the Journeys page", CONDUCTOR),
    )
)
