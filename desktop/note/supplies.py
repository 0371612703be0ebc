"""The note's "Supplies used" section (issue 20): what signing will record from stock for this
note — the usage templates' proposal for its codes and booked service, or the list the
clinician changed here — with the place it is drawn from and a warning when that place holds
less than the note uses.

Contract: ``show(note_id, read_only)`` loads ``core.services.note_supplies.for_note`` on the
database worker; a quantity typed in a row (Enter or focus-out), "Remove", "Add" and "Use the
templates again" each run one ``CommandOp`` and redraw from what was stored. A refused entry
(a quantity ≤ 0, a unit of another kind, text) shows its message under the section and
changes nothing. The section hides itself when the practice keeps no supplies. Supplies and
counts only: no PHI. GUI thread only.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from core.domain.inventory import UNITS, fmt
from desktop.widgets import heading, label, named
from desktop.worker import CommandOp, QueryOp

COLUMNS = ("Item", "Quantity", "Unit", "Template", "")


class SuppliesSection(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteSupplies")
        self.note_id: uuid.UUID | None = None
        self.read_only = False
        self.view: Any = None
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(heading("Supplies used", 3))
        self.hint = label("", "hint", wrap=True, name="suppliesHint")
        v.addWidget(self.hint)
        self.table = named(QTableWidget(0, len(COLUMNS)), "suppliesTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        v.addWidget(self.table)
        add = QHBoxLayout()
        self.item = named(QComboBox(), "suppliesItem")
        self.amount = named(QLineEdit(), "suppliesAmount")
        self.amount.setPlaceholderText("how much")
        self.unit = named(QComboBox(), "suppliesUnit")
        self.unit.addItem("item's unit", None)
        for unit in UNITS:
            self.unit.addItem(unit, unit)
        self.add_button = named(QPushButton("Add"), "suppliesAdd")
        self.add_button.clicked.connect(self._add)
        self.amount.returnPressed.connect(self._add)
        self.reset_button = named(QPushButton("Use the templates again"), "suppliesReset")
        self.reset_button.clicked.connect(self._reset)
        for w, stretch in ((self.item, 2), (self.amount, 1), (self.unit, 0),
                           (self.add_button, 0), (self.reset_button, 0)):
            add.addWidget(w, stretch)
        v.addLayout(add)
        self.warning = label("", "warn", wrap=True, name="suppliesShort")
        self.error = label("", "error", wrap=True, name="suppliesError")
        v.addWidget(self.warning)
        v.addWidget(self.error)
        self.hide()

    # -- loading --------------------------------------------------------------------------
    def show_note(self, note_id: uuid.UUID, read_only: bool) -> None:
        from core.services import note_supplies

        self.note_id, self.read_only = note_id, read_only
        QueryOp(self, lambda chart: note_supplies.for_note(chart, note_id)
                ).success(self._show).run()

    def refresh(self) -> None:
        """After an edit that may change the note's codes (the templates' proposal)."""
        if self.note_id is not None:
            self.show_note(self.note_id, self.read_only)

    def _show(self, view: Any) -> None:
        if view.note_id != self.note_id:
            return
        self.view = view
        self.setVisible(bool(view.rows or view.choices))
        self.table.setRowCount(len(view.rows))
        for r, row in enumerate(view.rows):
            proposed = "—" if row.proposed is None else fmt(row.proposed)
            for c, text in ((0, row.name + (f"  ({row.hcpcs})" if row.hcpcs else "")),
                            (2, row.unit), (3, proposed)):
                self.table.setItem(r, c, QTableWidgetItem(text))
            edit = named(QLineEdit(fmt(row.quantity)), "suppliesQuantity")
            edit.setReadOnly(self.read_only or view.signed)
            edit.editingFinished.connect(lambda e=edit, i=row.item_id: self._changed(i, e))
            self.table.setCellWidget(r, 1, edit)
            remove = named(QPushButton("Remove"), "suppliesRemove")
            remove.setEnabled(not (self.read_only or view.signed))
            remove.clicked.connect(lambda _=False, i=row.item_id: self._remove(i))
            self.table.setCellWidget(r, 4, remove)
        if view.signed:
            hint = f"Recorded from {view.source} when the note was signed."
        elif view.edited:
            hint = (f"Changed on this note; signing records these from {view.source}. "
                    "The Template column shows what the usage templates would use.")
        elif view.rows:
            hint = (f"From the usage templates for this note's services; signing records "
                    f"them from {view.source}. Change a quantity, add or remove an item.")
        else:
            hint = "No usage template applies to this note's services; add what you used."
        self.hint.setText(hint)
        short = [f"{row.name}: {fmt(row.on_hand)} {row.unit} at {view.source}"
                 for row in view.rows if row.short]
        self.warning.setText("Not enough on hand — " + "; ".join(short) +
                             " (signing still records the use)." if short and not view.signed
                             else "")
        keep = self.item.currentData()
        self.item.clear()
        for item_id, name, unit in view.choices:
            self.item.addItem(f"{name} ({unit})", str(item_id))
        if keep is not None:
            self.item.setCurrentIndex(max(self.item.findData(keep), 0))
        editable = not (self.read_only or view.signed)
        for w in (self.item, self.amount, self.unit, self.add_button):
            w.setEnabled(editable)
        self.reset_button.setVisible(editable and view.edited)

    # -- edits ----------------------------------------------------------------------------
    def _run(self, change: Any) -> None:
        def refused(error: BaseException) -> bool:
            if isinstance(error, ChartsideError):
                self.error.setText(str(error))
                self.refresh()  # back to what is stored
                return True
            return False

        def done(result: Any) -> None:
            self.error.clear()
            self.amount.clear()  # kept until stored: a refused entry stays to be corrected
            self._show(result.value)

        CommandOp(self, change).success(done).failure(refused).run()

    def _changed(self, item_id: uuid.UUID, edit: QLineEdit) -> None:
        from core.services import note_supplies

        note_id, text = self.note_id, edit.text().strip()
        current = next((r for r in (self.view.rows if self.view else ()) if r.item_id == item_id),
                       None)
        if note_id is None or current is None or text == fmt(current.quantity):
            return
        self._run(lambda chart: note_supplies.set_quantity(chart, note_id, item_id, text))

    def _remove(self, item_id: uuid.UUID) -> None:
        from core.services import note_supplies

        if (note_id := self.note_id) is not None:
            self._run(lambda chart: note_supplies.remove(chart, note_id, item_id))

    def _add(self) -> None:
        from core.services import note_supplies

        note_id, chosen = self.note_id, self.item.currentData()
        amount, unit = self.amount.text().strip(), self.unit.currentData()
        if note_id is None or chosen is None:
            return
        item_id = uuid.UUID(chosen)
        if not amount:
            self.error.setText("Type how much was used.")
            return
        self._run(lambda chart: note_supplies.set_quantity(chart, note_id, item_id, amount,
                                                           unit))

    def _reset(self) -> None:
        from core.services import note_supplies

        if (note_id := self.note_id) is not None:
            self._run(lambda chart: note_supplies.reset(chart, note_id))

    def clear(self) -> None:
        self.note_id, self.view = None, None
        self.table.setRowCount(0)
        self.item.clear()
        self.amount.clear()
        for w in (self.hint, self.warning, self.error):
            w.clear()
        self.hide()
