"""Selling through the UI against the real demo database: a whole booking by keyboard, holds
that follow the selection, a hold blocking another desk, and a race lost to another desk."""

from __future__ import annotations

import time
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget
from sqlalchemy import text

from tests.ui.layout_checks import clipped_by, moved, placements, shows_all
from ticket_office.demo.network import LISBON
from ticket_office.domain.money import format_cents
from ticket_office.domain.seats import SeatState
from ticket_office.domain.time_zones import today_at
from ticket_office.services.results import BookingRequest, PassengerRequest, Payment
from ticket_office.ui.counter.sale.drafts import PassengerDraft, PaymentDraft, assign_drafts
from ticket_office.ui.dates import day_text, time_text


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def press(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)


def open_train(qtbot, window, day: date):
    """Search Porto → Madrid on `day` and open the first train's seat map."""
    page = window.page("sell")
    page.form.origin.setText("PCA")
    page.form.destination.setText("MAD")
    page.form.travel_date.setDate(QDate(day))
    page.form.submit()
    journey = page.results.current_journey()
    page.open_journey(journey)
    assert page.seat_panel.map_widget.seat_map() is not None
    return journey


def free_seats(window, coach_no: int = 3) -> list[int]:
    seat_map = window.page("sell").seat_panel.map_widget.seat_map()
    coach = next(c for c in seat_map.coaches if c.coach_no == coach_no)
    return [s.seat_id for s in coach.seats if s.state is SeatState.FREE]


def party_for_one_seat(qtbot, window, full_day):
    """The sale page and its passengers dialog, for one free seat of the first train on `day`."""
    open_train(qtbot, window, full_day)
    page = window.page("sell")
    page.seat_panel.map_widget.set_selection(free_seats(window)[:1])
    qtbot.waitUntil(lambda: len(page.holder.held_seat_ids()) == 1)
    page.open_party()
    return page, page.party_dialog


def state_of(services, operator, journey, seat_id: int) -> SeatState:
    seat_map = services.counter(operator).seat_map(
        journey.run_id, journey.board_position, journey.alight_position
    )
    return seat_map.seat(seat_id).state


def test_a_whole_booking_works_from_the_keyboard(qtbot, desk_window, clerk, services, full_day):
    window = desk_window(clerk)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page = window.page("sell")

    press(qtbot, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # new search: From
    assert focused() is page.form.origin and page.form.origin.station().code == "PCA"
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.form.destination
    qtbot.keyClicks(focused(), "MAD")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is page.form.travel_date
    # The date starts at today in Porto; Up steps a day at a time to a day every train runs.
    for _day in range((full_day - today_at(LISBON)).days):
        press(qtbot, Qt.Key.Key_Up)
    assert page.form.travel_date.date().toPython() == full_day
    press(qtbot, Qt.Key.Key_Return)  # search
    assert page.results.proxy.rowCount() == 10
    assert focused() is page.results
    press(qtbot, Qt.Key.Key_Down)
    journey = page.results.current_journey()
    press(qtbot, Qt.Key.Key_Return)  # open the seat map
    assert page.journey == journey
    map_widget = page.seat_panel.map_widget
    assert focused() is map_widget
    press(qtbot, Qt.Key.Key_PageDown)  # coach 2
    press(qtbot, Qt.Key.Key_PageDown)  # coach 3, standard
    press(qtbot, Qt.Key.Key_Space)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Space)
    chosen = page.selected_seat_ids()
    assert len(chosen) == 2
    qtbot.waitUntil(lambda: set(page.holder.held_seat_ids()) == set(chosen))
    assert (
        state_of(
            services, services.log_in("supervisor", "supervisor-demo-2026"), journey, chosen[0]
        )
        is SeatState.HELD
    )

    press(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # passengers
    dialog = page.party_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.rows[0].name)
    qtbot.keyClicks(focused(), "Ana Sousa")
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is dialog.rows[0].concession
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "Rui Sousa")
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Down)  # second passenger: next concession (child)
    assert dialog.rows[1].concession_code() == "child"
    press(qtbot, Qt.Key.Key_Tab)  # payment: cash is chosen
    press(qtbot, Qt.Key.Key_Tab)
    assert focused() is dialog.payment.cash_given
    total = dialog.fares.quote().total_cents
    qtbot.keyClicks(focused(), "200")
    assert dialog.payment.change.text() == f"€{(20000 - total) // 100}.{(20000 - total) % 100:02d}"
    press(qtbot, Qt.Key.Key_Return)  # confirm

    confirmation = page.confirmation
    assert confirmation is not None and page.party_dialog is None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is confirmation.next_button)
    reference = confirmation.reference.text()
    assert len(reference) == 6 and reference == page.last_reference
    assert "Change to give" in confirmation.change.text()
    booking = services.counter(clerk).find_booking(reference)
    assert [t.passenger_name for t in booking.tickets] == ["Ana Sousa", "Rui Sousa"]
    assert [t.concession for t in booking.tickets] == ["adult", "child"]
    assert booking.cash_given_cents == 20000 and booking.total_cents == total
    assert page.holder.held_seat_ids() == () and page.selected_seat_ids() == ()

    press(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # print the tickets
    previews = [
        w
        for w in QApplication.topLevelWidgets()
        if type(w).__name__ == "TicketPreviewDialog" and w.isVisible()
    ]
    assert len(previews) == 1
    previews[0].close()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is confirmation.next_button)
    press(qtbot, Qt.Key.Key_Return)  # next sale
    assert page.confirmation is None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.form.origin)


