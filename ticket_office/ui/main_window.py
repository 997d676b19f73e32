"""The desk's main window: the pages the operator's role may use, the Desk and Help menus, and
the status bar.

Pages: Sell (or Journeys, read-only, for roles that may search but not sell) and Bookings.
A role with none of them sees a short note instead. Logging out (or switching operator)
releases this desk's held seats first and then hands control back to the app, which shows
the sign-in dialog again; nothing restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain.roles import Permission
from ticket_office.ui.counter.sale import SalePage
from ticket_office.ui.desk import DeskContext
from ticket_office.ui.live_updates import ConnectionState
from ticket_office.ui.resources import app_icon, icon
from ticket_office.ui.shortcuts import ShortcutsDialog, sequence
from ticket_office.ui.status import StatusBar, Tone, error_text

if TYPE_CHECKING:
    from ticket_office.backend import ServerInfo

_log = logging.getLogger(__name__)

GEOMETRY_KEY = "window/geometry"


def _bookings_view_class() -> type[QWidget] | None:
    try:
        from ticket_office.ui.counter.bookings import BookingsView
    except ImportError:  # the Bookings page ships separately; the desk works without it
        _log.info("Bookings page not available")
        return None
    return BookingsView


def ticket_printer(
    parent: QWidget,
    desk: DeskContext,
    on_error: Callable[[BaseException], None] | None = None,
) -> Callable[[str], None] | None:
    """A `print(reference)` function from the tickets package, if it is installed.

    The first print of a booking sold at this desk is the original; any later one is
    a reprint (the service audits reprints). A print whose tickets could not be fetched (the
    database or the signing key unavailable) issued nothing, so the next try is the original."""
    try:
        from ticket_office.ui.shared.tickets import print_tickets
    except ImportError:
        _log.info("Ticket printing not available")
        return None
    printed: set[str] = set()

    def print_reference(reference: str) -> None:
        print_tickets(
            parent,
            desk,
            reference,
            reprint=reference in printed,
            on_error=on_error,
            shown=lambda: printed.add(reference),
        )

    return print_reference


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
        self.services, self.tasks, self.operator = desk.services, desk.tasks, desk.operator
        operator = desk.operator
        self.live = desk.live
        self._settings = desk.settings or QSettings()
        self._leaving = False
        self.leaving_because = ""  # why the window signed out by itself, for the sign-in window
        self.setWindowIcon(app_icon())
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
        self._print = ticket_printer(self, desk, self.show_error)
        self.sale_page: SalePage | None = None
        self.bookings_view: QWidget | None = None
        self.placeholder: PlaceholderPage | None = None
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self._build_pages()
        self._build_actions()
        self._wire()
        self.resize(1280, 860)
        geometry = self._settings.value(GEOMETRY_KEY)
        if geometry is not None:
            self.restoreGeometry(geometry)

    # --- pages ---------------------------------------------------------------------------------

    def _build_pages(self) -> None:
        op = self.operator
        if op.may(Permission.SEARCH):
            self.sale_page = SalePage(self.desk, print_tickets=self._print, parent=self)
            title = self.tr("Sell") if op.may(Permission.SELL) else self.tr("Journeys")
            self.tabs.addTab(
                self.sale_page, icon("sell" if op.may(Permission.SELL) else "journeys"), title
            )
            self.sale_page.statusMessage.connect(
                lambda text, tone: self.status.show_message(text, Tone(tone))
            )
        bookings_class = _bookings_view_class() if op.may(Permission.VIEW_BOOKINGS) else None
        if bookings_class is not None:
            self.bookings_view = bookings_class(self.desk, self)
            self.tabs.addTab(self.bookings_view, icon("bookings"), self.tr("Bookings"))
            message = getattr(self.bookings_view, "statusMessage", None)
            if message is not None:
                message.connect(self.status.show_message)
        if self.tabs.count() == 0:
            self.placeholder = PlaceholderPage(
                self.tr("Conductor tools arrive in a later release.")
                if op.role.value == "conductor"
                else self.tr("Tools for your role arrive in a later release."),
                self,
            )
            self.tabs.addTab(self.placeholder, self.tr("Welcome"))

    def _build_actions(self) -> None:
        def action(
            text: str,
            shortcut_id: str | None,
            slot: Callable[[], object],
            icon_name: str | None = None,
        ) -> QAction:
            made = QAction(icon(icon_name) if icon_name else QIcon(), text, self)
            if shortcut_id:
                made.setShortcut(sequence(shortcut_id))
            made.triggered.connect(slot)
            self.addAction(made)
            return made

        selling = self.sale_page is not None
        self.new_search_action = action(
            self.tr("&New search"), "new_search", self.new_search, "search"
        )
        self.find_booking_action = action(
            self.tr("&Find booking…"), "find_booking", self.find_booking, "find"
        )
        self.refresh_action = action(self.tr("&Refresh"), "refresh", self.refresh, "refresh")
        self.print_action = action(self.tr("&Print tickets"), "print", self.print_tickets, "print")
        self.sell_page_action = action(
            self.tr("Go to &Sell"), "page_sell", lambda: self._show_page(self.sale_page)
        )
        self.bookings_page_action = action(
            self.tr("Go to &Bookings"), "page_bookings", lambda: self._show_page(self.bookings_view)
        )
        self.switch_action = action(
            self.tr("S&witch operator…"),
            "switch_operator",
            lambda: self.log_out(switch=True),
            "switch-user",
        )
        self.log_out_action = action(self.tr("&Log out"), "log_out", self.log_out, "logout")
        self.quit_action = action(self.tr("&Quit"), "quit", self.close)
        self.shortcuts_action = action(
            self.tr("&Keyboard shortcuts"), "shortcuts", self.show_shortcuts, "keyboard"
        )
        self.about_action = action(self.tr("&About Ticket Office"), None, self.show_about)
        self.new_search_action.setEnabled(selling)
        self.find_booking_action.setEnabled(self.bookings_view is not None)
        self.print_action.setEnabled(self._print is not None or self.bookings_view is not None)
        self.sell_page_action.setEnabled(selling)
        self.bookings_page_action.setEnabled(self.bookings_view is not None)

        desk = self.menuBar().addMenu(self.tr("&Desk"))
        for item in (
            self.new_search_action,
            self.find_booking_action,
            self.refresh_action,
            self.print_action,
            None,
            self.sell_page_action,
            self.bookings_page_action,
            None,
            self.switch_action,
            self.log_out_action,
            None,
            self.quit_action,
        ):
            if item is None:
                desk.addSeparator()
            else:
                desk.addAction(item)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def _wire(self) -> None:
        self.tasks.failed.connect(self.show_error)
        self.tasks.accountRefused.connect(self._account_refused)
        self.tasks.busyChanged.connect(self.status.set_busy)
        if self.live is not None:
            self.status.set_connection(self.live.state)
            self.live.stateChanged.connect(self.status.set_connection)
            self.live.runsChanged.connect(self.on_runs_changed)
            self.live.reconnected.connect(self.refresh)
        else:
            self.status.set_connection(ConnectionState.OFFLINE)

    def start(self) -> None:
        """Load what the pages need (stations, concessions) once the window is up."""
        if self.sale_page is not None:
            self.sale_page.start()
            self.sale_page.form.focus_origin()

    # --- actions -------------------------------------------------------------------------------

    def _show_page(self, page: QWidget | None) -> None:
        if page is not None:
            self.tabs.setCurrentWidget(page)

    def new_search(self) -> None:
        if self.sale_page is not None:
            self._show_page(self.sale_page)
            self.sale_page.new_search()

    def find_booking(self) -> None:
        if self.bookings_view is not None:
            self._show_page(self.bookings_view)
            focus = getattr(self.bookings_view, "focus_search", None)
            if focus is not None:
                focus()

    def show_booking(self, reference: str) -> None:
        if self.bookings_view is not None:
            self._show_page(self.bookings_view)
            show = getattr(self.bookings_view, "show_booking", None)
            if show is not None:
                show(reference)

    def refresh(self) -> None:
        if self.sale_page is not None:
            self.sale_page.refresh()
        refresh = getattr(self.bookings_view, "refresh", None)
        if refresh is not None:
            refresh()

    def print_tickets(self) -> None:
        if self.tabs.currentWidget() is self.bookings_view and self.bookings_view is not None:
            for name in ("print_tickets", "print_current"):
                handler = getattr(self.bookings_view, name, None)
                if handler is not None:
                    handler()
                    return
        if self.sale_page is not None and self.sale_page.print_last():
            return
        self.status.show_message(
            self.tr("Nothing to print yet: sell a booking or find one."), Tone.WARNING
        )

    def on_runs_changed(self, runs: set[int]) -> None:
        if self.sale_page is not None:
            self.sale_page.on_runs_changed(runs)
        handler = getattr(self.bookings_view, "on_runs_changed", None)
        if handler is not None:
            handler(runs)

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            self.tr("About Ticket Office"),
            self.tr(
                "<b>Ticket Office</b><p>Counter sales for the railway: search, seats, tickets."
                "<p>Press F1 for the keyboard shortcuts."
            ),
        )

    def show_error(self, error: BaseException) -> None:
        """Failures no caller handled itself: one calm line in the status bar."""
        if not isinstance(error, Exception):
            raise error
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
        self._release_holds(lambda: self._finish_log_out(switch))

    def _finish_log_out(self, switch: bool) -> None:
        self._save_geometry()
        self.hide()
        self.loggedOut.emit(switch)
        self.deleteLater()

    def _release_holds(self, then: Callable[[], None]) -> None:
        if self.sale_page is not None:
            self.sale_page.release_holds()
        if not self.operator.may(Permission.SELL):
            then()
            return
        self.tasks.run(
            self.services.release_holds,
            self.operator,
            done=lambda _count: then(),
            failed=lambda _error: then(),
        )

    def _save_geometry(self) -> None:
        self._settings.setValue(GEOMETRY_KEY, self.saveGeometry())

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._leaving:
            # Quitting: give the held seats back now; holds would lapse by themselves anyway.
            self._leaving = True
            self._save_geometry()
            self._release_holds(lambda: None)
            self.closed.emit()
        if self.sale_page is not None and self.sale_page.party_dialog is not None:
            self.sale_page.party_dialog.reject()
        super().closeEvent(event)
