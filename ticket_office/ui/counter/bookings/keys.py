"""The Bookings page's keys, written as entries for the counter desk's shortcut table.

The window gives Ctrl+F (find a booking), F5 (refresh) and Ctrl+P (print) to this page; the keys
below work while the page has the focus and are chosen not to clash with any desk-wide key.
"""

from __future__ import annotations

from ticket_office.ui.shortcuts import Shortcut, ShortcutTable

BOOKINGS = "Bookings"

BOOKING_KEYS = ShortcutTable(
    (
        Shortcut(
            "bookings_search", "Return", "Search (reference, or name and date)", BOOKINGS, "Enter"
        ),
        Shortcut("bookings_focus_search", "Alt+R", "Go to Reference or name", BOOKINGS),
        Shortcut("bookings_focus_date", "Alt+D", "Go to the travel date", BOOKINGS),
        Shortcut("bookings_focus_tickets", "Alt+T", "Go to the tickets of the booking", BOOKINGS),
        Shortcut(
            "cancel_tickets", "Del", "Cancel the selected tickets (refund shown first)", BOOKINGS
        ),
        Shortcut(
            "cancel_booking", "Shift+Del", "Cancel the whole booking (refund shown first)", BOOKINGS
        ),
        Shortcut("change_seat", "F6", "Change the selected passenger's seat", BOOKINGS),
        Shortcut("move_booking", "F7", "Move the booking to another train", BOOKINGS),
        Shortcut(
            "reprint", "Ctrl+Shift+P", "Reprint the booking's tickets (also Ctrl+P)", BOOKINGS
        ),
    )
)
