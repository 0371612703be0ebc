"""The patient chart: demographics, episodes, and tabs — Overview (diagnoses with side, goals
with status, visit history), Measures & goals, Billing (``chart_tabs``); actions "New daily
note" (Ctrl+N), "Plan of care", "New episode", "Superbill…".

Contract:
- ``show_patient(id)`` loads ``patients.open_patient`` (an audited view) on the worker and
  renders it; answers for a patient no longer shown are dropped.
- Reloads on ``changes_applied`` that touch this patient, its episodes or visits/notes.
- Emits requests (``new_note_requested(episode_id)``, ``note_chosen(note_id)`` — also for a
  report drafted on the measures tab —, ``plan_requested(episode_id)``,
  ``new_episode_requested(patient_id)``, ``superbill_requested()``); the workspace acts.
- ``select_episode(id)`` shows that episode (now, or when the chart arrives).
- ``clear()`` drops every PHI-bearing value (lock).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.formats import count, show_date
from desktop.models.base import RowRole
from desktop.models.lists import DiagnosisModel, GoalModel, VisitHistoryModel, fmt_date
from desktop.ops import patients as ops
from desktop.panels.chart_tabs import ChartTabs
from desktop.saving import make_timer
from desktop.widgets import heading, label, named

SEX = {"F": "Female", "M": "Male", "X": "Other", "U": ""}


def table(model: Any, name: str) -> QTableView:
    view = named(QTableView(), name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setShowGrid(False)
    view.setWordWrap(False)
    return view


def fit_columns(view: QTableView, *, stretch: int) -> None:
    """Every column as wide as its contents, except ``stretch`` which takes the rest."""
    header = view.horizontalHeader()
    for col in range(view.model().columnCount()):
        fit = QHeaderView.ResizeMode
        mode = fit.Stretch if col == stretch else fit.ResizeToContents
        header.setSectionResizeMode(col, mode)


def fit_height(view: QTableView, *, min_rows: int = 1, max_rows: int = 8) -> None:
    """Make a short table exactly as tall as its rows (no empty white box)."""
    rows = max(min_rows, min(max_rows, view.model().rowCount()))
    row_height = view.verticalHeader().defaultSectionSize()
    view.setFixedHeight(view.horizontalHeader().sizeHint().height() + rows * row_height + 4)


def visits_hint(n: int) -> str:
    """The line under the visit history: how many, and what a click does."""
    if n == 0:
        return "No visits yet: New daily note (Ctrl+N) starts the first."
    return (f"{count(n, 'visit')}: double-click one to open its note; right-click it for "
            "its superbill.")


class PatientChartPanel(QWidget):
    new_note_requested = Signal(uuid.UUID)
    note_chosen = Signal(uuid.UUID)
    plan_requested = Signal(uuid.UUID)
    new_episode_requested = Signal(uuid.UUID)
    superbill_requested = Signal()
    loaded = Signal(uuid.UUID)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientChart")
        self.ctx = ctx
        self.patient_id: uuid.UUID | None = None
        self.chart: Any = None
        self._stale = False
        self._want_episode: uuid.UUID | None = None
        v = QVBoxLayout(self)
        v.setContentsMargins(20, 16, 20, 16)
        v.setSpacing(10)
        head = QHBoxLayout()
        names = QVBoxLayout()
        self.name = heading("", 1)
        self.name.setObjectName("patientName")
        self.facts = label("", "muted", wrap=True, name="patientFacts")
        names.addWidget(self.name)
        names.addWidget(self.facts)
        head.addLayout(names, 1)
        self.new_note_button = named(QPushButton("New daily note"), "newNote")
        self.new_note_button.setProperty("role", "primary")
        self.new_note_button.setToolTip("Start today's daily note (Ctrl+N)")
        self.new_note_button.clicked.connect(self._new_note)
        self.plan_button = named(QPushButton("Plan of care"), "openPlan")
        self.plan_button.setToolTip("Diagnoses, goals, certification, payer (Ctrl+Shift+P)")
        self.plan_button.clicked.connect(self.request_plan)
        self.episode_button = named(QPushButton("New episode"), "newEpisode")
        self.episode_button.clicked.connect(
            lambda: self.patient_id and self.new_episode_requested.emit(self.patient_id)
        )
        self.superbill_button = named(QPushButton("Superbill…"), "chartSuperbill")
        self.superbill_button.setToolTip("Superbill or statement for a visit or a date range")
        self.superbill_button.clicked.connect(self.superbill_requested)
        for b in (self.superbill_button, self.episode_button, self.plan_button,
                  self.new_note_button):
            head.addWidget(b)
            b.setEnabled(False)  # until a chart is shown
        v.addLayout(head)
        row = QHBoxLayout()
        self.episodes = named(QComboBox(), "episodeChooser")
        self.episodes.currentIndexChanged.connect(self._episode_changed)
        row.addWidget(label("Episode", "fieldLabel"))
        row.addWidget(self.episodes, 1)
        self.episode_facts = label("", "muted", name="episodeFacts")
        row.addWidget(self.episode_facts, 2)
        v.addLayout(row)
        grid = QGridLayout()
        grid.setHorizontalSpacing(20)
        self.dx_model = DiagnosisModel(self)
        self.goal_model = GoalModel(self)
        self.visit_model = VisitHistoryModel(self)
        self.dx_table = table(self.dx_model, "diagnosisTable")
        self.goal_table = table(self.goal_model, "goalTable")
        self.visit_table = table(self.visit_model, "visitTable")
        fit_columns(self.dx_table, stretch=2)
        fit_columns(self.goal_table, stretch=1)
        fit_columns(self.visit_table, stretch=3)
        self.goal_table.setWordWrap(True)
        measure = GoalModel.Column.MEASURE
        self.goal_table.horizontalHeader().setSectionResizeMode(
            measure, QHeaderView.ResizeMode.Fixed
        )
        self.goal_table.setColumnWidth(measure, 170)  # long baselines wrap instead of crowding
        self.goal_table.setColumnHidden(GoalModel.Column.TARGET_DATE, True)  # in the plan
        self.visit_table.activated.connect(self._visit_activated)
        self.visit_table.doubleClicked.connect(self._visit_activated)
        grid.addWidget(heading("Diagnoses", 3), 0, 0)
        grid.addWidget(self.dx_table, 1, 0)
        grid.addWidget(heading("Goals", 3), 2, 0)
        grid.addWidget(self.goal_table, 3, 0)
        grid.addWidget(heading("Visits", 3), 0, 1)
        grid.addWidget(self.visit_table, 1, 1, 3, 1)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        grid.setRowStretch(3, 1)
        overview = named(QWidget(), "chartOverview")
        ov = QVBoxLayout(overview)
        ov.setContentsMargins(0, 8, 0, 0)
        ov.addLayout(grid, 1)
        self.visit_hint = label(visits_hint(0), "hint", name="visitHint")
        ov.addWidget(self.visit_hint)
        self.tabs = ChartTabs(ctx, overview)
        self.tabs.measures.note_chosen.connect(self.note_chosen)
        self.tabs.billing.superbill_requested.connect(self.superbill_requested)
        v.addWidget(self.tabs, 1)
        self._reload = make_timer(self, 300, single=True)
        self._reload.timeout.connect(lambda: self.show_patient(self.patient_id))
        ctx.bus.changes_applied.connect(self._on_changes)

    # -- loading ------------------------------------------------------------------------------
    def show_patient(self, patient_id: uuid.UUID | None) -> None:
        if patient_id is None:
            return
        if patient_id != self.patient_id:
            self.clear()
        self.patient_id = patient_id
        self.tabs.set_patient(patient_id)
        self._stale = False
        ops.open_patient(self, patient_id).success(self._render).run()

    def select_episode(self, episode_id: uuid.UUID) -> None:
        index = self.episodes.findData(str(episode_id)) if self.chart is not None else -1
        if index >= 0:
            self.episodes.setCurrentIndex(index)
        else:
            self._want_episode = episode_id  # the chart is on its way

    def _render(self, chart: Any) -> None:
        if chart.patient.id != self.patient_id:
            return
        previous = self._want_episode or self.current_episode_id()
        self._want_episode = None
        self.chart = chart
        p = chart.patient
        self.name.setText(p.display_name)
        age = p.age_on(self.ctx.clock.today())
        bits = [f"Born {show_date(p.date_of_birth)} ({age})", SEX.get(str(p.sex), ""), p.phone]
        facts = "  ·  ".join(b for b in bits if b)
        if p.insurance_name or p.member_id:
            member = f", member {p.member_id}" if p.member_id else ""
            facts += f"\nInsurance: {p.insurance_name or 'not recorded'}{member}"
        self.facts.setText(facts)
        self.episodes.blockSignals(True)
        self.episodes.clear()
        for ep in chart.episodes:
            state = "active" if ep.is_active else f"discharged {fmt_date(ep.discharged_on)}"
            self.episodes.addItem(
                f"{ep.discipline} · since {fmt_date(ep.start_date)} · {state}", str(ep.id)
            )
        index = max(0, self.episodes.findData(str(previous))) if previous else 0
        self.episodes.setCurrentIndex(index)
        self.episodes.blockSignals(False)
        self.episode_button.setEnabled(True)
        self.visit_model.set_rows(chart.visits)
        self.visit_hint.setText(visits_hint(len(chart.visits)))
        self._episode_changed()
        self.loaded.emit(p.id)

    def current_episode(self) -> Any:
        if self.chart is None:
            return None
        ident = self.episodes.currentData()
        return next((e for e in self.chart.episodes if str(e.id) == ident), None)

    def current_episode_id(self) -> uuid.UUID | None:
        ep = self.current_episode()
        return ep.id if ep else None

    def active_episode_id(self) -> uuid.UUID | None:
        ep = self.current_episode()
        if ep is not None and ep.is_active:
            return ep.id
        if self.chart is None:
            return None
        return next((e.id for e in self.chart.episodes if e.is_active), None)

    def _episode_changed(self, *_: Any) -> None:
        ep = self.current_episode()
        has = ep is not None
        self.dx_model.set_rows(ep.diagnoses if has else [])
        self.goal_model.set_rows(ep.goals if has else [])
        fit_height(self.dx_table, max_rows=6)
        self.goal_table.resizeRowsToContents()
        self.new_note_button.setEnabled(self.active_episode_id() is not None)
        self.plan_button.setEnabled(has)
        self.superbill_button.setEnabled(True)
        self.tabs.set_episode(ep.id if has else None)
        if not has:
            self.episode_facts.setText("No episode yet: start one to plan care and chart visits.")
            return
        cert = ""
        if ep.cert_start and ep.cert_end:
            cert = f"certified {fmt_date(ep.cert_start)} – {fmt_date(ep.cert_end)}"
        self.episode_facts.setText(
            "  ·  ".join(b for b in (self.ctx.session.payer_name(ep.payer_profile_id), cert) if b)
        )

    def _on_changes(self, changes: Any) -> None:
        if self.patient_id is None or self.chart is None:
            return
        episode_ids = {e.id for e in self.chart.episodes}
        if (
            self.patient_id in changes.ids("patient")
            or episode_ids & changes.ids("episode")
            or "visit" in changes
            or changes.structural("note")
            or ("episode" in changes and not episode_ids)
        ):
            if self.isVisible():
                self._reload.start()
            else:
                self._stale = True  # reload (an audited view) only when shown again

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale and self.patient_id is not None:
            self._stale = False
            self._reload.start()

    # -- actions ------------------------------------------------------------------------------
    def _new_note(self) -> None:
        episode_id = self.active_episode_id()
        if episode_id is not None:
            self.new_note_requested.emit(episode_id)

    def request_plan(self) -> None:
        episode_id = self.current_episode_id()
        if episode_id is not None:
            self.plan_requested.emit(episode_id)

    def selected_visit(self) -> tuple[uuid.UUID, uuid.UUID] | None:
        """(patient id, visit id) of the visit selected in the history, for its superbill."""
        rows = self.visit_table.selectionModel().selectedRows()
        row = rows[0].data(RowRole) if rows else None
        if row is None or self.patient_id is None:
            return None
        return self.patient_id, row.id

    def _visit_activated(self, index: Any) -> None:
        row = index.data(RowRole)
        if row is not None and row.note_id is not None:
            self.note_chosen.emit(row.note_id)

    def clear(self) -> None:
        self._reload.stop()
        self.patient_id = None
        self.chart = None
        self._want_episode = None
        self.tabs.clear()
        self.name.clear()
        self.facts.clear()
        self.episodes.blockSignals(True)
        self.episodes.clear()
        self.episodes.blockSignals(False)
        self.episode_facts.clear()
        for button in (self.episode_button, self.plan_button, self.new_note_button,
                       self.superbill_button):
            button.setEnabled(False)
        for model in (self.dx_model, self.goal_model, self.visit_model):
            model.clear()


def today_start(now: dt.datetime) -> dt.time:
    """The visit's start time for a note begun now (to the minute)."""
    return dt.time(now.hour, now.minute)
