"""How every page writes a day and a time: "Thu 3 Dec 2026", "14:35", "14:35 CET".

One format, one source of weekday and month names (the app's QLocale, as the date fields use
it), so a booking, a search result, a printed ticket and a date field never show the same day
two ways. Times come from the aware datetime itself: the clock of the station it belongs to.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import QDateEdit

DAY_FORMAT = "ddd d MMM yyyy"  # Qt's notation: what the date fields show, too
SHORT_DAY_FORMAT = "ddd d MMM"


def _qdate(day: date | datetime) -> QDate:
    # An aware datetime's own calendar day, in its own zone.
    return QDate(day.date() if isinstance(day, datetime) else day)


def day_text(day: date | datetime) -> str:
    """Like "Thu 3 Dec 2026"."""
    return QLocale().toString(_qdate(day), DAY_FORMAT)


def short_day_text(day: date | datetime) -> str:
    """Like "Thu 3 Dec", where the year goes without saying."""
    return QLocale().toString(_qdate(day), SHORT_DAY_FORMAT)


def time_text(moment: datetime, *, zone: bool = False) -> str:
    """Like "14:35", or "14:35 CET" with the zone of the station the time belongs to."""
    text = f"{moment.hour:02d}:{moment.minute:02d}"
    if zone and moment.tzname():
        text += f" {moment.tzname()}"
    return text


def day_time_text(moment: datetime, *, zone: bool = False) -> str:
    """Like "Thu 3 Dec 2026 14:35" (or "… 14:35 CET")."""
    return f"{day_text(moment)} {time_text(moment, zone=zone)}"


def show_days(edit: QDateEdit) -> None:
    """A date field that writes its day as the rest of the app does."""
    edit.setDisplayFormat(DAY_FORMAT)
