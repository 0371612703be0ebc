"""``ProgressAlertsView``: the dashboard list of progress reports due and plans of care
expiring (rows from ``core.services.progress.progress_alerts``).

Contract:
- ``refresh()`` loads on the database worker (``ops.progress_alerts`` for ``ctx.clock``'s
  today) and replaces the rows; it reloads itself (debounced) on ``changes_applied`` carrying
  notes, visits or episodes — at once while shown, on the next show while hidden (notes save
  as they are typed, and the alerts read every active episode). ``empty`` says so when there
  is nothing due. Activating a row emits ``patient_chosen(patient_id)`` and
  ``episode_chosen(episode_id)``.
- ``ProgressAlertsModel`` is a thin ``RowTableModel`` over the frozen rows (no I/O in data()).
- GUI thread only. ``clear()`` on lock.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from desktop.formats import show_day
from desktop.measures import ops
from desktop.measures.common import named
from desktop.models.base import RowRole, RowTableModel
from desktop.widgets import label

SEVERITY = {"urgent": "Overdue", "due": "Due", "soon": "Soon"}
COLOURS = {
    "urgent": QBrush(QColor("#b42318")),
    "due": QBrush(QColor("#b54708")),
    "soon": QBrush(QColor("#5f6b7a")),
}


class ProgressAlertsModel(RowTableModel[Any]):
    """Rows: ``core.services.progress.AlertRow``."""

    class Column(IntEnum):
        SEVERITY = 0
        PATIENT = 1
        ALERT = 2
        DUE = 3

    columns = Column
    headers = ("", "Patient", "Alert", "By")

    def value(self, row: Any, column: Any, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column is self.Column.SEVERITY:
            return COLOURS.get(row.severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.message
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column is self.Column.SEVERITY:
            return SEVERITY.get(row.severity, row.severity)
        if column is self.Column.PATIENT:
            return f"{row.patient_name} ({row.discipline})"
        if column is self.Column.ALERT:
            return row.message
        return show_day(row.due_date)

    def sort_key(self, row: Any, column: Any) -> Any:
        order = {"urgent": 0, "due": 1, "soon": 2}
        if column is self.Column.SEVERITY:
            return order.get(row.severity, 3)
        return self.value(row, column, Qt.ItemDataRole.DisplayRole)


class ProgressAlertsView(QWidget):
    patient_chosen = Signal(object)
    episode_chosen = Signal(object)
    loaded = Signal(int)  # rows shown

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("progressAlerts")
        self.ctx = ctx
        self.model = ProgressAlertsModel(self)
        self.table = named(QTableView(), "progressAlertTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        self.empty = label("", "hint", wrap=True, name="progressAlertsEmpty")
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.table, 1)
        v.addWidget(self.empty)
        self._stale = False
        self._reload = QTimer(self, singleShot=True, interval=300)
        self._reload.timeout.connect(self.refresh)
        ctx.bus.changes_applied.connect(self._on_changes)

    def refresh(self) -> None:
        self._stale = False
        ops.progress_alerts(self, self.ctx.clock.today()).success(self._show).run()

    def _show(self, rows: Any) -> None:
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setText(
            "" if rows else "No progress report or plan of care due."
        )
        self.loaded.emit(len(rows))

    def _on_changes(self, changes: Any) -> None:
        if any(changes.structural(kind) for kind in ("note", "visit", "episode")):
            if self.isVisible():
                self._reload.start()
            else:
                self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale:
            self._reload.start()

    def _activated(self, index: Any) -> None:
        row = index.data(RowRole)
        if row is not None:
            self.patient_chosen.emit(row.patient_id)
            self.episode_chosen.emit(row.episode_id)

    def clear(self) -> None:
        self._reload.stop()
        self._stale = False
        self.model.clear()
        self.empty.setText("")
        self.loaded.emit(0)
