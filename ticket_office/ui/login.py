"""The sign-in dialog: which server, who is signing in, and every way that can go wrong.

The dialog appears at once and connects to the server in the background (the clerk can type
meanwhile; Sign in waits for the connection). Each refusal gets its own clear line: wrong
password, locked, deactivated; a password set by a supervisor leads straight to choosing a
new one; an unreachable server is named, with Retry. For a central server that wants a
password the URL does not carry, the dialog asks for it and can keep it in the system keyring
(never in a file); where no keyring exists the choice is disabled and says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain import text_rules
from ticket_office.domain.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationFailed,
    DatabaseAuthenticationFailed,
    DatabaseUnavailable,
    PasswordChangeRequired,
    ValidationError,
)
from ticket_office.services.results import OperatorContext
from ticket_office.ui.password_change import PasswordChangeDialog
from ticket_office.ui.resources import app_icon, icon
from ticket_office.ui.status import InlineMessage, Tone, error_text
from ticket_office.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ticket_office.backend import Backend

USERNAME_KEY = "login/username"


class KeyringStatus(Protocol):
    usable: bool
    reason: str  # why not, or where the password goes


class ServerConnector(Protocol):
    """What the dialog needs from a DatabaseConnector (database_connector.py)."""

    backend: Backend | None
    description: str
    embedded: bool
    needs_password: bool  # central server and no password in the URL

    def keyring_status(self) -> KeyringStatus: ...
    def open(self, password: str | None = None, remember: bool = False) -> Backend: ...


class LoginDialog(QDialog):
    def __init__(
        self,
        connector: ServerConnector,
        tasks: TaskRunner,
        *,
        settings: QSettings | None = None,
        forget_username: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._connector, self._tasks = connector, tasks
        self._settings = settings or QSettings()
        self._operator: OperatorContext | None = None
        self._connecting = False
        self._signing_in = False
        self._sign_in_waiting = False
        self.password_dialog: PasswordChangeDialog | None = None
        self.setWindowTitle(self.tr("Ticket Office — sign in"))
        self.setWindowIcon(app_icon())
        self._build()
        remembered = "" if forget_username else str(self._settings.value(USERNAME_KEY, "") or "")
        self.username.setText(remembered)
        (self.password if remembered else self.username).setFocus(Qt.FocusReason.OtherFocusReason)
        if connector.backend is not None:
            self._show_ready(connector.backend)
        else:
            self.server_state.setText(self.tr("Not connected yet"))

    # --- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        logo = QLabel(self)
        logo.setPixmap(app_icon().pixmap(48, 48))
        title = QLabel(self.tr("Ticket Office"), self)
        title.setProperty("heading", "page")
        subtitle = QLabel(self.tr("Counter sales"), self)
        subtitle.setProperty("muted", True)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(title)
        titles.addWidget(subtitle)
        header = QHBoxLayout()
        header.addWidget(logo)
        header.addLayout(titles, 1)

        server_icon = QLabel(self)
        server_icon.setPixmap(icon("server").pixmap(16, 16))
        self.server_label = QLabel(self._server_text(), self)
        self.server_label.setWordWrap(True)
        self.server_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.server_state = QLabel(self)
        self.server_state.setProperty("muted", True)
        self.server_state.setWordWrap(True)  # long data folder paths go on their own line
        server_row = QHBoxLayout()
        server_row.addWidget(server_icon, 0, Qt.AlignmentFlag.AlignTop)
        server_text = QVBoxLayout()
        server_text.setSpacing(0)
        server_text.addWidget(self.server_label)
        server_text.addWidget(self.server_state)
        server_row.addLayout(server_text, 1)

        # No setMaxLength: it cuts a longer name silently, and the cut name may be someone
        # else's account. sign_in refuses it, naming the limit.
        self.username = QLineEdit(self)
        self.username.setAccessibleName(self.tr("Username"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(self.tr("Password"))
        form = QFormLayout()
        user_label = QLabel(self.tr("&Username"), self)
        user_label.setBuddy(self.username)
        password_label = QLabel(self.tr("&Password"), self)
        password_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(password_label, self.password)

        self.database_box = QWidget(self)
        self.database_password = QLineEdit(self.database_box)
        self.database_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.database_password.setAccessibleName(self.tr("Database password"))
        self.remember = QCheckBox(self.tr("Remember it in the system keyring"), self.database_box)
        self.keyring_note = QLabel(self.database_box)
        self.keyring_note.setProperty("muted", True)
        self.keyring_note.setWordWrap(True)
        database_form = QFormLayout(self.database_box)
        database_form.setContentsMargins(0, 0, 0, 0)
        database_label = QLabel(self.tr("Data&base password"), self.database_box)
        database_label.setBuddy(self.database_password)
        database_form.addRow(database_label, self.database_password)
        database_form.addRow("", self.remember)
        database_form.addRow("", self.keyring_note)
        self.database_box.hide()

        self.message = InlineMessage(self)
        self.message.reserve_lines(2)  # most refusals fit: the buttons stay where they are
        self.sign_in_button = QPushButton(self.tr("Sign in"), self)
        self.sign_in_button.setProperty("primary", True)
        self.sign_in_button.setDefault(True)
        self.retry_button = QPushButton(icon("refresh"), self.tr("&Retry"), self)
        self.retry_button.setAutoDefault(False)
        self.quit_button = QPushButton(self.tr("Quit"), self)
        self.quit_button.setAutoDefault(False)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.retry_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.retry_button.hide()  # after addButton, which shows it

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 16)
        layout.setSpacing(12)
        layout.addLayout(header)
        layout.addLayout(server_row)
        layout.addLayout(form)
        layout.addWidget(self.database_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(430)

        self.sign_in_button.clicked.connect(self.sign_in)
        self.retry_button.clicked.connect(self.retry)
        self.quit_button.clicked.connect(self.reject)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._grow_to_fit()
        return handled

    def _grow_to_fit(self) -> None:
        """A longer message makes the window taller instead of squeezing the fields: Qt sets
        no minimum height on a window whose layout wraps text, so it would shrink them."""
        needed = self.heightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _server_text(self) -> str:
        if self._connector.embedded:
            return self.tr("Built-in database on this computer")
        return self.tr("Server: {0}").format(self._connector.description)

    # --- results -------------------------------------------------------------------------------

    def operator(self) -> OperatorContext | None:
        return self._operator

    def backend(self) -> Backend | None:
        return self._connector.backend

    # --- connecting ----------------------------------------------------------------------------

    def connect_server(self) -> None:
        """Open the database in the background (a no-op once it is open)."""
        if self._connector.backend is not None or self._connecting:
            return
        password = None
        remember = False
        if self.database_box.isVisible() and self.database_password.text():
            password = self.database_password.text()
            remember = self.remember.isChecked() and self.remember.isEnabled()
        self._connecting = True
        self.retry_button.setEnabled(False)
        self.server_state.setText(self.tr("Connecting…"))
        self._tasks.run(
            self._connector.open,
            password,
            remember,
            done=self._connected,
            failed=self._connect_failed,
        )

    def _connected(self, backend: Backend) -> None:
        self._connecting = False
        self._show_ready(backend)
        self.database_box.hide()
        self.database_password.clear()
        self.retry_button.hide()
        self.message.clear_message()
        if self._sign_in_waiting:
            self._sign_in_waiting = False
            self.sign_in()

    def _show_ready(self, backend: Backend) -> None:
        server = backend.server
        if server.embedded:
            self.server_label.setText(self.tr("Built-in database on this computer"))
            self.server_state.setText(self.tr("Connected · {0}").format(server.description))
        else:
            self.server_label.setText(self.tr("Server: {0}").format(server.description))
            self.server_state.setText(self.tr("Connected"))
        self.server_label.setToolTip(self.tr("Chosen by: {0}").format(server.source))

    def _connect_failed(self, error: BaseException) -> None:
        self._connecting = False
        self._sign_in_waiting = False
        self._unreachable(error_text(error))
        # Ask for the database password only when the server said it was missing or wrong;
        # an unreachable host needs Retry, not a password.
        if self._connector.needs_password and isinstance(error, DatabaseAuthenticationFailed):
            self._offer_database_password()

    def _offer_database_password(self) -> None:
        status = self._connector.keyring_status()
        self.remember.setEnabled(status.usable)
        self.remember.setToolTip("" if status.usable else status.reason)
        self.keyring_note.setText(status.reason)
        self.database_box.show()
        self.database_password.setFocus(Qt.FocusReason.OtherFocusReason)

    def _unreachable(self, text: str) -> None:
        self.server_state.setText(self.tr("Not reachable"))
        self.message.show_message(text, Tone.ERROR)
        self.retry_button.show()
        self.retry_button.setEnabled(True)
        self.retry_button.setDefault(True)
        self.sign_in_button.setDefault(False)

    def retry(self) -> None:
        self.retry_button.setDefault(False)
        self.sign_in_button.setDefault(True)
        if self._connector.backend is None:
            self._sign_in_waiting = bool(self.username.text() and self.password.text())
            self.connect_server()
        else:
            self.retry_button.hide()
            self.sign_in()

    # --- signing in ----------------------------------------------------------------------------

    def sign_in(self) -> None:
        if self._signing_in:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username:
            return self._refuse(self.tr("Enter your username."), self.username)
        try:  # the service's own rule, checked before anything is sent or counted
            text_rules.username(username)
        except ValidationError as error:
            return self._refuse(error_text(error), self.username)
        if not password:
            return self._refuse(self.tr("Enter your password."), self.password)
        backend = self._connector.backend
        if backend is None:
            self._sign_in_waiting = True
            self.message.show_message(self.tr("Waiting for the server…"))
            if not self._connecting:
                self.connect_server()
            return
        self._set_signing_in(True)
        self._tasks.run(
            backend.services.log_in,
            username,
            password,
            done=self._signed_in,
            failed=lambda error: self._sign_in_failed(username, password, error),
        )

    def _signed_in(self, operator: OperatorContext) -> None:
        self._set_signing_in(False)
        self._settings.setValue(USERNAME_KEY, operator.username)
        self._operator = operator
        self.accept()

    def _sign_in_failed(self, username: str, password: str, error: BaseException) -> None:
        self._set_signing_in(False)
        if isinstance(error, PasswordChangeRequired):
            self._change_password(username, password)
        elif isinstance(error, AuthenticationFailed | AccountLocked | AccountInactive):
            self.password.clear()
            self._refuse(error_text(error), self.password)
        elif isinstance(error, ValidationError):
            field = self.username if error.field == "username" else self.password
            self._refuse(error_text(error), field)
        elif isinstance(error, DatabaseUnavailable):
            self._unreachable(error_text(error))
        else:
            self._refuse(error_text(error), self.password)

    def _change_password(self, username: str, password: str) -> None:
        backend = self._connector.backend
        assert backend is not None
        self.message.show_message(self.tr("Please choose a new password before you start."))
        dialog = PasswordChangeDialog(
            backend.services,
            self._tasks,
            username,
            current_password=password,
            forced=True,
            parent=self,
        )
        dialog.accepted.connect(lambda: self._password_changed(dialog))
        dialog.rejected.connect(
            lambda: self._refuse(
                self.tr("You need a new password to start. Sign in again when ready."),
                self.password,
            )
        )
        dialog.finished.connect(lambda _r: setattr(self, "password_dialog", None))
        self.password_dialog = dialog
        dialog.open()

    def _password_changed(self, dialog: PasswordChangeDialog) -> None:
        if dialog.operator is not None:
            self._signed_in(dialog.operator)

    def _refuse(self, text: str, field: QLineEdit) -> None:
        self.message.show_message(text, Tone.ERROR)
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        field.selectAll()

    def _set_signing_in(self, busy: bool) -> None:
        self._signing_in = busy
        self.sign_in_button.setEnabled(not busy)
        self.sign_in_button.setText(self.tr("Signing in…") if busy else self.tr("Sign in"))
        self.username.setReadOnly(busy)
        self.password.setReadOnly(busy)
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def reject(self) -> None:
        if not self._signing_in:
            super().reject()
