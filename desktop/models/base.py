"""The shape every Qt item model in Chartside follows (napari/superqt): a thin adapter over a
list of plain, frozen rows.

Contract:
- Rows arrive from a ``QueryOp`` and are replaced wholesale with ``set_rows`` (wrapped in
  ``beginResetModel``/``endResetModel``). ``data()`` only formats what the row already holds:
  no I/O, no queries, no business rules.
- Columns are an ``IntEnum`` named ``Column`` in each model; ``RowRole`` returns the row,
  ``IdRole`` its id, ``SortRole`` a sortable key.
- GUI thread only.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex

RowRole = Qt.ItemDataRole.UserRole + 1
IdRole = Qt.ItemDataRole.UserRole + 2
SortRole = Qt.ItemDataRole.UserRole + 3


class RowTableModel(QAbstractTableModel, Generic[R]):
    columns: type[IntEnum]
    headers: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []

    # -- rows -------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_at(self, row: int) -> R:
        return self._rows[row]

    @property
    def rows(self) -> list[R]:
        return list(self._rows)

    # -- Qt -----------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section] if section < len(self.headers) else ""
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == RowRole:
            return row
        if role == IdRole:
            return getattr(row, "id", None)
        column = self.columns(index.column())
        if role == SortRole:
            return self.sort_key(row, column)
        return self.value(row, column, role)

    # -- per model ----------------------------------------------------------------------------
    def value(self, row: R, column: Any, role: int) -> Any:
        raise NotImplementedError

    def sort_key(self, row: R, column: Any) -> Any:
        return self.value(row, column, Qt.ItemDataRole.DisplayRole)
