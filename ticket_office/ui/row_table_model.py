"""A flat table model over a list of plain rows (the services' dataclasses).

Holds the rows and answers Qt's counting and header questions; each subclass says only what a
cell shows (`data`). Rows change inside beginResetModel/endResetModel, as Orange3's PyTableModel
does, and a valid parent has no rows, as a flat table must.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import IntEnum
from typing import Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex
# Proxies sort on this role: real values (times, counts), not the displayed text.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class RowTableModel(QAbstractTableModel, Generic[Row]):
    def __init__(
        self,
        columns: type[IntEnum],
        headers: Mapping[IntEnum, str],
        translate: Callable[[str], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = columns
        self._headers = headers
        self._translate = translate
        self._rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._translate(self._headers[self._columns(section)])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.header_alignment(self._columns(section))
        return None

    def header_alignment(self, column: IntEnum) -> int | None:
        """How a column's header aligns (None: the style's default)."""
        return None