@pytest.fixture
def machine_in_auckland(monkeypatch):
    """The desk's computer set to a zone far from any station."""
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_hold_runs_until_a_time_on_the_clerks_station_clock(
    machine_in_auckland, qtbot, desk_window, clerk, full_day
):
    window = desk_window(clerk)
    open_train(qtbot, window, full_day)
    page = window.page("sell")
    with qtbot.waitSignal(page.holder.held) as held:
        page.seat_panel.map_widget.set_selection(free_seats(window)[:1])
    expires = held.args[0].expires_at
    porto = expires.astimezone(ZoneInfo(LISBON))
    assert page.hold_label.text() == f"1 seat held for you until {time_text(porto)}"
    assert time_text(porto) != time_text(expires.astimezone())  # not Auckland's


def test_selected_seats_are_held_and_released_when_deselected(
    qtbot, desk_window, clerk, supervisor, services, full_day
):
    window = desk_window(clerk)
    journey = open_train(qtbot, window, full_day)
    page = window.page("sell")
    seats = free_seats(window)[:2]
    page.seat_panel.map_widget.set_selection(seats)
    qtbot.waitUntil(lambda: set(page.holder.held_seat_ids()) == set(seats))
    assert "2 seats held for you until" in page.hold_label.text()
    assert state_of(services, supervisor, journey, seats[0]) is SeatState.HELD
    page.seat_panel.map_widget.set_selection(seats[1:])
    qtbot.waitUntil(lambda: page.holder.held_seat_ids() == (seats[1],))
    assert "1 seat held for you until" in page.hold_label.text()
    assert state_of(services, supervisor, journey, seats[0]) is SeatState.FREE


def test_logging_out_releases_the_desks_holds(
    qtbot, desk_window, clerk, supervisor, services, full_day
):
    window = desk_window(clerk)
    journey = open_train(qtbot, window, full_day)
    page = window.page("sell")
    seat = free_seats(window)[0]
    page.seat_panel.map_widget.set_selection([seat])
    qtbot.waitUntil(lambda: page.holder.held_seat_ids() == (seat,))
    with qtbot.waitSignal(window.loggedOut) as signal:
        window.log_out(switch=True)
    assert signal.args == [True]
    assert state_of(services, supervisor, journey, seat) is SeatState.FREE


def active(qtbot, widget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)


def quit_question(qtbot, window):
    qtbot.waitUntil(lambda: window.quit_question is not None)
    box = window.quit_question
    qtbot.waitUntil(lambda: box.isVisible() and QApplication.activeWindow() is box)
    assert {b.text() for b in box.buttons()} == {"&Quit and release seats", "&Keep working"}
    return box


