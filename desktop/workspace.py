"""The unlocked workspace: patient list and today's visits on the left; the patient chart,
note editor or plan-of-care editor in the middle. It wires panels together and navigates;
it holds no business rules and runs no queries of its own beyond starting a note.

Contract:
- Navigation: ``open_patient`` / ``open_note`` / ``open_plan`` / ``new_note`` / ``back``.
  From the patient list a new note is two clicks: the patient, then "New daily note".
- ``location()`` returns where the user is (ids only); ``restore(location)`` returns there
  after an unlock. ``clear()`` empties every panel (lock) and flushes pending saves first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from desktop.context import AppContext
from desktop.dialogs.new_episode import NewEpisodeDialog
from desktop.dialogs.new_patient import NewPatientDialog
from desktop.note.editor import NoteEditor
from desktop.ops import notes as note_ops
from desktop.panels.patient_chart import PatientChartPanel, today_start
from desktop.panels.patient_list import PatientListPanel
from desktop.panels.plan_of_care import PlanOfCareEditor
from desktop.panels.today import TodayPanel
from desktop.widgets import CenteredCard, heading, label, named


@dataclass(frozen=True, slots=True)
class Location:
    patient_id: uuid.UUID | None = None
    note_id: uuid.UUID | None = None
    plan_episode_id: uuid.UUID | None = None


class Workspace(QWidget):
    page_changed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal)
        layout.addWidget(split)
        left = named(QSplitter(Qt.Orientation.Vertical), "sidebar")
        self.sidebar = left
        self.patients = PatientListPanel(ctx)
        self.today = TodayPanel(ctx)
        left.addWidget(self.patients)
        left.addWidget(self.today)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        split.addWidget(left)
        self.stack = named(QStackedWidget(), "centerStack")
        self.empty = CenteredCard(width=460)
        self.empty.body.addWidget(heading("Choose a patient", 2))
        self.empty.body.addWidget(
            label(
                "Pick someone from the list, or press Ctrl+F to search. "
                "Ctrl+Shift+N adds a new patient.",
                "muted",
                wrap=True,
            )
        )
        self.chart = PatientChartPanel(ctx)
        self.editor = NoteEditor(ctx)
        self.plan = PlanOfCareEditor(ctx)
        for page in (self.empty, self.chart, self.editor, self.plan):
            self.stack.addWidget(page)
        split.addWidget(self.stack)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([350, 930])
        self.patient_id: uuid.UUID | None = None
        self._dialog: QDialog | None = None
        self._wire()

    def _wire(self) -> None:
        self.patients.patient_chosen.connect(self.open_patient)
        self.patients.new_patient_requested.connect(self.new_patient)
        self.today.note_chosen.connect(self.open_note)
        self.today.patient_chosen.connect(self.open_patient)
        self.chart.new_note_requested.connect(self.new_note)
        self.chart.note_chosen.connect(self.open_note)
        self.chart.plan_requested.connect(self.open_plan)
        self.chart.new_episode_requested.connect(self.new_episode)
        self.editor.back_requested.connect(self.back)
        self.editor.plan_requested.connect(self.open_plan)
        self.editor.loaded.connect(self._note_loaded)
        self.plan.back_requested.connect(self.back)

    # -- pages --------------------------------------------------------------------------------
    def page(self) -> str:
        return {
            self.chart: "chart",
            self.editor: "note",
            self.plan: "plan",
        }.get(self.stack.currentWidget() or self.empty, "empty")

    def _show(self, widget: QWidget) -> None:
        # The note gets the whole width (focus mode); Back to chart brings the list back.
        self.sidebar.setVisible(widget is not self.editor)
        if self.stack.currentWidget() is not widget:
            self.stack.setCurrentWidget(widget)
            self.page_changed.emit(self.page())

    # -- navigation ---------------------------------------------------------------------------
    def refresh(self) -> None:
        self.patients.refresh()
        self.today.refresh()

    def open_patient(self, patient_id: uuid.UUID) -> None:
        if self.page() in ("note", "plan"):
            self.ctx.savers.flush_all()
        same = patient_id == self.chart.patient_id and self.chart.chart is not None
        self.patient_id = patient_id
        if not same:
            self.chart.show_patient(patient_id)
        self.patients.select(patient_id)
        self._show(self.chart)

    def open_note(self, note_id: uuid.UUID) -> None:
        self.ctx.savers.flush_all()
        self.editor.show_note(note_id)
        self._show(self.editor)

    def _note_loaded(self, _note_id: uuid.UUID) -> None:
        ws = self.editor.ws
        if ws is not None and ws.patient_id != self.patient_id:
            self.patient_id = ws.patient_id
            self.patients.select(ws.patient_id)
            self.chart.show_patient(ws.patient_id)

    def open_plan(self, episode_id: uuid.UUID) -> None:
        self.ctx.savers.flush_all()
        name = self.chart.name.text() if self.chart.chart is not None else ""
        self.plan.show_episode(episode_id, name)
        self._show(self.plan)

    def new_note(self, episode_id: uuid.UUID | None = None) -> None:
        episode_id = episode_id or self.chart.active_episode_id()
        clinician = self.ctx.session.clinician_id
        if episode_id is None or clinician is None:
            return
        now = self.ctx.clock.now()
        note_ops.start_note(
            self,
            episode_id=episode_id,
            clinician_id=clinician,
            date=now.date(),
            start_time=today_start(now),
        ).success(lambda r: self.open_note(r.value.note.id)).run()

    def back(self) -> None:
        self.ctx.savers.flush_all()
        if self.patient_id is not None:
            self.open_patient(self.patient_id)
        else:
            self._show(self.empty)

    def new_patient(self) -> None:
        dialog = NewPatientDialog(self)
        dialog.created.connect(self._patient_created)
        dialog.open()
        self._dialog = dialog

    def _patient_created(self, patient_id: uuid.UUID) -> None:
        self.patients.refresh()
        self.open_patient(patient_id)

    def new_episode(self, patient_id: uuid.UUID | None = None) -> None:
        patient_id = patient_id or self.patient_id
        if patient_id is None:
            return
        dialog = NewEpisodeDialog(self.ctx, patient_id, self)
        dialog.created.connect(self.open_plan)
        dialog.open()
        self._dialog = dialog

    # -- lock / unlock ----------------------------------------------------------------------------
    def location(self) -> Location:
        page = self.page()
        return Location(
            patient_id=self.patient_id,
            note_id=self.editor.note_id if page == "note" else None,
            plan_episode_id=(
                self.plan.episode.id if page == "plan" and self.plan.episode else None
            ),
        )

    def restore(self, where: Location | None) -> None:
        self.refresh()
        if where is None:
            self._show(self.empty)
            return
        if where.patient_id is not None:
            self.open_patient(where.patient_id)
        if where.note_id is not None:
            self.open_note(where.note_id)
        elif where.plan_episode_id is not None:
            self.open_plan(where.plan_episode_id)

    def clear(self) -> None:
        self.ctx.savers.flush_all()
        dialog = self._dialog
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.reject()
            self._dialog = None
        self.patient_id = None
        self.patients.clear()
        self.today.clear()
        self.chart.clear()
        self.editor.clear()
        self.plan.clear()
        self._show(self.empty)
