"""The main window: pages by role, the status bar, menus and shortcuts, errors without
tracebacks, and the sign-in → work → log out → sign in loop without a restart."""

from __future__ import annotations

from pathlib import Path

import owner_reads
import pytest
from PySide6.QtWidgets import QApplication

from tests.conftest import DEMO_PASSWORDS
from ticket_office.database_connector import DatabaseConnector
from ticket_office.domain import roles
from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.ui import shortcuts
from ticket_office.ui.app import Desk
from ticket_office.ui.counter.keys import PARTY, SOLD
from ticket_office.ui.desk import DeskNotOpen
from ticket_office.ui.desks import all_shortcuts, shortcuts_of
from ticket_office.ui.live_updates import ConnectionState
from ticket_office.ui.shortcuts import SHELL_KEYS, ShortcutsDialog


def tab_titles(window) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def menu_texts(window) -> dict[str, list[str]]:
    """Each menu's title and the text of its actions (separators left out)."""
    return {
        menu.title(): [a.text() for a in menu.actions() if not a.isSeparator()]
        for menu in (action.menu() for action in window.menuBar().actions())
    }


def test_a_clerk_gets_the_sell_page_and_a_status_bar_saying_who_and_where(
    qtbot, desk_window, clerk, backend
):
    window = desk_window(clerk)
    assert tab_titles(window)[0] == "Sell"
    assert window.placeholder is None
    status = window.status
    assert status.operator_label.text() == "Carla Mendes · Clerk"
    assert status.station_label.text() == "Porto Campanhã (PCA)"
    assert status.server_label.text() == backend.server.description
    assert status.connection is ConnectionState.OFFLINE  # this window has no live updates
    assert window.action("new_search").isEnabled()


def test_a_clerk_gets_sell_and_bookings_and_the_counter_menu(qtbot, desk_window, clerk):
    window = desk_window(clerk)
    assert tab_titles(window) == ["Sell", "Bookings"]
    assert window.page_ids() == ["sell", "bookings"]
    assert menu_texts(window) == {
        "&Desk": [
            "&New search",
            "&Find booking…",
            "&Refresh",
            "&Print tickets",
            "Go to Sell",
            "Go to Bookings",
            "S&witch operator…",
            "&Log out",
            "&Quit",
        ],
        "&Help": ["&Keyboard shortcuts", "&About Ticket Office"],
    }
    window.action("find_booking").trigger()
    assert window.tabs.currentWidget() is window.page("bookings")
    window.action("page_sell").trigger()
    assert window.tabs.currentWidget() is window.page("sell")


def test_a_conductor_gets_only_the_read_only_journeys_page(qtbot, desk_window, conductor):
    from ticket_office.ui.conductor.journeys import JourneysPage

    window = desk_window(conductor)
    assert tab_titles(window) == ["Journeys"]
    assert isinstance(window.page("journeys"), JourneysPage)
    assert window.page("sell") is None and window.page("bookings") is None
    assert menu_texts(window)["&Desk"] == [
        "&New search",
        "&Refresh",
        "&Print tickets",
        "Go to Journeys",
        "S&witch operator…",
        "&Log out",
        "&Quit",
    ]
    assert window.action("find_booking") is None
    assert window.action("new_search") is None  # the counter's; the conductor has its own
    assert window.action("conductor_new_search").shortcut().toString() == "Ctrl+N"
    assert window.action("page_journeys").shortcut().toString() == "Ctrl+1"
    assert not window.desk.works_at(roles.Desk.COUNTER)  # no counter services to call at all
    with pytest.raises(DeskNotOpen):
        window.desk.counter  # noqa: B018


def test_a_supervisor_works_the_counter_pages(qtbot, desk_window, supervisor):
    window = desk_window(supervisor)
    assert tab_titles(window) == ["Sell", "Bookings"]
    assert window.status.operator_label.text() == "Sofia Almeida · Supervisor"
    assert window.desk.works_at(roles.Desk.SUPERVISOR) and window.desk.works_at(roles.Desk.COUNTER)
    assert "&Find booking…" in menu_texts(window)["&Desk"]


def test_a_role_with_no_page_yet_gets_a_short_note(qtbot, desk_window, conductor, monkeypatch):
    monkeypatch.setattr("ticket_office.services.results.permits", lambda role, permission: False)
    window = desk_window(conductor)
    assert window.page_ids() == []
    assert tab_titles(window) == ["Welcome"]
    assert (
        "Tools for your role arrive in a later release"
        in window.placeholder.findChild(type(window.status.operator_label)).text()
    )
    assert window.action("conductor_new_search") is None