def test_quitting_with_seats_held_asks_first_and_releases_them(
    qtbot, desk_window, clerk, supervisor, full_day
):
    window = desk_window(clerk)
    active(qtbot, window)
    open_train(qtbot, window, full_day)
    page = window.page("sell")
    seat = free_seats(window)[0]
    page.seat_panel.map_widget.set_selection([seat])
    qtbot.waitUntil(lambda: page.holder.held_seat_ids() == (seat,))
    page.seat_panel.map_widget.setFocus()

    press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    box = quit_question(qtbot, window)
    assert "1 seat is held for a customer" in box.informativeText()
    press(qtbot, Qt.Key.Key_Escape)  # keep working
    qtbot.waitUntil(lambda: window.quit_question is None)
    assert window.isVisible() and page.holder.held_seat_ids() == (seat,)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    box = quit_question(qtbot, window)
    assert focused() is box.defaultButton()  # Enter keeps working too
    with qtbot.waitSignal(window.closed):
        press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)  # quit and release seats
    assert not window.isVisible()

    other = desk_window(supervisor)  # another desk sees the seat free again
    open_train(qtbot, other, full_day)
    assert other.page("sell").seat_panel.map_widget.seat_map().seat(seat).state is SeatState.FREE


def test_quitting_from_the_passengers_dialog_asks_over_it(
    qtbot, desk_window, clerk, supervisor, services, full_day
):
    window = desk_window(clerk)
    active(qtbot, window)
    page, dialog = party_for_one_seat(qtbot, window, full_day)
    seat = dialog.seat_ids()[0]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.rows[0].name)
    press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    box = quit_question(qtbot, window)
    assert box.parentWidget() is dialog  # on top of the dialog, not hidden behind it
    assert "Passengers and payment" in box.text() + box.informativeText()
    press(qtbot, Qt.Key.Key_Return)  # the default: keep working
    qtbot.waitUntil(lambda: window.quit_question is None)
    assert page.party_dialog is dialog and dialog.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)

    press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    quit_question(qtbot, window)
    with qtbot.waitSignal(window.closed):
        press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    assert page.party_dialog is None and not window.isVisible()
    assert state_of(services, supervisor, page.journey, seat) is SeatState.FREE


def test_quitting_with_nothing_held_asks_nothing(qtbot, desk_window, clerk):
    window = desk_window(clerk)
    active(qtbot, window)
    with qtbot.waitSignal(window.closed):
        press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert window.quit_question is None and not window.isVisible()


def test_the_window_close_button_asks_too_while_seats_are_held(qtbot, desk_window, clerk, full_day):
    from PySide6.QtGui import QCloseEvent

    class CloseButton(QCloseEvent):
        """What the window manager sends (Qt marks it spontaneous; a test cannot)."""

        def spontaneous(self) -> bool:
            return True

    window = desk_window(clerk)
    active(qtbot, window)
    open_train(qtbot, window, full_day)
    page = window.page("sell")
    page.seat_panel.map_widget.set_selection(free_seats(window)[:1])
    qtbot.waitUntil(lambda: len(page.holder.held_seat_ids()) == 1)
    event = CloseButton()
    window.closeEvent(event)
    assert not event.isAccepted() and window.isVisible()
    quit_question(qtbot, window)


def test_a_seat_held_by_one_clerk_cannot_be_taken_at_another_desk(
    qtbot, desk_window, clerk, supervisor, services, full_day
):
    first = desk_window(clerk)
    journey = open_train(qtbot, first, full_day)
    seat = free_seats(first)[0]
    first.page("sell").seat_panel.map_widget.set_selection([seat])
    qtbot.waitUntil(lambda: first.page("sell").holder.held_seat_ids() == (seat,))

    second = desk_window(supervisor)
    open_train(qtbot, second, full_day)
    other_map = second.page("sell").seat_panel.map_widget
    assert other_map.seat_map().seat(seat).state is SeatState.HELD
    other_map.toggle_seat(seat)
    assert other_map.selected_seat_ids() == ()
    second.page("sell").seat_panel.map_widget._selected = [seat]  # as if selected a moment before
    second.page("sell").holder.want([seat])
    second.page("sell").holder.flush()
    assert "No longer available: coach 3 seat" in second.page("sell").message.message()
    with pytest.raises(Exception, match="No longer available"):
        services.counter(supervisor).book(
            BookingRequest(
                journey.run_id,
                journey.board_position,
                journey.alight_position,
                (PassengerRequest(seat, "Eva Lopes"),),
                Payment("cash"),
            ),
        )


