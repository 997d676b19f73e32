"""Every keyboard shortcut of the desk, in one table.

Actions take their keys from here (`sequence("new_search")`), Help ▸ Keyboard shortcuts shows
the table, and `markdown()` writes the same table for the README (resources/shortcuts.md), so
the three can never disagree (a test checks the file). Keys are Qt's portable text; the
dialog shows them the way the platform writes them.

Regenerate the README table with: python -m ticket_office.ui.shortcuts
"""

from __future__ import annotations

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


ANYWHERE = "Anywhere in the desk"
SEARCH = "Journey search"
RESULTS = "Results"
SEAT_MAP = "Seat map"
PARTY = "Passengers and payment"
SOLD = "Sale confirmed"
LOGIN = "Sign in"

SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("new_search", "Ctrl+N", "New search (next sale): go to From", ANYWHERE),
    Shortcut("find_booking", "Ctrl+F", "Find a booking", ANYWHERE),
    Shortcut("refresh", "F5", "Refresh the results and the seat map", ANYWHERE),
    Shortcut("print", "Ctrl+P", "Print tickets: the last sale, or the booking shown", ANYWHERE),
    Shortcut("page_sell", "Ctrl+1", "Show the Sell page", ANYWHERE),
    Shortcut("page_bookings", "Ctrl+2", "Show the Bookings page", ANYWHERE),
    Shortcut(
        "switch_operator", "Ctrl+Shift+O", "Switch operator (releases your held seats)", ANYWHERE
    ),
    Shortcut("log_out", "Ctrl+Shift+L", "Log out (releases your held seats)", ANYWHERE),
    Shortcut("shortcuts", "F1", "This list of shortcuts", ANYWHERE),
    Shortcut("quit", "Ctrl+Q", "Quit", ANYWHERE),
    Shortcut("focus_from", "Alt+F", "Go to From (type a station code or name)", SEARCH),
    Shortcut("focus_to", "Alt+T", "Go to To", SEARCH),
    Shortcut("focus_date", "Alt+A", "Go to the travel date", SEARCH),
    Shortcut("date_step", "", "Travel date: next / previous day", SEARCH, "Up / Down"),
    Shortcut("date_week", "", "Travel date: a week later / earlier", SEARCH, "Page Up / Page Down"),
    Shortcut("focus_earliest", "Alt+B", "Go to Not before (earliest departure)", SEARCH),
    Shortcut("swap", "Ctrl+E", "Swap From and To", SEARCH),
    Shortcut("search", "Return", "Search (from any search field)", SEARCH, "Enter"),
    Shortcut("results_move", "", "Choose a train", RESULTS, "Up / Down"),
    Shortcut("open_seats", "Return", "Open the seat map for that train", RESULTS, "Enter"),
    Shortcut("seat_move", "", "Move between seats", SEAT_MAP, "Arrow keys"),
    Shortcut("seat_toggle", "Space", "Select or release the seat", SEAT_MAP),
    Shortcut("seat_coach", "", "Next / previous coach", SEAT_MAP, "Page Down / Page Up"),
    Shortcut("seat_ends", "", "First / last seat of the coach", SEAT_MAP, "Home / End"),
    Shortcut("pick_together", "Ctrl+G", "Pick seats together for the party", SEAT_MAP),
    Shortcut(
        "party",
        "Ctrl+Return",
        "Passengers and payment for the selected seats",
        SEAT_MAP,
        "Ctrl+Enter",
    ),
    Shortcut("party_fields", "Tab", "Next name, concession, payment field", PARTY),
    Shortcut("pay_cash", "Alt+C", "Pay cash (then type the amount given)", PARTY),
    Shortcut("pay_card", "Alt+D", "Pay by card (then type the card reference)", PARTY),
    Shortcut("confirm_sale", "Return", "Confirm the sale", PARTY, "Enter"),
    Shortcut("back_to_seats", "Esc", "Back to the seat map (names are kept)", PARTY),
    Shortcut("next_sale", "Return", "Next sale", SOLD, "Enter"),
    Shortcut("print_sold", "Ctrl+P", "Print the tickets", SOLD),
    Shortcut("sign_in", "Return", "Sign in", LOGIN, "Enter"),
    Shortcut("retry", "Alt+R", "Retry reaching the server", LOGIN),
)

_BY_ID = {shortcut.id: shortcut for shortcut in SHORTCUTS}


def all_shortcuts() -> tuple[Shortcut, ...]:
    """The desk's own keys and those of the pages that bring their own (Bookings)."""
    try:
        from ticket_office.ui.counter.bookings.keys import BOOKING_SHORTCUTS
    except ImportError:
        return SHORTCUTS
    return SHORTCUTS + tuple(BOOKING_SHORTCUTS)


def sequence(shortcut_id: str) -> QKeySequence:
    return QKeySequence(_BY_ID[shortcut_id].keys)


def native(shortcut_id: str) -> str:
    """The keys as this platform writes them, for tooltips and button hints."""
    return _BY_ID[shortcut_id].label


def contexts(shortcuts: tuple[Shortcut, ...]) -> list[str]:
    return list(dict.fromkeys(shortcut.context for shortcut in shortcuts))


def markdown() -> str:
    """The README's shortcut section (portable key names, one table per context)."""
    lines = [
        "## Keyboard shortcuts",
        "",
        "A whole sale works without the mouse: search, Enter on a train, pick seats with the "
        "arrow keys and Space, Ctrl+Enter for passengers and payment, Enter to confirm.",
        "",
    ]
    shortcuts = all_shortcuts()
    for context in contexts(shortcuts):
        lines += [f"### {context}", "", "| Keys | Action |", "| --- | --- |"]
        for shortcut in shortcuts:
            if shortcut.context == context:
                keys = shortcut.shown or shortcut.keys
                lines.append(f"| {keys} | {shortcut.action} |")
        lines.append("")
    return "\n".join(lines)


def html() -> str:
    parts = []
    shortcuts = all_shortcuts()
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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setHtml(html())
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


if __name__ == "__main__":
    from pathlib import Path

    readme_path = Path(__file__).resolve().parents[2] / "README.md"
    text = readme_path.read_text(encoding="utf-8")
    before, rest = text.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    body = f"{before}{README_START}\n{markdown().strip()}\n{README_END}{after}"
    readme_path.write_text(body, encoding="utf-8")
    print(f"updated the shortcuts in {readme_path}")
