"""The main window: pages by role, the status bar, menus and shortcuts, errors without
tracebacks, and the sign-in → work → log out → sign in loop without a restart."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from tests.conftest import DEMO_PASSWORDS
from ticket_office.database_connector import DatabaseConnector
from ticket_office.domain.errors import DatabaseUnavailable
from ticket_office.ui import resources, shortcuts
from ticket_office.ui.app import Desk
from ticket_office.ui.live_updates import ConnectionState
from ticket_office.ui.shortcuts import SHORTCUTS, ShortcutsDialog


def tab_titles(window) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


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
    assert window.new_search_action.isEnabled()


def test_bookings_are_a_page_for_roles_that_may_view_them(qtbot, desk_window, clerk, supervisor):
    for operator in (clerk, supervisor):
        window = desk_window(operator)
        if window.bookings_view is None:
            pytest.skip("the Bookings page is not installed")
        assert tab_titles(window) == ["Sell", "Bookings"]


def test_a_supervisor_can_sell_like_a_clerk(qtbot, desk_window, supervisor):
    window = desk_window(supervisor)
    assert window.sale_page is not None and window.sale_page.can_sell
    assert window.status.operator_label.text() == "Sofia Almeida · Supervisor"


def test_a_role_with_no_desk_tools_yet_gets_a_short_note(
    qtbot, desk_window, conductor, monkeypatch
):
    monkeypatch.setattr("ticket_office.services.results.permits", lambda role, permission: False)
    window = desk_window(conductor)
    assert window.sale_page is None and window.bookings_view is None
    assert tab_titles(window) == ["Welcome"]
    assert (
        "Conductor tools arrive in a later release"
        in window.placeholder.findChild(type(window.status.operator_label)).text()
    )
    assert not window.new_search_action.isEnabled()


def test_an_error_nobody_handled_becomes_one_calm_line(qtbot, desk_window, clerk, tasks):
    window = desk_window(clerk)
    tasks.run(lambda: (_ for _ in ()).throw(DatabaseUnavailable("Cannot reach the server.")))
    assert window.status.currentMessage() == "Cannot reach the server."
    tasks.run(lambda: {}["missing"])
    message = window.status.currentMessage()
    assert message.startswith("Something went wrong (KeyError)")
    assert "Traceback" not in message


def test_the_shortcuts_dialog_lists_every_shortcut(qtbot, desk_window, clerk):
    window = desk_window(clerk)
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    text = dialog.browser.toPlainText()
    for shortcut in shortcuts.all_shortcuts():
        assert shortcut.action in text
    assert window.new_search_action.shortcut().toString() == "Ctrl+N"
    assert window.refresh_action.shortcut().toString() == "F5"
    assert window.print_action.shortcut().toString() == "Ctrl+P"
    assert window.find_booking_action.shortcut().toString() == "Ctrl+F"


def test_the_readme_shortcut_table_matches_the_app():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert shortcuts.readme_section(readme) == shortcuts.markdown().strip(), (
        "run: python -m ticket_office.ui.shortcuts"
    )


def test_no_two_shortcuts_share_keys_in_one_place():
    seen: dict[tuple[str, str], str] = {}
    everything = shortcuts.all_shortcuts()
    assert len({s.id for s in everything}) == len(everything)
    for shortcut in everything:
        if not shortcut.keys:
            continue
        key = (shortcut.context, shortcut.keys)
        assert key not in seen, f"{shortcut.id} and {seen[key]} share {shortcut.keys}"
        seen[key] = shortcut.id
    anywhere = {s.keys for s in SHORTCUTS if s.context == shortcuts.ANYWHERE}
    for shortcut in everything:
        if shortcut.context != shortcuts.ANYWHERE and shortcut.context not in (
            shortcuts.PARTY,
            shortcuts.SOLD,
            shortcuts.LOGIN,
        ):  # those are other windows
            assert shortcut.keys not in anywhere


def test_icons_and_theme_are_found_in_a_source_tree_and_in_a_bundle(qapp, monkeypatch, tmp_path):
    assert not resources.icon("swap").isNull()
    assert "palette(" in resources.style_sheet()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == Path(tmp_path) / "resources"
    assert resources.style_sheet() == ""  # missing files never stop the desk


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

    first.switch_action.trigger()
    assert desk.window is None and desk.login is not None
    assert desk.login.username.text() == ""  # switching: the next person types their name
    desk.login.username.setText("supervisor")
    desk.login.password.setText(DEMO_PASSWORDS["supervisor"])
    desk.login.sign_in()
    second = desk.window
    assert second is not first and second.operator.username == "supervisor"
    assert desk.live is live  # one LISTEN connection per app, across operators

    second.log_out_action.trigger()
    assert desk.login.username.text() == "supervisor"  # plain log out remembers the name
    desk.login.reject()
    assert quits == [True]  # closing the sign-in dialog with no window open ends the app
    desk.shutdown()


def test_a_clerk_deactivated_mid_shift_is_signed_out_and_told_why(
    qtbot, backend, tasks, settings, monkeypatch
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
    operators.deactivate(backend.uow(), OperatorContext.system(), "clerk")

    window.show_booking("ABC234")  # any call that needs the account

    assert desk.window is None and desk.login is not None
    assert "deactivated" in desk.login.message.message()
    assert desk.login.username.text() == ""  # the next person signs in
    desk.login.reject()
    desk.shutdown()
