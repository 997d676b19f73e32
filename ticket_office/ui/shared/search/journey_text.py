"""How a chosen journey is written: above its seat map, in the party dialog and after a sale."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ticket_office.services.results import JourneyOption, SeatInfo
from ticket_office.ui.dates import day_text
from ticket_office.ui.shared.search.results_model import local_time_text


def _tr(text: str) -> str:
    return QCoreApplication.translate("JourneyText", text)


def journey_title(journey: JourneyOption) -> str:
    zones = journey.origin.timezone != journey.destination.timezone
    days = (journey.arrives_at.date() - journey.departs_at.date()).days
    return _tr("{0} · {1} {2} → {3} {4}").format(
        journey.train_number,
        journey.origin.name,
        local_time_text(journey.departs_at, with_zone=zones),
        journey.destination.name,
        local_time_text(journey.arrives_at, with_zone=zones, day_offset=days),
    )


def journey_date(journey: JourneyOption) -> str:
    return day_text(journey.departs_at)


def seat_caption(seat: SeatInfo) -> str:
    return _tr("Coach {0}, seat {1}").format(seat.coach_no, seat.label)
