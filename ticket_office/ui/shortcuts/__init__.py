"""Keyboard shortcuts: what one is, the shell's own, and the table shown in F1 and the README.

Each desk declares its keys as data (`Shortcut` entries in its `keys` module, listed by its
`DeskSpec`); the shared widgets declare theirs in `ticket_office.ui.shared.keys`. Actions take
their keys from those tables (`COUNTER_KEYS.sequence("party")`), Help ▸ Keyboard shortcuts shows
the keys of the desks the operator works, and `markdown()` writes every desk's keys for the
README, so the three can never disagree (a test checks the file). Keys are Qt's portable text;
the dialog shows them the way the platform writes them.

Regenerate the README table with: python -m ticket_office.ui.shortcuts
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("Shortcuts", text)


@dataclass(frozen=True, slots=True)
class Shortcut:
    id: str
    keys: str  # portable QKeySequence text; "" for keys a widget handles itself (see `shown`)
    action: str
    context: str
    shown: str = ""  # how to write keys that are not one sequence ("Arrow keys")

    @property
    def label(self) -> str:
        if self.shown:
            return self.shown
        return QKeySequence(self.keys).toString(QKeySequence.SequenceFormat.NativeText)

    def sequence(self) -> QKeySequence:
        return QKeySequence(self.keys)


class ShortcutTable(tuple[Shortcut, ...]):
    """One module's keys, looked up by id."""

    def __new__(cls, shortcuts: Iterable[Shortcut]) -> ShortcutTable:
        return super().__new__(cls, tuple(shortcuts))

    def find(self, shortcut_id: str) -> Shortcut:
        return next(s for s in self if s.id == shortcut_id)

    def sequence(self, shortcut_id: str) -> QKeySequence:
        return self.find(shortcut_id).sequence()

    def native(self, shortcut_id: str) -> str:
        """The keys as this platform writes them, for tooltips and button hints."""
        return self.find(shortcut_id).label


ANYWHERE = "Anywhere in the desk"
LOGIN = "Sign in"

SHELL_KEYS = ShortcutTable(
    (
        Shortcut("refresh", "F5", "Refresh what the pages show", ANYWHERE),
        Shortcut("print", "Ctrl+P", "Print tickets: the booking shown, or the last sale", ANYWHERE),
        Shortcut(
            "switch_operator",
            "Ctrl+Shift+O",
            "Switch operator (releases your held seats)",
            ANYWHERE,
        ),
        Shortcut("log_out", "Ctrl+Shift+L", "Log out (releases your held seats)", ANYWHERE),
        Shortcut("shortcuts", "F1", "This list of shortcuts", ANYWHERE),
        Shortcut("quit", "Ctrl+Q", "Quit", ANYWHERE),
        Shortcut("sign_in", "Return", "Sign in", LOGIN, "Enter"),
        Shortcut("retry", "Alt+R", "Retry reaching the server", LOGIN),
    )
)


def contexts(shortcuts: tuple[Shortcut, ...]) -> list[str]:
    return list(dict.fromkeys(shortcut.context for shortcut in shortcuts))


def markdown(shortcuts: tuple[Shortcut, ...]) -> str:
    """The README's shortcut section (portable key names, one table per context)."""
    lines = [
        "## Keyboard shortcuts",
        "",
        "A whole sale works without the mouse: search, Enter on a train, pick seats with the "
        "arrow keys and Space, Ctrl+Enter for passengers and payment, Enter to confirm.",
        "",
    ]
    for context in contexts(shortcuts):
        lines += [f"### {context}", "", "| Keys | Action |", "| --- | --- |"]
        for shortcut in shortcuts:
            if shortcut.context == context:
                keys = shortcut.shown or shortcut.keys
                lines.append(f"| {keys} | {shortcut.action} |")
        lines.append("")
    return "\n".join(lines)


def html(shortcuts: tuple[Shortcut, ...]) -> str:
    parts = []
    for context in contexts(shortcuts):
        rows = "".join(
            f"<tr><td style='padding:3px 18px 3px 0'><b>{escape(s.label)}</b></td>"
            f"<td style='padding:3px 0'>{escape(_tr(s.action))}</td></tr>"
            for s in shortcuts
            if s.context == context
        )
        heading = f"<h3 style='margin-top:14px'>{escape(_tr(context))}</h3>"
        parts.append(f"{heading}<table>{rows}</table>")
    return "".join(parts)


class ShortcutsDialog(QDialog):
    """Help ▸ Keyboard shortcuts."""

    def __init__(self, shortcuts: tuple[Shortcut, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setHtml(html(shortcuts))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(560, 640)
        self.browser.setFocus(Qt.FocusReason.OtherFocusReason)


README_START = "<!-- shortcuts: generated by python -m ticket_office.ui.shortcuts -->"
README_END = "<!-- end of shortcuts -->"


def readme_section(readme: str) -> str:
    """The generated block of the README text, between its markers."""
    return readme.split(README_START, 1)[1].split(README_END, 1)[0].strip("\n")