def test_losing_a_race_names_the_seat_refreshes_the_map_and_keeps_the_names(
    qtbot, desk_window, clerk, services, full_day
):
    window = desk_window(clerk)
    journey = open_train(qtbot, window, full_day)
    page = window.page("sell")
    first, second, spare = free_seats(window)[:3]
    page.seat_panel.map_widget.set_selection([first, second])
    qtbot.waitUntil(lambda: len(page.holder.held_seat_ids()) == 2)
    page.open_party()
    dialog = page.party_dialog
    dialog.rows[0].name.setText("Ana Sousa")
    dialog.rows[1].name.setText("Rui Sousa")
    dialog.payment.card.setChecked(True)
    dialog.payment.card_reference.setText("AUTH 4471")

    # Behind the UI's back: this desk's holds lapse and another desk sells the first seat.
    services.counter(clerk).release_holds()
    rival = services.log_in("clerk", "clerk-demo-2026")
    services.counter(rival).book(
        BookingRequest(
            journey.run_id,
            journey.board_position,
            journey.alight_position,
            (PassengerRequest(first, "Eva Lopes"),),
            Payment("cash"),
        ),
    )
    dialog.confirm()

    assert page.party_dialog is None
    text = page.message.message()
    assert text.startswith("No longer available: coach 3 seat ")
    assert "names you typed are kept" in text
    map_widget = page.seat_panel.map_widget
    assert map_widget.seat_map().seat(first).state is SeatState.TAKEN
    assert page.selected_seat_ids() == (second,)

    map_widget.toggle_seat(spare)
    qtbot.waitUntil(lambda: set(page.holder.held_seat_ids()) == {second, spare})
    page.open_party()
    names = [row.name.text() for row in page.party_dialog.rows]
    assert names == ["Rui Sousa", "Ana Sousa"]  # the passenger who lost a seat keeps a name
    assert page.party_dialog.payment.card_reference.text() == "AUTH 4471"
    page.party_dialog.confirm()
    booking = services.counter(clerk).find_booking(page.last_reference)
    assert sorted(t.passenger_name for t in booking.tickets) == ["Ana Sousa", "Rui Sousa"]
    assert booking.payment_method == "card" and booking.payment_reference == "AUTH 4471"


def test_the_party_dialog_refuses_missing_names_and_short_cash(qtbot, desk_window, clerk, full_day):
    page, dialog = party_for_one_seat(qtbot, desk_window(clerk), full_day)
    dialog.confirm()
    assert "Passenger 1's name" in dialog.message.message()
    dialog.rows[0].name.setText("Ana Sousa")
    dialog.payment.cash_given.setText("1")
    assert "short of the total" in dialog.payment.cash_note.message()
    dialog.confirm()
    assert "less than the total" in dialog.message.message()
    dialog.payment.cash_given.setText("twelve")
    assert "is not an amount" in dialog.payment.cash_note.message()
    assert page.party_dialog is dialog and page.last_reference is None


def test_fares_raised_after_the_quote_sell_nothing_until_the_clerk_confirms_the_new_total(
    qtbot, desk_window, clerk, services, owner_engine, full_day
):
    """The clerk never charges another amount than the screen showed: the server prices the
    sale itself, and a total that is not the one shown sells nothing and is shown instead."""
    page, dialog = party_for_one_seat(qtbot, desk_window(clerk), full_day)
    qtbot.waitUntil(lambda: dialog.fares.quote() is not None)
    shown = dialog.fares.quote().total_cents
    dialog.rows[0].name.setText("Ana Sousa")
    dialog.payment.card.setChecked(True)
    dialog.payment.card_reference.setText("AUTH 1")
    with owner_engine.begin() as conn:  # a supervisor elsewhere, after the quote
        conn.execute(text("UPDATE fare_rates SET base_cents = base_cents + 500"))
    dialog.confirm()
    assert "The fares changed since they were shown" in dialog.message.message()
    assert page.party_dialog is dialog and page.last_reference is None
    assert dialog.fares.quote().total_cents == shown + 500
    assert dialog.fares.total_label.text() == format_cents(shown + 500)
    assert dialog.confirm_button.isEnabled()
    dialog.confirm()
    booking = services.counter(clerk).find_booking(page.last_reference)
    assert booking.total_cents == shown + 500


