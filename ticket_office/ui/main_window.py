"""The desk's main window, built from the desks the operator's role works (`ui/desks.py`).

Tabs are the pages those desks declare that the role is permitted, menus their actions plus the
shell's own (refresh, print, switch operator, log out, quit, help), and F1 lists their keys. A role
with no page sees a short note instead. Logging out (or switching operator) lets each page and
desk give back what it holds first and then hands control back to the app, which shows the
sign-in dialog again; nothing restarts. Quitting (Ctrl+Q, even from a dialog, or the close
button) asks first while a page has unfinished work, such as seats held for a customer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ticket_office.ui.desk import DeskContext
from ticket_office.ui.desks import desks_for, shortcuts_of
from ticket_office.ui.live_updates import ConnectionState, runs_changed_by_others
from ticket_office.ui.pages import DeskPage
from ticket_office.ui.registry import DeskSpec
from ticket_office.ui.resources import app_icon, icon
from ticket_office.ui.shortcuts import SHELL_KEYS, Shortcut, ShortcutsDialog
from ticket_office.ui.status import StatusBar, Tone, error_text

if TYPE_CHECKING:
    from ticket_office.backend import ServerInfo
    from ticket_office.services.seat_notices import SeatNotice

GEOMETRY_KEY = "window/geometry"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Desk", text)


class PlaceholderPage(QWidget):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label = QLabel(text, self)
        label.setProperty("heading", "section")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(label)


class MainWindow(QMainWindow):
    loggedOut = Signal(bool)  # True: someone else signs in next (switch operator)
    closed = Signal()  # closed for good (Quit or the window's close button)

    def __init__(
        self,
        desk: DeskContext,
        *,
        server: ServerInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.tasks, self.operator, self.live = desk.tasks, desk.operator, desk.live
        self.desks: tuple[DeskSpec, ...] = desks_for(desk.operator)
        self._settings = desk.settings or QSettings()
        self._leaving = False
        self._quit_agreed = False
        self.quit_question: QMessageBox | None = None  # "Quit and release seats?", while asked
        self.leaving_because = ""  # why the window signed out by itself, for the sign-in window
        self.setWindowIcon(app_icon())
        operator = desk.operator
        self.setWindowTitle(
            self.tr("Ticket Office — {0} ({1})").format(
                operator.display_name, self.tr(operator.role.title)
            )
        )
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.status.set_operator(operator)
        if server is not None:
            self.status.set_server(server.description, server.embedded)
        self._pages: dict[str, DeskPage] = {}
        self._actions: dict[str, QAction] = {}
        self.placeholder: PlaceholderPage | None = None
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self._build_pages()
        self._build_menus()
        self._wire()
        self.resize(1280, 860)
        geometry = self._settings.value(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)

    # --- pages ---------------------------------------------------------------------------------

    def _build_pages(self) -> None:
        for spec in self.desks:
            for page_spec in spec.pages:
                if not self.operator.may(page_spec.permission):
                    continue
                page = page_spec.factory(self.desk, self)
                self._pages[page_spec.id] = page
                self.tabs.addTab(page, icon(page_spec.icon), _tr(page_spec.title))
                page.statusMessage.connect(self._page_message)
                page.seatsChanged.connect(
                    lambda runs, changed_by=page: self.on_runs_changed(runs, changed_by=changed_by)
                )
        if not self._pages:
            self.placeholder = PlaceholderPage(
                self.tr("Tools for your role arrive in a later release."), self
            )
            self.tabs.addTab(self.placeholder, self.tr("Welcome"))

    def page(self, page_id: str) -> DeskPage | None:
        """The page with this id, if the operator has it."""
        return self._pages.get(page_id)

    def page_ids(self) -> list[str]:
        return list(self._pages)

    def _page_message(self, text: str, tone: str) -> None:
        self.status.show_message(text, Tone(tone))

    # --- menus and actions ---------------------------------------------------------------------

    def _action(
        self, key: Shortcut | None, text: str, slot: Callable[[], object], icon_name: str | None
    ) -> QAction:
        made = QAction(icon(icon_name) if icon_name else QIcon(), text, self)
        if key is not None:
            made.setShortcut(key.sequence())
            self._actions[key.id] = made
        made.triggered.connect(slot)
        self.addAction(made)
        return made

    def action(self, shortcut_id: str) -> QAction | None:
        """The window's action for this key, if the operator has it."""
        return self._actions.get(shortcut_id)

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&Desk"))
        for spec in self.desks:
            for action_spec in spec.actions:
                page = self._pages.get(action_spec.page)
                if page is not None:
                    menu.addAction(
                        self._action(
                            action_spec.key,
                            _tr(action_spec.text),
                            lambda *_, s=action_spec, p=page: self._run_on(p, s.run),
                            action_spec.icon,
                        )
                    )
        keys = SHELL_KEYS
        menu.addAction(
            self._action(keys.find("refresh"), self.tr("&Refresh"), self.refresh, "refresh")
        )
        menu.addAction(
            self._action(keys.find("print"), self.tr("&Print tickets"), self.print_tickets, "print")
        )
        menu.addSeparator()
        for spec in self.desks:
            for page_spec in spec.pages:
                page = self._pages.get(page_spec.id)
                if page is not None:
                    text = self.tr("Go to {0}").format(_tr(page_spec.title))
                    menu.addAction(
                        self._action(page_spec.key, text, lambda *_, p=page: self._show(p), None)
                    )
        menu.addSeparator()
        menu.addAction(
            self._action(
                keys.find("switch_operator"),
                self.tr("S&witch operator…"),
                lambda: self.log_out(switch=True),
                "switch-user",
            )
        )
        menu.addAction(
            self._action(keys.find("log_out"), self.tr("&Log out"), self.log_out, "logout")
        )
        menu.addSeparator()
        menu.addAction(self._action(keys.find("quit"), self.tr("&Quit"), self.quit, None))
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(
            self._action(
                keys.find("shortcuts"),
                self.tr("&Keyboard shortcuts"),
                self.show_shortcuts,
                "keyboard",
            )
        )
        help_menu.addAction(
            self._action(None, self.tr("&About Ticket Office"), self.show_about, None)
        )

    def _wire(self) -> None:
        self.tasks.failed.connect(self.show_error)
        self.tasks.accountRefused.connect(self._account_refused)
        self.tasks.busyChanged.connect(self.status.set_busy)
        if self.live is not None:
            self.status.set_connection(self.live.state)
            self.live.stateChanged.connect(self.status.set_connection)
            self.live.changesHeard.connect(self._changes_heard)
            self.live.reconnected.connect(self.refresh)
        else:
            self.status.set_connection(ConnectionState.OFFLINE)

    def start(self) -> None:
        """Load what the pages need once the window is up; the cursor goes to the first page."""
        for page in self._pages.values():
            page.start()
        first = next(iter(self._pages.values()), None)
        if first is not None:
            first.focus_first()

    # --- actions -------------------------------------------------------------------------------

    def _show(self, page: DeskPage) -> None:
        self.tabs.setCurrentWidget(page)

    def _run_on(self, page: DeskPage, run: Callable[[DeskPage], None]) -> None:
        self._show(page)
        run(page)

    def refresh(self) -> None:
        for page in self._pages.values():
            page.refresh()

    def print_tickets(self) -> None:
        """The page shown prints what it shows; otherwise the first page with something to."""
        current = self.tabs.currentWidget()
        pages = sorted(self._pages.values(), key=lambda page: page is not current)
        if not any(page.print_tickets() for page in pages):
            self.status.show_message(
                self.tr("Nothing to print yet: sell a booking or find one."), Tone.WARNING
            )

    def _changes_heard(self, notices: list[SeatNotice]) -> None:
        # This desk's own changes were shown when made (see seatsChanged): no echo.
        runs = runs_changed_by_others(notices, self.operator.client_id)
        if runs:
            self.on_runs_changed(runs)

    def on_runs_changed(self, runs: set[int], *, changed_by: DeskPage | None = None) -> None:
        """Seats changed on these runs: every page hears it but the one that changed them."""
        for page in self._pages.values():
            if page is not changed_by:
                page.on_runs_changed(runs)

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog(shortcuts_of(self.desks), self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Ticket Office"),
            self.tr(
                "<b>Ticket Office</b><p>The railway's desks: sales at the counter, journeys and "
                "seats for conductors.<p>Press F1 for the keyboard shortcuts."
            ),
        )

    def show_error(self, error: BaseException) -> None:
        """Failures no caller handled itself: one calm line in the status bar."""
        self.status.show_message(error_text(error), Tone.ERROR)

    # --- leaving -------------------------------------------------------------------------------

    def _account_refused(self, message: str) -> None:
        """Deactivated since signing in: back to the sign-in window, which says why."""
        if not self._leaving:
            self.leaving_because = message
            self.log_out(switch=True)

    def log_out(self, switch: bool = False) -> None:
        if self._leaving:
            return
        self._leaving = True
        self._leave(lambda: self._finish_log_out(switch))

    def _finish_log_out(self, switch: bool) -> None:
        self._save_geometry()
        self.hide()
        self.loggedOut.emit(switch)
        self.deleteLater()

    def _leave(self, then: Callable[[], None]) -> None:
        """Each page lets go of what it holds, then each desk gives back what it holds on the
        server, one after the other, then `then()`."""
        for page in self._pages.values():
            page.leaving()
        hooks = [spec.on_leave for spec in self.desks if spec.on_leave is not None]

        def next_hook(index: int) -> None:
            if index == len(hooks):
                self._sign_out(then)
            else:
                hooks[index](self.desk, lambda: next_hook(index + 1))

        next_hook(0)

    def _sign_out(self, then: Callable[[], None]) -> None:
        """End the session on the server, so its token is worth nothing once the desk is left
        (a server out of reach lets it expire by itself)."""
        if self.desk.sign_out is None:
            then()
            return
        self.desk.tasks.run(
            self.desk.sign_out, done=lambda _result: then(), failed=lambda _error: then()
        )

    def quit(self) -> None:
        """Ctrl+Q: close for good, after asking when a page has work that quitting would drop."""
        if self._leaving or self.quit_question is not None:
            return
        work = [text for page in self._pages.values() if (text := page.unfinished_work())]
        if not work:
            self._quit_agreed = True
            self.close()
            return
        # Over whatever dialog has the keys (passengers and payment), or it would hide behind it.
        over = QApplication.activeModalWidget() or self
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Quit Ticket Office"), "", parent=over)
        box.setText(self.tr("Quit Ticket Office?"))
        box.setInformativeText(
            " ".join([*work, self.tr("Quitting gives the seats back to the other desks.")])
        )
        agree = box.addButton(
            self.tr("&Quit and release seats"), QMessageBox.ButtonRole.DestructiveRole
        )
        keep = box.addButton(self.tr("&Keep working"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)  # Enter or Esc: nothing is lost by a slip of the finger
        box.setEscapeButton(keep)
        box.finished.connect(lambda _result: self._quit_answered(box, box.clickedButton() is agree))
        self.quit_question = box
        box.open()

    def _quit_answered(self, box: QMessageBox, agreed: bool) -> None:
        self.quit_question = None
        box.deleteLater()
        if agreed:
            self._quit_agreed = True
            self.close()
        elif (over := box.parentWidget()) is not None:
            # The keys go back where they were (not every platform does that by itself).
            over.window().activateWindow()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowBlocked:
            self._lend_quit_key()
        return super().event(event)

    def _lend_quit_key(self) -> None:
        """A modal dialog of this window (passengers and payment) takes the keys, and Qt gives
        the window's shortcuts none: the dialog gets Ctrl+Q too, so it can be asked from there."""
        dialog = QApplication.activeModalWidget()
        quit_action = self._actions.get("quit")
        if (
            dialog is not None
            and quit_action is not None
            and dialog is not self.quit_question
            and quit_action not in dialog.actions()
        ):
            dialog.addAction(quit_action)

    def _save_geometry(self) -> None:
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())

    def closeEvent(self, event: QCloseEvent) -> None:
        if event.spontaneous() and not self._leaving and not self._quit_agreed:
            # The window's close button: the same question as Ctrl+Q (or none).
            event.ignore()
            self.quit()
            return
        if not self._leaving:
            # Quitting: give the held seats back now; holds would lapse by themselves anyway.
            self._leaving = True
            self._save_geometry()
            self._leave(lambda: None)
            self.closed.emit()
        super().closeEvent(event)
