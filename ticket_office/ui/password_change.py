"""Choosing a new password (forced after a reset, or when the operator wants to).

The policy is the service's: its ValidationError text is shown as it is. The only check made
here is that both new entries agree, which the service cannot know. The slow bcrypt work runs
on the task runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ticket_office.domain.passwords import MAX_UTF8_BYTES, MIN_CHARACTERS
from ticket_office.services.results import OperatorContext
from ticket_office.ui.status import InlineMessage, Tone, error_text
from ticket_office.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ticket_office.services.desks import SignInServices


class PasswordChangeDialog(QDialog):
    def __init__(
        self,
        services: SignInServices,
        tasks: TaskRunner,
        username: str,
        *,
        current_password: str | None = None,
        forced: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._tasks, self._username = services, tasks, username
        self._working = False
        self.operator: OperatorContext | None = None
        self.setWindowTitle(self.tr("Choose a new password"))
        intro = QLabel(self)
        intro.setWordWrap(True)
        intro.setText(
            self.tr(
                "Your password was set by a supervisor. Please choose your own before you "
                "start, {0}."
            ).format(username)
            if forced
            else self.tr("Choose a new password for {0}.").format(username)
        )
        self.current = QLineEdit(current_password or "", self)
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.new = QLineEdit(self)
        self.new.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(self)
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        rule = QLabel(
            self.tr(
                "At least {0} characters (at most {1} bytes); not the same as the current one."
            ).format(MIN_CHARACTERS, MAX_UTF8_BYTES),
            self,
        )
        rule.setProperty("muted", True)
        rule.setWordWrap(True)
        self.message = InlineMessage(self)
        self.ok_button = QPushButton(self.tr("Change password"), self)
        self.ok_button.setDefault(True)
        self.ok_button.setProperty("primary", True)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout()
        current_label = QLabel(self.tr("&Current password"), self)
        current_label.setBuddy(self.current)
        new_label = QLabel(self.tr("&New password"), self)
        new_label.setBuddy(self.new)
        repeat_label = QLabel(self.tr("&Repeat it"), self)
        repeat_label.setBuddy(self.repeat)
        form.addRow(current_label, self.current)
        form.addRow(new_label, self.new)
        form.addRow(repeat_label, self.repeat)
        if current_password:
            current_label.hide()
            self.current.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(rule)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.ok_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        (self.new if current_password else self.current).setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        if self._working:
            return
        if self.new.text() != self.repeat.text():
            self._refuse(self.tr("The two new passwords differ."), self.repeat)
            return
        self._working = True
        self.ok_button.setEnabled(False)
        self.setCursor(Qt.CursorShape.BusyCursor)
        self.message.show_message(self.tr("Saving…"))
        self._tasks.run(
            self._services.change_password,
            self._username,
            self.current.text(),
            self.new.text(),
            done=self._changed,
            failed=self._failed,
        )

    def _changed(self, operator: OperatorContext) -> None:
        self._done_working()
        self.operator = operator
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._done_working()
        field = getattr(error, "field", None)
        target = self.new if field == "password" else self.current
        if target is self.current and self.current.isHidden():
            target = self.new
        self._refuse(error_text(error), target)

    def _refuse(self, text: str, field: QLineEdit) -> None:
        self.message.show_message(text, Tone.ERROR)
        field.setFocus(Qt.FocusReason.OtherFocusReason)
        field.selectAll()

    def _done_working(self) -> None:
        self._working = False
        self.ok_button.setEnabled(True)
        self.unsetCursor()

    def reject(self) -> None:
        if not self._working:
            super().reject()
