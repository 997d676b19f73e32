"""The seat map, its coach strip and panel, driven as a clerk would: clicks, keys, tooltips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count as counter

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QToolTip, QVBoxLayout, QWidget

from ticket_office.domain.fares import SeatClass
from ticket_office.domain.seats import SeatFeature, SeatState
from ticket_office.services.results import CoachInfo, SeatInfo, SeatMap
from ticket_office.ui.shared.seat_map import CoachStrip, SeatLegend, SeatMapPanel, SeatMapWidget
from ticket_office.ui.shared.seat_map.geometry import Direction, layout_coach

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
STATES = {
    "f": SeatState.FREE,
    "x": SeatState.TAKEN,
    "h": SeatState.HELD,
    "m": SeatState.HELD_BY_ME,
    "n": SeatState.NOT_FOR_SALE,
}


def coach(
    coach_no: int,
    plan: str,
    *,
    seat_class: SeatClass = SeatClass.STANDARD,
    table_rows: frozenset[int] = frozenset(),
    wheelchair: frozenset[str] = frozenset(),
) -> CoachInfo:
    """One line per grid row, '.' the aisle; f free, x sold, h held, m held by me, n not for sale.

    Seat ids are coach_no * 100 + n and labels count from 1 along the coach.
    """
    rows = [line.strip() for line in plan.strip().splitlines()]
    width = max(len(row) for row in rows)
    numbers = counter(1)
    seats = []
    for row_no, row in enumerate(rows):
        for column, char in enumerate(row):
            if char == ".":
                continue
            number = next(numbers)
            features = {SeatFeature.WINDOW} if column in (0, width - 1) else {SeatFeature.AISLE}
            if row_no in table_rows:
                features.add(SeatFeature.TABLE)
            if str(number) in wheelchair:
                features.add(SeatFeature.WHEELCHAIR)
            state = STATES[char]
            seats.append(
                SeatInfo(
                    seat_id=coach_no * 100 + number,
                    coach_no=coach_no,
                    label=str(number),
                    grid_row=row_no,
                    grid_column=column,
                    seat_class=seat_class,
                    features=frozenset(features),
                    state=state,
                    hold_expires_at=NOW + timedelta(minutes=2, seconds=30)
                    if state is SeatState.HELD
                    else None,
                )
            )
    return CoachInfo(coach_no, "test", len(rows), width, tuple(seats))


def train(*coaches: CoachInfo) -> SeatMap:
    return SeatMap(run_id=1, board_position=0, alight_position=2, coaches=coaches)


FIRST = coach(1, "fx.f\nff.x\nxf.n", seat_class=SeatClass.FIRST, table_rows=frozenset({1, 2}))
STANDARD = coach(2, "ff.ff\nfx.hf\nff.ff\nxf.mf", wheelchair=frozenset({"1"}))
TRAIN = train(FIRST, STANDARD)


@pytest.fixture
def seat_map(qtbot) -> SeatMapWidget:
    widget = SeatMapWidget(clock=lambda: NOW)
    qtbot.addWidget(widget)
    widget.set_seat_map(TRAIN)
    widget.resize(700, 320)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def centre_of(widget: SeatMapWidget, seat_id: int) -> QPoint:
    rect = widget.seat_rect(seat_id)
    assert rect is not None
    return rect.center().toPoint()


def click(qtbot, widget: QWidget, point: QPoint) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point)


# --- geometry ------------------------------------------------------------------------------


@pytest.mark.parametrize("seat_size", [18.0, 34.0, 51.5])
def test_every_seat_centre_maps_back_to_that_seat(seat_size: float) -> None:
    for one in TRAIN.coaches:
        geometry = layout_coach(one, seat_size, QPointF(7, 11))
        for seat in one.seats:
            assert geometry.seat_at(geometry.seat_rects[seat.seat_id].center()) == seat.seat_id


def test_points_in_the_aisle_and_between_seats_map_to_no_seat() -> None:
    geometry = layout_coach(STANDARD, 34.0)
    beside_aisle = geometry.seat_rects[202].center()  # row 0, column 1
    across_aisle = geometry.seat_rects[203].center()  # row 0, column 3
    aisle = QPointF(beside_aisle.x(), (beside_aisle.y() + across_aisle.y()) / 2)
    assert geometry.seat_at(aisle) is None
    between_rows = QPointF(geometry.seat_rects[201].right() + 1, beside_aisle.y())
    assert geometry.seat_at(between_rows) is None
    assert geometry.seat_at(geometry.outline.topLeft() + QPointF(2, 2)) is None


def test_rows_facing_across_a_table_get_a_table_drawn_between_them() -> None:
    geometry = layout_coach(FIRST, 34.0)
    assert len(geometry.tables) == 2  # one each side of the aisle, between rows 1 and 2
    left_table = geometry.tables[0]
    assert geometry.seat_rects[104].right() < left_table.left()  # row 1, column 0
    assert left_table.right() < geometry.seat_rects[107].left()  # row 2, column 0
    assert geometry.backrest_on_left[104] and not geometry.backrest_on_left[107]  # face to face


def test_window_seats_get_a_window_on_their_wall() -> None:
    geometry = layout_coach(STANDARD, 34.0)
    windows = [seat for seat in STANDARD.seats if SeatFeature.WINDOW in seat.features]
    assert len(geometry.windows) == len(windows)


def test_arrow_neighbours_step_over_the_aisle() -> None:
    geometry = layout_coach(STANDARD, 34.0)
    assert geometry.neighbour(202, Direction.DOWN) == 203  # column 1 -> 3, over the aisle
    assert geometry.neighbour(201, Direction.RIGHT) == 205  # next row, same column
    assert geometry.neighbour(201, Direction.UP) is None


# --- mouse ---------------------------------------------------------------------------------


def test_clicking_a_free_seat_selects_it_and_clicking_again_deselects_it(qtbot, seat_map) -> None:
    with qtbot.waitSignal(seat_map.selectionChanged, timeout=1000) as selected:
        click(qtbot, seat_map, centre_of(seat_map, 101))
    assert selected.args == [[101]]
    assert seat_map.selected_seat_ids() == (101,)
    with qtbot.waitSignal(seat_map.selectionChanged, timeout=1000) as cleared:
        click(qtbot, seat_map, centre_of(seat_map, 101))
    assert cleared.args == [[]]


def test_clicking_a_sold_or_held_seat_does_nothing(qtbot, seat_map) -> None:
    with qtbot.assertNotEmitted(seat_map.selectionChanged):
        click(qtbot, seat_map, centre_of(seat_map, 102))  # sold
        click(qtbot, seat_map, centre_of(seat_map, 109))  # not for sale
    assert seat_map.selected_seat_ids() == ()


def test_a_seat_held_by_me_can_be_selected(qtbot, seat_map) -> None:
    seat_map.set_coach(2)
    click(qtbot, seat_map, centre_of(seat_map, 215))
    assert seat_map.selected_seat_ids() == (215,)


# --- keyboard ------------------------------------------------------------------------------


def test_arrow_keys_move_the_focus_and_space_selects(qtbot, seat_map) -> None:
    seat_map.setFocus()
    assert seat_map.focused_seat_id() == 101
    qtbot.keyClick(seat_map, Qt.Key.Key_Right)
    assert seat_map.focused_seat_id() == 104  # row 1, column 0
    qtbot.keyClick(seat_map, Qt.Key.Key_Space)
    assert seat_map.selected_seat_ids() == (104,)
    qtbot.keyClick(seat_map, Qt.Key.Key_Down)
    assert seat_map.focused_seat_id() == 105
    qtbot.keyClick(seat_map, Qt.Key.Key_Down)
    assert seat_map.focused_seat_id() == 106  # over the aisle
    qtbot.keyClick(seat_map, Qt.Key.Key_Space)  # sold: nothing happens
    assert seat_map.selected_seat_ids() == (104,)


def test_page_down_shows_the_next_coach_and_page_up_the_previous(qtbot, seat_map) -> None:
    with qtbot.waitSignal(seat_map.coachChanged, timeout=1000) as changed:
        qtbot.keyClick(seat_map, Qt.Key.Key_PageDown)
    assert changed.args == [2]
    assert seat_map.current_coach() == 2
    with qtbot.assertNotEmitted(seat_map.coachChanged):
        qtbot.keyClick(seat_map, Qt.Key.Key_PageDown)  # already the last coach
    qtbot.keyClick(seat_map, Qt.Key.Key_PageUp)
    assert seat_map.current_coach() == 1


def test_ctrl_tab_changes_coach_but_plain_tab_leaves_the_map(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    seat_map = SeatMapWidget()
    after = QLineEdit()
    layout = QVBoxLayout(window)
    layout.addWidget(seat_map)
    layout.addWidget(after)
    seat_map.set_seat_map(TRAIN)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    seat_map.setFocus()
    qtbot.keyClick(seat_map, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert seat_map.current_coach() == 2
    qtbot.keyClick(seat_map, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier)
    assert seat_map.current_coach() == 1
    qtbot.keyClick(seat_map, Qt.Key.Key_Tab)
    assert seat_map.current_coach() == 1
    assert after.hasFocus()


def test_a_party_beyond_the_maximum_is_refused_with_a_message(qtbot, seat_map) -> None:
    seat_map.set_max_selection(2)
    seat_map.set_selection([101, 103])
    with qtbot.waitSignal(seat_map.message, timeout=1000) as refused:
        click(qtbot, seat_map, centre_of(seat_map, 104))
    assert refused.args == ["A party is at most 2 passengers."]
    assert seat_map.selected_seat_ids() == (101, 103)


def test_the_default_maximum_is_nine_passengers(qtbot, seat_map) -> None:
    free = [s.seat_id for c in TRAIN.coaches for s in c.seats if s.state is SeatState.FREE]
    seat_map.set_selection(free[:9])
    seat_map.set_coach(2)
    with qtbot.waitSignal(seat_map.message, timeout=1000) as refused:
        seat_map.toggle_seat(free[9])
    assert refused.args == ["A party is at most 9 passengers."]


# --- new data ------------------------------------------------------------------------------


def test_a_selected_seat_sold_meanwhile_is_dropped_and_announced(qtbot, seat_map) -> None:
    seat_map.set_coach(2)
    seat_map.set_selection([201, 202])
    sold_meanwhile = train(FIRST, coach(2, "fx.ff\nfx.hf\nff.ff\nxf.mf"))
    with (
        qtbot.waitSignal(seat_map.seatsDropped, timeout=1000) as dropped,
        qtbot.waitSignal(seat_map.selectionChanged, timeout=1000) as changed,
    ):
        seat_map.set_seat_map(sold_meanwhile)
    assert dropped.args == [["Coach 2, seat 2"]]
    assert changed.args == [[201]]
    assert seat_map.current_coach() == 2


def test_new_data_keeps_the_coach_and_a_selection_that_is_still_for_sale(qtbot, seat_map) -> None:
    seat_map.set_coach(2)
    seat_map.set_selection([201])
    held_for_me_now = train(FIRST, coach(2, "mf.ff\nfx.hf\nff.ff\nxf.mf"))
    with (
        qtbot.assertNotEmitted(seat_map.seatsDropped),
        qtbot.assertNotEmitted(seat_map.coachChanged),
    ):
        seat_map.set_seat_map(held_for_me_now)
    assert seat_map.selected_seat_ids() == (201,)
    assert seat_map.current_coach() == 2


def test_set_selection_skips_seats_that_cannot_be_sold(seat_map) -> None:
    seat_map.set_selection([101, 102, 107, 999])
    assert seat_map.selected_seat_ids() == (101,)


# --- text ----------------------------------------------------------------------------------


def test_the_tooltip_names_coach_seat_class_features_and_state(seat_map) -> None:
    assert seat_map.tooltip_text(104) == "Coach 1, seat 4 — First, window, table — Free"
    assert (
        seat_map.tooltip_text(201) == "Coach 2, seat 1 — Standard, window, wheelchair space — Free"
    )
    assert seat_map.tooltip_text(102).endswith("— Sold")


def test_the_tooltip_counts_down_another_clerks_hold_without_naming_them(seat_map) -> None:
    assert seat_map.tooltip_text(207) == (
        "Coach 2, seat 7 — Standard, aisle — Held by another clerk for 3 more minutes"
    )


def test_hovering_a_seat_shows_its_tooltip(qtbot, seat_map) -> None:
    point = centre_of(seat_map, 103)
    event = QHelpEvent(QEvent.Type.ToolTip, point, seat_map.mapToGlobal(point))
    QApplication.sendEvent(seat_map, event)
    qtbot.waitUntil(lambda: QToolTip.isVisible(), timeout=1000)
    assert QToolTip.text() == seat_map.tooltip_text(103)
    QToolTip.hideText()


# --- painting ------------------------------------------------------------------------------


def fill_colour(widget: SeatMapWidget, seat_id: int) -> QColor:
    """The colour of the seat's cushion, between its label and its open edge."""
    image = widget.grab().toImage()
    rect = widget.seat_rect(seat_id)
    geometry = widget.coach_geometry()
    open_side = rect.right() - 0.15 * rect.width()
    if not geometry.backrest_on_left[seat_id]:
        open_side = rect.left() + 0.15 * rect.width()
    ratio = image.devicePixelRatio()
    return image.pixelColor(int(open_side * ratio), int(rect.center().y() * ratio))


