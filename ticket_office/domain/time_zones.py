"""IANA time zone names, checked before they reach the database, and what day it is in one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ticket_office.domain.errors import ValidationError


def iana_time_zone(name: str | None) -> str:
    """Return `name` if it is an IANA zone such as Europe/Lisbon; raise ValidationError if not."""
    value = (name or "").strip()
    if not value:
        raise ValidationError("Choose the station's time zone.", field="timezone")
    if value not in available_timezones():
        raise ValidationError(
            f"“{value[:64]}” is not a time zone name (for example Europe/Lisbon).",
            field="timezone",
        )
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"The time zone {value[:64]} is not installed.") from None
    return value


def today_at(timezone: str, now: datetime | None = None) -> date:
    """The calendar day it is at a place in `timezone` (a station's), at `now` (default: the
    clock). Railway days are local: Porto's Saturday ends an hour after Madrid's."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError(
            "today_at needs an aware time: a naive one would be read in the machine's zone"
        )
    return now.astimezone(ZoneInfo(timezone)).date()
