"""The Bookings page driven as a clerk would, on a real database with synchronous tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog

from tests.ui.layout_checks import clipped_by, moved, placements, shows_all
from ticket_office.domain import time_zones
from ticket_office.domain.money import format_cents
from ticket_office.domain.seats import SeatState
from ticket_office.services import operators
from ticket_office.services.results import (
    BookingRequest,
    OperatorContext,
    PassengerRequest,
    Payment,
)
from ticket_office.ui.counter.bookings import BookingsView
from ticket_office.ui.counter.bookings import view as bookings_view
from ticket_office.ui.counter.bookings.cancel_dialog import CancelConfirmDialog
from ticket_office.ui.counter.bookings.change_seat_dialog import ChangeSeatDialog
from ticket_office.ui.counter.bookings.models import BookingListModel, TicketTableModel
from ticket_office.ui.counter.bookings.move_dialog import MoveRunDialog
from ticket_office.ui.dates import day_text, day_time_text
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.shared.tickets import TicketPreviewDialog

STANDARD_COACH = 4


def free_standard(services, clerk, run_id, board, alight, count):
    seat_map = services.counter(clerk).seat_map(run_id, board, alight)
    return [
        s.seat_id
        for c in seat_map.coaches
        if c.coach_no == STANDARD_COACH
        for s in c.seats
        if s.state is SeatState.FREE
    ][:count]


@pytest.fixture
def reference(services, clerk, journey):
    seats = free_standard(
        services, clerk, journey.run_id, journey.board_position, journey.alight_position, 2
    )
    return (
        services.counter(clerk)
        .book(
            BookingRequest(
                journey.run_id,
                journey.board_position,
                journey.alight_position,
                (PassengerRequest(seats[0], "Ana Silva"), PassengerRequest(seats[1], "Rui Silva")),
                Payment("card", None, "CARD-9"),
            ),
        )
        .reference
    )


@pytest.fixture
def view(tasks, qtbot, services, clerk):
    widget = BookingsView(DeskContext.bind(services, clerk, tasks))
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def accept_confirmation(monkeypatch):
    """Accept the cancel confirmation, keeping what it showed."""
    shown: list[CancelConfirmDialog] = []

    def exec_(dialog):
        shown.append(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CancelConfirmDialog, "exec", exec_)
    return shown


def passengers_shown(view) -> list[str]:
    return [t.passenger_name for t in view.tickets.tickets()]


def select_ticket(view, name):
    for row in range(view.tickets_proxy.rowCount()):
        index = view.tickets_proxy.index(row, 0)
        if view.tickets_proxy.item(index).passenger_name == name:
            view.tickets_table.selectRow(row)
            view.tickets_table.setCurrentIndex(index)
            return view.tickets_proxy.item(index)
    raise AssertionError(name)


# --- find ----------------------------------------------------------------------------------


def test_a_booking_is_found_by_reference_typed_loosely(qtbot, view, reference):
    view.focus_search()
    qtbot.keyClicks(view.search_edit, f" {reference[:3].lower()} {reference[3:].lower()}")
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Return)
    assert view.results.rowCount() == 1
    assert view.current_booking().reference == reference
    assert passengers_shown(view) == ["Ana Silva", "Rui Silva"]
    assert reference in view.summary.text()


def test_a_booking_is_found_by_passenger_name_and_travel_date(qtbot, view, journey, reference):
    view.search_edit.setText("silva")
    view.date_edit.setDate(QDate(journey.departs_at.date()))
    qtbot.keyClick(view.date_edit, Qt.Key.Key_Return)
    assert [b.reference for b in view.results.bookings()] == [reference]
    assert view.current_booking().reference == reference


def test_no_booking_on_another_date_says_so(view, journey, reference):
    view.search_edit.setText("Silva")
    view.date_edit.setDate(QDate(journey.departs_at.date() + timedelta(days=3)))
    view.search()
    assert view.results.rowCount() == 0
    assert "No booking" in view.message.message()


def test_a_name_search_over_the_limit_is_refused_with_the_limit_not_cut(view, reference):
    view.search_edit.setText("Ana Silva " * 10)
    assert len(view.search_edit.text()) == 100
    view.search()
    assert "too long (99 characters, at most 80)" in view.message.message()


def test_the_travel_date_and_the_summary_write_the_day_one_way(view, reference):
    view.date_edit.setDate(QDate(2026, 12, 3))
    assert view.date_edit.text() == day_text(date(2026, 12, 3))  # "Thu 3 Dec 2026"
    view.show_booking(reference)
    booking = view.current_booking()
    assert day_text(booking.departs_at) in view.summary.text()
    assert cell(view.results, 0, "Departs") == day_time_text(booking.departs_at)


def test_the_sale_is_shown_on_the_clock_of_the_selling_station(view, reference):
    view.show_booking(reference)
    booking = view.current_booking()
    assert booking.issuing_station == "Porto Campanhã"
    # Not the database session's zone: Porto's, named (WET in winter, WEST in summer).
    assert booking.created_at.tzinfo == ZoneInfo("Europe/Lisbon")
    sold = day_time_text(booking.created_at, zone=True)
    assert sold.split()[-1] in ("WET", "WEST")
    assert f"on {sold}." in view.summary.text()


def test_a_sale_with_no_station_is_shown_on_the_desks_home_clock(
    tasks, qtbot, services, journey, owner_backend
):
    operators.create_operator(
        owner_backend.uow(),
        OperatorContext.system(),
        username="roving.seller",
        display_name="Roving Seller",
        role="clerk",
        password="roving-seller-pass",
        must_change_password=False,
    )
    roving = services.log_in("roving.seller", "roving-seller-pass")
    seat = free_standard(
        services, roving, journey.run_id, journey.board_position, journey.alight_position, 1
    )[0]
    sold = services.counter(roving).book(
        BookingRequest(
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            (PassengerRequest(seat, "Eva Roda"),),
            Payment("card", None, "CARD-7"),
        )
    )
    widget = BookingsView(DeskContext.bind(services, roving, tasks))
    qtbot.addWidget(widget)
    widget.start()
    widget.show_booking(sold.reference)
    booking = widget.current_booking()
    assert booking.issuing_station is None
    home = ZoneInfo(services.counter(roving).list_stations()[0].timezone)
    assert f"on {day_time_text(booking.created_at.astimezone(home), zone=True)}." in (
        widget.summary.text()
    )


# 23:30 UTC on a summer day: already the next day in Porto (WEST) and Madrid (CEST), still this
# one in UTC, and a day the machine running the tests is not on.
LATE_EVENING_UTC = datetime(2031, 7, 4, 23, 30, tzinfo=UTC)


@pytest.fixture
def pinned_clock(monkeypatch):
    monkeypatch.setattr(
        bookings_view, "today_at", lambda zone: time_zones.today_at(zone, LATE_EVENING_UTC)
    )


def test_the_travel_date_starts_at_the_day_of_the_clerks_station(
    pinned_clock, tasks, qtbot, services, clerk
):
    widget = BookingsView(DeskContext.bind(services, clerk, tasks))
    qtbot.addWidget(widget)
    widget.start()
    assert clerk.station_timezone == "Europe/Lisbon"
    assert widget.search_date() == date(2031, 7, 5)  # Porto's day, not UTC's 4 July


def test_an_operator_without_a_home_station_gets_the_first_stations_day(
    pinned_clock, tasks, qtbot, services, owner_backend
):
    operators.create_operator(
        owner_backend.uow(),
        OperatorContext.system(),
        username="roving.clerk",
        display_name="Roving Clerk",
        role="clerk",
        password="roving-clerk-pass",
        must_change_password=False,
    )
    roving = services.log_in("roving.clerk", "roving-clerk-pass")
    widget = BookingsView(DeskContext.bind(services, roving, tasks))
    qtbot.addWidget(widget)
    assert widget.search_date() == date(2031, 7, 4)  # UTC's, until the stations are known
    widget.start()
    first = services.counter(roving).list_stations()[0]
    assert widget.search_date() == time_zones.today_at(first.timezone, LATE_EVENING_UTC)
    assert widget.search_date() == date(2031, 7, 5)


def test_an_unknown_reference_is_reported_and_nothing_is_shown(view):
    view.search_edit.setText("ZZ22ZZ")
    view.search()
    assert view.results.rowCount() == 0
    assert "ZZ22ZZ" in view.message.message()
    assert not view.cancel_booking_action.isEnabled()


def test_six_letters_are_tried_as_a_reference_then_as_a_name(view, services, clerk, journey):
    seats = free_standard(
        services, clerk, journey.run_id, journey.board_position, journey.alight_position, 1
    )
    reference = (
        services.counter(clerk)
        .book(
            BookingRequest(
                journey.run_id,
                journey.board_position,
                journey.alight_position,
                (PassengerRequest(seats[0], "Beatriz Santos"),),
                Payment("card", None, "C"),
            ),
        )
        .reference
    )
    view.date_edit.setDate(QDate(journey.departs_at.date()))
    view.search_edit.setText("Santos")  # no O in references, so this is surely a name
    view.search()
    assert [b.reference for b in view.results.bookings()] == [reference]
    view.search_edit.setText("BEATRZ")  # reads like a reference, finds nothing as one
    view.search()
    assert view.results.rowCount() == 0
    assert "No booking with reference BEATRZ, and no passenger" in view.message.message()


def test_show_booking_opens_a_booking_with_its_ticket_states(view, services, clerk, reference):
    ticket_ids = sorted(
        t.ticket_id for t in services.counter(clerk).find_booking(reference).tickets
    )
    services.counter(clerk).cancel(reference, [ticket_ids[0]])
    view.show_booking(reference)
    states = {t.ticket_id: t.status for t in view.tickets.tickets()}
    assert states == {ticket_ids[0]: "cancelled", ticket_ids[1]: "active"}
    assert view.selected_tickets()[0].ticket_id == ticket_ids[1]


def cell(model, row: int, header: str) -> str:
    headers = [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]
    return model.index(row, headers.index(header)).data()


def test_the_list_shows_paid_and_refunded_as_the_summary_does(view, services, clerk, reference):
    view.show_booking(reference)
    booking = view.current_booking()
    assert cell(view.results, 0, "Paid") == format_cents(booking.total_cents)
    assert cell(view.results, 0, "Refunded") == ""
    assert "refunded" not in view.summary.text()
    services.counter(clerk).cancel(reference, [booking.tickets[0].ticket_id])
    view.show_booking(reference)
    booking = view.current_booking()
    assert booking.refunded_cents > 0
    paid, refunded = cell(view.results, 0, "Paid"), cell(view.results, 0, "Refunded")
    assert (paid, refunded) == (
        format_cents(booking.total_cents),
        format_cents(booking.refunded_cents),
    )
    summary = view.summary.text()
    assert f"Paid {paid} by card; refunded {refunded}." in summary


def test_a_moved_bookings_cancelled_ticket_names_its_own_train_and_date(
    view, services, clerk, journey, reference
):
    booking = services.counter(clerk).find_booking(reference)
    cancelled, kept = sorted(t.ticket_id for t in booking.tickets)
    services.counter(clerk).cancel(reference, [cancelled])
    day = journey.service_date + timedelta(days=1)
    target = next(
        o
        for o in services.counter(clerk).search_journeys("PCA", "MAD", day)
        if o.train_number == journey.train_number
    )
    seat = free_standard(
        services, clerk, target.run_id, target.board_position, target.alight_position, 1
    )
    services.counter(clerk).move_booking(
        reference, target.run_id, target.board_position, target.alight_position, {kept: seat[0]}
    )
    view.show_booking(reference)
    rows = {t.ticket_id: row for row, t in enumerate(view.tickets.tickets())}
    old, new = rows[cancelled], rows[kept]
    assert cell(view.tickets, old, "Train") == journey.train_number
    assert cell(view.tickets, new, "Train") == target.train_number
    old_day, new_day = cell(view.tickets, old, "Departs"), cell(view.tickets, new, "Departs")
    assert f"{journey.departs_at:%H:%M}" in old_day and f"{target.departs_at:%H:%M}" in new_day
    assert old_day != new_day  # the same train a day apart


# --- cancel --------------------------------------------------------------------------------


def test_cancelling_the_booking_shows_the_rule_and_refunds_before_confirming(
    view, services, clerk, reference, accept_confirmation
):
    view.show_booking(reference)
    messages = []
    view.statusMessage.connect(lambda text, _tone: messages.append(text))
    view.cancel_booking_action.trigger()
    (dialog,) = accept_confirmation
    assert "Full refund up to 24 h" in dialog.rule_label.text()
    rows = dialog.refund_rows()
    assert [row[0] for row in rows] == ["Ana Silva", "Rui Silva"]
    assert all(row[3].startswith("€") for row in rows)
    assert dialog.keep_button.isDefault()
    booking = services.counter(clerk).find_booking(reference)
    assert booking.status == "cancelled"
    assert booking.refunded_cents == dialog.quote.refund_cents
    assert {t.status for t in view.tickets.tickets()} == {"cancelled"}
    assert messages and reference in messages[0]
    assert not view.cancel_booking_action.isEnabled()


def test_declining_the_confirmation_cancels_nothing(monkeypatch, view, services, clerk, reference):
    monkeypatch.setattr(CancelConfirmDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    view.show_booking(reference)
    view.cancel_booking_action.trigger()
    assert services.counter(clerk).find_booking(reference).status == "active"
    assert "Nothing was cancelled" in view.message.message()


def test_cancelling_one_selected_ticket_frees_its_seat_for_the_leg_at_once(
    qtbot, view, services, clerk, journey, reference, accept_confirmation
):
    view.show_booking(reference)
    ticket = select_ticket(view, "Rui Silva")
    qtbot.keyClick(view.tickets_table, Qt.Key.Key_Delete)
    (dialog,) = accept_confirmation
    assert [row[0] for row in dialog.refund_rows()] == ["Rui Silva"]
    statuses = {
        t.passenger_name: t.status for t in services.counter(clerk).find_booking(reference).tickets
    }
    assert statuses == {"Ana Silva": "active", "Rui Silva": "cancelled"}
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    freed = next(
        s
        for c in seat_map.coaches
        for s in c.seats
        if c.coach_no == ticket.coach_no and s.label == ticket.seat_label
    )
    assert freed.state is SeatState.FREE


# --- change seat and move ------------------------------------------------------------------


def test_a_clerk_changes_a_seat_through_the_seat_map(
    qtbot, view, services, clerk, journey, reference
):
    view.show_booking(reference)
    ticket = select_ticket(view, "Ana Silva")
    view.change_seat_action.trigger()
    dialog = view.findChild(ChangeSeatDialog)
    assert dialog is not None and dialog.isVisible()
    new_seat = free_standard(
        services, clerk, journey.run_id, journey.board_position, journey.alight_position, 1
    )[0]
    dialog.panel.map_widget.set_selection([new_seat])
    assert dialog.apply_button.isEnabled()
    assert "Nothing to pay" in dialog.quote_label.text()
    with qtbot.waitSignal(view.statusMessage, timeout=5000) as status:
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "Ana Silva now in" in status.args[0]
    assert not dialog.isVisible()
    seat_map = services.counter(clerk).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    assert seat_map.seat(new_seat).state is SeatState.TAKEN
    changed = next(t for t in view.tickets.tickets() if t.ticket_id == ticket.ticket_id)
    assert (changed.coach_no, changed.seat_label) != (ticket.coach_no, ticket.seat_label)


def test_a_seat_taken_meanwhile_is_refused_in_the_dialog_and_nothing_changes(
    view, services, clerk, supervisor, journey, reference
):
    view.show_booking(reference)
    select_ticket(view, "Ana Silva")
    view.change_seat_action.trigger()
    dialog = view.findChild(ChangeSeatDialog)
    new_seat = free_standard(
        services, clerk, journey.run_id, journey.board_position, journey.alight_position, 1
    )[0]
    dialog.panel.map_widget.set_selection([new_seat])
    services.counter(supervisor).book(
        BookingRequest(
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            (PassengerRequest(new_seat, "Someone Else"),),
            Payment("card", None, "C"),
        ),
    )
    before = services.counter(clerk).find_booking(reference)
    dialog.apply_button.click()
    assert dialog.isVisible()
    assert "No longer available" in dialog.message.message()
    assert dialog.panel.selected_seat_ids() == ()
    assert services.counter(clerk).find_booking(reference) == before


def test_change_seat_needs_exactly_one_selected_ticket(view, reference):
    view.show_booking(reference)
    view.tickets_table.selectAll()
    assert len(view.selected_tickets()) == 2
    assert not view.change_seat_action.isEnabled()
    assert view.cancel_tickets_action.isEnabled()


def test_a_clerk_moves_the_booking_to_the_next_days_train(
    qtbot, view, services, clerk, journey, reference
):
    view.show_booking(reference)
    view.move_action.trigger()
    dialog = view.findChild(MoveRunDialog)
    assert dialog is not None
    assert dialog.trains.run_ids()  # the booking's own date is listed at once
    dialog.date_edit.setDate(QDate(journey.departs_at.date() + timedelta(days=1)))
    dialog.find_trains()
    target = next(j for j in dialog.trains.journeys() if j.train_number == journey.train_number)
    dialog.choose_train(target)
    seats = free_standard(
        services, clerk, target.run_id, target.board_position, target.alight_position, 2
    )
    dialog.panel.map_widget.set_selection(seats[:1])
    assert not dialog.apply_button.isEnabled()
    assert "1 more seat" in dialog.quote_label.text()
    dialog.panel.map_widget.set_selection(seats)
    assert dialog.apply_button.isEnabled()
    with qtbot.waitSignal(view.statusMessage, timeout=5000) as status:
        dialog.apply_button.click()
    assert "moved to train" in status.args[0]
    booking = services.counter(clerk).find_booking(reference)
    assert booking.run_id == target.run_id
    assert view.current_booking().run_id == target.run_id


def move_to_the_next_day(view, journey, reference) -> tuple[MoveRunDialog, object]:
    view.show_booking(reference)
    view.move_action.trigger()
    dialog = view.findChild(MoveRunDialog)
    dialog.date_edit.setDate(QDate(journey.departs_at.date() + timedelta(days=1)))
    dialog.find_trains()
    target = next(j for j in dialog.trains.journeys() if j.train_number == journey.train_number)
    dialog.choose_train(target)
    return dialog, target


def test_picking_a_seat_moves_nothing_in_the_change_seat_dialog(
    view, services, clerk, journey, reference
):
    view.show_booking(reference)
    select_ticket(view, "Ana Silva")
    view.change_seat_action.trigger()
    dialog = view.findChild(ChangeSeatDialog)
    map_widget = dialog.panel.map_widget
    map_widget.set_coach(STANDARD_COACH)
    seat = free_standard(
        services, clerk, journey.run_id, journey.board_position, journey.alight_position, 1
    )[0]
    before, seat_before = placements(dialog), map_widget.seat_rect(seat)
    map_widget.set_selection([seat])
    assert "Nothing to pay" in dialog.quote_label.text()
    assert moved(before, placements(dialog)) == []
    assert map_widget.seat_rect(seat) == seat_before
    assert shows_all(dialog.quote_label)


def test_picking_seats_moves_nothing_in_the_move_dialog(view, services, clerk, journey, reference):
    dialog, target = move_to_the_next_day(view, journey, reference)
    map_widget = dialog.panel.map_widget
    map_widget.set_coach(STANDARD_COACH)
    seats = free_standard(
        services, clerk, target.run_id, target.board_position, target.alight_position, 2
    )
    before, seat_before = placements(dialog), map_widget.seat_rect(seats[0])
    map_widget.set_selection(seats[:1])
    assert "1 more seat" in dialog.quote_label.text()
    assert moved(before, placements(dialog)) == []
    map_widget.set_selection(seats)
    assert dialog.apply_button.isEnabled()
    assert moved(before, placements(dialog)) == []
    assert map_widget.seat_rect(seats[0]) == seat_before
    assert shows_all(dialog.quote_label)


def test_the_move_dialogs_seat_map_has_room_and_a_tab_stop(qtbot, view, journey, reference):
    dialog, _target = move_to_the_next_day(view, journey, reference)
    map_widget = dialog.panel.map_widget
    geometry = map_widget.coach_geometry()
    assert geometry.seat_size >= 28
    assert map_widget.rect().toRectF().contains(geometry.bounds)  # the coach is not cut off
    assert clipped_by(dialog.panel.party_size) is None
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.train_table.setFocus()
    reached = []
    for _ in range(2):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert map_widget in reached
    qtbot.keyClick(map_widget, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is map_widget


def test_leaving_the_date_for_find_trains_searches_once(
    monkeypatch, qtbot, view, journey, reference
):
    """Clicking Find trains takes the focus from the date field, which searches on leaving it:
    the click and the leaving are one request."""
    facade = view.desk.counter
    searched: list[date] = []

    def counting(origin, destination, travel_date, earliest=None):
        searched.append(travel_date)
        return type(facade).search_journeys(facade, origin, destination, travel_date, earliest)

    monkeypatch.setattr(facade, "search_journeys", counting)
    view.show_booking(reference)
    view.move_action.trigger()
    dialog = view.findChild(MoveRunDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert searched == [journey.departs_at.date()]  # the booking's own day, on opening
    dialog.date_edit.setFocus()
    qtbot.keyClick(dialog.date_edit, Qt.Key.Key_Up)  # the next day
    next_day = journey.departs_at.date() + timedelta(days=1)
    assert dialog.travel_date() == next_day
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)
    assert searched == [journey.departs_at.date(), next_day]
    assert dialog.trains.journeys()[0].departs_at.date() == next_day
    qtbot.mouseClick(dialog.find_button, Qt.MouseButton.LeftButton)  # Find again: a fresh list
    assert searched == [journey.departs_at.date(), next_day, next_day]


def test_the_bookings_own_train_is_not_offered_as_a_move(view, journey, reference):
    view.show_booking(reference)
    view.move_action.trigger()
    dialog = view.findChild(MoveRunDialog)
    own = next(j for j in dialog.trains.journeys() if j.run_id == journey.run_id)
    dialog.choose_train(own)
    assert "Change seat" in dialog.message.message()
    assert dialog.leg is None


# --- reprint, keys, roles ------------------------------------------------------------------


def test_reprint_opens_the_preview_of_the_active_tickets(view, reference):
    view.show_booking(reference)
    view.reprint_action.trigger()
    preview = view.findChild(TicketPreviewDialog)
    assert preview is not None
    assert len(preview.documents) == 2
    preview.close()


def test_every_action_has_a_shortcut(view):
    for action in (
        view.cancel_booking_action,
        view.cancel_tickets_action,
        view.change_seat_action,
        view.move_action,
        view.reprint_action,
    ):
        assert not action.shortcut().isEmpty(), action.text()
        native = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        assert native in action.toolTip()


def test_a_conductor_can_find_but_not_change_bookings(tasks, qtbot, services, conductor, reference):
    view = BookingsView(DeskContext(conductor, tasks, counter=services.counter(conductor)))
    qtbot.addWidget(view)
    view.show_booking(reference)
    assert view.current_booking().reference == reference
    for action in (
        view.cancel_booking_action,
        view.cancel_tickets_action,
        view.change_seat_action,
        view.move_action,
        view.reprint_action,
    ):
        assert not action.isEnabled()


# --- models --------------------------------------------------------------------------------


def test_the_booking_list_model_passes_the_model_tester(qtmodeltester, services, clerk, reference):
    model = BookingListModel()
    model.set_bookings([services.counter(clerk).find_booking(reference)])
    qtmodeltester.check(model)


def test_the_ticket_model_passes_the_model_tester(qtmodeltester, services, clerk, reference):
    booking = services.counter(clerk).find_booking(reference)
    services.counter(clerk).cancel(reference, [booking.tickets[0].ticket_id])
    model = TicketTableModel()
    model.set_tickets(services.counter(clerk).find_booking(reference).tickets)
    qtmodeltester.check(model)
    assert (
        not model.flags(
            model.index(
                next(r for r, t in enumerate(model.tickets()) if t.status == "cancelled"), 0
            )
        )
        & Qt.ItemFlag.ItemIsSelectable
    )


def test_empty_models_pass_the_model_tester(qtmodeltester):
    qtmodeltester.check(BookingListModel())
    qtmodeltester.check(TicketTableModel())
