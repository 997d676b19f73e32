"""The Bookings page's keys, written as entries for the desk's shortcut table.

The main window already gives Ctrl+F (find a booking: `focus_search`), F5 (`refresh`) and Ctrl+P
(`print_tickets`) to this page; the keys below work while the page has the focus and are
chosen not to clash with any desk-wide key.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from ticket_office.ui.shortcuts import Shortcut

BOOKINGS = "Bookings"

BOOKING_SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut(
        "bookings_search", "Return", "Search (reference, or name and date)", BOOKINGS, "Enter"
    ),
    Shortcut("bookings_focus_search", "Alt+R", "Go to Reference or name", BOOKINGS),
    Shortcut("bookings_focus_date", "Alt+D", "Go to the travel date", BOOKINGS),
    Shortcut("bookings_focus_tickets", "Alt+T", "Go to the tickets of the booking", BOOKINGS),
    Shortcut("cancel_tickets", "Del", "Cancel the selected tickets (refund shown first)", BOOKINGS),
    Shortcut(
        "cancel_booking", "Shift+Del", "Cancel the whole booking (refund shown first)", BOOKINGS
    ),
    Shortcut("change_seat", "F6", "Change the selected passenger's seat", BOOKINGS),
    Shortcut("move_booking", "F7", "Move the booking to another train", BOOKINGS),
    Shortcut("reprint", "Ctrl+Shift+P", "Reprint the booking's tickets (also Ctrl+P)", BOOKINGS),
)

_BY_ID = {shortcut.id: shortcut for shortcut in BOOKING_SHORTCUTS}


def booking_key(shortcut_id: str) -> QKeySequence:
    return QKeySequence(_BY_ID[shortcut_id].keys)


def booking_key_text(shortcut_id: str) -> str:
    return _BY_ID[shortcut_id].label
