"""A desk does not answer its own notices: a seat click is a hold write and nothing else, an idle
desk sends the server nothing at all, and another desk's change is still heard at once. Also
the notices a desk's other page caused, which the server's feed no longer carries to it."""

from __future__ import annotations

from collections import Counter

import psycopg
import pytest

from tests.ui.test_sale import free_seats, open_train
from ticket_office.db.engine import libpq_url
from ticket_office.services.seat_notices import origin_of
from ticket_office.ui.live_updates import ConnectionState

# Long enough for a hold's notice (sent 0.2 s after the commit) to come back and be handled.
SETTLE_MS = 1_500


@pytest.fixture
def calls(monkeypatch):
    """Counts the reads a desk's counter facade makes, by name."""
    counted: Counter[str] = Counter()

    def count(facade) -> None:
        for name in ("seat_map", "search_journeys", "set_holds"):
            real = getattr(facade, name)

            def counting(*args, _real=real, _name=name, **kwargs):
                counted[_name] += 1
                return _real(*args, **kwargs)

            monkeypatch.setattr(facade, name, counting)

    counted.watch = count  # type: ignore[attr-defined]
    return counted


def live_desk(qtbot, desk_window, operator, day):
    window = desk_window(operator, live=True)
    qtbot.waitUntil(lambda: window.live.state is ConnectionState.CONNECTED)
    return window, open_train(qtbot, window, day)


def own_notice_heard(qtbot, window, run_id: int) -> None:
    own = origin_of(window.operator.client_id)
    with qtbot.waitSignal(
        window.live.changesHeard,
        timeout=5_000,
        check_params_cb=lambda notices: any(
            n.origin == own and run_id in n.run_ids for n in notices
        ),
    ):
        pass


def test_a_seat_click_costs_a_hold_and_no_reload_for_its_own_echo(
    qtbot, desk_window, clerk, full_day, calls
):
    window, journey = live_desk(qtbot, desk_window, clerk, full_day)
    page = window.page("sell")
    calls.watch(window.desk.counter)
    seat = free_seats(window)[0]
    with qtbot.waitSignal(window.live.changesHeard, timeout=5_000) as heard:
        page.seat_panel.map_widget.toggle_seat(seat)
        qtbot.waitUntil(lambda: page.holder.held_seat_ids() == (seat,))
    assert any(n.origin == origin_of(clerk.client_id) for n in heard.args[0])
    qtbot.wait(SETTLE_MS)
    assert calls == Counter(set_holds=1)


def test_another_desks_change_is_still_heard_and_shown(
    qtbot, desk_window, clerk, supervisor, services, full_day, calls
):
    window, journey = live_desk(qtbot, desk_window, clerk, full_day)
    calls.watch(window.desk.counter)
    other_seat = free_seats(window)[1]
    services.counter(supervisor).set_holds(
        journey.run_id, journey.board_position, journey.alight_position, [other_seat]
    )
    qtbot.waitUntil(lambda: calls["seat_map"] == 1, timeout=5_000)
    qtbot.wait(SETTLE_MS)
    assert calls == Counter(seat_map=1, search_journeys=1)


def statements_since(url: str, since) -> list[str]:
    """What the other sessions on this database ran after `since` (each session's latest)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        return [
            f"{name}: {query[:60]}"
            for name, query in conn.execute(
                "SELECT application_name, query FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' AND query_start > %s",
                (since,),
            )
        ]


def server_now(url: str):
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def test_an_idle_desk_sends_no_statement_for_ten_seconds_after_a_selection(
    qtbot, desk_window, backend, clerk, supervisor, services, full_day
):
    window, journey = live_desk(qtbot, desk_window, clerk, full_day)
    page = window.page("sell")
    seats = free_seats(window)[4::-2]  # picked right to left: the server answers in seat order
    page.seat_panel.map_widget.set_selection(seats)
    qtbot.waitUntil(lambda: set(page.holder.held_seat_ids()) == set(seats))
    qtbot.wait(SETTLE_MS)
    url = backend.database.url
    start = server_now(url)
    qtbot.wait(10_000)
    assert statements_since(url, start) == []

    # The watch itself can see: another desk's hold makes this one read its seat map again.
    start = server_now(url)
    services.counter(supervisor).set_holds(
        journey.run_id, journey.board_position, journey.alight_position, [free_seats(window)[5]]
    )
    qtbot.waitUntil(
        lambda: any("ticket-office" in s for s in statements_since(url, start)), timeout=5_000
    )


def test_a_change_on_one_page_refreshes_the_desks_other_pages(
    qtbot, desk_window, clerk, full_day, calls
):
    window, journey = live_desk(qtbot, desk_window, clerk, full_day)
    calls.watch(window.desk.counter)
    window.page("bookings").seatsChanged.emit({journey.run_id})  # as after a cancellation there
    assert calls["seat_map"] == 1 and calls["search_journeys"] == 1


def test_seats_picked_right_to_left_are_held_once_and_go_to_the_passengers_dialog(
    qtbot, desk_window, clerk, full_day, calls
):
    window, journey = live_desk(qtbot, desk_window, clerk, full_day)
    page = window.page("sell")
    calls.watch(window.desk.counter)
    seats = free_seats(window)[3::-1]
    page.seat_panel.map_widget.set_selection(seats)
    qtbot.waitUntil(lambda: set(page.holder.held_seat_ids()) == set(seats))
    qtbot.wait(SETTLE_MS)
    assert calls["set_holds"] == 1
    page.open_party()
    qtbot.waitUntil(lambda: page.party_dialog is not None)
    page.party_dialog.reject()
