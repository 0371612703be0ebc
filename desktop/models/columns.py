"""``ColumnsModel``: a read-only table over plain rows described by (header, text-of-row)
pairs, and ``table_for``, the plain table view the books and billing pages share.

GUI thread only; ``data()`` formats what the row holds (no I/O), like every model here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from desktop.models.base import RowTableModel

Column = tuple[str, Callable[[Any], str]]


class ColumnsModel(RowTableModel[Any]):
    """A read-only table over plain rows, one (header, text-of-row) pair per column; the
    ``numeric`` columns are right-aligned."""

    def __init__(
        self, spec: Sequence[Column], parent: Any = None, *, numeric: Sequence[int] = ()
    ) -> None:
        super().__init__(parent)
        self.spec = list(spec)
        self.numeric = frozenset(numeric)
        self.columns = IntEnum("Column", [f"C{i}" for i in range(len(spec))], start=0)  # type: ignore[misc]
        self.headers = tuple(h for h, _f in spec)

    def value(self, row: Any, column: Any, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.spec[int(column)][1](row)
        if role == Qt.ItemDataRole.TextAlignmentRole and int(column) in self.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def table_for(model: ColumnsModel, name: str, stretch: int | None = None) -> QTableView:
    """A plain read-only table: no grid, no row numbers, one line per row; the ``stretch``
    column takes the spare width."""
    table = QTableView(objectName=name)
    table.setModel(model)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    model.modelReset.connect(table.resizeColumnsToContents)
    if stretch is not None:
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fit_rows(view: QTableView, *, min_rows: int = 1, max_rows: int = 6) -> None:
    """Make a short table as tall as its rows (more scroll), so one payment is not a big
    empty box."""
    rows = max(min_rows, min(max_rows, view.model().rowCount()))
    row_height = view.verticalHeader().defaultSectionSize()
    view.setFixedHeight(view.horizontalHeader().sizeHint().height() + rows * row_height + 4)
