"""The Reports page's "Supplies" tab (issue 20): use per month per item, the supplies cost per
visit held, the stock's value at a chosen date, and the reorder list — as CSV, the reorder
list also as a printable PDF.

Contract: ``load(start, end)`` reads ``core.services.inventory.report`` (use and cost per visit
over the report's year), ``stock_value`` at the "Value at" date and ``reorder_lines`` (today)
on the database worker, in one ``QueryOp``; changing the date reloads. "Use (CSV)…" and
"Reorder list (CSV)…" write the file privately and atomically (``choose_path`` is replaceable
in tests); ``exported(path)`` fires when written. Supplies, counts and money only: no PHI.
GUI thread only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from core.domain.inventory import fmt
from desktop.formats import show_day
from desktop.models.columns import Column, ColumnsModel, table_for
from desktop.widgets import label, named
from desktop.worker import QueryOp


def _usd(cents: int) -> str:
    return f"${cents / 100:,.2f}"


USAGE_COLUMNS: list[Column] = [
    ("Month", lambda r: r[0]), ("Item", lambda r: r[1]),
    ("Used", lambda r: fmt(r[3])), ("Unit", lambda r: r[2]),
]
REORDER_COLUMNS: list[Column] = [
    ("Item", lambda r: r.item.name), ("On hand", lambda r: f"{fmt(r.on_hand)} {r.item.unit}"),
    ("Reorder at", lambda r: fmt(r.item.reorder_point)), ("Order", lambda r: fmt(r.order)),
    ("Cost", lambda r: _usd(r.cost_cents)),
]


def _read(chart: Any, start: dt.date, end: dt.date, at: dt.date) -> dict[str, Any]:
    from core.services import inventory

    return {"report": inventory.report(chart, start, end),
            "value": inventory.stock_value(chart, at), "at": at,
            "reorder": inventory.reorder_lines(chart)}


class SuppliesTab(QWidget):
    exported = Signal(object)  # Path
    loaded = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suppliesReport")
        self.ctx = ctx
        self.period: tuple[dt.date, dt.date] | None = None
        self.data: dict[str, Any] = {}
        self.value_at = named(QDateEdit(), "suppliesValueAt")
        self.value_at.setCalendarPopup(True)
        self.value_at.setDisplayFormat("yyyy-MM-dd")
        self.value_at.setAccessibleName("Stock value at")
        self.value_at.setDate(QDate(ctx.clock.today()))
        self.value_at.dateChanged.connect(lambda _d: self.reload())
        self.usage_button = named(QPushButton("Use (CSV)…"), "suppliesUsageCsv")
        self.usage_button.clicked.connect(lambda: self._export("usage"))
        self.reorder_button = named(QPushButton("Reorder list (CSV)…"),
                                    "suppliesReorderCsv")
        self.reorder_button.clicked.connect(lambda: self._export("reorder"))
        self.print_button = named(QPushButton("Reorder list (PDF)…"), "suppliesReorderPdf")
        self.print_button.setToolTip("A printable reorder list")
        self.print_button.clicked.connect(lambda: self._export("reorder-pdf"))
        self.summary = label("", wrap=True, name="suppliesSummary")
        self.message = label("", wrap=True, name="suppliesMessage")
        self.usage = ColumnsModel(USAGE_COLUMNS, self, numeric=(2,))
        self.reorder = ColumnsModel(REORDER_COLUMNS, self, numeric=(1, 2, 3, 4))
        top = QHBoxLayout()
        top.addWidget(QLabel("Stock value at"))
        top.addWidget(self.value_at)
        top.addStretch(1)
        top.addWidget(self.usage_button)
        top.addWidget(self.reorder_button)
        top.addWidget(self.print_button)
        v = QVBoxLayout(self)
        v.addLayout(top)
        v.addWidget(self.summary)
        v.addWidget(QLabel("Use per month"))
        v.addWidget(table_for(self.usage, "suppliesUsageTable", stretch=1), 3)
        v.addWidget(QLabel("Reorder list (low items, today)"))
        v.addWidget(table_for(self.reorder, "suppliesReorderTable", stretch=0), 2)
        v.addWidget(self.message)
        self.choose_path: Callable[[str], Path | None] = self._ask_path

    def load(self, start: dt.date, end: dt.date) -> None:
        """The report's period; the stock value defaults to its end (today at the latest)."""
        if self.period is None or self.period != (start, end):
            self.value_at.blockSignals(True)
            self.value_at.setDate(QDate(min(end, self.ctx.clock.today())))
            self.value_at.blockSignals(False)
        self.period = (start, end)
        self.reload()

    def reload(self) -> None:
        if self.period is None:
            return
        d = self.value_at.date()
        (start, end), at = self.period, dt.date(d.year(), d.month(), d.day())
        QueryOp(self, lambda chart: _read(chart, start, end, at)).success(self.show_data).run()

    def show_data(self, data: dict[str, Any]) -> None:
        self.data = data
        rep = data["report"]
        self.usage.set_rows(rep.usage)
        self.reorder.set_rows(data["reorder"])
        per_visit = ("no visits held" if rep.cost_per_visit_cents is None
                     else f"{_usd(rep.cost_per_visit_cents)} per visit over {rep.visits} "
                          "visits held")
        self.summary.setText(
            f"Supplies used {show_day(rep.date_from)} to {show_day(rep.date_to)}: "
            f"{per_visit}. Stock value at {show_day(data['at'])}: {_usd(data['value'])}. "
            f"{len(data['reorder'])} item{'s' if len(data['reorder']) != 1 else ''} to reorder.")
        self.loaded.emit()

    # -- export ---------------------------------------------------------------------------------
    def _ask_path(self, kind: str) -> Path | None:
        if kind == "reorder-pdf":
            name, _ = QFileDialog.getSaveFileName(self, "Save the reorder list",
                                                  "reorder-list.pdf", "PDF (*.pdf)")
        else:
            name, _ = QFileDialog.getSaveFileName(self, "Save as CSV", f"supplies-{kind}.csv",
                                                  "CSV (*.csv)")
        return Path(name) if name else None

    def _export(self, kind: str) -> None:
        path = self.choose_path(kind)
        if path is not None:
            self.export_to(kind, path)

    def export_to(self, kind: str, path: Path) -> None:
        from core.services import inventory
        from core.storage import files

        if self.period is None:
            return
        start, end = self.period

        def run(chart: Any) -> Path:
            if kind == "reorder-pdf":
                data = inventory.reorder_pdf(chart)
            elif kind == "reorder":
                data = inventory.reorder_csv(chart).encode()
            else:
                data = inventory.usage_csv(inventory.report(chart, start, end)).encode()
            files.write_atomic(path, data, what="the supplies report")
            return path

        def refused(error: BaseException) -> bool:
            if isinstance(error, ChartsideError):
                self.message.setText(str(error))
                return True
            return False

        QueryOp(self, run).success(self._exported).failure(refused).run()

    def _exported(self, path: Path) -> None:
        self.message.setText(f"Saved {path.name}.")
        self.exported.emit(path)

    def clear(self) -> None:
        self.period, self.data = None, {}
        self.usage.clear()
        self.reorder.clear()
        self.summary.setText("")
        self.message.setText("")
