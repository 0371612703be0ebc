"""Item models of the note editor: findings, and the editable 97110 exercise table.

``FindingsModel`` formats ``core.rules.findings.Finding`` rows (blocks first). The exercise
model edits a list of plain dicts (``TimedBlock.details["exercises"]``, keys documented in
docs/rules.md) and compares each cell with the previous visit's exercise of the same name, so
progression (or its absence) is visible: changed cells are tinted and their tooltip says what
the value was last time. It emits ``edited`` after each change; the block row saves.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from desktop.models.base import RowTableModel

DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
BACKGROUND = Qt.ItemDataRole.BackgroundRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
Index = QModelIndex | QPersistentModelIndex

SEVERITY_LABEL = {"block": "Must fix", "warn": "Check", "info": "Info"}
SEVERITY_COLOR = {"block": "#b42318", "warn": "#b54708", "info": "#3d5a80"}
SEVERITY_ORDER = {"block": 0, "warn": 1, "info": 2}


class FindingsModel(RowTableModel[Any]):
    class Column(IntEnum):
        SEVERITY = 0
        MESSAGE = 1

    columns = Column
    headers = ("", "Finding")

    def set_rows(self, rows: Any) -> None:
        ordered = sorted(
            rows, key=lambda f: (f.acknowledged, SEVERITY_ORDER.get(str(f.severity), 3))
        )
        super().set_rows(ordered)

    def value(self, row: Any, column: Column, role: int) -> Any:
        severity = str(row.severity)
        if role == DISPLAY:
            if column is self.Column.SEVERITY:
                return "Acknowledged" if row.acknowledged else SEVERITY_LABEL.get(severity, "")
            return row.message
        if role == TOOLTIP:
            reason = f"\nAcknowledged: {row.ack_reason}" if row.acknowledged else ""
            return f"{row.message}\n\nHow to fix: {row.fix}{reason}"
        if role == FOREGROUND and column is self.Column.SEVERITY:
            return QBrush(QColor("#5f6b7a" if row.acknowledged else SEVERITY_COLOR[severity]))
        return None


EXERCISE_KEYS = ("name", "position", "sets", "reps", "load", "load_unit")
_NUMERIC = {"sets", "reps", "load"}
CHANGED = QBrush(QColor("#e6f4ea"))
NEW = QBrush(QColor("#eef4fb"))


def _norm(value: Any) -> str:
    return str(value if value is not None else "").strip().lower()


def _number(text: str) -> Any:
    text = text.strip()
    if not text:
        return ""
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


class ExerciseModel(RowTableModel[dict[str, Any]]):
    class Column(IntEnum):
        NAME = 0
        POSITION = 1
        SETS = 2
        REPS = 3
        LOAD = 4
        UNIT = 5

    columns = Column
    headers = ("Exercise", "Position", "Sets", "Reps", "Load", "Unit")
    edited = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._baseline: dict[str, dict[str, Any]] = {}
        self.read_only = False

    def set_baseline(self, previous: list[dict[str, Any]]) -> None:
        """The previous visit's exercises, matched to these by name."""
        self._baseline = {_norm(e.get("name")): e for e in previous}
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(self.Column) - 1)
            )

    def exercises(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows if _norm(r.get("name"))]

    def add_row(self) -> int:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append({"name": "", "sets": "", "reps": "", "load": "", "load_unit": "lb"})
        self.endInsertRows()
        return row

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
            self.edited.emit()

    def previous_value(self, row: dict[str, Any], key: str) -> Any:
        base = self._baseline.get(_norm(row.get("name")))
        return None if base is None else base.get(key, "")

    def changed(self, row: dict[str, Any], key: str) -> bool | None:
        """True if the value differs from last visit, None if the exercise is new."""
        if not self._baseline:
            return False
        base = self._baseline.get(_norm(row.get("name")))
        if base is None:
            return None
        return _norm(base.get(key)) != _norm(row.get(key))

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if not self.read_only:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def value(self, row: dict[str, Any], column: Column, role: int) -> Any:
        key = EXERCISE_KEYS[column]
        if role in (DISPLAY, EDIT):
            value = row.get(key, "")
            return "" if value is None else str(value)
        if role in (BACKGROUND, TOOLTIP) and _norm(row.get("name")):
            changed = self.changed(row, key)
            if role == BACKGROUND:
                if changed is None:
                    return NEW
                return CHANGED if changed else None
            if changed is None:
                return "New since last visit"
            if changed:
                return f"Last visit: {self.previous_value(row, key) or '—'}"
        return None

    def setData(self, index: Index, value: Any, role: int = EDIT) -> bool:
        if role != EDIT or not index.isValid() or self.read_only:
            return False
        key = EXERCISE_KEYS[index.column()]
        text = str(value)
        new = _number(text) if key in _NUMERIC else text.strip()
        row = self._rows[index.row()]
        if row.get(key, "") == new:
            return False
        row[key] = new
        last = len(self.Column) - 1
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), last))
        self.edited.emit()
        return True
