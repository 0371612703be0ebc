"""Today's visits and booked appointments: the clinic day at a glance; a click opens the note
(or the chart); a click on a booked appointment starts its note (``appointment_chosen``).

Refreshes on unlock, on ``changes_applied`` touching visits or notes (coalesced) and when the
day changes (the clock is injectable). ``clear()`` empties it on lock.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from desktop.context import AppContext
from desktop.models.base import RowRole
from desktop.models.lists import TodayModel, fmt_date
from desktop.ops import patients as ops
from desktop.saving import make_timer
from desktop.widgets import heading, label, named


class TodayPanel(QWidget):
    note_chosen = Signal(uuid.UUID)
    patient_chosen = Signal(uuid.UUID)
    appointment_chosen = Signal(uuid.UUID)  # a booked appointment: start its note

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("todayPanel")
        self.ctx = ctx
        v = self._layout = QVBoxLayout(self)
        v.setContentsMargins(12, 6, 6, 12)
        self.title = heading("Today", 2)
        v.addWidget(self.title)
        self.model = TodayModel(self)
        self.table = named(QTableView(), "todayTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().hide()
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.clicked.connect(self._clicked)
        v.addWidget(self.table, 1)
        self.empty = label("", "hint")
        v.addWidget(self.empty)
        self._coalesce = make_timer(self, 400, single=True)
        self._coalesce.timeout.connect(self.refresh)
        ctx.bus.changes_applied.connect(self._on_changes)
        self._day: object = None
        self._midnight = make_timer(self, 60_000)  # a new clinic day after midnight
        self._midnight.timeout.connect(self._check_day)

    def _check_day(self) -> None:
        if self._day is not None and self.ctx.clock.today() != self._day:
            self.refresh()

    def refresh(self) -> None:
        day = self.ctx.clock.today()
        self._day = day
        self._midnight.start()
        self.title.setText(f"Today · {fmt_date(day)}")
        ops.todays_visits(self, day).success(self._show).run()

    def _show(self, rows: list[Any]) -> None:
        self.model.set_rows(rows)
        self.empty.setText("" if rows else "No visits recorded today yet.")
        self._fit(len(rows))

    def _fit(self, count: int) -> None:
        """As tall as the day's visits (up to eight, then it scrolls): the patient list above
        keeps the rest of the sidebar instead of an empty box taking it."""
        shown = min(count, 8)
        self.table.setVisible(count > 0)
        self.table.setFixedHeight(shown * self.table.verticalHeader().defaultSectionSize() + 4)
        self.setMaximumHeight(self._layout.sizeHint().height())

    def _on_changes(self, changes: Any) -> None:
        if changes.structural("note") or any(
                k in changes for k in ("visit", "appointment", "appointment_series")):
            self._coalesce.start()

    def _clicked(self, index: Any) -> None:
        row = index.data(RowRole)
        if row is None:
            return
        if row.appointment_id is not None:
            self.appointment_chosen.emit(row.appointment_id)
        elif row.note_id is not None:
            self.note_chosen.emit(row.note_id)
        else:
            self.patient_chosen.emit(row.patient_id)

    def clear(self) -> None:
        self._coalesce.stop()
        self._midnight.stop()
        self._day = None
        self.model.clear()
        self.empty.clear()
        self.setMaximumHeight(16_777_215)
