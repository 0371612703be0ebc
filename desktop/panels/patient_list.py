"""The patient list: instant search, filters (active episode, unsigned notes), new patient.

Contract:
- Typing searches after a 150 ms pause; each query runs on the database worker and only the
  newest answer is shown (older ones are dropped by sequence number).
- Selecting a row (click, arrows) emits ``patient_chosen(id)`` — the workspace opens the
  chart, so a patient is one click away.
- Birth dates are found as typed: ``4/12/1958``, ``04/12/1958``, ``04121958``, ISO (the core's
  ``search_terms``). Enter in the search box opens the only match (after the pending search,
  if any); with several it says how many match.
- Refreshes itself on ``changes_applied`` touching patients, episodes, visits or notes
  (coalesced), and on ``refresh()``. ``clear()`` drops every row (lock).
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.models.base import IdRole
from desktop.models.lists import PatientListModel
from desktop.ops import patients as ops
from desktop.saving import make_timer
from desktop.widgets import heading, label, named


class PatientListPanel(QWidget):
    patient_chosen = Signal(uuid.UUID)
    new_patient_requested = Signal()
    loaded = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientList")
        self.ctx = ctx
        self._seq = 0
        v = QVBoxLayout(self)
        v.setContentsMargins(12, 12, 6, 6)
        top = QHBoxLayout()
        top.addWidget(heading("Patients", 2))
        top.addStretch(1)
        self.new_button = named(QPushButton("New patient"), "newPatient")
        self.new_button.setToolTip("New patient (Ctrl+Shift+N)")
        self.new_button.clicked.connect(self.new_patient_requested)
        top.addWidget(self.new_button)
        v.addLayout(top)
        self.search = named(QLineEdit(), "patientSearch")
        self.search.setPlaceholderText("Search name or birth date  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        v.addWidget(self.search)
        filters = QHBoxLayout()
        self.active_only = named(QCheckBox("Active episode"), "filterActive")
        self.unsigned_only = named(QCheckBox("Unsigned notes"), "filterUnsigned")
        filters.addWidget(self.active_only)
        filters.addWidget(self.unsigned_only)
        filters.addStretch(1)
        v.addLayout(filters)
        self.model = PatientListModel(self)
        self.table = named(QTableView(), "patientTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        v.addWidget(self.table, 1)
        self.empty = label("", "hint", name="patientListEmpty")
        v.addWidget(self.empty)
        self._debounce = make_timer(self, 150, single=True)
        self._debounce.timeout.connect(self.refresh)
        self._changes = make_timer(self, 400, single=True)
        self._changes.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._enter)
        self._open_single = False
        self.active_only.toggled.connect(lambda _on: self.refresh())
        self.unsigned_only.toggled.connect(lambda _on: self.refresh())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.clicked.connect(lambda index: self._choose(index.row()))
        ctx.bus.changes_applied.connect(self._on_changes)
        self._selected: uuid.UUID | None = None

    # -- data ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq
        ops.patient_list(
            self,
            self.search.text(),
            active_episode=self.active_only.isChecked(),
            unsigned=self.unsigned_only.isChecked(),
        ).success(lambda rows: self._show(seq, rows)).run()

    def _show(self, seq: int, rows: list[Any]) -> None:
        if seq != self._seq:
            return  # a newer query is on its way
        self.model.set_rows(rows)
        self.empty.setText("" if rows else "No patients match. Try fewer letters.")
        self._reselect()
        self.loaded.emit(len(rows))
        if self._open_single:
            self._open_single = False
            self._open_from_search()

    def _enter(self) -> None:
        """Enter in the search box: open the only match."""
        if self._debounce.isActive():  # the newest text has not been searched yet
            self._debounce.stop()
            self._open_single = True
            self.refresh()
            return
        self._open_from_search()

    def _open_from_search(self) -> None:
        count = self.model.rowCount()
        if count == 1:
            selection = self.table.selectionModel()
            selection.blockSignals(True)  # one patient_chosen, not two
            self.table.selectRow(0)
            selection.blockSignals(False)
            self._choose(0)
        elif count > 1:
            self.empty.setText(f"{count} patients match: add to the name or the birth date.")

    def _reselect(self) -> None:
        if self._selected is None:
            return
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == self._selected:
                index = self.model.index(row, 0)
                self.table.selectionModel().blockSignals(True)
                self.table.selectionModel().setCurrentIndex(
                    index,
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.selectionModel().blockSignals(False)
                return

    def _on_changes(self, changes: Any) -> None:
        if changes.structural("note") or any(k in changes for k in ("patient", "episode",
                                                                      "visit")):
            self._changes.start()

    def _current_changed(self, current: Any, _previous: Any) -> None:
        if current.isValid():
            self._choose(current.row())

    def _choose(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self._selected = self.model.index(row, 0).data(IdRole)
            self.patient_chosen.emit(self._selected)

    def select(self, patient_id: uuid.UUID | None) -> None:
        self._selected = patient_id
        self._reselect()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def clear(self) -> None:
        self._seq += 1
        self._open_single = False
        self._debounce.stop()
        self._changes.stop()
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._selected = None
        self.model.clear()
        self.empty.clear()
