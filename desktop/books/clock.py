"""``ClockWidget``: clock in / clock out for the current clinician, with today's and this
week's clinical vs administrative time.

Contract:
- Uses ``ctx.session.clinician_id``, ``ctx.clock`` and ``ctx.bus``. ``refresh()`` loads this
  week's ``TimeSheet`` (``ops.time_sheet``); ``set_sheet`` renders one directly.
- The kind box offers visit, documentation, travel and admin time. Visit time needs a visit:
  the host calls ``set_visit(visit_id, label)`` when a visit is open (None clears it); without
  one, "Visit" cannot be clocked.
- The button clocks in (``ops.clock_in``) or out (``ops.clock_out``) depending on the sheet's
  open entry; a refused action (a second clock-in, an overlap) shows the service's message.
  Clocking out in the minute of the clock-in stops the clock and records nothing (the status
  says so).
- The running entry's elapsed time ticks every 30 s (no database access per tick). Clock and
  note changes reload the sheet at most every 2 s while shown, else on the next show.
- Totals show a flag while the clinician has unsigned notes for the day or week: hours are
  counted, but the documentation is not finished.
- ``compact=True`` lays everything on one line for a status bar: today's totals stay visible,
  the week's go to the tooltip, a refused action shows in place of the totals.
- ``clear()`` (lock) also forgets the linked visit, whose label names the patient.
- GUI thread only.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.domain.books import ClockKind, TimeTotals
from core.domain.errors import ChartsideError
from core.services.clock import TimeSheet
from desktop.books import ops

KIND_LABELS = {ClockKind.VISIT: "Visit", ClockKind.DOCUMENTATION: "Documentation",
               ClockKind.TRAVEL: "Travel", ClockKind.ADMIN: "Admin"}
FLAG = "⚑"


def hours(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def totals_text(label: str, t: TimeTotals | None) -> str:
    if t is None:
        return f"{label}: nothing clocked"
    flag = (f"  {FLAG} {t.unsigned_notes} unsigned note{'s' if t.unsigned_notes != 1 else ''}"
            if t.flagged else "")
    return (f"{label}: clinical {hours(t.clinical_minutes)}, administrative "
            f"{hours(t.admin_minutes)} (total {hours(t.total_minutes)}){flag}")


class ClockWidget(QWidget):
    clocked = Signal(object)  # the ClockEntry that was opened or closed

    def __init__(self, ctx: Any, parent: QWidget | None = None, *, compact: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("clockWidget")
        self.setProperty("compact", compact)
        self.ctx = ctx
        self.compact = compact
        self.sheet: TimeSheet | None = None
        self.visit_id: uuid.UUID | None = None
        self._discarded = False  # the last clock-out came in the minute of its clock-in
        self.kind = QComboBox(objectName="clockKind")
        for kind, text in KIND_LABELS.items():
            self.kind.addItem(text, kind.value)
        self.kind.setCurrentIndex(1)
        self.kind.setAccessibleName("Kind of time")
        self.button = QPushButton("Clock in", objectName="clockButton")
        self.button.clicked.connect(self.toggle)
        self.status = QLabel("Not clocked in.", objectName="clockStatus")
        self.today = QLabel("", objectName="clockToday")
        self.week = QLabel("", objectName="clockWeek")
        self.error = QLabel("", objectName="clockError", wordWrap=True)
        self.error.setProperty("role", "error")
        row = QHBoxLayout()
        row.addWidget(self.kind)
        row.addWidget(self.button)
        row.addWidget(self.status, 0 if compact else 1)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(row)
        if compact:
            row.setContentsMargins(6, 0, 6, 0)
            self.button.setProperty("role", "small")
            for lab in (self.today, self.error):
                lab.setProperty("role", lab.property("role") or "muted")
                row.addWidget(lab)
            self.error.setWordWrap(False)
            self.week.hide()
        else:
            v.addWidget(self.today)
            v.addWidget(self.week)
            v.addWidget(self.error)
        self._tick = QTimer(self, interval=30_000)
        self._tick.timeout.connect(self._show_running)
        self._stale = False  # notes save as typed: reload at most every 2 s, only when shown
        self._reload = QTimer(self, singleShot=True, interval=2000)
        self._reload.timeout.connect(self.refresh)
        ctx.bus.changes_applied.connect(self._on_changes)

    # -- data -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._stale = False
        who = self.ctx.session.clinician_id
        if who is None:
            self.status.setText("Choose who you are before clocking in.")
            self.button.setEnabled(False)
            return
        ops.time_sheet(self, who, self.ctx.clock.today(), self.ctx.clock.now()).success(
            self.set_sheet).run()

    def set_sheet(self, sheet: TimeSheet) -> None:
        self.sheet = sheet
        today = self.ctx.clock.today()
        self.today.setText(totals_text("Today", sheet.day(today)))
        self.week.setText(totals_text("This week", sheet.week(today)))
        if self.compact:
            self.today.setToolTip(self.week.text())
        self.button.setEnabled(True)
        running = sheet.open_entry
        self.button.setText("Clock out" if running else "Clock in")
        self.kind.setEnabled(running is None)
        if running is not None:
            self._tick.start()
        else:
            self._tick.stop()
        self._show_running()

    def _show_running(self) -> None:
        running = self.sheet.open_entry if self.sheet else None
        if running is None:
            self.status.setText("Not clocked in." + (
                " Under a minute: nothing was recorded." if self._discarded else ""))
            return
        now = self.ctx.clock.now().replace(tzinfo=None)
        minutes = max(0, int((now - running.started_at).total_seconds() // 60))
        self.status.setText(f"{KIND_LABELS[running.kind]} since "
                            f"{running.started_at:%H:%M} ({hours(minutes)})")

    def _on_changes(self, changes: Any) -> None:
        if "clock" in changes or changes.structural("note"):
            self._stale = True
            if self.isVisible() and not self._reload.isActive():
                self._reload.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._reload.start()

    def set_visit(self, visit_id: uuid.UUID | None, label: str = "") -> None:
        self.visit_id = visit_id
        self.kind.setItemText(0, f"Visit ({label})" if visit_id and label else "Visit")

    # -- actions --------------------------------------------------------------------------------
    def toggle(self) -> None:
        who = self.ctx.session.clinician_id
        if who is None:
            return
        self.error.setText("")
        self._discarded = False
        running = self.sheet.open_entry if self.sheet else None
        if running is not None:
            op = ops.clock_out(self, who, self.ctx.clock.now())
        else:
            kind = str(self.kind.currentData())
            visit = self.visit_id if kind in (ClockKind.VISIT, ClockKind.DOCUMENTATION) else None
            if kind == ClockKind.VISIT and visit is None:
                self.error.setText("Open the visit first: visit time is clocked against it.")
                return
            op = ops.clock_in(self, who, kind, visit, self.ctx.clock.now())
        op.success(self._done).failure(self._refused).run()

    def _done(self, result: Any) -> None:
        entry = result.value
        self._discarded = entry.ended_at is not None and entry.ended_at == entry.started_at
        self.clocked.emit(entry)
        self.refresh()

    def _refused(self, error: BaseException) -> bool:
        if isinstance(error, ChartsideError):
            self.error.setText(str(error))
            self.refresh()
            return True
        return False

    def clear(self) -> None:
        self._tick.stop()
        self._reload.stop()
        self.sheet = None
        self.set_visit(None)
        for lab in (self.status, self.today, self.week, self.error):
            lab.setText("")
            lab.setToolTip("")

