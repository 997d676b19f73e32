"""Signing in: the server shown, the username remembered, and every refusal with its own message
(wrong password, lockout, deactivated, forced password change, unreachable server), plus the
central server's password and the keyring."""

from __future__ import annotations

from urllib.parse import urlsplit

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt

from tests.conftest import DEMO_PASSWORDS, MemoryKeyring
from tests.ui.layout_checks import moved, placements, shows_all
from ticket_office.config import DatabaseChoice
from ticket_office.database_connector import (
    KEYRING_SERVICE,
    DatabaseConnector,
    keyring_state,
    with_password,
)
from ticket_office.domain import text_rules
from ticket_office.domain.errors import DatabaseAuthenticationFailed, DatabaseUnavailable
from ticket_office.services import operators
from ticket_office.services.results import OperatorContext
from ticket_office.ui.login import USERNAME_KEY, LoginDialog


@pytest.fixture
def login(qtbot, backend, tasks, settings):
    def make(connector=None, **kwargs) -> LoginDialog:
        dialog = LoginDialog(
            connector or DatabaseConnector.for_backend(backend), tasks, settings=settings, **kwargs
        )
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def sign_in(qtbot, dialog: LoginDialog, username: str, password: str) -> None:
    dialog.username.setText(username)
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def test_signing_in_returns_the_operator_and_remembers_the_username(qtbot, login, settings):
    dialog = login()
    assert "Connected" in dialog.server_state.text()
    with qtbot.waitSignal(dialog.accepted):
        sign_in(qtbot, dialog, "Clerk", DEMO_PASSWORDS["clerk"])
    operator = dialog.operator()
    assert (operator.username, operator.station_code) == ("clerk", "PCA")
    assert operator.client_id
    assert settings.value(USERNAME_KEY) == "clerk"
    again = login()
    assert again.username.text() == "clerk"
    assert login(forget_username=True).username.text() == ""


def test_the_dialog_names_the_server(qtbot, login, backend):
    dialog = login()
    assert backend.server.description in dialog.server_label.text()


def test_a_wrong_password_is_refused_and_cleared(qtbot, login):
    dialog = login()
    sign_in(qtbot, dialog, "clerk", "not-the-password")
    assert dialog.message.message() == "Wrong username or password."
    assert dialog.password.text() == ""
    assert dialog.isVisible() and dialog.operator() is None


def test_five_wrong_passwords_lock_the_account(qtbot, login):
    dialog = login()
    for _ in range(3):
        sign_in(qtbot, dialog, "clerk", "wrong-password")
        assert dialog.message.message() == "Wrong username or password."
    sign_in(qtbot, dialog, "clerk", "wrong-password")
    assert "One more wrong password locks this account" in dialog.message.message()
    sign_in(qtbot, dialog, "clerk", "wrong-password")
    assert "locked for 15 minutes" in dialog.message.message()
    assert "ticket-office unlock clerk" in dialog.message.message()
    sign_in(qtbot, dialog, "clerk", DEMO_PASSWORDS["clerk"])
    assert "locked" in dialog.message.message() and dialog.operator() is None
    assert "ticket-office unlock clerk" in dialog.message.message()


def test_a_refusal_on_two_lines_moves_nothing_and_a_longer_one_keeps_the_fields(qtbot, login):
    dialog = login()
    fields = (dialog.username, dialog.password)
    heights = [field.sizeHint().height() for field in fields]
    before = placements(dialog)
    for _ in range(4):
        sign_in(qtbot, dialog, "clerk", "wrong-password")
    assert "One more wrong password" in dialog.message.message()
    assert dialog.message.height() > 1.5 * dialog.message.fontMetrics().lineSpacing()
    assert shows_all(dialog.message)
    assert moved(before, placements(dialog)) == []
    sign_in(qtbot, dialog, "clerk", "wrong-password")  # locked: the longest refusal
    assert "ticket-office unlock clerk" in dialog.message.message()
    assert shows_all(dialog.message)
    assert [field.height() for field in fields] == heights


def test_an_overlong_or_unprintable_username_is_refused_not_cut(
    qtbot, login, backend, owner_backend
):
    # A username cut to the limit could be another account's: this one's, signed in unasked.
    limit = "a" * text_rules.MAX_USERNAME
    operators.create_operator(
        owner_backend.uow(),
        OperatorContext.system(),
        username=limit,
        display_name="Long Name",
        role="clerk",
        password="long-name-password-1",
        station_code="PCA",
        must_change_password=False,
    )
    dialog = login()
    sign_in(qtbot, dialog, limit + "b", "long-name-password-1")
    assert dialog.username.text() == limit + "b"
    assert dialog.message.message() == "Username is too long (33 characters, at most 32)."
    assert dialog.operator() is None and dialog.isVisible()
    sign_in(qtbot, dialog, "cl\u200berk", DEMO_PASSWORDS["clerk"])
    assert dialog.message.message() == "Username contains control characters."
    assert dialog.operator() is None
    with qtbot.waitSignal(dialog.accepted):
        sign_in(qtbot, dialog, limit, "long-name-password-1")
    assert dialog.operator().username == limit


def test_a_deactivated_account_is_told_to_see_a_supervisor(owner_backend, qtbot, login, backend):
    operators.deactivate(owner_backend.uow(), OperatorContext.system(), "clerk")
    dialog = login()
    sign_in(qtbot, dialog, "clerk", DEMO_PASSWORDS["clerk"])
    assert dialog.message.message() == (
        "This account has been deactivated. Please see a supervisor."
    )


