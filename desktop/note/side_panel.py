"""The note's right-hand column: units (payer's method, the other beside it), live findings
(click one to jump to its field; acknowledge a warning with a reason), the Sign button (off,
with the reason, while block findings stand) and, on signed notes, addenda.

Views only: they render a ``ui_queries.NoteCheck`` and emit requests; the ``NoteEditor``
runs the ops.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.domain.enums import UnitMethod
from desktop.formats import show_when
from desktop.models.base import RowRole
from desktop.models.note_models import FindingsModel
from desktop.widgets import heading, label, named

METHOD = {
    UnitMethod.CMS_TOTAL_TIME: "CMS total-time method",
    UnitMethod.PER_CODE: "per-code method",
}


def units_text(summary: Any) -> str:
    if not summary.units:
        return "no billable services yet"
    parts = [f"{code}\u00a0×\u00a0{n}" for code, n in summary.units.items()]
    total = f"{summary.total}\u00a0unit{'s' if summary.total != 1 else ''}"
    return f"{'  ·  '.join(parts)}  =\u00a0{total}"


class UnitsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(heading("Units", 3))
        self.primary_title = label("", "muted", name="unitsMethod")
        self.primary = label("", "units", wrap=True, name="unitsPrimary")
        self.other = label("", "hint", wrap=True, name="unitsOther")
        v.addWidget(self.primary_title)
        v.addWidget(self.primary)
        v.addWidget(self.other)

    def show_check(self, check: Any) -> None:
        u, o = check.units, check.other_units
        self.primary_title.setText(f"{check.payer_name} · {METHOD[u.method]}")
        self.primary.setText(units_text(u))
        self.primary.setToolTip(u.explanation)
        self.other.setText(f"Under the {METHOD[o.method]}: {units_text(o)}")
        self.other.setToolTip(o.explanation)

    def clear(self) -> None:
        for w in (self.primary_title, self.primary, self.other):
            w.clear()
            w.setToolTip("")


class FindingsPanel(QWidget):
    finding_activated = Signal(object)  # Finding
    acknowledge_requested = Signal(str, str)  # finding key, reason

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(heading("Checks", 3))
        head.addStretch(1)
        self.summary = label("", "muted", name="findingsSummary")
        head.addWidget(self.summary)
        v.addLayout(head)
        self.model = FindingsModel(self)
        self.table = named(QTableView(), "findingsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.table.setMaximumHeight(300)
        v.addWidget(self.table)
        self.fix = label("", "hint", wrap=True, name="findingFix")
        v.addWidget(self.fix)
        ack = QHBoxLayout()
        self.reason = named(QLineEdit(), "ackReason")
        self.reason.setPlaceholderText("Why this warning does not apply…")
        self.ack_button = named(QPushButton("Acknowledge"), "ackButton")
        self.ack_button.clicked.connect(self._acknowledge)
        self.reason.returnPressed.connect(self._acknowledge)
        ack.addWidget(self.reason, 1)
        ack.addWidget(self.ack_button)
        self.ack_row = QWidget()
        self.ack_row.setLayout(ack)
        self.ack_row.hide()
        v.addWidget(self.ack_row)
        v.addStretch(1)

    def show_findings(self, findings: Any) -> None:
        self.model.set_rows(list(findings))
        blocks = sum(1 for f in findings if str(f.severity) == "block")
        warns = sum(1 for f in findings if str(f.severity) == "warn" and not f.acknowledged)
        parts = []
        if blocks:
            parts.append(f"{blocks} to fix")
        if warns:
            parts.append(f"{warns} to check")
        self.summary.setText(" · ".join(parts) if parts else "All clear")
        self.summary.setProperty("state", "bad" if blocks else ("warn" if warns else "ok"))
        self.summary.style().polish(self.summary)
        self.table.resizeRowsToContents()
        height = sum(self.table.rowHeight(r) for r in range(self.model.rowCount()))
        self.table.setFixedHeight(min(300, max(36, height + 4)))
        self.fix.clear()
        self.ack_row.hide()

    def finding_at(self, row: int) -> Any:
        return self.model.index(row, 0).data(RowRole)

    def _selected(self, current: Any, _previous: Any) -> None:
        finding = current.data(RowRole) if current.isValid() else None
        if finding is None:
            return
        self.fix.setText(f"How to fix: {finding.fix}")
        can_ack = str(finding.severity) == "warn" and not finding.acknowledged
        self.ack_row.setVisible(can_ack and self.isEnabled())

    def _clicked(self, index: Any) -> None:
        finding = index.data(RowRole)
        if finding is not None:
            self._selected(index, None)
            self.finding_activated.emit(finding)

    def _acknowledge(self) -> None:
        finding = self.table.currentIndex().data(RowRole)
        reason = self.reason.text().strip()
        if finding is None or not reason:
            self.reason.setFocus()
            return
        self.acknowledge_requested.emit(finding.key, reason)
        self.reason.clear()

    def clear(self) -> None:
        self.model.clear()
        self.summary.clear()
        self.fix.clear()
        self.reason.clear()
        self.ack_row.hide()


class SignBar(QWidget):
    sign_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.button = named(QPushButton("Sign note"), "signButton")
        self.button.setProperty("role", "primary")
        self.button.setToolTip("Ctrl+Enter")
        self.button.clicked.connect(self.sign_requested)
        self.reason = label("", "hint", wrap=True, name="signReason")
        v.addWidget(self.button)
        v.addWidget(self.reason)

    def show_state(self, *, signed: Any, blockers: int, warnings: int) -> None:
        if signed is not None:
            self.button.hide()
            self.reason.setText(signed)
            return
        self.button.show()
        self.button.setEnabled(blockers == 0)
        if blockers:
            self.reason.setText(
                f"Signing is off until {blockers} finding{'s are' if blockers > 1 else ' is'} "
                "fixed (marked “Must fix”)."
            )
        elif warnings:
            self.reason.setText(
                f"{warnings} warning{'s' if warnings > 1 else ''} not acknowledged: "
                "acknowledge each with a reason here or when you sign."
            )
        else:
            self.reason.setText("Ready to sign. A signed note can only be amended by addendum.")
        self.button.setToolTip(self.reason.text())

    def clear(self) -> None:
        self.reason.clear()
        self.button.setEnabled(False)


class AddendaPanel(QWidget):
    addendum_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(heading("Addenda", 3))
        self.existing = label("", "", wrap=True, name="addendaList")
        v.addWidget(self.existing)
        self.text = named(QPlainTextEdit(), "addendumText")
        self.text.setPlaceholderText("Correction or late entry (the signed note stays as it is)")
        self.text.setMaximumHeight(90)
        v.addWidget(self.text)
        self.button = named(QPushButton("Add addendum"), "addAddendum")
        self.button.setToolTip("Ctrl+Shift+A")
        self.button.clicked.connect(self._add)
        v.addWidget(self.button)

    def show_addenda(self, addenda: Any) -> None:
        lines = [f"{show_when(a.created_at)} — {a.text}" for a in addenda]
        self.existing.setText("\n\n".join(lines) if lines else "None yet.")

    def _add(self) -> None:
        text = self.text.toPlainText().strip()
        if text:
            self.addendum_requested.emit(text)

    def clear(self) -> None:
        self.existing.clear()
        self.text.clear()
