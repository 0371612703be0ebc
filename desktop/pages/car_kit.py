"""``CarKitPanel``: the home-health car kit in the Schedule page's day view (issue 20) — what
each shown clinician's car kit holds and what the day's home visits are expected to use, with a
warning naming what will run short.

Contract: ``show_day(day, clinician_ids)`` reads ``core.services.car_kit.kits_for_day`` on the
database worker (``day`` None: a week or list view — the panel hides); hidden when no shown
clinician has a car kit. Read-only: restock with a move on the Inventory page. Supplies and
counts only: no PHI. GUI thread only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from core.domain.inventory import fmt
from desktop.widgets import label, named
from desktop.worker import QueryOp

COLUMNS = ("Car kit", "Item", "In the kit", "Today needs")


class CarKitPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("carKitPanel")
        self.kits: list[Any] = []
        self._asked: tuple[dt.date, tuple[uuid.UUID, ...]] | None = None
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.title = label("Car kit", "section", name="carKitTitle")
        self.table = named(QTableWidget(0, len(COLUMNS)), "carKitTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(160)
        self.warning = label("", "error", wrap=True, name="carKitShort")
        for w in (self.title, self.table, self.warning):
            v.addWidget(w)
        self.hide()

    def show_day(self, day: dt.date | None, clinician_ids: Sequence[uuid.UUID] = ()) -> None:
        from core.services import car_kit

        if day is None:
            self.clear()
            return
        who = tuple(clinician_ids)
        self._asked = (day, who)
        QueryOp(self, lambda chart: car_kit.kits_for_day(chart, day, who)
                ).success(lambda kits: self._show(day, who, kits)).run()

    def _show(self, day: dt.date, who: tuple[uuid.UUID, ...], kits: list[Any]) -> None:
        if self._asked != (day, who):
            return  # another day was asked for since
        self.kits = kits
        self.setVisible(bool(kits))
        rows = [(k, line) for k in kits for line in k.lines]
        self.table.setRowCount(len(rows))
        for r, (kit, line) in enumerate(rows):
            cells = (kit.location, line.name, f"{fmt(line.on_hand)} {line.unit}",
                     f"{fmt(line.expected)} {line.unit}" if line.expected else "—")
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        visits = sum(k.home_visits for k in kits)
        self.title.setText(f"Car kit · {visits} home visit{'s' if visits != 1 else ''} today")
        short = [f"{k.location}: {line.name} (needs {fmt(line.expected)}, holds "
                 f"{fmt(line.on_hand)} {line.unit})" for k in kits for line in k.short]
        self.warning.setText("Will run short — " + "; ".join(short) +
                             ". Restock it before leaving (Inventory: move from the clinic)."
                             if short else "")

    def clear(self) -> None:
        self._asked = None
        self.kits = []
        self.table.setRowCount(0)
        self.warning.clear()
        self.hide()
