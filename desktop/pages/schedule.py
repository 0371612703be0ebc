"""``SchedulePage``: a clinician's day (issue 19) — the appointments of one day (recurring ones
included), moving day by day, booking (once or weekly), arrived / cancel / no-show with a
reason, and "Start note", which opens the visit's draft note in the editor.

Contract: reads and writes go through ``core.services.schedule`` on the database worker; a clash,
blocked time or a time outside working hours shows its message under the form and books nothing;
``note_started(note_id)`` asks the workspace to open the note. Names appear on this screen only
(never in the calendar feed). GUI thread only.

Limits: a list per day, not yet a week grid with drag to move and resize.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from core.domain.errors import ChartsideError
from core.domain.schedule import SERVICES, AppointmentStatus
from desktop.fields import DateField, TimeField
from desktop.formats import show_date
from desktop.pages.base import Page
from desktop.widgets import label, named
from desktop.worker import CommandOp, QueryOp

BLURB = ("The day's appointments, recurring ones included. Book, mark arrived, cancelled or "
         "no-show, and start the visit's note from its appointment.")
COLUMNS = ("Time", "Patient", "Service", "Clinician", "Status")
PLACES = {"11": "office", "12": "home", "02": "telehealth", "10": "telehealth"}


class SchedulePage(Page):
    note_started = Signal(object)  # note id

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__("schedulePage", "Schedule", BLURB, parent)
        self.ctx = ctx
        self.day = ctx.clock.today() if hasattr(ctx, "clock") else dt.date.today()
        bar = QHBoxLayout()
        self.prev = named(QPushButton("◀"), "schedulePrev")
        self.next = named(QPushButton("▶"), "scheduleNext")
        self.today_button = named(QPushButton("Today"), "scheduleToday")
        self.title_label = label("", "section", name="scheduleDay")
        for w in (self.prev, self.today_button, self.next, self.title_label):
            bar.addWidget(w)
        bar.addStretch(1)
        self.body.addLayout(bar)
        self.prev.clicked.connect(lambda: self.go(self.day - dt.timedelta(days=1)))
        self.next.clicked.connect(lambda: self.go(self.day + dt.timedelta(days=1)))
        self.today_button.clicked.connect(lambda: self.go(self.ctx.clock.today()))
        self.table = named(QTableWidget(0, len(COLUMNS)), "scheduleTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _i: self.start_note())
        self.body.addWidget(self.table, 1)
        acts = QHBoxLayout()
        self.start_button = named(QPushButton("Start note"), "scheduleStartNote")
        self.start_button.setProperty("role", "primary")
        self.arrived_button = named(QPushButton("Arrived"), "scheduleArrived")
        self.cancel_button = named(QPushButton("Cancel"), "scheduleCancel")
        self.no_show_button = named(QPushButton("No-show"), "scheduleNoShow")
        self.reason = named(QLineEdit(), "scheduleReason")
        self.reason.setPlaceholderText("reason (for a cancel or no-show)")
        for w in (self.start_button, self.arrived_button, self.cancel_button,
                  self.no_show_button):
            acts.addWidget(w)
        acts.addWidget(self.reason, 1)
        self.body.addLayout(acts)
        self.start_button.clicked.connect(self.start_note)
        self.arrived_button.clicked.connect(lambda: self.mark(AppointmentStatus.ARRIVED))
        self.cancel_button.clicked.connect(lambda: self.mark(AppointmentStatus.CANCELLED))
        self.no_show_button.clicked.connect(lambda: self.mark(AppointmentStatus.NO_SHOW))
        # -- booking ------------------------------------------------------------------------
        book = QHBoxLayout()
        self.patient = named(QComboBox(), "schedulePatient")
        self.patient.setMinimumWidth(200)
        self.when = DateField("scheduleDate", today=lambda: self.ctx.clock.today())
        self.at = TimeField("scheduleTime")
        self.service = named(QComboBox(), "scheduleService")
        for key, kind in SERVICES.items():
            self.service.addItem(f"{kind.label} ({kind.minutes} min)", key)
        self.service.setCurrentIndex(max(self.service.findData("daily"), 0))
        self.weeks = named(QSpinBox(), "scheduleWeeks")
        self.weeks.setRange(1, 52)
        self.weeks.setPrefix("weekly × ")
        self.weeks.setSpecialValueText("once")
        self.weeks.setToolTip("1 = once; more = the same weekday and time every week")
        self.book_button = named(QPushButton("Book"), "scheduleBook")
        self.book_button.clicked.connect(self.book)
        parts: tuple[QWidget, ...] = (label("Book", "section"), self.patient, self.when, self.at,
                                      self.service, self.weeks, self.book_button)
        for part in parts:
            book.addWidget(part)
        book.addStretch(1)
        self.body.addLayout(book)
        self.error = label("", "error", wrap=True, name="scheduleError")
        self.body.addWidget(self.error)
        self.rows: list[Any] = []

    # -- Page -----------------------------------------------------------------------------
    def load(self) -> None:
        self.go(self.day)
        QueryOp(self, _patients).success(self._fill_patients).run()

    def clear_panel(self) -> None:
        self.table.setRowCount(0)
        self.patient.clear()
        self.error.clear()
        self.rows = []

    # -- day ------------------------------------------------------------------------------
    def go(self, day: dt.date) -> None:
        from core.services import schedule

        self.day = day
        self.title_label.setText(f"{day:%A}, {show_date(day)}")
        self.when.set_value(day)
        QueryOp(self, lambda chart: schedule.day_rows(chart, day)).success(self._show).run()

    def _show(self, rows: list[Any]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            a = row.appointment
            service = SERVICES.get(a.service)
            where = PLACES.get(a.place.value, "")
            cells = (f"{a.start:%H:%M}–{a.end:%H:%M}", row.patient_name,
                     f"{service.label if service else a.service} ({where})",
                     row.clinician_name,
                     a.status.value.replace("_", " ") + (" · note" if a.visit_id else ""))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def selected(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()].appointment if rows else None

    def _refused(self, error: BaseException) -> bool:
        if isinstance(error, ChartsideError):
            self.error.setText(str(error))
            return True
        return False

    def mark(self, status: AppointmentStatus) -> None:
        from core.services import schedule

        appt = self.selected()
        if appt is None:
            self.error.setText("Choose an appointment first.")
            return
        reason = self.reason.text()

        def done(change: Any) -> None:
            self.reason.clear()
            message = ""
            if change.fee_cents:
                message = f"The practice's fee: ${change.fee_cents / 100:,.2f}. "
            if change.offers:
                message += f"{len(change.offers)} patient(s) on the waitlist could take the slot."
            self.error.setText(message)
            self.go(self.day)

        CommandOp(self, lambda chart: schedule.set_status(chart, appt.id, status, reason)
                  ).success(done).failure(self._refused).run()

    def start_note(self) -> None:
        from core.services import schedule

        appt = self.selected()
        if appt is None:
            self.error.setText("Choose an appointment first.")
            return
        today = self.ctx.clock.today()

        def opened(note_id: uuid.UUID) -> None:
            self.error.clear()
            self.go(self.day)
            self.note_started.emit(note_id)

        CommandOp(self, lambda chart: schedule.start_note(chart, appt.id, today=today)
                  ).success(opened).failure(self._refused).run()

    # -- booking --------------------------------------------------------------------------
    def _fill_patients(self, rows: list[Any]) -> None:
        self.patient.clear()
        for p in rows:
            self.patient.addItem(f"{p.last_name}, {p.first_name} ({show_date(p.date_of_birth)})",
                                 p.id)

    def book(self) -> None:
        from core.services import schedule

        patient, day, at = self.patient.currentData(), self.when.value(), self.at.value()
        clinician = getattr(self.ctx.session, "clinician_id", None)
        if patient is None or day is None or at is None:
            self.error.setText("Choose the patient, the day and the time.")
            return
        if clinician is None:
            self.error.setText("Choose who you are (Chart ▸ Clinician) before booking.")
            return
        service, weeks = self.service.currentData(), self.weeks.value()
        start = dt.datetime.combine(day, at)
        repeat = f"FREQ=WEEKLY;COUNT={weeks}" if weeks > 1 else None

        def booked(_b: Any) -> None:
            self.error.clear()
            self.go(day)

        CommandOp(self, lambda chart: schedule.book(chart, patient, clinician, start,
                                                    service=service, repeat=repeat)
                  ).success(booked).failure(self._refused).run()


def _patients(chart: Any) -> list[Any]:
    from core.services import patients

    return patients.search_patients(chart, "", limit=500, active_only=True)
