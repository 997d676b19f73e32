"""What day it is at a station: each station's own calendar, whatever the machine's zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from ticket_office.domain.time_zones import today_at

ROOT = Path(__file__).resolve().parents[2]


def test_a_lisbon_saturday_night_is_already_sunday_in_madrid():
    late = datetime(2026, 12, 12, 23, 30, tzinfo=UTC)  # winter: Lisbon UTC+0, Madrid UTC+1
    assert today_at("Europe/Lisbon", late) == date(2026, 12, 12)
    assert today_at("Europe/Madrid", late) == date(2026, 12, 13)


def test_the_day_does_not_follow_the_machines_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: a day ahead of the network
    time.tzset()
    try:
        morning = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
        assert today_at("Europe/Lisbon", morning) == date(2027, 6, 1)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_naive_time_is_refused_rather_than_read_in_the_machines_zone():
    import pytest

    with pytest.raises(ValueError):
        today_at("Europe/Lisbon", datetime(2027, 6, 1, 12, 0))


def test_the_app_and_its_tools_ask_a_station_what_day_it_is_never_the_machine():
    """`date.today()` is the machine's day: in Los Angeles or Kiritimati it is not Lisbon's,
    so a search for "today" would look at another day than the station's (use `today_at`)."""
    machine_days = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("ticket_office", "packaging")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b(date|datetime)\.today\(", line)
    ]
    assert machine_days == []
