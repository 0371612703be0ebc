"""``InventoryPage``: supplies on hand (issue 20) — what the clinic and each car kit hold, what
runs low, days left at the last four weeks' pace — and the form that records a delivery, a use,
a count correction or a move, plus the reorder list as CSV.

Contract: reads and writes go through ``core.services.inventory`` on the database worker
(``QueryOp``/``CommandOp``); a refused entry (more than is there, a unit of another kind, a
count change without a reason) shows its message under the form and records nothing.
``low_count_changed(n)`` tells the workspace how many items are low (the nav badge). No PHI
here: supplies, places and counts only. GUI thread only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from core.domain.errors import ChartsideError
from core.domain.inventory import UNITS, fmt
from desktop.pages.base import Page
from desktop.widgets import label, named
from desktop.worker import CommandOp, QueryOp

BLURB = (
    "Supplies in the clinic and in each car kit, counted from every delivery, use and "
    "correction. Low items are at or below their reorder point; days left follow the last "
    "four weeks of use."
)
KINDS = (("receive", "Received"), ("use", "Used"), ("adjust", "Count correction"),
         ("move", "Moved to"))
COLUMNS = ("Item", "On hand", "Where", "Days left", "")


def _snapshot(chart: Any) -> dict[str, Any]:
    from core.services import inventory

    rows = inventory.stock(chart)
    places = inventory.by_location(chart)
    from core.domain.inventory import LocationKind

    with chart.uow() as uow:
        found = sorted(uow.inventory.locations(),
                       key=lambda loc: (loc.kind is not LocationKind.CLINIC, loc.name.lower()))
    locations = [loc.name for loc in found]
    return {"rows": rows, "places": places, "locations": locations or ["Clinic"]}


class InventoryPage(Page):
    low_count_changed = Signal(int)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__("inventoryPage", "Inventory", BLURB, parent)
        self.ctx = ctx
        self.table = named(QTableWidget(0, len(COLUMNS)), "inventoryTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for col, mode in enumerate((QHeaderView.ResizeMode.Stretch,
                                    QHeaderView.ResizeMode.ResizeToContents,
                                    QHeaderView.ResizeMode.Stretch,
                                    QHeaderView.ResizeMode.ResizeToContents)):
            header.setSectionResizeMode(col, mode)
        self.body.addWidget(self.table, 1)
        # -- the entry form -------------------------------------------------------------
        form = QFormLayout()
        self.kind = named(QComboBox(), "inventoryKind")
        for key, text in KINDS:
            self.kind.addItem(text, key)
        self.item = named(QComboBox(), "inventoryItem")
        self.item.setEditable(False)
        amount_row = QHBoxLayout()
        self.amount = named(QLineEdit(), "inventoryAmount")
        self.amount.setPlaceholderText("how much (a correction may be negative: -2)")
        self.unit = named(QComboBox(), "inventoryUnit")
        self.unit.addItem("item's unit", None)
        for unit in UNITS:
            self.unit.addItem(unit, unit)
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.unit)
        self.place = named(QComboBox(), "inventoryPlace")
        self.target = named(QComboBox(), "inventoryTarget")
        self.reason = named(QLineEdit(), "inventoryReason")
        self.reason.setPlaceholderText("reason (needed for a count correction)")
        form.addRow("What happened", self.kind)
        form.addRow("Item", self.item)
        form.addRow("Amount", amount_row)
        form.addRow("At", self.place)
        form.addRow("To", self.target)
        form.addRow("Reason", self.reason)
        self.body.addLayout(form)
        buttons = QHBoxLayout()
        self.record_button = named(QPushButton("Record"), "inventoryRecord")
        self.record_button.setProperty("role", "primary")
        self.record_button.clicked.connect(self.record)
        self.amount.returnPressed.connect(self.record)
        self.reorder_button = named(QPushButton("Reorder list (CSV)…"), "inventoryReorder")
        self.reorder_button.clicked.connect(self.export_reorder)
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)
        buttons.addWidget(self.reorder_button)
        self.body.addLayout(buttons)
        self.error = label("", "error", wrap=True, name="inventoryError")
        self.body.addWidget(self.error)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        self.snapshot: dict[str, Any] = {}
        bus = getattr(ctx, "bus", None)
        if bus is not None:
            bus.unlocked.connect(self.refresh_badge)  # the nav badge without opening the page

    def refresh_badge(self) -> None:
        def count(chart: Any) -> int:
            from core.services import inventory

            return len(inventory.low(chart))

        QueryOp(self, count).success(self.low_count_changed.emit).run()

    # -- Page -----------------------------------------------------------------------------
    def load(self) -> None:
        QueryOp(self, _snapshot).success(self._show).run()

    def clear_panel(self) -> None:
        self.table.setRowCount(0)
        self.item.clear()
        self.error.clear()
        self.snapshot = {}

    # -- internals ------------------------------------------------------------------------
    def _kind_changed(self, _index: int = 0) -> None:
        key = self.kind.currentData()
        self.target.setEnabled(key == "move")
        self.reason.setEnabled(key in ("use", "adjust"))

    def _show(self, snap: dict[str, Any]) -> None:
        self.snapshot = snap
        rows = snap["rows"]
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            where = ", ".join(f"{place} {fmt(counts[row.item.name])}"
                              for place, counts in snap["places"].items()
                              if row.item.name in counts)
            days = ("no recent use" if row.days_left is None
                    else "over a year" if row.days_left > 365 else f"~{row.days_left}")
            cells = (row.item.name, f"{fmt(row.on_hand)} {row.item.unit}", where, days,
                     "LOW" if row.low else "")
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if c == 4 and row.low:
                    cell.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, cell)
        keep = self.item.currentText()
        self.item.clear()
        for row in rows:
            self.item.addItem(row.item.name, str(row.item.id))
        if keep:
            self.item.setCurrentIndex(max(self.item.findText(keep), 0))
        for box in (self.place, self.target):
            current = box.currentText()
            box.clear()
            box.addItems(snap["locations"])
            if current:
                box.setCurrentIndex(max(box.findText(current), 0))
        self.low_count_changed.emit(sum(1 for row in rows if row.low))

    def record(self) -> None:
        from core.services import inventory

        key, item = self.kind.currentData(), self.item.currentData()
        if item is None:
            self.error.setText("Add a supply item first (chartside inventory add-item).")
            return
        amount, unit = self.amount.text().strip(), self.unit.currentData()
        place, target, reason = (self.place.currentText() or None, self.target.currentText(),
                                 self.reason.text())
        if not amount:
            self.error.setText("Type how much.")
            return

        def run(chart: Any) -> Any:
            if key == "receive":
                return inventory.receive(chart, item, amount, unit, location=place)
            if key == "use":
                return inventory.use(chart, item, amount, unit, location=place, reason=reason)
            if key == "adjust":
                return inventory.adjust(chart, item, amount, unit, reason=reason,
                                        location=place)
            return inventory.move(chart, item, amount, unit, source=place, to=target)

        def refused(error: BaseException) -> bool:
            if isinstance(error, ChartsideError):
                self.error.setText(str(error))
                return True
            return False

        CommandOp(self, run).success(self._recorded).failure(refused).run()

    def _recorded(self, _movement: Any) -> None:
        self.amount.clear()
        self.reason.clear()
        self.error.clear()
        self.load()

    def export_reorder(self, path: Path | None = None) -> None:
        from core.services import inventory

        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Save the reorder list",
                                                    "reorder.csv", "CSV (*.csv)")
            if not chosen:
                return
            path = Path(chosen)
        target = path

        def run(chart: Any) -> Any:
            from core.storage import files

            text = inventory.reorder_csv(chart)
            files.write_atomic(target, text.encode(), what="the reorder list")
            return text

        def refused(error: BaseException) -> bool:
            if isinstance(error, ChartsideError):
                self.error.setText(str(error))
                return True
            return False

        QueryOp(self, run).success(lambda _t: self.error.setText(f"Saved {target.name}.")
                                   ).failure(refused).run()
