"""Choosing a station by typing its code or any part of its name.

`StationListModel` is a thin list model over `StationInfo`; besides the caption it offers a
search text (name and code without accents or punctuation, so "merida" finds Mérida). The
completer matches that text but fills the field with the caption, and `StationField.station()`
turns whatever was typed (a code, a caption, a name, the start of only one name, a part only
one name has) into a station; `StationListModel.matches` says which stations an ambiguous text
fits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from PySide6.QtCore import QAbstractListModel, QCollator, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from ticket_office.services.results import StationInfo

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
STATION_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


def fold(text: str) -> str:
    """Lower case without accents: what people type when they do not type the accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def loose(text: str) -> str:
    """`fold`, with punctuation as single spaces: "Coimbra-B" and "coimbra b" are the same."""
    return " ".join("".join(ch if ch.isalnum() else " " for ch in fold(text)).split())


def search_text(station: StationInfo) -> str:
    """Name and code as typed loosely ("merida mer"): what the completer and `matches` search."""
    return loose(station.caption)


class StationListModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._stations: list[StationInfo] = []

    def set_stations(self, stations: Iterable[StationInfo]) -> None:
        collator = QCollator()
        self.beginResetModel()
        self._stations = sorted(stations, key=lambda s: collator.sortKey(s.name))
        self.endResetModel()

    def stations(self) -> list[StationInfo]:
        return list(self._stations)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._stations)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._stations):
            return None
        station = self._stations[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return station.caption
        if role == SEARCH_ROLE:
            return search_text(station)
        if role == STATION_ROLE:
            return station
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("{0} — time zone {1}").format(station.caption, station.timezone)
        return None

    # --- finding what was typed ----------------------------------------------------------------

    def by_code(self, code: str) -> StationInfo | None:
        wanted = code.strip().upper()
        return next((s for s in self._stations if s.code == wanted), None)

    def resolve(self, text: str) -> StationInfo | None:
        """The station a clerk meant, if the text fits exactly one (see `matches`)."""
        found = self.matches(text)
        return found[0] if len(found) == 1 else None

    def matches(self, text: str) -> list[StationInfo]:
        """The stations a typed text may mean, the closest kind of match only: the caption or
        the code; else the whole name; else names starting with it; else any part of a name."""
        typed = " ".join(text.split())
        if not typed:
            return []
        for station in self._stations:
            if typed == station.caption:
                return [station]
        if found := self.by_code(typed):
            return [found]
        wanted = loose(typed)
        if not wanted:
            return []
        names = [(station, loose(station.name)) for station in self._stations]
        exact = [station for station, name in names if name == wanted]
        if exact:
            return exact
        starting = [station for station, name in names if name.startswith(wanted)]
        if starting:
            return starting
        return [station for station in self._stations if wanted in search_text(station)]


class StationCompleter(QCompleter):
    """Matches code or any part of the name; fills the field with "Name (CODE)"."""

    def __init__(self, model: StationListModel, parent=None) -> None:
        super().__init__(model, parent)
        self.setCompletionRole(SEARCH_ROLE)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setMaxVisibleItems(10)

    def pathFromIndex(self, index: Index) -> str:
        return index.data(Qt.ItemDataRole.DisplayRole) or ""

    def splitPath(self, path: str) -> list[str]:
        return [loose(path)]


# Arriving by Tab, by a key (Alt+F, new search) or sent by the form: typing replaces the text.
# Not after a click (the clerk put the cursor somewhere), nor when the window or the completer's
# list gives the focus back (the clerk was halfway through a name).
SELECT_ON_FOCUS = frozenset(
    {
        Qt.FocusReason.TabFocusReason,
        Qt.FocusReason.BacktabFocusReason,
        Qt.FocusReason.ShortcutFocusReason,
        Qt.FocusReason.OtherFocusReason,
    }
)


class StationField(QLineEdit):
    """A station entry: type a code or name, pick from the list, read back `station()`.
    Whenever the cursor comes to it the text is all selected, so typing replaces it."""

    def __init__(self, model: StationListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.setCompleter(StationCompleter(model, self))
        self.setClearButtonEnabled(True)
        self.setPlaceholderText(self.tr("Code or name, e.g. MAD or Madrid"))

    def station(self) -> StationInfo | None:
        return self._model.resolve(self.text())

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() in SELECT_ON_FOCUS:
            self.selectAll()

    def set_station(self, station: StationInfo | None) -> None:
        """Fill in a station, all selected: the home station often arrives after the cursor."""
        self.setText(station.caption if station else "")
        self.selectAll()

    def typed_code(self) -> str:
        """What to send when the stations are not loaded yet: the text as a code."""
        station = self.station()
        return station.code if station else self.text().strip().upper()