def test_each_seat_state_is_painted_in_its_own_colour(seat_map) -> None:
    seat_map.set_coach(2)
    seat_map.set_selection([201])
    colours = {
        "selected": fill_colour(seat_map, 201),
        "free": fill_colour(seat_map, 202),
        "sold": fill_colour(seat_map, 206),
        "held": fill_colour(seat_map, 207),
        "held by me": fill_colour(seat_map, 215),
    }
    assert len({colour.name() for colour in colours.values()}) == len(colours), colours
    assert colours["free"] != colours["sold"]


def test_a_dark_palette_gets_dark_seat_colours(qtbot, seat_map) -> None:
    light_free = fill_colour(seat_map, 101)
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#26292e"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#1d2024"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#e6e8eb"))
    seat_map.setPalette(palette)
    dark_free = fill_colour(seat_map, 101)
    assert dark_free.lightness() < 100 < light_free.lightness()


def test_the_default_size_gives_readable_seats(seat_map) -> None:
    seat_map.resize(seat_map.sizeHint())
    assert seat_map.coach_geometry().seat_size == pytest.approx(34, abs=1)


# --- coach strip, legend and panel ---------------------------------------------------------


def test_the_coach_strip_shows_each_coachs_class_and_free_seats(qtbot) -> None:
    strip = CoachStrip()
    qtbot.addWidget(strip)
    strip.set_seat_map(TRAIN)
    assert strip.caption(1) == "1 · 1st · 5 free"
    assert strip.caption(2) == "2 · Std · 12 free"


