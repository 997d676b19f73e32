"""What the main window may ask of any desk's page, declared once.

The window knows pages only through this protocol: it never looks up a page's methods by name.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import SignalInstance


class DeskPage(Protocol):
    # (text, Tone value): news for the window's status bar
    statusMessage: SignalInstance
    # set[int]: runs whose seats this page changed (a sale, a cancellation, a move). The desk's
    # other pages hear it from the window at once; the desk skips its own notices from the server.
    seatsChanged: SignalInstance

    def start(self) -> None:
        """The window is up: load what the page needs (stations, price list...)."""

    def focus_first(self) -> None:
        """Put the cursor where work on this page starts."""

    def refresh(self) -> None:
        """F5, or the connection came back: read what the page shows again."""

    def on_runs_changed(self, runs: set[int]) -> None:
        """Another desk, or another page of this one, changed seats on these runs."""

    def print_tickets(self) -> bool:
        """Ctrl+P: print what the page shows; False when it has nothing to print."""

    def unfinished_work(self) -> str:
        """What quitting now would drop (seats held, a sale half typed), in a sentence for the
        question asked before quitting; "" when there is nothing."""

    def leaving(self) -> None:
        """The operator signs out or quits: release what the page holds, close its dialogs."""
