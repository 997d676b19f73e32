"""The seat map: a painted, keyboard-friendly plan of one coach, its coach strip and legend."""

from ticket_office.ui.shared.seat_map.coach_strip import CoachStrip
from ticket_office.ui.shared.seat_map.legend import SeatLegend
from ticket_office.ui.shared.seat_map.panel import SeatMapPanel
from ticket_office.ui.shared.seat_map.widget import SeatMapWidget

__all__ = ["CoachStrip", "SeatLegend", "SeatMapPanel", "SeatMapWidget"]