def test_arrow_keys_on_the_coach_strip_choose_the_next_coach(qtbot) -> None:
    strip = CoachStrip()
    qtbot.addWidget(strip)
    strip.set_seat_map(TRAIN)
    with qtbot.waitSignal(strip.coachSelected, timeout=1000) as chosen:
        qtbot.keyClick(strip, Qt.Key.Key_Right)
    assert chosen.args == [2]
    with qtbot.assertNotEmitted(strip.coachSelected):
        qtbot.keyClick(strip, Qt.Key.Key_Right)  # no coach after the last


def test_clicking_a_coach_in_the_strip_shows_it_on_the_map(qtbot) -> None:
    panel = SeatMapPanel(clock=lambda: NOW)
    qtbot.addWidget(panel)
    panel.set_seat_map(TRAIN)
    panel.resize(900, 480)
    with qtbot.waitExposed(panel):
        panel.show()
    box = panel.coach_strip.box_rect(2).center().toPoint()
    with qtbot.waitSignal(panel.map_widget.coachChanged, timeout=1000):
        click(qtbot, panel.coach_strip, box)
    assert panel.map_widget.current_coach() == 2
    qtbot.keyClick(panel.map_widget, Qt.Key.Key_PageUp)
    assert panel.coach_strip.current_coach() == 1


