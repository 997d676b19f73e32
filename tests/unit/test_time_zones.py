"""What day it is at a station: each station's own calendar, whatever the machine's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ticket_office.domain.time_zones import today_at


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
