"""The conductor's Journeys page: search and seat maps read-only, nothing held or written."""

from __future__ import annotations

import pytest
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


def test_the_journeys_page_shows_six_trains_the_day_by_the_title_and_a_read_only_key(
    qtbot, desk_window, conductor, full_day
):
    window = desk_window(conductor, size=(1280, 860))  # the window's first size
    page = window.page("journeys")
    qtbot.waitUntil(lambda: page.stations.rowCount() > 0)
    page.form.origin.setText("PCA")
    page.form.destination.setText("MAD")
    page.form.travel_date.setDate(QDate(full_day))
    page.form.submit()
    page.open_journey(page.results.current_journey())
    row = page.results.verticalHeader().defaultSectionSize()
    qtbot.waitUntil(lambda: page.results.viewport().height() >= 6 * row, timeout=2000)
    # The day shares the title's line (as on the Sell page) instead of a line of its own.
    title, day = page.journey_label, page.journey_when
    assert day.text() and day.mapTo(window, day.rect().center()).y() == pytest.approx(
        title.mapTo(window, title.rect().center()).y(), abs=3
    )
    # Nothing is selected or held from here: the key names no selection and no own holds.
    assert "Selected" not in page.legend.entry_texts()
    assert "Held by you" not in page.legend.entry_texts()
    assert "Held by a clerk" in page.legend.entry_texts()
