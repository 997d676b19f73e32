"""The Bookings page: find, cancel, change seat, move to another train, reprint tickets."""

from ticket_office.ui.counter.bookings.view import BookingsView

__all__ = ["BookingsView"]
