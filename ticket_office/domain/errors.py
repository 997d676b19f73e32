"""Typed errors raised by the domain and the service layer.

Every error carries a message written for the person at the counter; the UI shows `str(error)`
as it is. Callers branch on the type, never on the text.
"""

from __future__ import annotations

from collections.abc import Sequence


class TicketOfficeError(Exception):
    """Base of every error a user can cause or meet; its text is fit to show."""


class ValidationError(TicketOfficeError):
    """Input that breaks a rule (empty, overlong, control characters, bad values)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(TicketOfficeError):
    """The thing asked for does not exist."""


class PermissionDenied(TicketOfficeError):
    """The operator's role does not allow this use case."""


class AuthenticationFailed(TicketOfficeError):
    """Wrong username or password (deliberately not saying which)."""


class AccountLocked(TicketOfficeError):
    """Too many failed logins; the account is locked for a while."""

    def __init__(self, message: str, *, minutes_left: int) -> None:
        super().__init__(message)
        self.minutes_left = minutes_left


class AccountInactive(TicketOfficeError):
    """The operator account was deactivated by a supervisor."""


class SessionEnded(TicketOfficeError):
    """The server no longer knows this sign-in (signed out, expired, or the password changed
    elsewhere): sign in again."""


class PasswordChangeRequired(TicketOfficeError):
    """The password is right but must be changed before working."""


class InvalidSegment(TicketOfficeError):
    """The journey's stops are reversed, equal, unknown or not served by the run."""


class RunNotBookable(TicketOfficeError):
    """The run has departed, is cancelled, or is outside the sales window."""


class SeatUnavailable(TicketOfficeError):
    """One or more chosen seats are sold or held for an overlapping leg."""

    def __init__(self, seat_labels: Sequence[str], message: str | None = None) -> None:
        self.seat_labels = tuple(seat_labels)
        super().__init__(
            message
            or "No longer available: " + ", ".join(self.seat_labels) + ". Please choose again."
        )


class FaresChanged(TicketOfficeError):
    """The fares changed between the quote the clerk showed and the sale: nothing was sold.
    `quote` (a services.results.FareQuote) is the price now, to show before confirming again."""

    def __init__(self, message: str, *, quote: object) -> None:
        super().__init__(message)
        self.quote = quote


class BookingNotChangeable(TicketOfficeError):
    """The booking or ticket is already cancelled, or its train has left."""


class DatabaseUnavailable(TicketOfficeError):
    """The database server cannot be reached; nothing was written."""


class DatabaseAuthenticationFailed(DatabaseUnavailable):
    """The database server refused the database user's password (not an operator's)."""


class SchemaMismatch(TicketOfficeError):
    """The database schema is newer or older than this app knows."""
