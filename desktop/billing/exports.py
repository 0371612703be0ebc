"""What superbills were exported, printed or overridden, and when — read from the audit log.

Contract: ``SuperbillExportsWidget(patient_id=None)`` lists every patient's (or one patient's)
superbill exports, prints and overrides, newest first; ``refresh()`` runs one ``QueryOp``;
``clear()`` empties it (call on lock). The model formats rows only (no I/O in ``data``).
GUI thread only.
"""

from __future__ import annotations

import uuid
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from desktop.billing import ops
from desktop.formats import show_when
from desktop.models.base import RowTableModel
from desktop.widgets import heading, label

_ACTIONS = {"export": "Saved PDF", "print": "Printed", "override": "Override"}


class ExportsModel(RowTableModel[Any]):
    class Column(IntEnum):
        WHEN = 0
        ACTION = 1
        PATIENT = 2
        SCOPE = 3
        PAGES = 4
        DETAIL = 5

    columns = Column
    headers = ("When", "What", "Patient", "Visits", "Pages", "Details")

    def value(self, row: Any, column: Any, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and row.reason:
            return f"Reason: {row.reason}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        c = self.Column
        if column == c.WHEN:
            return show_when(row.at.astimezone())
        if column == c.ACTION:
            return _ACTIONS.get(row.action, row.action)
        if column == c.PATIENT:
            return row.patient_name or "—"
        if column == c.SCOPE:
            return f"{row.visits} ({row.kind})" if row.kind else ""
        if column == c.PAGES:
            return str(row.pages) if row.pages else ""
        if row.action == "override":
            return "Overrode " + ", ".join(row.findings)
        return f"{row.paper.upper()} · sha256 {row.sha256}" if row.sha256 else ""

    def sort_key(self, row: Any, column: Any) -> Any:
        return row.seq if column == self.Column.WHEN else super().sort_key(row, column)


class SuperbillExportsWidget(QWidget):
    loaded = Signal(int)

    def __init__(self, patient_id: uuid.UUID | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("superbillExports")
        self.patient_id = patient_id
        v = self.body = QVBoxLayout(self)
        self.title = heading("Superbill exports", 2)
        v.addWidget(self.title)
        self.model = ExportsModel(self)
        self.table = QTableView()
        self.table.setObjectName("superbillExportsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        v.addWidget(self.table, 1)
        self.empty = label("No superbill has been exported yet.", "hint")
        v.addWidget(self.empty)

    def refresh(self) -> None:
        ops.exports(self, self.patient_id).success(self._show).run()

    def _show(self, rows: list[Any]) -> None:
        self.model.set_rows(rows)
        self.empty.setVisible(not rows)
        self.loaded.emit(len(rows))

    def clear(self) -> None:
        self.model.clear()
