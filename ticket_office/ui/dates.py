"""How every page writes a day and a time: "Thu 3 Dec 2026", "14:35", "14:35 CET".

The format is domain/dates.py's, the one the services' messages use too; the weekday and
month names are the app's QLocale's, as the date fields use them, so a booking, a search
result, a printed ticket and a date field never show the same day two ways. Times come from
the aware datetime itself: the clock of the station it belongs to.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QDateEdit

from ticket_office.domain import dates
from ticket_office.domain.dates import time_text

__all__ = ["day_text", "day_time_text", "short_day_text", "show_days", "time_at", "time_text"]

DAY_FORMAT = "ddd d MMM yyyy"  # Qt's notation for domain/dates.py's day: the date fields'


def _names() -> dict[str, list[str]]:
    locale, short = QLocale(), QLocale.FormatType.ShortFormat
    return {
        "weekdays": [locale.dayName(day, short) for day in range(1, 8)],  # Qt: 1 is Monday
        "months": [locale.monthName(month, short) for month in range(1, 13)],
    }


def day_text(day: date | datetime) -> str:
    """Like "Thu 3 Dec 2026" (an aware datetime's own calendar day, in its own zone)."""
    return dates.day_text(day, **_names())


def short_day_text(day: date | datetime) -> str:
    """Like "Thu 3 Dec", where the year goes without saying."""
    return dates.short_day_text(day, **_names())


def day_time_text(moment: datetime, *, zone: bool = False) -> str:
    """Like "Thu 3 Dec 2026 14:35" (or "… 14:35 CET")."""
    return dates.day_time_text(moment, zone=zone, **_names())


def time_at(moment: datetime, timezone: str | None, *, zone: bool = False) -> str:
    """`moment` on the clock of a station's `timezone` (an IANA name), as time_text writes it;
    on the machine's clock only where there is no station to go by."""
    return time_text(moment.astimezone(ZoneInfo(timezone) if timezone else None), zone=zone)


def show_days(edit: QDateEdit) -> None:
    """A date field that writes its day as the rest of the app does."""
    edit.setDisplayFormat(DAY_FORMAT)
