"""IANA time zone names, checked before they reach the database."""

from __future__ import annotations

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
