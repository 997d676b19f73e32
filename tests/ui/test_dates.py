"""One way to write a day and a time, on every page, printed ticket and date field."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QLocale

import ticket_office.ui
from ticket_office.ui.dates import day_text, day_time_text, short_day_text, time_text
from ticket_office.ui.shared.search import SearchForm, StationListModel

UI = Path(ticket_office.ui.__file__).parent
# strftime's day, month and year directives, and Qt's day and month notation.
_STRFTIME_DATE = re.compile(r"%[aAbBdejmyYxc]")
_QT_DATE = re.compile(r"\b(d{1,4}|M{3,4})\b.*\b(M{1,4}|d{1,4}|yyyy)\b")


@pytest.fixture
def english(qapp):
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(before)


def test_a_day_has_no_leading_zero_and_names_its_weekday(english):
    assert day_text(date(2026, 12, 3)) == "Thu 3 Dec 2026"
    assert short_day_text(date(2026, 12, 3)) == "Thu 3 Dec"
    assert day_text(date(2026, 12, 13)) == "Sun 13 Dec 2026"


def test_a_time_is_the_clock_of_its_own_zone(english):
    madrid = datetime(2026, 12, 3, 23, 5, tzinfo=UTC).astimezone(ZoneInfo("Europe/Madrid"))
    assert time_text(madrid) == "00:05"
    assert time_text(madrid, zone=True) == "00:05 CET"
    assert day_text(madrid) == "Fri 4 Dec 2026"  # Madrid's day, not UTC's
    assert day_time_text(madrid, zone=True) == "Fri 4 Dec 2026 00:05 CET"


def test_the_date_fields_write_the_day_as_the_pages_do(qtbot, english):
    form = SearchForm(StationListModel())
    qtbot.addWidget(form)
    form.travel_date.setDate(QDate(2026, 12, 3))
    assert form.travel_date.text() == day_text(date(2026, 12, 3))


def _date_formats_outside_the_helper() -> list[str]:
    """strftime patterns with a day, month or year, f-string date specs, and Qt date formats
    handed to a date field or QLocale, anywhere under ticket_office/ui but the helper."""
    found = []
    for path in sorted(UI.rglob("*.py")):
        if path == UI / "dates.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            pattern = None
            if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
                pattern = _STRFTIME_DATE, ast.unparse(node.format_spec)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.args
                and isinstance(node.args[-1], ast.Constant)
                and isinstance(node.args[-1].value, str)
            ):
                if node.func.attr == "strftime":
                    pattern = _STRFTIME_DATE, node.args[-1].value
                elif node.func.attr in ("setDisplayFormat", "toString"):
                    pattern = _QT_DATE, node.args[-1].value
            if pattern and pattern[0].search(pattern[1]):
                found.append(f"{path.relative_to(UI)}:{node.lineno}: {pattern[1]!r}")
    return found


def test_days_are_written_only_by_the_dates_helper():
    assert _date_formats_outside_the_helper() == []
