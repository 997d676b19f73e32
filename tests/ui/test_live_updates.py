"""Live updates through the real path: PostgreSQL NOTIFY → the listener's socket → a
QSocketNotifier → changesHeard → the other desk's seat map and results refresh."""

from __future__ import annotations

import psycopg
from PySide6.QtCore import QSocketNotifier

from tests.ui.test_sale import free_seats, open_train
from ticket_office.domain.seats import SeatState
from ticket_office.services.results import BookingRequest, PassengerRequest, Payment
from ticket_office.ui.live_updates import ConnectionState, LiveUpdates
from ticket_office.ui.shared.search.results_model import Column


def seat_state(window, seat_id: int) -> SeatState:
    return window.page("sell").seat_panel.map_widget.seat_map().seat(seat_id).state


def test_a_sale_at_one_desk_shows_up_live_at_another(
    qtbot, desk_window, clerk, supervisor, full_day
):
    selling = desk_window(clerk, live=True)
    watching = desk_window(supervisor, live=True)
    for window in (selling, watching):
        qtbot.waitUntil(lambda w=window: w.live.state is ConnectionState.CONNECTED)
        assert "Connected" in window.status.connection_label.text()
        assert isinstance(window.live._notifier, QSocketNotifier)
    journey = open_train(qtbot, selling, full_day)
    open_train(qtbot, watching, full_day)
    row = watching.page("sell").results_model.row_of_run(journey.run_id)
    free_before = watching.page("sell").results_model.journey(row).free_standard
    seat = free_seats(selling)[0]

    page = selling.page("sell")
    page.seat_panel.map_widget.set_selection([seat])
    qtbot.waitUntil(lambda: seat_state(watching, seat) is SeatState.HELD, timeout=5000)
    page.open_party()
    page.party_dialog.rows[0].name.setText("Ana Sousa")
    page.party_dialog.confirm()
    assert page.last_reference

    qtbot.waitUntil(lambda: seat_state(watching, seat) is SeatState.TAKEN, timeout=5000)
    results = watching.page("sell").results_model
    qtbot.waitUntil(lambda: results.journey(row).free_standard == free_before - 1, timeout=5000)
    assert results.index(row, Column.STANDARD_FREE).data() == str(free_before - 1)


def test_a_change_made_elsewhere_refreshes_an_open_seat_map(
    qtbot, desk_window, clerk, supervisor, services, full_day
):
    window = desk_window(clerk, live=True)
    qtbot.waitUntil(lambda: window.live.state is ConnectionState.CONNECTED)
    journey = open_train(qtbot, window, full_day)
    seat = free_seats(window)[5]
    with qtbot.waitSignal(window.live.changesHeard, timeout=5000) as signal:
        services.counter(supervisor).book(
            BookingRequest(
                journey.run_id,
                journey.board_position,
                journey.alight_position,
                (PassengerRequest(seat, "Eva Lopes"),),
                Payment("card", card_reference="T1"),
            ),
        )
    assert any(journey.run_id in notice.run_ids for notice in signal.args[0])
    qtbot.waitUntil(lambda: seat_state(window, seat) is SeatState.TAKEN, timeout=5000)


def test_after_a_lost_connection_it_reconnects_and_refreshes(
    qtbot, backend, tasks, clerk, full_day
):
    live = LiveUpdates(backend.change_listener(), tasks, backoff_ms=(50, 100))
    states: list[str] = []
    live.stateChanged.connect(states.append)
    live.start()
    qtbot.waitUntil(lambda: live.state is ConnectionState.CONNECTED)
    admin_url = backend.listener_url.replace("+psycopg", "")
    with (
        psycopg.connect(admin_url, autocommit=True) as admin,
        qtbot.waitSignal(live.reconnected, timeout=5000),
    ):
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'ticket-office listener' "
            "AND datname = current_database()"
        )
    assert states[:3] == ["connecting", "connected", "reconnecting"]
    assert live.state is ConnectionState.CONNECTED
    with qtbot.waitSignal(live.changesHeard, timeout=5000) as signal:
        backend.services.counter(clerk).set_holds(*_first_leg(backend, clerk, full_day), [])
    assert signal.args[0]
    live.stop()
    assert live.state is ConnectionState.OFFLINE


def test_an_unreachable_server_goes_from_reconnecting_to_offline(qtbot, tasks):
    class DeadListener:
        connected = False
        attempts = 0

        def connect(self) -> None:
            DeadListener.attempts += 1
            from ticket_office.domain.errors import DatabaseUnavailable

            raise DatabaseUnavailable("Live updates are offline: connection refused")

        def fileno(self) -> int:
            raise AssertionError("never connected")

        def drain(self) -> set[int]:
            return set()

        def close(self) -> None:
            pass

    live = LiveUpdates(DeadListener(), tasks, backoff_ms=(10, 10))
    states: list[str] = []
    live.stateChanged.connect(states.append)
    live.start()
    qtbot.waitUntil(lambda: live.state is ConnectionState.OFFLINE, timeout=2000)
    assert states == ["connecting", "reconnecting", "offline"]
    assert DeadListener.attempts >= 4
    live.stop()


def _first_leg(backend, operator, day) -> tuple[int, int, int]:
    journey = backend.services.counter(operator).search_journeys("PCA", "MAD", day)[0]
    return journey.run_id, journey.board_position, journey.alight_position