def test_a_password_set_by_a_supervisor_must_be_changed_first(owner_backend, qtbot, login, backend):
    operators.reset_password(
        owner_backend.uow(), OperatorContext.system(), "clerk", "temporary-pass-1"
    )
    dialog = login()
    sign_in(qtbot, dialog, "clerk", "temporary-pass-1")
    change = dialog.password_dialog
    assert change is not None and change.isVisible()
    assert change.current.isHidden()  # the password just typed is reused
    change.new.setText("short")
    change.repeat.setText("short")
    change.submit()
    assert change.message.message() == "A password needs at least 10 characters."
    change.new.setText("my-own-password-2026")
    change.repeat.setText("my-own-password-2027")
    change.submit()
    assert change.message.message() == "The two new passwords differ."
    change.repeat.setText("my-own-password-2026")
    with qtbot.waitSignal(dialog.accepted):
        change.submit()
    assert dialog.operator().username == "clerk"
    assert backend.services.log_in("clerk", "my-own-password-2026").username == "clerk"


def test_declining_the_password_change_keeps_the_clerk_out(owner_backend, qtbot, login, backend):
    operators.reset_password(
        owner_backend.uow(), OperatorContext.system(), "clerk", "temporary-pass-1"
    )
    dialog = login()
    sign_in(qtbot, dialog, "clerk", "temporary-pass-1")
    dialog.password_dialog.reject()
    assert "need a new password" in dialog.message.message()
    assert dialog.operator() is None


class FlakyConnector(DatabaseConnector):
    """Refuses the first connection, as a server that is down for a moment (or, with
    `wrong_password`, as a server that wants a database password)."""

    def __init__(self, backend, failures: int = 1, *, wrong_password: bool = False) -> None:
        super().__init__(
            DatabaseChoice("postgresql+psycopg://clerk@db.example:5432/ticket_office", "test")
        )
        self._ready = backend
        self.failures = failures
        self.passwords: list[str | None] = []
        self.wrong_password = wrong_password

    def open(self, password=None, remember=False):
        self.passwords.append(password)
        if self.failures:
            self.failures -= 1
            if self.wrong_password:
                raise DatabaseAuthenticationFailed(
                    "ticket_office on db.example:5432 refused the database password"
                )
            raise DatabaseUnavailable(
                "Cannot reach ticket_office on db.example:5432: connection refused"
            )
        self.backend = self._ready
        return self._ready


def test_an_unreachable_server_is_named_and_retry_connects(qtbot, login, backend):
    connector = FlakyConnector(backend)
    dialog = login(connector)
    assert "ticket_office on db.example:5432" in dialog.server_label.text()
    dialog.username.setText("clerk")
    dialog.password.setText(DEMO_PASSWORDS["clerk"])
    dialog.connect_server()
    assert "Cannot reach ticket_office on db.example:5432" in dialog.message.message()
    assert dialog.retry_button.isVisible() and dialog.server_state.text() == "Not reachable"
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    assert dialog.operator().username == "clerk"


def test_without_a_keyring_remembering_the_database_password_is_disabled_with_the_reason(
    qtbot, login, backend, monkeypatch
):
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    connector = FlakyConnector(backend, wrong_password=True)
    dialog = login(connector)
    dialog.connect_server()
    assert dialog.database_box.isVisible()
    assert not dialog.remember.isEnabled()
    assert "no password store" in dialog.remember.toolTip()
    assert dialog.keyring_note.text() == dialog.remember.toolTip()
    dialog.database_password.setText("db-secret")
    dialog.retry()
    assert connector.passwords == [None, "db-secret"]
    assert not dialog.database_box.isVisible()


def test_a_typed_database_password_goes_into_the_url_and_the_keyring_only(
    qtbot, backend, monkeypatch, tmp_path
):
    store = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: store)
    monkeypatch.setattr(keyring, "set_password", store.set_password)
    monkeypatch.setattr(keyring, "get_password", store.get_password)
    monkeypatch.setattr(keyring, "delete_password", store.delete_password)
    opened: list[str] = []

    def fake_open_backend(*, choice, data_dir=None):
        opened.append(choice.url)
        return backend

    monkeypatch.setattr("ticket_office.backend.open_backend", fake_open_backend)
    url = "postgresql+psycopg://clerk@db.example:5432/ticket_office"
    connector = DatabaseConnector(DatabaseChoice(url, "test"), data_dir=tmp_path)
    assert connector.needs_password and keyring_state().usable is True
    connector.open("p@ss:word/1", remember=True)
    assert urlsplit(opened[-1]).password == "p%40ss%3Aword%2F1"
    assert store.store == {
        (KEYRING_SERVICE, "clerk@ticket_office on db.example:5432"): "p@ss:word/1"
    }
    assert not list(tmp_path.iterdir())  # nothing written to disk
    second = DatabaseConnector(DatabaseChoice(url, "test"))
    second.open()  # no password typed: the keyring's is used
    assert urlsplit(opened[-1]).password == "p%40ss%3Aword%2F1"
    DatabaseConnector(DatabaseChoice(url, "test")).open("other-password", remember=False)
    assert store.store == {}  # not remembering forgets a stored one


def test_a_plain_text_keyring_does_not_count_as_safe(monkeypatch):
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    monkeypatch.setattr(keyring, "get_keyring", lambda: PlaintextKeyring())
    state = keyring_state()
    assert not state.usable and "plain-text" in state.reason


def test_with_password_keeps_user_host_port_and_query():
    url = with_password("postgresql+psycopg://clerk@db.example:5433/to?sslmode=require", "s3cret")
    assert url == "postgresql+psycopg://clerk:s3cret@db.example:5433/to?sslmode=require"


def test_an_unreachable_server_asks_for_retry_not_for_a_database_password(qtbot, login, backend):
    dialog = login(FlakyConnector(backend))
    dialog.connect_server()
    assert dialog.retry_button.isVisible()
    assert not dialog.database_box.isVisible()