def test_the_legend_explains_every_state_and_feature(qtbot) -> None:
    legend = SeatLegend()
    qtbot.addWidget(legend)
    assert legend.entry_texts()[:6] == [
        "Free",
        "Selected",
        "Held by you",
        "Held by another clerk",
        "Sold",
        "Not for sale",
    ]
    assert legend.heightForWidth(200) > legend.heightForWidth(2000)


def test_a_read_only_legend_names_no_selection_and_no_own_holds(qtbot) -> None:
    legend = SeatLegend(read_only=True)
    qtbot.addWidget(legend)
    assert legend.entry_texts()[:4] == ["Free", "Held by a clerk", "Sold", "Not for sale"]
    assert len(legend.entry_texts()) == len(SeatLegend().entry_texts()) - 2


def test_pick_together_in_the_panel_selects_seats_side_by_side(qtbot) -> None:
    """Row 3 wins: one of its pair is already held by this clerk, and it has no wheelchair space."""
    panel = SeatMapPanel(clock=lambda: NOW)
    qtbot.addWidget(panel)
    panel.set_seat_map(TRAIN)
    panel.party_size.setValue(2)
    panel.seat_class.setCurrentIndex(panel.seat_class.findData(SeatClass.STANDARD.value))
    with qtbot.waitSignal(panel.selectionChanged, timeout=1000):
        qtbot.mouseClick(panel.pick_button, Qt.MouseButton.LeftButton)
    assert panel.selected_seat_ids() == (215, 216)
    assert panel.map_widget.current_coach() == 2
    assert panel.status_label.text() == "Chose seats 15, 16 in coach 2, together."
    assert panel.selection_label.text() == "2 seats selected"


