"""``ReportsView``: revenue, visits and units per visit for a year, as bar charts and tables,
each exportable as CSV.

Contract:
- ``refresh()`` loads the three reports for the chosen year through ``ops.report`` on the
  database worker; ``set_revenue`` / ``set_visits`` / ``set_units`` render values directly (for
  hosts and tests). Money is shown in dollars; nothing is computed here but display.
- Charts: revenue = accrual vs cash-basis revenue per month (grouped bars: the gap between the
  two is what a picture shows faster than the table); visits = completed / cancelled /
  no-show per month (stacked). Units per visit stays a table (one number per clinician reads
  better as a number).
- ``loaded()`` fires when the last of the three reports of a ``refresh()`` has arrived,
  ``failed()`` when one of them failed (the app's presenter shows the error).
- "Export CSV…" asks for a file (``choose_path`` is replaceable in tests) and runs
  ``ops.export_report`` for the visible tab; ``exported(path)`` fires when written.
- GUI thread only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.domain.books import round_cents
from core.services.reports import RevenueReport, UnitsReport, VisitsReport
from desktop.books import ops
from desktop.books.charts import BarChart, BarSeries
from desktop.books.supplies_report import SuppliesTab
from desktop.formats import count, show_day
from desktop.models.columns import Column, ColumnsModel, table_for

__all__ = ["ColumnsModel", "ReportsView", "table_for", "usd"]  # mileage reuses the helpers


def usd(cents: float | int | Decimal) -> str:
    """Cents → "$1,234.57", rounded half up like the exports (``core.domain.books``)."""
    value = round_cents(Decimal(str(cents))) / 100
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


REVENUE_COLUMNS: list[Column] = [
    ("Month", lambda m: m.month), ("Charges", lambda m: usd(m.charges_cents)),
    ("Package adj.", lambda m: usd(m.adjustments_cents)),
    ("Accrual revenue", lambda m: usd(m.accrual_cents)),
    ("Payments", lambda m: usd(m.payments_cents)),
    ("Package sales", lambda m: usd(m.package_sales_cents)),
    ("Refunds", lambda m: usd(m.refunds_cents)), ("Cash revenue", lambda m: usd(m.cash_cents)),
]
VISITS_COLUMNS: list[Column] = [
    ("Month", lambda r: r.month), ("Clinician", lambda r: r.clinician),
    ("Completed", lambda r: str(r.completed)), ("Cancelled", lambda r: str(r.cancelled)),
    ("No-show", lambda r: str(r.no_show)), ("Scheduled", lambda r: str(r.scheduled)),
    ("No-show rate", lambda r: pct(r.no_show_rate)),
    ("Cancellation rate", lambda r: pct(r.cancellation_rate)),
]
UNITS_COLUMNS: list[Column] = [
    ("Month", lambda r: r.month), ("Clinician", lambda r: r.clinician),
    ("Visits", lambda r: str(r.visits)), ("Units", lambda r: str(r.units)),
    ("Units / visit", lambda r: num(r.units_per_visit)),
    ("Timed min / unit", lambda r: num(r.minutes_per_timed_unit, 1)
     + (" (< 15)" if r.below_15_minutes else "")),
]


class _Tab(QWidget):
    def __init__(self, name: str, spec: Sequence[Column], chart: bool) -> None:
        super().__init__()
        self.setObjectName(f"{name}Report")
        self.chart = BarChart() if chart else None
        self.model = ColumnsModel(spec, self, numeric=range(2 if name != "revenue" else 1,
                                                             len(spec)))
        self.table = table_for(self.model, f"{name}Table")
        self.summary = QLabel("", wordWrap=True, objectName=f"{name}Summary")
        v = QVBoxLayout(self)
        if self.chart is not None:
            v.addWidget(self.chart, 2)
        v.addWidget(self.summary)
        v.addWidget(self.table, 3)


class ReportsView(QWidget):
    exported = Signal(object)  # Path
    loaded = Signal()
    failed = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportsView")
        self.ctx = ctx
        self.year = QSpinBox(objectName="reportYear", minimum=2000, maximum=2200)
        self.year.setValue(ctx.clock.today().year)
        self.year.setAccessibleName("Report year")
        refresh = self.refresh_button = QPushButton("Refresh", objectName="reportRefresh")
        refresh.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…", objectName="reportExport")
        self.export_button.clicked.connect(self._export_clicked)
        self.tabs = QTabWidget(objectName="reportTabs")
        self.revenue = _Tab("revenue", REVENUE_COLUMNS, chart=True)
        self.visits = _Tab("visits", VISITS_COLUMNS, chart=True)
        self.units = _Tab("units", UNITS_COLUMNS, chart=False)
        self.supplies = SuppliesTab(ctx)  # issue 20: its own CSV buttons
        for tab, title in ((self.revenue, "Revenue"), (self.visits, "Visits"),
                           (self.units, "Units per visit"), (self.supplies, "Supplies")):
            self.tabs.addTab(tab, title)
        top = QHBoxLayout()
        top.addWidget(QLabel("Year"))
        top.addWidget(self.year)
        top.addWidget(refresh)
        top.addStretch(1)
        top.addWidget(self.export_button)
        self.toolbar = top  # hosts may add a status before the stretch
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(top)
        v.addWidget(self.tabs, 1)
        self.choose_path: Callable[[str], Path | None] = self._ask_path

    def period(self) -> tuple[dt.date, dt.date]:
        y = self.year.value()
        return dt.date(y, 1, 1), dt.date(y, 12, 31)

    def refresh(self) -> None:
        start, end = self.period()

        def failed(_error: BaseException) -> bool:
            self.failed.emit()
            return False  # the app's presenter shows it

        # One worker runs ops in submission order: units arrives last.
        ops.report(self, "revenue", start, end).success(self.set_revenue).failure(failed).run()
        ops.report(self, "visits", start, end).success(self.set_visits).failure(failed).run()
        self.supplies.load(start, end)
        ops.report(self, "units", start, end).success(self.set_units).success(
            lambda _r: self.loaded.emit()).failure(failed).run()

    # -- rendering ------------------------------------------------------------------------------
    def set_revenue(self, rep: RevenueReport) -> None:
        months = [m.month[5:] for m in rep.months]
        assert self.revenue.chart is not None
        self.revenue.chart.set_data(
            f"Revenue {rep.date_from.year}: accrual vs cash", months,
            [BarSeries("Accrual (services delivered)",
                       tuple(m.accrual_cents / 100 for m in rep.months), "#2f6f7e"),
             BarSeries("Cash (money received)",
                       tuple(m.cash_cents / 100 for m in rep.months), "#d08c2f")],
            fmt=lambda v: f"${v:,.0f}")
        self.revenue.model.set_rows([*rep.months, rep.total])
        t = rep.total
        self.revenue.summary.setText(
            f"Charges {usd(t.charges_cents)}, accrual revenue {usd(t.accrual_cents)}, cash "
            f"received {usd(t.cash_cents)}. Outstanding at {show_day(rep.date_to)}: "
            f"{usd(rep.receivable_cents)}; credits held {usd(rep.credit_cents)}. "
            f"{count(rep.unbilled_visits, 'completed visit')} not billed yet (unsigned notes).")

    def set_visits(self, rep: VisitsReport) -> None:
        assert self.visits.chart is not None
        self.visits.chart.set_data(
            f"Visits {rep.date_from.year}", [m.month[5:] for m in rep.by_month],
            [BarSeries("Completed", tuple(float(m.completed) for m in rep.by_month), "#2f6f7e"),
             BarSeries("Cancelled", tuple(float(m.cancelled) for m in rep.by_month), "#9aa5b1"),
             BarSeries("No-show", tuple(float(m.no_show) for m in rep.by_month), "#b42318")],
            stacked=True, fmt=lambda v: f"{v:g}")
        self.visits.model.set_rows([*rep.by_month, *rep.by_clinician, rep.total])
        self.visits.summary.setText(
            f"{rep.total.completed} completed, {rep.total.cancelled} cancelled, "
            f"{rep.total.no_show} no-shows: no-show rate {pct(rep.total.no_show_rate)}.")

    def set_units(self, rep: UnitsReport) -> None:
        self.units.model.set_rows([*rep.by_clinician, *rep.by_month, rep.total])
        self.units.summary.setText(
            f"{rep.total.units} units over {rep.total.visits} signed visits: "
            f"{num(rep.total.units_per_visit)} per visit, "
            f"{num(rep.total.minutes_per_timed_unit, 1)} timed minutes per unit.")

    # -- export ---------------------------------------------------------------------------------
    def current_kind(self) -> str:
        return ("revenue", "visits", "units", "supplies")[self.tabs.currentIndex()]

    def _ask_path(self, kind: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, f"Export the {kind} report",
                                              f"{kind}-{self.year.value()}.csv", "CSV (*.csv)")
        return Path(name) if name else None

    def _export_clicked(self) -> None:
        kind = self.current_kind()
        path = self.choose_path(kind)
        if path is not None:
            self.export_to(kind, path)

    def export_to(self, kind: str, path: Path) -> None:
        if kind == "supplies":  # use per month, cost per visit, stock value
            self.supplies.export_to("usage", path)
            return
        start, end = self.period()
        ops.export_report(self, kind, path, start, end).success(
            lambda result: self.exported.emit(result.value.path)).run()

    def clear(self) -> None:
        self.supplies.clear()
        for tab in (self.revenue, self.visits, self.units):
            tab.model.clear()
            tab.summary.setText("")
            if tab.chart is not None:
                tab.chart.set_data("", [], [])
