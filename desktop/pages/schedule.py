"""``SchedulePage``: the schedule (issue 19) — a day or a week as a time grid
(``desktop.schedule_grid``) for one clinician or up to four side by side, or as a list; moving
day by day or week by week; booking (once or weekly, from the form or with N on a slot);
arrived / cancel / no-show with a reason; "Start note", which opens the visit's draft note in the
editor; drag (or Alt+arrows) to move and resize with undo (Ctrl+Z / Ctrl+Shift+Z); the
waitlist offered when a slot frees up, working hours and blocked time
(``desktop.pages.schedule_side``); the plan of care's frequency against what is booked.

Contract: reads and writes go through ``core.services.schedule``, ``schedule_moves`` and
``schedule_view`` on the database worker; a clash, blocked time or a time outside working hours
shows its message under the form and changes nothing; ``note_started(note_id)`` asks the
workspace to open the note. Moving an occurrence of a series asks "only this one" or "this and
following" (``ask_scope``); cancelling from the grid asks for the reason (``ask_reason``) — both
replaceable for tests. Names appear on this screen only (never in the calendar feed). GUI
thread only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from core.domain.billing import format_cents
from core.domain.errors import ChartsideError
from core.domain.schedule import SERVICES, AppointmentStatus, WaitlistEntry
from desktop.fields import DateField, TimeField
from desktop.formats import show_date
from desktop.pages.base import Page
from desktop.pages.car_kit import CarKitPanel
from desktop.pages.schedule_side import ScheduleSide
from desktop.saving import make_timer
from desktop.schedule_grid import ScheduleGrid, describe
from desktop.widgets import label, named
from desktop.worker import CommandOp, QueryOp

BLURB = ("The day or week of one clinician or a few side by side. Drag to move or resize "
         "(Ctrl+Z undoes), book, mark arrived, cancelled or no-show, and start the visit's note "
         "from its appointment.")
COLUMNS = ("Time", "Patient", "Service", "Clinician", "Status")
PLACES = {"11": "office", "12": "home", "02": "telehealth", "10": "telehealth"}
VIEWS = (("day", "Day"), ("week", "Week"), ("list", "List"))
EVERYONE = "everyone"
RECORDS = ("appointment", "appointment_series", "working_hours", "schedule_block",
           "waitlist_entry", "clinician", "episode")  # what the grid and its panel show


class MoveCommand(QUndoCommand):
    """One move on the page's undo stack. The move already happened when it is pushed (the
    service agreed); undo restores through the service, redo moves again."""

    def __init__(self, page: SchedulePage, args: dict[str, Any], moved: Any, text: str) -> None:
        super().__init__(text)
        self.page, self.args, self.moved, self.fresh = page, args, moved, True

    def redo(self) -> None:
        if self.fresh:
            self.fresh = False
            return
        self.page._redo_move(self)

    def undo(self) -> None:
        self.page._undo_move(self)


class SchedulePage(Page):
    note_started = Signal(object)  # note id

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__("schedulePage", "Schedule", BLURB, parent)
        self.ctx = ctx
        self.day = ctx.clock.today() if hasattr(ctx, "clock") else dt.date.today()
        self.undo_stack = QUndoStack(self)
        bar = QHBoxLayout()
        self.prev = named(QPushButton("◀"), "schedulePrev")
        self.prev.setAccessibleName("Previous day or week")
        self.next = named(QPushButton("▶"), "scheduleNext")
        self.next.setAccessibleName("Next day or week")
        self.today_button = named(QPushButton("Today"), "scheduleToday")
        self.title_label = label("", "section", name="scheduleDay")
        self.view = named(QComboBox(), "scheduleView")
        self.view.setAccessibleName("Show as")
        for key, text in VIEWS:
            self.view.addItem(text, key)
        self.who = named(QComboBox(), "scheduleClinicians")
        self.who.setAccessibleName("Whose schedule")
        self.who.addItem("Everyone side by side (up to 4)", EVERYONE)
        self.undo_button = named(QPushButton("Undo"), "scheduleUndo")
        self.redo_button = named(QPushButton("Redo"), "scheduleRedo")
        for w in (self.prev, self.today_button, self.next, self.title_label):
            bar.addWidget(w)
        bar.addStretch(1)
        right: tuple[QWidget, ...] = (self.undo_button, self.redo_button, self.view, self.who)
        for part in right:
            bar.addWidget(part)
        self.body.addLayout(bar)
        self.prev.clicked.connect(lambda: self.go(self.day - self._step()))
        self.next.clicked.connect(lambda: self.go(self.day + self._step()))
        self.today_button.clicked.connect(lambda: self.go(self.ctx.clock.today()))
        self.view.currentIndexChanged.connect(lambda _i: self._view_changed())
        self.who.currentIndexChanged.connect(lambda _i: self.go(self.day) if self.loaded_once
                                             else None)
        self._undo_actions()
        # -- grid and list ------------------------------------------------------------------
        self.grid = ScheduleGrid()
        self.grid_scroll = named(QScrollArea(), "scheduleScroll")
        self.grid_scroll.setWidgetResizable(True)
        self.grid_scroll.setWidget(self.grid)
        self.grid.reveal.connect(lambda r: self.grid_scroll.ensureVisible(
            r.center().x(), r.center().y(), r.width() // 2 + 8, r.height() + 8))
        self.grid.move_requested.connect(self.move_appointment)
        self.grid.open_requested.connect(lambda a: self.start_note(a))
        self.grid.book_requested.connect(self.book_at)
        self.grid.cancel_requested.connect(self.cancel_from_grid)
        self.grid.selection_changed.connect(self._grid_selected)
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
        self.table.itemSelectionChanged.connect(self._table_selected)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid_scroll)
        self.stack.addWidget(self.table)
        self.side = ScheduleSide()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.stack)
        split.addWidget(self.side)
        split.setStretchFactor(0, 1)
        split.setSizes([900, 320])
        self.body.addWidget(split, 1)
        self.car_kit = CarKitPanel()  # issue 20: the day's home visits against the car kit
        self.body.addWidget(self.car_kit)
        self.side.book_offer.connect(self.book_offer)
        self.side.add_waiting.connect(self.add_waiting)
        self.side.remove_waiting.connect(self.remove_waiting)
        self.side.save_hours.connect(self.save_hours)
        self.side.block.connect(self.block_time)
        self.side.save_policy.connect(self.save_policy)
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
        self.start_button.clicked.connect(lambda: self.start_note())
        self.arrived_button.clicked.connect(lambda: self.mark(AppointmentStatus.ARRIVED))
        self.cancel_button.clicked.connect(lambda: self.mark(AppointmentStatus.CANCELLED))
        self.no_show_button.clicked.connect(lambda: self.mark(AppointmentStatus.NO_SHOW))
        # -- booking ------------------------------------------------------------------------
        book = QHBoxLayout()
        self.patient = named(QComboBox(), "schedulePatient")
        self.patient.setMinimumWidth(200)
        self.patient.setAccessibleName("Patient to book")
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
        self.book_button.clicked.connect(lambda: self.book())
        parts: tuple[QWidget, ...] = (label("Book", "section"), self.patient, self.when, self.at,
                                      self.service, self.weeks, self.book_button)
        for part in parts:
            book.addWidget(part)
        book.addStretch(1)
        self.body.addLayout(book)
        self.error = label("", "error", wrap=True, name="scheduleError")
        self.body.addWidget(self.error)
        self.info = label("", "hint", wrap=True, name="scheduleInfo")  # fees, offers, counts
        self.body.addWidget(self.info)
        self.rows: list[Any] = []
        self.data: Any = None
        self._freed: tuple[uuid.UUID, dt.datetime, int] | None = None
        self.ask_scope = self._ask_scope
        self.ask_reason = self._ask_reason
        # changes from elsewhere (the Today list, a sync pull, a booking request accepted):
        # read the shown days again, once for a burst
        self._coalesce = make_timer(self, 400, single=True)
        self._coalesce.timeout.connect(lambda: self.go(self.day) if self.loaded_once else None)
        if hasattr(ctx, "bus"):
            ctx.bus.changes_applied.connect(self._on_changes)

    def _on_changes(self, changes: Any) -> None:
        if any(kind in changes for kind in RECORDS):
            self._coalesce.start()

    def _undo_actions(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        undo = QAction("Undo the last move", self)
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = QAction("Redo the move", self)
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (undo, redo):
            action.setShortcutContext(context)
            self.addAction(action)
        undo.triggered.connect(self.undo_stack.undo)
        redo.triggered.connect(self.undo_stack.redo)
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_stack.undoTextChanged.connect(
            lambda t: self.undo_button.setToolTip(f"Undo: {t}" if t else ""))
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)

    # -- Page -----------------------------------------------------------------------------
    def load(self) -> None:
        from core.services import schedule_view

        QueryOp(self, _people).success(self._fill_people).run()
        QueryOp(self, schedule_view.policy).success(self.side.show_policy).run()

    def clear_panel(self) -> None:
        self.car_kit.clear()
        self.table.setRowCount(0)
        self.patient.clear()
        while self.who.count() > 1:
            self.who.removeItem(1)
        self.error.clear()
        self.info.clear()
        self.rows, self.data = [], None
        self.undo_stack.clear()
        self.side.show_offers((), None)
        self.side.show_waitlist(())

    # -- days -----------------------------------------------------------------------------
    def mode(self) -> str:
        return str(self.view.currentData())

    def _step(self) -> dt.timedelta:
        return dt.timedelta(days=7 if self.mode() == "week" else 1)

    def _view_changed(self) -> None:
        self.stack.setCurrentIndex(1 if self.mode() == "list" else 0)
        if self.loaded_once:
            self.go(self.day)

    def _range(self) -> tuple[dt.date, int]:
        if self.mode() == "week":
            return self.day - dt.timedelta(days=self.day.weekday()), 7
        return self.day, 1

    def _clinicians(self) -> list[uuid.UUID]:
        chosen = self.who.currentData()
        return [] if chosen in (None, EVERYONE) else [chosen]

    def go(self, day: dt.date) -> None:
        from core.services import schedule_view

        self.day = day
        first, days = self._range()
        if days == 1:
            self.title_label.setText(f"{day:%A}, {show_date(day)}")
        else:
            last = first + dt.timedelta(days=days - 1)
            self.title_label.setText(f"Week of {show_date(first)} – {show_date(last)}")
        self.when.set_value(day)
        self.side.block_day.set_value(day)
        who = self._clinicians()
        self.grid.today = self.ctx.clock.today()
        QueryOp(self, lambda chart: schedule_view.grid(chart, first, days, who)
                ).success(self._show).run()
        self.car_kit.show_day(day if days == 1 else None, who)
        QueryOp(self, schedule_view.waitlist_rows).success(self.side.show_waitlist).run()

    def _show(self, data: Any) -> None:
        if data.days == 7 and not _weekend_used(data):  # a work week: no empty Sat/Sun columns
            data = replace(data, days=5)
        self.data = data
        keep = self.grid.selected
        self.grid.set_data(data)
        if keep is not None:
            self.grid.select(keep)
        self.rows = sorted(data.items, key=lambda i: (i.appointment.start,
                                                      str(i.appointment.clinician_id)))
        names = {c.id: c.name for c in data.clinicians}
        week = data.days > 1
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            a = row.appointment
            service = SERVICES.get(a.service)
            where = PLACES.get(a.place.value, "")
            when = f"{a.start:%H:%M}–{a.end:%H:%M}"
            cells = (f"{a.start:%a} {a.start.day} {when}" if week else when, row.patient_name,
                     f"{service.label if service else a.service} ({where})",
                     names.get(a.clinician_id, ""),
                     a.status.value.replace("_", " ") + (" · note" if a.visit_id else ""))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.blockSignals(False)
        who = self._hours_clinician()
        shown = next((x for x in data.clinicians if x.id == who), None)
        self.side.show_hours_of(shown.name if shown else "", shown.hours if shown else None)
        item = self.grid.selected_item()
        self._grid_selected(item.appointment if item else None)

    def _table_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.grid.select(self.rows[rows[0].row()].appointment.id)

    def _grid_selected(self, appt: Any) -> None:
        from core.services import schedule_view

        item = self.grid.selected_item()
        if appt is None or item is None:
            self.side.detail.setText(self.grid.accessibleDescription())
            self.side.plan.clear()
            return
        self.side.detail.setText(describe(item))
        row = next((i for i, r in enumerate(self.rows) if r.appointment.id == appt.id), None)
        if row is not None and not self.table.selectionModel().isRowSelected(row):
            self.table.blockSignals(True)
            self.table.selectRow(row)
            self.table.blockSignals(False)
        patient = appt.patient_id
        QueryOp(self, lambda chart: schedule_view.plan_line(chart, patient)
                ).success(lambda text: self._show_plan(patient, text)).run()

    def _show_plan(self, patient: uuid.UUID, text: str) -> None:
        item = self.grid.selected_item()
        if item is not None and item.appointment.patient_id == patient:
            self.side.plan.setText(text or "No visit frequency in the plan of care.")

    def selected(self) -> Any | None:
        item = self.grid.selected_item()
        if item is not None:
            return item.appointment
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()].appointment if rows else None

    def _refused(self, error: BaseException) -> bool:
        if isinstance(error, ChartsideError):
            self.info.clear()
            self.error.setText(str(error))
            self.grid.clear_ghost()
            return True
        return False

    # -- status ---------------------------------------------------------------------------
    def mark(self, status: AppointmentStatus, appt: Any = None, reason: str | None = None
             ) -> None:
        from core.services import schedule

        appt = appt or self.selected()
        if appt is None:
            self.error.setText("Choose an appointment first.")
            return
        why = self.reason.text() if reason is None else reason

        def done(change: Any) -> None:
            self.reason.clear()
            message = ""
            if change.fee_cents:
                message = (f"{change.appointment.status.value.replace('_', ' ').capitalize()}: "
                           f"the practice's fee of {format_cents(change.fee_cents)} is on the "
                           "patient's account. ")
            if change.offers:
                n = len(change.offers)
                message += (f"{n} patient{'s' if n != 1 else ''} on the waitlist could take "
                            "the slot (Waitlist tab).")
            self.error.clear()
            self.info.setText(message)
            self._offer(change)
            self.go(self.day)

        CommandOp(self, lambda chart: schedule.set_status(chart, appt.id, status, why)
                  ).success(done).failure(self._refused).run()

    def _offer(self, change: Any) -> None:
        from core.services import schedule_view

        a = change.appointment
        if not change.offers:
            self.side.show_offers((), None)
            return
        self._freed = (a.clinician_id, a.start, a.minutes)
        slot = f"{a.start:%a} {show_date(a.start.date())} {a.start:%H:%M}–{a.end:%H:%M}"
        ids = [e.id for e in change.offers]

        def show(rows: list[Any]) -> None:
            by_id = {r.entry.id: r for r in rows}
            self.side.show_offers([by_id[i] for i in ids if i in by_id], slot)
            self.side.setCurrentIndex(1)

        QueryOp(self, schedule_view.waitlist_rows).success(show).run()

    def cancel_from_grid(self, appt: Any) -> None:
        reason = self.ask_reason(appt)
        if reason is not None:
            self.mark(AppointmentStatus.CANCELLED, appt, reason)

    def _ask_reason(self, appt: Any) -> str | None:
        text, ok = QInputDialog.getText(self, "Cancel the appointment",
                                        f"Why is the {appt.start:%H:%M} appointment cancelled?")
        return text if ok else None

    def start_note(self, appt: Any = None) -> None:
        from core.services import schedule

        appt = appt or self.selected()
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

    # -- moving ---------------------------------------------------------------------------
    def _ask_scope(self, appt: Any) -> str | None:
        box = QMessageBox(QMessageBox.Icon.Question, "Move a recurring appointment",
                          "This appointment repeats. Move only this one, or this one and all "
                          "that follow?", parent=self)
        one = box.addButton("Only this one", QMessageBox.ButtonRole.AcceptRole)
        rest = box.addButton("This and following", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return {id(one): "one", id(rest): "following"}.get(id(box.clickedButton()))

    def move_appointment(self, appt: Any, start: dt.datetime, minutes: int,
                         clinician: uuid.UUID) -> None:
        item = self.grid.find_item(appt.id)
        scope = "one"
        if item is not None and item.item.occurrence:
            scope = self.ask_scope(appt) or ""
            if not scope:
                self.grid.clear_ghost()
                return
        args = {"ident": appt.id, "start": start, "minutes": minutes, "clinician_id": clinician,
                "following": scope == "following"}
        what = "Resize" if start == appt.start and clinician == appt.clinician_id else "Move"
        text = f"{what} {appt.start:%a %H:%M} → {start:%a %H:%M} ({minutes} min)"
        if scope == "following":
            text += " and the following"
        self._run_move(args, lambda moved: self.undo_stack.push(
            MoveCommand(self, args, moved, text)))

    def _run_move(self, args: dict[str, Any], then: Any) -> None:
        from core.services import schedule_moves

        def done(moved: Any) -> None:
            self.error.clear()
            self.info.setText(f"Moved {moved.occurrences} appointments."
                              if moved.occurrences > 1 else "")
            then(moved)
            self.grid.selected = moved.appointment.id
            self.go(self.day)

        def refused(error: BaseException) -> bool:
            if not self._refused(error):
                return False
            self.go(self.day)
            return True

        ident = args["ident"]
        kwargs = {k: v for k, v in args.items() if k != "ident"}
        CommandOp(self, lambda chart: schedule_moves.move(chart, ident, **kwargs)
                  ).success(done).failure(refused).run()

    def _redo_move(self, command: MoveCommand) -> None:
        def again(moved: Any) -> None:
            command.moved = moved

        self._run_move_or_forget(command.args, again)

    def _run_move_or_forget(self, args: dict[str, Any], then: Any) -> None:
        from core.services import schedule_moves

        def refused(error: BaseException) -> bool:
            if not isinstance(error, ChartsideError):
                return False
            self.undo_stack.clear()
            self.error.setText(f"{error} The undo history was cleared.")
            self.go(self.day)
            return True

        def done(moved: Any) -> None:
            then(moved)
            self.error.clear()
            self.go(self.day)

        ident = args["ident"]
        kwargs = {k: v for k, v in args.items() if k != "ident"}
        CommandOp(self, lambda chart: schedule_moves.move(chart, ident, **kwargs)
                  ).success(done).failure(refused).run()

    def _undo_move(self, command: MoveCommand) -> None:
        from core.services import schedule_moves

        undo = command.moved.undo

        def refused(error: BaseException) -> bool:
            if not isinstance(error, ChartsideError):
                return False
            self.undo_stack.clear()
            self.error.setText(f"{error} The undo history was cleared.")
            self.go(self.day)
            return True

        def done(_none: Any) -> None:
            self.error.clear()
            self.go(self.day)

        CommandOp(self, lambda chart: schedule_moves.restore(chart, undo)
                  ).success(done).failure(refused).run()

    # -- booking --------------------------------------------------------------------------
    def _fill_people(self, people: tuple[list[Any], list[Any]]) -> None:
        patients, clinicians = people
        self.patient.clear()
        for p in patients:
            self.patient.addItem(f"{p.last_name}, {p.first_name} ({show_date(p.date_of_birth)})",
                                 p.id)
        chosen = self.who.currentData()
        self.who.blockSignals(True)
        while self.who.count() > 1:
            self.who.removeItem(1)
        for c in clinicians:
            self.who.addItem(f"{c.first_name} {c.last_name}", c.id)
        if chosen not in (None, EVERYONE):
            self.who.setCurrentIndex(index_of(self.who, chosen))
        self.who.blockSignals(False)
        self.go(self.day)

    def book_at(self, clinician: uuid.UUID, start: dt.datetime) -> None:
        """N (or Enter / a double click) on a free slot: book the patient chosen in the form."""
        self.when.set_value(start.date())
        self.at.set_value(start.time())
        self.book(clinician)

    def book(self, clinician: uuid.UUID | None = None) -> None:
        from core.services import schedule

        patient, day, at = self.patient.currentData(), self.when.value(), self.at.value()
        clinician = clinician or getattr(self.ctx.session, "clinician_id", None)
        if patient is None or day is None or at is None:
            self.error.setText("Choose the patient, the day and the time.")
            self.patient.setFocus()
            return
        if clinician is None:
            self.error.setText("Choose who you are (Chart ▸ Clinician) before booking.")
            return
        service, weeks = self.service.currentData(), self.weeks.value()
        start = dt.datetime.combine(day, at)
        repeat = f"FREQ=WEEKLY;COUNT={weeks}" if weeks > 1 else None

        def booked(b: Any) -> None:
            self.error.clear()
            if b.appointment is not None:
                self.grid.selected = b.appointment.id
            self.go(day if self.mode() != "week" else self.day)

        CommandOp(self, lambda chart: schedule.book(chart, patient, clinician, start,
                                                    service=service, repeat=repeat)
                  ).success(booked).failure(self._refused).run()

    # -- waitlist, hours, blocks --------------------------------------------------------------
    def book_offer(self, entry: WaitlistEntry) -> None:
        from core.services import schedule_moves

        freed = self._freed
        if freed is None:
            return
        clinician, start, minutes = freed

        def booked(appt: Any) -> None:
            self._freed = None
            self.side.show_offers((), None)
            self.error.clear()
            self.info.setText("Booked from the waitlist.")
            self.grid.selected = appt.id
            self.go(self.day)

        CommandOp(self, lambda chart: schedule_moves.book_from_waitlist(
            chart, entry.id, clinician, start, minutes)).success(booked).failure(
            self._side_refused).run()

    def _side_refused(self, error: BaseException) -> bool:
        if isinstance(error, ChartsideError):
            self.side.wait_error.setText(str(error))
            return True
        return False

    def add_waiting(self, weekdays: tuple[int, ...], early: dt.time, late: dt.time) -> None:
        from core.services import schedule

        patient, service = self.patient.currentData(), self.service.currentData()
        if patient is None:
            self.side.wait_error.setText("Choose the patient under Book first.")
            return
        chosen = self._clinicians()
        since = dt.datetime.combine(self.ctx.clock.today(), dt.datetime.now().time()).replace(
            second=0, microsecond=0)

        def add(chart: Any) -> Any:
            entry = WaitlistEntry(patient, service, since,
                                  clinician_id=chosen[0] if chosen else None,
                                  weekdays=weekdays, earliest=early, latest=late)
            return schedule.add_to_waitlist(chart, entry)

        CommandOp(self, add).success(lambda _e: self.go(self.day)).failure(
            self._side_refused).run()

    def remove_waiting(self, entry: WaitlistEntry) -> None:
        from core.services import schedule_moves

        CommandOp(self, lambda chart: schedule_moves.remove_from_waitlist(chart, entry.id)
                  ).success(lambda _n: self.go(self.day)).failure(self._side_refused).run()

    def _hours_clinician(self) -> uuid.UUID | None:
        chosen = self._clinicians()
        return chosen[0] if chosen else getattr(self.ctx.session, "clinician_id", None) or (
            self.data.clinicians[0].id if self.data and self.data.clinicians else None)

    def _hours_refused(self, error: BaseException) -> bool:
        if isinstance(error, ChartsideError):
            self.side.hours_error.setText(str(error))
            return True
        return False

    def save_hours(self, days: Any) -> None:
        from core.services import schedule

        who = self._hours_clinician()
        if who is None:
            self.side.hours_error.setText("Add a clinician first.")
            return
        CommandOp(self, lambda chart: schedule.set_hours(chart, who, days)).success(
            lambda _h: self.go(self.day)).failure(self._hours_refused).run()

    def save_policy(self, hours: int, late_cents: int, no_show_cents: int) -> None:
        from core.rules.schedule import CancellationPolicy
        from core.services import schedule

        chosen = CancellationPolicy(hours, late_cents, no_show_cents)

        def saved(_none: Any) -> None:
            self.side.show_policy(chosen)
            self.info.setText("Cancellation policy saved.")

        CommandOp(self, lambda chart: schedule.set_policy(chart, chosen)).success(saved).failure(
            self._hours_refused).run()

    def block_time(self, start: dt.datetime, end: dt.datetime, text: str) -> None:
        from core.services import schedule

        who = self._hours_clinician()
        if who is None:
            self.side.hours_error.setText("Add a clinician first.")
            return
        CommandOp(self, lambda chart: schedule.block_time(chart, who, start, end, text or
                                                          "Blocked")).success(
            lambda _b: self.go(self.day)).failure(self._hours_refused).run()


def _weekend_used(data: Any) -> bool:
    return any(it.appointment.start.weekday() >= 5 for it in data.items) or any(
        c.hours is not None and (c.hours.days[5] or c.hours.days[6]) for c in data.clinicians)


def index_of(combo: QComboBox, value: Any) -> int:
    """The row whose data equals ``value`` (``findData`` does not compare Python objects such
    as UUIDs by value); 0 when none does."""
    return next((i for i in range(combo.count()) if combo.itemData(i) == value), 0)


def _people(chart: Any) -> tuple[list[Any], list[Any]]:
    from core.services import patients, practice

    return (patients.search_patients(chart, "", limit=500, active_only=True),
            practice.list_clinicians(chart))