def test_an_error_nobody_handled_becomes_one_calm_line(qtbot, desk_window, clerk, tasks):
    window = desk_window(clerk)
    tasks.run(lambda: (_ for _ in ()).throw(DatabaseUnavailable("Cannot reach the server.")))
    assert window.status.currentMessage() == "Cannot reach the server."
    tasks.run(lambda: {}["missing"])
    message = window.status.currentMessage()
    assert message.startswith("Something went wrong (KeyError)")
    assert "Traceback" not in message


def test_the_shortcuts_dialog_lists_the_keys_of_the_operators_desks(
    qtbot, desk_window, clerk, conductor
):
    window = desk_window(clerk)
    window.show_shortcuts()
    dialog = window.findChild(ShortcutsDialog)
    text = dialog.browser.toPlainText()
    for shortcut in shortcuts_of(window.desks):
        assert shortcut.action in text
    assert "Show the Journeys page" not in text
    assert window.action("new_search").shortcut().toString() == "Ctrl+N"
    assert window.action("refresh").shortcut().toString() == "F5"
    assert window.action("print").shortcut().toString() == "Ctrl+P"
    assert window.action("find_booking").shortcut().toString() == "Ctrl+F"
    dialog.close()
    other = desk_window(conductor)
    other.show_shortcuts()
    text = other.findChild(ShortcutsDialog).browser.toPlainText()
    assert "Show the Journeys page" in text and "Find a booking" not in text


def test_the_readme_shortcut_table_matches_the_app():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert shortcuts.readme_section(readme) == shortcuts.markdown(all_shortcuts()).strip(), (
        "run: python -m ticket_office.ui.shortcuts"
    )


def test_no_two_shortcuts_share_keys_in_one_place():
    seen: dict[tuple[str, str], str] = {}
    everything = all_shortcuts()
    assert len({s.id for s in everything}) == len(everything)
    for shortcut in everything:
        if not shortcut.keys:
            continue
        key = (shortcut.context, shortcut.keys)
        assert key not in seen, f"{shortcut.id} and {seen[key]} share {shortcut.keys}"
        seen[key] = shortcut.id
    anywhere = {s.keys for s in SHELL_KEYS if s.context == shortcuts.ANYWHERE}
    for shortcut in everything:
        if shortcut.context != shortcuts.ANYWHERE and shortcut.context not in (
            PARTY,
            SOLD,
            shortcuts.LOGIN,
        ):  # those are other windows
            assert shortcut.keys not in anywhere


def test_logging_out_and_switching_operator_needs_no_restart(
    qtbot, backend, tasks, settings, monkeypatch
):
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda: quits.append(True))
    desk = Desk(DatabaseConnector.for_backend(backend), tasks, settings)
    desk.start()
    login = desk.login
    login.username.setText("clerk")
    login.password.setText(DEMO_PASSWORDS["clerk"])
    login.sign_in()
    first = desk.window
    assert first is not None and first.operator.username == "clerk"
    qtbot.waitUntil(lambda: desk.live.state is ConnectionState.CONNECTED)
    live = desk.live

    first.action("switch_operator").trigger()
    assert desk.window is None and desk.login is not None
    assert desk.login.username.text() == ""  # switching: the next person types their name
    desk.login.username.setText("supervisor")
    desk.login.password.setText(DEMO_PASSWORDS["supervisor"])
    desk.login.sign_in()
    second = desk.window
    assert second is not first and second.operator.username == "supervisor"
    assert desk.live is live  # one LISTEN connection per app, across operators

    second.action("log_out").trigger()
    assert desk.login.username.text() == "supervisor"  # plain log out remembers the name
    # Both sign-ins ended on the server too: their tokens are worth nothing now.
    open_sessions = "SELECT count(*) FROM operator_sessions WHERE ended_at IS NULL"
    assert owner_reads.read(backend, open_sessions)[0][0] == 0
    desk.login.reject()
    assert quits == [True]  # closing the sign-in dialog with no window open ends the app
    desk.shutdown()


def test_a_clerk_deactivated_mid_shift_is_signed_out_and_told_why(
    owner_backend, qtbot, backend, tasks, settings, monkeypatch
):
    from ticket_office.services import operators
    from ticket_office.services.results import OperatorContext

    monkeypatch.setattr(QApplication, "quit", lambda: None)
    desk = Desk(DatabaseConnector.for_backend(backend), tasks, settings)
    desk.start()
    desk.login.username.setText("clerk")
    desk.login.password.setText(DEMO_PASSWORDS["clerk"])
    desk.login.sign_in()
    window = desk.window
    operators.deactivate(owner_backend.uow(), OperatorContext.system(), "clerk")

    window.page("bookings").show_booking("ABC234")  # any call that needs the account

    assert desk.window is None and desk.login is not None
    assert "deactivated" in desk.login.message.message()
    assert desk.login.username.text() == ""  # the next person signs in
    desk.login.reject()
    desk.shutdown()
