"""The counter desk's keys: its desk-wide actions, selling, and the sale's dialogs.

The Bookings page's own keys are in `ticket_office.ui.counter.bookings.keys`."""

from __future__ import annotations

from ticket_office.ui.shared.keys import SEAT_MAP
from ticket_office.ui.shortcuts import Shortcut, ShortcutTable

COUNTER = "At the counter"
PARTY = "Passengers and payment"
SOLD = "Sale confirmed"

COUNTER_KEYS = ShortcutTable(
    (
        Shortcut("new_search", "Ctrl+N", "New search (next sale): go to From", COUNTER),
        Shortcut("find_booking", "Ctrl+F", "Find a booking", COUNTER),
        Shortcut("page_sell", "Ctrl+1", "Show the Sell page", COUNTER),
        Shortcut("page_bookings", "Ctrl+2", "Show the Bookings page", COUNTER),
        Shortcut("seat_toggle", "Space", "Select or release the seat", SEAT_MAP),
        Shortcut("pick_together", "Ctrl+G", "Pick seats together for the party", SEAT_MAP),
        Shortcut(
            "party",
            "Ctrl+Return",
            "Passengers and payment for the selected seats",
            SEAT_MAP,
            "Ctrl+Enter",
        ),
        Shortcut("party_fields", "Tab", "Next name, concession, payment field", PARTY),
        Shortcut("pay_cash", "Alt+C", "Pay cash (then type the amount given)", PARTY),
        Shortcut("pay_card", "Alt+D", "Pay by card (then type the card reference)", PARTY),
        Shortcut("confirm_sale", "Return", "Confirm the sale", PARTY, "Enter"),
        Shortcut("back_to_seats", "Esc", "Back to the seat map (names are kept)", PARTY),
        Shortcut("next_sale", "Return", "Next sale", SOLD, "Enter"),
        Shortcut("print_sold", "Ctrl+P", "Print the tickets", SOLD),
    )
)