def test_alt_c_and_alt_d_choose_the_method_and_put_the_cursor_in_its_field(
    qtbot, desk_window, clerk, full_day
):
    page, dialog = party_for_one_seat(qtbot, desk_window(clerk), full_day)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.rows[0].name)
    payment = dialog.payment
    payment.set_draft(PaymentDraft("cash", "50", "AUTH 9"))  # typed before going back to seats

    press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # cash, chosen already
    assert focused() is payment.cash_given
    qtbot.keyClicks(focused(), "60")
    assert payment.cash_given.text() == "60"

    press(qtbot, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # card
    assert payment.method() == "card"
    assert focused() is payment.card_reference
    qtbot.keyClicks(focused(), "4471")
    assert payment.card_reference.text() == "4471"  # the old reference was selected, replaced

    press(qtbot, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)  # cash
    assert payment.method() == "cash"
    assert focused() is payment.cash_given
    qtbot.keyClicks(focused(), "200")
    assert payment.cash_given.text() == "200"


def test_a_name_over_the_limit_is_refused_with_the_limit_not_cut(
    qtbot, desk_window, clerk, full_day
):
    page, dialog = party_for_one_seat(qtbot, desk_window(clerk), full_day)
    long_name = ("Ana Maria Sousa " * 6).strip()
    assert len(long_name) == 95
    dialog.rows[0].name.setText(long_name)
    assert dialog.rows[0].name.text() == long_name  # kept whole, for the clerk to shorten
    assert "95 characters, at most 80" in dialog.message.message()  # said while typing
    dialog.payment.card.setChecked(True)
    dialog.payment.card_reference.setText("AUTH 1")
    dialog.confirm()
    assert dialog.message.message() == (
        "Passenger 1's name is too long (95 characters, at most 80)."
    )
    assert page.party_dialog is dialog and page.last_reference is None
    dialog.rows[0].name.setText(long_name[:80])
    assert dialog.message.message() == ""


NO_FONT_HAS_IT = "\U00016a70"  # TANGSA LETTER OZ: a letter (Unicode 14) Debian 12's fonts lack


def test_a_name_the_printer_cannot_draw_is_queried_once_before_the_sale(
    qtbot, desk_window, clerk, services, full_day
):
    from ticket_office.ui.shared.tickets.glyphs import unprintable

    assert unprintable("Ana Sousa, 김민지, สมชาย, देवनागरी, 李小龙") == ""  # fonts set up
    if not unprintable(NO_FONT_HAS_IT):
        pytest.skip("this machine has a font with Tangsa letters")
    page, dialog = party_for_one_seat(qtbot, desk_window(clerk), full_day)
    dialog.rows[0].name.setText(f"Ana {NO_FONT_HAS_IT}")
    dialog.payment.card.setChecked(True)
    dialog.payment.card_reference.setText("AUTH 1")
    dialog.confirm()
    assert "empty boxes" in dialog.message.message() and page.last_reference is None
    dialog.confirm()  # the clerk has seen the warning and sells the name as typed
    assert page.last_reference is not None
    booking = services.counter(clerk).find_booking(page.last_reference)
    assert [t.passenger_name for t in booking.tickets] == [f"Ana {NO_FONT_HAS_IT}"]


def test_the_sold_line_moves_and_clips_nothing(qtbot, desk_window, clerk, full_day):
    window = desk_window(clerk)  # as large as the desk opens
    page, dialog = party_for_one_seat(qtbot, window, full_day)
    dialog.rows[0].name.setText("Ana Sousa")
    dialog.payment.card.setChecked(True)
    dialog.payment.card_reference.setText("AUTH 1")
    before = placements(page)
    assert clipped_by(page.seat_panel.party_size) is None
    dialog.confirm()
    assert page.message.message().startswith("Sold: booking ")
    assert shows_all(page.message)
    assert moved(before, placements(page)) == []
    assert clipped_by(page.seat_panel.party_size) is None
    page.message.clear_message()
    assert moved(before, placements(page)) == []


def test_a_short_window_gives_the_seats_room_before_the_trains(qtbot, desk_window, clerk, full_day):
    """1280 x 720 (a 1366 x 768 laptop): six trains on top left the seat map at its least size
    with the pick row scrolled out of sight; the trains get fewer rows, never under three."""
    window = desk_window(clerk, size=(1280, 720))
    page = window.page("sell")
    open_train(qtbot, window, full_day)
    seats_scroll = page.findChild(QScrollArea)
    qtbot.waitUntil(lambda: seats_scroll.verticalScrollBar().maximum() == 0, timeout=2000)
    assert clipped_by(page.seat_panel.pick_button) is None
    assert clipped_by(page.seat_panel.legend) is None
    row = page.results.verticalHeader().defaultSectionSize()
    assert page.results.viewport().height() >= 3 * row


def test_a_tall_window_shows_six_trains(qtbot, desk_window, clerk, full_day):
    window = desk_window(clerk, size=(1280, 1000))
    page = window.page("sell")
    open_train(qtbot, window, full_day)
    row = page.results.verticalHeader().defaultSectionSize()
    qtbot.waitUntil(lambda: page.results.viewport().height() >= 6 * row, timeout=2000)
    assert clipped_by(page.seat_panel.pick_button) is None


def test_a_train_that_cannot_be_sold_does_not_open_for_sale(qtbot, desk_window, clerk):
    window = desk_window(clerk)
    page = window.page("sell")
    page.form.destination.setText("MAD")
    # Yesterday in Porto: its first train has left, whatever the hour.
    page.form.travel_date.setDate(QDate(today_at(LISBON) - timedelta(days=1)))
    page.form.submit()
    journey = page.results_model.journey(0)
    assert not journey.bookable
    page.open_journey(journey)
    assert page.journey is None
    assert "already departed" in page.message.message()
    assert "already departed" in page.form.message.message()


def test_drafts_follow_people_when_a_seat_is_replaced():
    drafts = {1: PassengerDraft("Ana"), 2: PassengerDraft("Rui", "child")}
    assert assign_drafts([2, 3], drafts) == [PassengerDraft("Rui", "child"), PassengerDraft("Ana")]
    assert assign_drafts([4], {}) == [PassengerDraft()]


def hold_one_seat(qtbot, window, day: date):
    journey = open_train(qtbot, window, day)
    page = window.page("sell")
    seat = free_seats(window)[0]
    page.seat_panel.map_widget.set_selection([seat])
    qtbot.waitUntil(lambda: page.holder.held_seat_ids() == (seat,))
    return page, journey, seat


def assert_no_train_on_screen(page) -> None:
    assert page.journey is None and page.selected_seat_ids() == ()
    assert page.seat_stack.currentWidget() is page.seat_hint
    assert not page.party_button.isEnabled()


def test_a_new_search_on_another_day_clears_the_seat_map_and_releases_its_holds(
    qtbot, desk_window, clerk, supervisor, services, full_day
):
    window = desk_window(clerk)
    page, journey, seat = hold_one_seat(qtbot, window, full_day)
    page.form.travel_date.setDate(QDate(full_day + timedelta(days=1)))
    page.form.submit()
    assert_no_train_on_screen(page)
    qtbot.waitUntil(lambda: state_of(services, supervisor, journey, seat) is SeatState.FREE)
    page.open_party()  # Ctrl+Enter with nothing on screen sells nothing
    assert page.party_dialog is None


def test_changing_the_date_or_a_station_clears_what_was_found_for_the_old_ones(
    qtbot, desk_window, clerk, supervisor, services, full_day
):
    window = desk_window(clerk)
    page, journey, seat = hold_one_seat(qtbot, window, full_day)
    page.form.travel_date.setDate(QDate(full_day + timedelta(days=2)))
    assert_no_train_on_screen(page)
    assert page.results_model.rowCount() == 0
    qtbot.waitUntil(lambda: state_of(services, supervisor, journey, seat) is SeatState.FREE)

    page, journey, seat = hold_one_seat(qtbot, window, full_day)
    page.form.destination.setText("BCN")
    assert_no_train_on_screen(page)
    qtbot.waitUntil(lambda: state_of(services, supervisor, journey, seat) is SeatState.FREE)


def test_next_sale_leaves_the_train_and_releases_its_holds(
    qtbot, desk_window, clerk, supervisor, services, full_day
):
    window = desk_window(clerk)
    page, journey, seat = hold_one_seat(qtbot, window, full_day)
    page.next_sale()
    assert_no_train_on_screen(page)
    qtbot.waitUntil(lambda: state_of(services, supervisor, journey, seat) is SeatState.FREE)


def test_the_passengers_dialog_names_the_train_and_day_it_sells(
    qtbot, desk_window, clerk, full_day
):
    window = desk_window(clerk)
    page, dialog = party_for_one_seat(qtbot, window, full_day)
    assert page.journey.train_number in dialog.windowTitle()
    assert day_text(full_day) in dialog.windowTitle()
    dialog.reject()
