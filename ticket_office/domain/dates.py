"""The one way a day and a time are written: "Thu 3 Dec 2026", "14:35", "14:35 CET".

Plain Python, so a service's message writes a day as the pages do (ui/dates.py writes with
these same functions, handing in the names of the desk's language). A day is the calendar
day of an aware datetime in its own zone: convert to the station's zone first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

# Monday first, as date.weekday() counts; January first.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(day: date | datetime) -> date:
    return day.date() if isinstance(day, datetime) else day


def short_day_text(
    day: date | datetime, *, weekdays: Sequence[str] = WEEKDAYS, months: Sequence[str] = MONTHS
) -> str:
    """Like "Thu 3 Dec", where the year goes without saying."""
    d = _day(day)
    return f"{weekdays[d.weekday()]} {d.day} {months[d.month - 1]}"


def day_text(
    day: date | datetime, *, weekdays: Sequence[str] = WEEKDAYS, months: Sequence[str] = MONTHS
) -> str:
    """Like "Thu 3 Dec 2026"."""
    return f"{short_day_text(day, weekdays=weekdays, months=months)} {_day(day).year}"


def time_text(moment: datetime, *, zone: bool = False) -> str:
    """Like "14:35", or "14:35 CET" with the zone of the station the time belongs to."""
    text = f"{moment.hour:02d}:{moment.minute:02d}"
    if zone and moment.tzname():
        text += f" {moment.tzname()}"
    return text


def day_time_text(
    moment: datetime,
    *,
    zone: bool = False,
    weekdays: Sequence[str] = WEEKDAYS,
    months: Sequence[str] = MONTHS,
) -> str:
    """Like "Thu 3 Dec 2026 14:35" (or "… 14:35 CET")."""
    return f"{day_text(moment, weekdays=weekdays, months=months)} {time_text(moment, zone=zone)}"
