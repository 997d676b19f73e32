"""The services write a day as the pages do: "Thu 3 Dec 2026", from domain/dates.py only."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import ticket_office.domain
import ticket_office.services
from ticket_office.domain.dates import day_text, day_time_text, short_day_text, time_text
from ticket_office.domain.errors import RunNotBookable
from ticket_office.domain.segments import Segment
from ticket_office.services.run_legs import RunLeg

SERVICES = Path(ticket_office.services.__file__).parent
DOMAIN = Path(ticket_office.domain.__file__).parent
_STRFTIME_DATE = re.compile(r"%[aAbBdejmyYxcFDT]")
# An f-string that writes a day or a moment as Python's str() does ("2026-12-03").
_DATE_NAME = re.compile(r"(date|day|_at|moment)$")


def test_a_day_has_no_leading_zero_and_names_its_weekday():
    assert day_text(date(2026, 12, 3)) == "Thu 3 Dec 2026"
    assert short_day_text(date(2026, 12, 13)) == "Sun 13 Dec"
    madrid = datetime(2026, 12, 3, 23, 5, tzinfo=UTC).astimezone(ZoneInfo("Europe/Madrid"))
    assert day_time_text(madrid, zone=True) == "Fri 4 Dec 2026 00:05 CET"  # Madrid's day
    assert time_text(madrid) == "00:05"


def test_a_service_message_writes_its_days_with_the_helper():
    opens, now = datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    departs = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    leg = RunLeg(
        run_id=1,
        train_number="IC 521",
        service_date=date(2026, 12, 3),
        segment=Segment(1, 2),
        departs_at=departs,
        arrives_at=departs,
        distance_km=Decimal(10),
        status="scheduled",
        sales_open_at=opens,
        now=now,
    )
    with pytest.raises(RunNotBookable) as refused:
        leg.ensure_bookable()
    assert str(refused.value) == "Sales for train IC 521 on Thu 3 Dec 2026 open on Tue 3 Nov 2026."


def _dates_written_outside_the_helper() -> list[str]:
    """strftime patterns with a day, month or year, f-string date specs, isoformat() calls and
    f-strings that drop a date in as str() writes it, in the services and the domain."""
    found = []
    paths = sorted(SERVICES.rglob("*.py")) + sorted(DOMAIN.rglob("*.py"))
    for path in paths:
        if path == DOMAIN / "dates.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            written = None
            if isinstance(node, ast.FormattedValue):
                if node.format_spec is not None:
                    spec = ast.unparse(node.format_spec)
                    written = spec if _STRFTIME_DATE.search(spec) else None
                elif isinstance(node.value, ast.Name | ast.Attribute):
                    name = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
                    written = ast.unparse(node.value) if _DATE_NAME.search(name) else None
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "isoformat":
                    written = ast.unparse(node)
                elif node.func.attr == "strftime" and node.args:
                    pattern = node.args[-1]
                    if not isinstance(pattern, ast.Constant) or _STRFTIME_DATE.search(
                        str(pattern.value)
                    ):
                        written = ast.unparse(node)
            if written:
                found.append(f"{path.relative_to(SERVICES.parent)}:{node.lineno}: {written}")
    return found


def test_services_write_days_only_with_the_dates_helper():
    assert _dates_written_outside_the_helper() == []
