"""The counter clerk's desk: the Sell page (search, seat map, passengers and payment) and the
Bookings page (find, change, cancel, reprint)."""
