"""The conductor's Journeys page: search and seat maps read-only, nothing held or written."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from sqlalchemy import text

from ticket_office.domain.seats import SeatState


def test_a_conductor_searches_and_sees_seats_but_cannot_select_any(
    qtbot, desk_window, conductor, backend, full_day
):
    window = desk_window(conductor)
    page = window.page("journeys")
    qtbot.waitUntil(lambda: page.stations.rowCount() > 0)
    page.form.origin.setText("PCA")
    page.form.destination.setText("MAD")
    page.form.travel_date.setDate(QDate(full_day))
    page.form.submit()
    journey = page.results.current_journey()
    assert journey is not None and page.results_model.rowCount() > 0
    page.open_journey(journey)
    seat_map = page.map_widget.seat_map()
    assert seat_map is not None
    free = next(s for c in seat_map.coaches for s in c.seats if s.state is SeatState.FREE)
    page.map_widget.toggle_seat(free.seat_id)
    qtbot.keyClick(page.map_widget, Qt.Key.Key_Space)
    assert page.map_widget.selected_seat_ids() == ()
    with backend.uow() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM seat_holds")).scalar_one() == 0