def test_the_panel_tells_the_clerk_which_selected_seats_were_sold_meanwhile(qtbot) -> None:
    panel = SeatMapPanel(clock=lambda: NOW)
    qtbot.addWidget(panel)
    panel.set_seat_map(TRAIN)
    panel.map_widget.set_coach(2)
    panel.map_widget.set_selection([201, 202])
    panel.set_seat_map(train(FIRST, coach(2, "fx.ff\nfx.hf\nff.ff\nxf.mf")))
    assert panel.status_label.text() == (
        "No longer available, removed from your selection: Coach 2, seat 2."
    )
    assert panel.selection_label.text() == "1 seat selected"
    assert panel.coach_strip.current_coach() == 2


def test_pick_together_in_the_panel_explains_a_full_train(qtbot) -> None:
    panel = SeatMapPanel()
    qtbot.addWidget(panel)
    panel.set_seat_map(TRAIN)
    panel.party_size.setValue(6)
    panel.seat_class.setCurrentIndex(panel.seat_class.findData(SeatClass.FIRST.value))
    result = panel.pick_together()
    assert result is not None and result.seat_ids == ()
    assert panel.status_label.text() == (
        "Not enough free first-class seats on this train for 6 passengers (5 free)."
    )
    assert panel.selected_seat_ids() == ()


def test_the_panel_keeps_qwidget_window_and_names_its_preference_boxes(qtbot) -> None:
    """`panel.window()` is the window it sits in (an attribute named `window` hid it), and the
    window, aisle and table boxes are the pick's preferences."""
    top = QWidget()
    qtbot.addWidget(top)
    panel = SeatMapPanel(top, clock=lambda: NOW)
    assert panel.window() is top
    panel.set_seat_map(TRAIN)
    panel.prefer_window.setChecked(True)
    panel.prefer_table.setChecked(True)
    chosen = panel.preferences()
    assert (chosen.window, chosen.aisle, chosen.table) == (True, False, True)
