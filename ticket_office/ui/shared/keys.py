"""The keys of the widgets the desks share: the journey search, its results and the seat map."""

from __future__ import annotations

from ticket_office.ui.shortcuts import Shortcut, ShortcutTable

SEARCH = "Journey search"
RESULTS = "Results"
SEAT_MAP = "Seat map"

SHARED_KEYS = ShortcutTable(
    (
        Shortcut("focus_from", "Alt+F", "Go to From (type a station code or name)", SEARCH),
        Shortcut("focus_to", "Alt+T", "Go to To", SEARCH),
        Shortcut("focus_date", "Alt+A", "Go to the travel date", SEARCH),
        Shortcut("date_step", "", "Travel date: next / previous day", SEARCH, "Up / Down"),
        Shortcut(
            "date_week", "", "Travel date: a week later / earlier", SEARCH, "Page Up / Page Down"
        ),
        Shortcut("focus_earliest", "Alt+B", "Go to Not before (earliest departure)", SEARCH),
        Shortcut("swap", "Ctrl+E", "Swap From and To", SEARCH),
        Shortcut("search", "Return", "Search (from any search field)", SEARCH, "Enter"),
        Shortcut("results_move", "", "Choose a train", RESULTS, "Up / Down"),
        Shortcut("open_seats", "Return", "Open the seat map for that train", RESULTS, "Enter"),
        Shortcut("seat_move", "", "Move between seats", SEAT_MAP, "Arrow keys"),
        Shortcut("seat_coach", "", "Next / previous coach", SEAT_MAP, "Page Down / Page Up"),
        Shortcut("seat_ends", "", "First / last seat of the coach", SEAT_MAP, "Home / End"),
    )
)
