"""Thin item models for the lists of the workspace: patients, today's visits, visit history,
diagnoses and goals. Each formats plain rows (see ``desktop.models.base``).
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from core.domain.enums import Laterality
from desktop.formats import count, show_date
from desktop.models.base import RowTableModel

DISPLAY = Qt.ItemDataRole.DisplayRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
MUTED = QBrush(QColor("#5f6b7a"))
DRAFT = QBrush(QColor("#9a5b00"))

NOTE_TYPES = {
    "evaluation": "Evaluation",
    "daily": "Daily note",
    "progress_report": "Progress report",
    "re_evaluation": "Re-evaluation",
    "discharge": "Discharge",
}
VISIT_STATUS = {
    "scheduled": "Scheduled",
    "completed": "Completed",
    "no_show": "No-show",
    "cancelled": "Cancelled",
    "booked": "Booked · start note",  # an appointment without its visit yet (issue 19)
    "arrived": "Arrived · start note",
}
SIDES = {
    Laterality.RIGHT: "Right",
    Laterality.LEFT: "Left",
    Laterality.BILATERAL: "Bilateral",
    Laterality.UNSPECIFIED: "Side not specified",
    Laterality.NOT_APPLICABLE: "—",
}


def fmt_date(day: dt.date | None) -> str:
    return show_date(day)


def fmt_time(t: dt.time | None) -> str:
    return t.strftime("%H:%M") if t else ""


class PatientListModel(RowTableModel[Any]):
    """Rows: ``core.services.ui_queries.PatientListRow``."""

    class Column(IntEnum):
        NAME = 0
        DOB = 1
        UNSIGNED = 2

    columns = Column
    headers = ("Patient", "Born", "Drafts")

    def value(self, row: Any, column: Column, role: int) -> Any:
        if role == DISPLAY:
            if column is self.Column.NAME:
                return row.display_name + ("" if row.active else "  (inactive)")
            if column is self.Column.DOB:
                return show_date(row.date_of_birth)
            return str(row.unsigned_notes) if row.unsigned_notes else ""
        if role == TOOLTIP and column is self.Column.UNSIGNED and row.unsigned_notes:
            return count(row.unsigned_notes, "unsigned note")
        if role == FOREGROUND and column is not self.Column.NAME:
            return DRAFT if column is self.Column.UNSIGNED else MUTED
        return None


def visit_status_label(row: Any) -> str:
    """"Signed"/"Draft"/"Voided" for a visit with a note, else its visit status (no-show…)."""
    if row.note_status is None:
        return str(VISIT_STATUS.get(str(row.status), str(row.status)))
    return {"signed": "Signed", "voided": "Voided"}.get(str(row.note_status), "Draft")


class TodayModel(RowTableModel[Any]):
    """Rows: ``core.services.ui_queries.TodayVisitRow``."""

    class Column(IntEnum):
        TIME = 0
        PATIENT = 1
        NOTE = 2

    columns = Column
    headers = ("Time", "Patient", "Note")

    def value(self, row: Any, column: Column, role: int) -> Any:
        if role == DISPLAY:
            if column is self.Column.TIME:
                return fmt_time(row.start_time) or "—"
            if column is self.Column.PATIENT:
                return row.patient_name
            return visit_status_label(row)
        if role == FOREGROUND and column is self.Column.NOTE:
            return DRAFT if row.note_status == "draft" else MUTED
        return None


class VisitHistoryModel(RowTableModel[Any]):
    """Rows: ``core.storage.rows.VisitRow`` (newest first)."""

    class Column(IntEnum):
        DATE = 0
        TIME = 1
        NOTE = 2
        STATUS = 3

    columns = Column
    headers = ("Date", "Time", "Note", "Status")

    def value(self, row: Any, column: Column, role: int) -> Any:
        if role == DISPLAY:
            if column is self.Column.DATE:
                return fmt_date(row.date)
            if column is self.Column.TIME:
                return fmt_time(row.start_time)
            if column is self.Column.NOTE:
                return NOTE_TYPES.get(str(row.note_type), "") if row.note_type else "No note"
            return visit_status_label(row)
        if role == FOREGROUND and column is self.Column.STATUS:
            return DRAFT if str(row.note_status) == "draft" else MUTED
        if role == TOOLTIP and str(row.note_status) == "draft":
            return "Not signed yet"
        return None

    def sort_key(self, row: Any, column: Column) -> Any:
        return (row.date, row.start_time or dt.time.min)


class DiagnosisModel(RowTableModel[Any]):
    """Rows: ``core.domain.episode.Diagnosis`` (rank order)."""

    class Column(IntEnum):
        POINTER = 0
        CODE = 1
        DESCRIPTION = 2
        SIDE = 3

    columns = Column
    headers = ("", "Code", "Diagnosis", "Side")

    def value(self, row: Any, column: Column, role: int) -> Any:
        if role == DISPLAY:
            if column is self.Column.POINTER:
                return row.pointer
            if column is self.Column.CODE:
                return row.code
            if column is self.Column.DESCRIPTION:
                return row.description
            return SIDES.get(Laterality(row.laterality), str(row.laterality))
        if role == TOOLTIP and column is self.Column.DESCRIPTION:
            return row.description
        if role == FOREGROUND and column is self.Column.SIDE:
            side = Laterality(row.laterality)
            return DRAFT if side is Laterality.UNSPECIFIED else None
        return None


GOAL_STATUS = {
    "ongoing": "Ongoing",
    "met": "Met",
    "partially_met": "Partially met",
    "not_met": "Not met",
    "discontinued": "Discontinued",
}


def goal_labels(goals: list[Any]) -> dict[Any, str]:
    """``STG 1``, ``LTG 2``… numbered per term in plan order."""
    counts = {"short": 0, "long": 0}
    out = {}
    for g in goals:
        term = str(g.term)
        counts[term] = counts.get(term, 0) + 1
        out[g.id] = f"{'STG' if term == 'short' else 'LTG'} {counts[term]}"
    return out


class GoalModel(RowTableModel[Any]):
    """Rows: ``core.domain.episode.Goal``."""

    class Column(IntEnum):
        LABEL = 0
        GOAL = 1
        MEASURE = 2
        TARGET_DATE = 3
        STATUS = 4

    columns = Column
    headers = ("", "Goal", "Baseline → target", "By", "Status")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._labels: dict[Any, str] = {}

    def set_rows(self, rows: Any) -> None:
        self._labels = goal_labels(list(rows))
        super().set_rows(rows)

    def value(self, row: Any, column: Column, role: int) -> Any:
        if role == DISPLAY:
            if column is self.Column.LABEL:
                return self._labels.get(row.id, "")
            if column is self.Column.GOAL:
                purpose = f" to {row.functional_purpose}" if row.functional_purpose else ""
                return f"{row.activity}{purpose}"
            if column is self.Column.MEASURE:
                if not (row.baseline or row.target):
                    return ""
                return f"{row.baseline or '?'} → {row.target or '?'} {row.unit}".strip()
            if column is self.Column.TARGET_DATE:
                return fmt_date(row.target_date)
            return GOAL_STATUS.get(str(row.status), str(row.status))
        if role == TOOLTIP and column is self.Column.GOAL:
            return row.summary
        if role == FOREGROUND and column is self.Column.STATUS and str(row.status) != "ongoing":
            return MUTED
        return None
