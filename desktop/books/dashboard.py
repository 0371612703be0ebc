"""``ComplianceDashboard``: the rows of ``core.services.dashboard`` with a rule filter; each row
opens the record it names.

Contract:
- ``refresh()`` loads ``ops.compliance`` for ``ctx.clock.today()`` on the database worker and
  shows the rows (``set_dashboard`` does the same with a value, for hosts and tests). It reloads
  itself on ``changes_applied`` carrying notes, visits, episodes, payments or fees: at most
  every 1.5 s while shown, once on the next show while hidden (notes save as they are typed).
- Activating a row (double-click, Enter) emits ``open_requested(kind, id)`` with ``kind`` the
  row's ``target_kind`` ("note" | "episode" | "patient") and the typed ``note_chosen`` /
  ``episode_chosen`` / ``patient_chosen`` (the patient always, then the target), and last
  ``row_opened(DashboardRow)`` for hosts that open a different place per rule (the plan of
  care for an expiring plan, the measures for a progress report due).
- The summary line counts rows by severity; the filter narrows to one rule. ``clear()`` on lock.
- ``DashboardModel`` is a thin ``RowTableModel`` over the frozen rows (no I/O in data()).
- GUI thread only.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.services.dashboard import RULES, Dashboard, DashboardRow
from desktop.books import ops
from desktop.formats import show_date
from desktop.models.base import RowRole, RowTableModel, SortRole

SEVERITY = {"urgent": "Overdue", "due": "Due", "soon": "Soon"}
COLOURS = {"urgent": QColor("#b42318"), "due": QColor("#b54708"), "soon": QColor("#5f6b7a")}
ORDER = {"urgent": 0, "due": 1, "soon": 2}
RELOAD_ON = ("note", "visit", "episode", "payment", "fee", "package")


class DashboardModel(RowTableModel[DashboardRow]):
    class Column(IntEnum):
        SEVERITY = 0
        RULE = 1
        PATIENT = 2
        WHAT = 3
        DATE = 4

    columns = Column
    headers = ("", "Rule", "Patient", "What needs doing", "Date")

    def value(self, row: DashboardRow, column: Any, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column is self.Column.SEVERITY:
            return QBrush(COLOURS.get(row.severity, QColor("#1f2a37")))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.message}\nTo clear: {RULES[row.rule][1]}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column is self.Column.SEVERITY:
            return SEVERITY.get(row.severity, row.severity)
        if column is self.Column.RULE:
            return row.title
        if column is self.Column.PATIENT:
            return row.patient_name
        if column is self.Column.WHAT:
            return row.message
        return show_date(row.date)

    def sort_key(self, row: DashboardRow, column: Any) -> Any:
        if column is self.Column.SEVERITY:
            return ORDER.get(row.severity, 3)
        if column is self.Column.DATE:
            return row.date.toordinal() if row.date else 0
        return self.value(row, column, Qt.ItemDataRole.DisplayRole)


class _RuleFilter(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rule: str | None = None
        self.setSortRole(SortRole)

    def set_rule(self, rule: str | None) -> None:
        self.beginFilterChange()  # Qt 6.10+: invalidateFilter() is deprecated
        self.rule = rule
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Any) -> bool:
        if self.rule is None:
            return True
        model = self.sourceModel()
        row = model.data(model.index(source_row, 0, source_parent), RowRole)
        return row is not None and row.rule == self.rule


class ComplianceDashboard(QWidget):
    open_requested = Signal(str, object)  # target kind, id
    note_chosen = Signal(object)
    episode_chosen = Signal(object)
    patient_chosen = Signal(object)
    row_opened = Signal(object)  # the DashboardRow, after open_requested

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("complianceDashboard")
        self.ctx = ctx
        self.model = DashboardModel(self)
        self.proxy = _RuleFilter(self)
        self.proxy.setSourceModel(self.model)
        self.summary = QLabel("", objectName="dashboardSummary")
        self.summary.setProperty("role", "muted")
        self.filter = QComboBox(objectName="dashboardRuleFilter")
        self.filter.setAccessibleName("Show rule")
        self.filter.currentIndexChanged.connect(self._filter_changed)
        self.table = QTableView(objectName="dashboardTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(DashboardModel.Column.WHAT, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.filter)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(top)
        v.addWidget(self.table, 1)
        # Notes save as they are typed: reload at most every 1.5 s, and only while shown (a
        # hidden dashboard reloads when it is shown again).
        self._stale = False
        self._reload = QTimer(self, singleShot=True, interval=1500)
        self._reload.timeout.connect(self.refresh)
        ctx.bus.changes_applied.connect(self._on_changes)
        self._fill_filter(None)

    # -- data -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._stale = False
        ops.compliance(self, self.ctx.clock.today()).success(self.set_dashboard).run()

    def set_dashboard(self, board: Dashboard) -> None:
        self.model.set_rows(board.rows)
        for column in (DashboardModel.Column.SEVERITY, DashboardModel.Column.RULE,
                       DashboardModel.Column.PATIENT, DashboardModel.Column.DATE):
            self.table.resizeColumnToContents(column)
        self.table.sortByColumn(DashboardModel.Column.SEVERITY, Qt.SortOrder.AscendingOrder)
        counts = {s: sum(1 for r in board.rows if r.severity == s) for s in ORDER}
        parts = [f"{n} {SEVERITY[s].lower()}" for s, n in counts.items() if n]
        self.summary.setText(" · ".join(parts) if parts else "Nothing needs attention.")
        self._fill_filter(board)

    def _fill_filter(self, board: Dashboard | None) -> None:
        keep = self.proxy.rule
        counts = board.counts() if board else {}
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem("All rules", None)
        for rule, (title, _clear) in RULES.items():
            if counts.get(rule):
                self.filter.addItem(f"{title} ({counts[rule]})", rule)
        index = max(0, self.filter.findData(keep)) if keep else 0
        self.filter.setCurrentIndex(index)
        self.filter.blockSignals(False)
        self.proxy.set_rule(self.filter.currentData())

    def _filter_changed(self, _index: int) -> None:
        self.proxy.set_rule(self.filter.currentData())

    def visible_rows(self) -> list[DashboardRow]:
        return [self.proxy.data(self.proxy.index(i, 0), RowRole)
                for i in range(self.proxy.rowCount())]

    def _on_changes(self, changes: Any) -> None:
        if any(kind in changes for kind in RELOAD_ON):  # text too: "identical documentation"
            self._stale = True
            if self.isVisible() and not self._reload.isActive():
                self._reload.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._reload.start()

    # -- opening --------------------------------------------------------------------------------
    def _activated(self, index: Any) -> None:
        row = index.data(RowRole)
        if row is not None:
            self.open_row(row)

    def open_row(self, row: DashboardRow) -> None:
        if row.target_kind == "inventory":  # a supply, not a patient (issue 20)
            self.open_requested.emit(row.target_kind, row.target_id)
            self.row_opened.emit(row)
            return
        self.patient_chosen.emit(row.patient_id)
        if row.target_kind == "note":
            self.note_chosen.emit(row.target_id)
        elif row.target_kind == "episode":
            self.episode_chosen.emit(row.target_id)
        self.open_requested.emit(row.target_kind, row.target_id)
        self.row_opened.emit(row)

    def clear(self) -> None:
        self._reload.stop()
        self.model.clear()
        self.summary.setText("")
        self._fill_filter(None)
