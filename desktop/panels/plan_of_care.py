"""Plan-of-care editor: payer profile, certification period, frequency; diagnoses found by
ICD-10-CM code or words; goals with baseline, target, measure, date and status.

Contract:
- ``show_episode(id)`` loads the episode on the worker. Every field saves as it changes
  (debounced 300 ms) through ``episodes.update_episode``; a refused value (e.g. a
  certification that ends before it starts) goes to the presenter and the form reloads.
- Diagnoses are found with ``DiagnosisPicker`` (ICD-10-CM search as a job, ↑↓ + Enter adds
  the selected row).
- ``clear()`` drops every PHI-bearing value (lock).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.domain.enums import GoalStatus, GoalTerm
from desktop.context import AppContext
from desktop.fields import DateField
from desktop.models.base import RowRole
from desktop.models.lists import GOAL_STATUS, DiagnosisModel, GoalModel
from desktop.ops import charts as chart_ops
from desktop.ops import episodes as ops
from desktop.panels.diagnosis_picker import DiagnosisPicker
from desktop.panels.patient_chart import fit_columns, fit_height, table
from desktop.saving import DebouncedSaver
from desktop.widgets import heading, hline, label, named


class PlanOfCareEditor(QWidget):
    back_requested = Signal()
    loaded = Signal(uuid.UUID)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planOfCare")
        self.ctx = ctx
        self.episode: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.setContentsMargins(20, 14, 20, 6)
        titles = QVBoxLayout()
        titles.addWidget(heading("Plan of care", 1))
        self.subtitle = label("", "muted", name="planSubtitle")
        titles.addWidget(self.subtitle)
        head.addLayout(titles, 1)
        back = named(QPushButton("Back to chart"), "planBack")
        back.setToolTip("Alt+Left")
        back.clicked.connect(self.back_requested)
        head.addWidget(back)
        outer.addLayout(head)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = named(QWidget(), "planBody")
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(20, 6, 20, 20)
        self.body.setSpacing(10)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self._episode_section()
        self.body.addWidget(hline())
        self._diagnosis_section()
        self.body.addWidget(hline())
        self._goal_section()
        self.body.addStretch(1)

    # -- sections ---------------------------------------------------------------------------
    def _episode_section(self) -> None:
        self.body.addWidget(heading("Certification and payer", 2))
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.payer = named(QComboBox(), "planPayer")
        today = self.ctx.clock.today
        self.cert_start = DateField("certStart", today=today)
        self.cert_end = DateField("certEnd", today=today, open_on=self._cert_end_month)
        self.certified_on = DateField("certifiedOn", today=today)
        self.frequency = named(QSpinBox(), "frequency")
        self.frequency.setRange(0, 7)
        self.frequency.setSpecialValueText("—")
        self.frequency.setSuffix(" × / week")
        self.duration = named(QSpinBox(), "duration")
        self.duration.setRange(0, 52)
        self.duration.setSpecialValueText("—")
        self.duration.setSuffix(" weeks")
        self.referring = named(QLineEdit(), "referringProvider")
        self.precautions = named(QLineEdit(), "precautions")
        fields: list[tuple[str, QWidget]] = [
            ("Payer profile", self.payer),
            ("Certified from", self.cert_start),
            ("Certified until", self.cert_end),
            ("Physician signed on", self.certified_on),
            ("Frequency", self.frequency),
            ("Duration", self.duration),
            ("Referred by", self.referring),
            ("Precautions", self.precautions),
        ]
        for i, (text, widget) in enumerate(fields):
            grid.addWidget(label(text, "fieldLabel"), i // 2, (i % 2) * 2)
            grid.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.body.addLayout(grid)
        self._bind(self.payer.currentIndexChanged, "payer_profile_id", self._payer_id)
        self._bind(self.cert_start.valueChanged, "cert_start", self.cert_start.value)
        self._bind(self.cert_end.valueChanged, "cert_end", self.cert_end.value)
        self._bind(self.certified_on.valueChanged, "certified_on", self.certified_on.value)
        self._bind(self.frequency.valueChanged, "frequency_per_week", self._freq)
        self._bind(self.duration.valueChanged, "duration_weeks", self._dur)
        self._bind(self.referring.textChanged, "referring_provider", self.referring.text)
        self._bind(self.precautions.textChanged, "precautions", self.precautions.text)

    def _cert_end_month(self) -> dt.date:
        """The certification end's calendar opens ~90 days after its start (or today)."""
        start = self.cert_start.value()
        return start + dt.timedelta(days=89) if start else self.ctx.clock.today()

    def _payer_id(self) -> uuid.UUID | None:
        data = self.payer.currentData()
        return uuid.UUID(data) if data else None

    def _freq(self) -> int | None:
        return self.frequency.value() or None

    def _dur(self) -> int | None:
        return self.duration.value() or None

    def _bind(self, signal: Any, name: str, read: Callable[[], Any]) -> None:
        saver = DebouncedSaver(self, lambda value: self._update(name, value), read)
        signal.connect(lambda *_: None if self._loading else saver.touch())

    _loading = False
    _icd_warmed = False

    def _diagnosis_section(self) -> None:
        self.body.addWidget(heading("Diagnoses", 2))
        self.dx_model = DiagnosisModel(self)
        self.dx_table = table(self.dx_model, "planDiagnoses")
        fit_columns(self.dx_table, stretch=2)
        self.body.addWidget(self.dx_table)
        below = QHBoxLayout()
        below.addStretch(1)
        self.remove_dx = named(QPushButton("Remove the selected diagnosis"), "removeDiagnosis")
        self.remove_dx.setProperty("role", "link")
        self.remove_dx.clicked.connect(self._remove_diagnosis)
        below.addWidget(self.remove_dx)
        self.body.addLayout(below)
        self.dx_picker = DiagnosisPicker()
        self.dx_picker.chosen.connect(self._add_diagnosis)
        self.body.addWidget(self.dx_picker)
        # the picker's parts, by the names the tests and screenshots use
        self.icd_search = self.dx_picker.search
        self.icd_results = self.dx_picker.results
        self.icd_busy = self.dx_picker.busy
        self._search_timer = self.dx_picker.timer

    def _goal_section(self) -> None:
        self.body.addWidget(heading("Goals", 2))
        self.goal_model = GoalModel(self)
        self.goal_table = table(self.goal_model, "planGoals")
        fit_columns(self.goal_table, stretch=1)
        self.body.addWidget(self.goal_table)
        status_row = QHBoxLayout()
        status_row.addWidget(label("Status of the selected goal", "fieldLabel"))
        self.goal_status = named(QComboBox(), "goalStatus")
        for status in GoalStatus:
            self.goal_status.addItem(GOAL_STATUS[status.value], status.value)
        self.goal_status.setEnabled(False)
        self.goal_status.activated.connect(self._set_goal_status)
        status_row.addWidget(self.goal_status)
        status_row.addStretch(1)
        self.body.addLayout(status_row)
        self.goal_table.selectionModel().currentRowChanged.connect(self._goal_selected)
        self.body.addWidget(heading("Add a goal", 3))
        form = QFormLayout()
        self.goal_term = named(QComboBox(), "goalTerm")
        self.goal_term.addItem("Short-term goal", GoalTerm.SHORT.value)
        self.goal_term.addItem("Long-term goal", GoalTerm.LONG.value)
        self.goal_activity = named(QLineEdit(), "goalActivity")
        self.goal_activity.setPlaceholderText("What the patient will do, e.g. Climb 12 stairs")
        self.goal_purpose = named(QLineEdit(), "goalPurpose")
        self.goal_purpose.setPlaceholderText("Why it matters, e.g. reach the bedroom at home")
        measure = QHBoxLayout()
        self.goal_measure = named(QLineEdit(), "goalMeasure")
        self.goal_measure.setPlaceholderText("measure")
        self.goal_baseline = named(QLineEdit(), "goalBaseline")
        self.goal_baseline.setPlaceholderText("baseline")
        self.goal_target = named(QLineEdit(), "goalTarget")
        self.goal_target.setPlaceholderText("target")
        self.goal_unit = named(QLineEdit(), "goalUnit")
        self.goal_unit.setPlaceholderText("unit")
        for w in (self.goal_measure, self.goal_baseline, self.goal_target, self.goal_unit):
            measure.addWidget(w)
        self.goal_date = DateField("goalDate", today=self.ctx.clock.today)
        form.addRow("Term", self.goal_term)
        form.addRow("Activity", self.goal_activity)
        form.addRow("Purpose", self.goal_purpose)
        form.addRow("Measure", measure)
        form.addRow("Target date", self.goal_date)
        self.body.addLayout(form)
        self.add_goal_button = named(QPushButton("Add goal"), "addGoal")
        self.add_goal_button.clicked.connect(self.add_goal)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_goal_button)
        self.body.addLayout(row)

    # -- loading ------------------------------------------------------------------------------
    def show_episode(self, episode_id: uuid.UUID, patient_name: str = "") -> None:
        if not PlanOfCareEditor._icd_warmed:
            # Build the ICD-10-CM index now, while the user reads the plan (~2 s, one job).
            PlanOfCareEditor._icd_warmed = True
            chart_ops.warm_icd().run()
        if self.episode is None or self.episode.id != episode_id:
            self.clear()
        self._patient_name = patient_name
        ops.get_episode(self, episode_id).success(self._render).run()

    def reload(self) -> None:
        if self.episode is not None:
            self.ctx.savers.flush_all()  # typed values reach the worker before the read
            self.show_episode(self.episode.id, getattr(self, "_patient_name", ""))

    def _render(self, episode: Any) -> None:
        self.episode = episode
        self._loading = True
        try:
            name = getattr(self, "_patient_name", "")
            self.subtitle.setText(
                "  ·  ".join(x for x in (name, f"{episode.discipline} episode") if x)
            )
            self.payer.clear()
            for choice in self.ctx.session.payers:
                self.payer.addItem(choice.label, str(choice.id))
            self.payer.addItem("No payer profile (cash)", "")
            current = str(episode.payer_profile_id) if episode.payer_profile_id else ""
            self.payer.setCurrentIndex(max(0, self.payer.findData(current)))
            self.cert_start.set_value(episode.cert_start)
            self.cert_end.set_value(episode.cert_end)
            self.certified_on.set_value(episode.certified_on)
            self.frequency.setValue(episode.frequency_per_week or 0)
            self.duration.setValue(episode.duration_weeks or 0)
            if self.referring.text() != episode.referring_provider:
                self.referring.setText(episode.referring_provider)
            if self.precautions.text() != episode.precautions:
                self.precautions.setText(episode.precautions)
            self._render_lists(episode)
        finally:
            self._loading = False
        self.loaded.emit(episode.id)

    def _render_lists(self, episode: Any) -> None:
        self.dx_model.set_rows(episode.diagnoses)
        self.goal_model.set_rows(episode.goals)
        fit_height(self.dx_table, max_rows=12)
        fit_height(self.goal_table, min_rows=2, max_rows=10)
        self.goal_status.setEnabled(False)

    # -- episode fields -------------------------------------------------------------------------
    def _update(self, name: str, value: Any) -> None:
        if self.episode is None:
            return
        ops.update_episode(self, self.episode.id, **{name: value}).success(
            lambda r: setattr(self, "episode", r.value)
        ).failure(self._refused).run()

    def _refused(self, error: BaseException) -> bool:
        self.ctx.present(error)
        self.reload()
        return True

    # -- diagnoses ----------------------------------------------------------------------------
    def search_icd(self) -> None:
        self.dx_picker.run_search()

    def _add_diagnosis(self, code: str) -> None:
        if self.episode is None:
            return
        ops.add_diagnosis(self, self.episode.id, code).success(lambda _r: self._dx_added()).run()

    def _dx_added(self) -> None:
        self.dx_picker.reset()
        self.reload()

    def _remove_diagnosis(self) -> None:
        dx = self.dx_table.currentIndex().data(RowRole)
        if dx is None or self.episode is None:
            return
        ops.remove_diagnosis(self, self.episode.id, dx.id).success(lambda _r: self.reload()).run()

    # -- goals --------------------------------------------------------------------------------
    def add_goal(self) -> None:
        if self.episode is None:
            return
        if self.goal_date.error() is not None:  # the hint beside it says what to type
            self.goal_date.setFocus()
            return
        fields = {
            "term": self.goal_term.currentData(),
            "activity": self.goal_activity.text().strip(),
            "functional_purpose": self.goal_purpose.text().strip(),
            "measure": self.goal_measure.text().strip(),
            "baseline": self.goal_baseline.text().strip(),
            "target": self.goal_target.text().strip(),
            "unit": self.goal_unit.text().strip(),
            "target_date": self.goal_date.value(),
        }
        ops.add_goal(self, self.episode.id, **fields).success(lambda _r: self._goal_added()).run()

    def _goal_added(self) -> None:
        for w in (
            self.goal_activity,
            self.goal_purpose,
            self.goal_measure,
            self.goal_baseline,
            self.goal_target,
            self.goal_unit,
        ):
            w.clear()
        self.goal_date.set_value(None)
        self.reload()
        self.goal_activity.setFocus()

    def _goal_selected(self, current: Any, _previous: Any) -> None:
        goal = current.data(RowRole) if current.isValid() else None
        self.goal_status.setEnabled(goal is not None)
        if goal is not None:
            self.goal_status.setCurrentIndex(self.goal_status.findData(str(goal.status)))

    def _set_goal_status(self, _index: int) -> None:
        goal = self.goal_table.currentIndex().data(RowRole)
        if goal is None or self.episode is None:
            return
        ops.update_goal(
            self, self.episode.id, goal.id, status=self.goal_status.currentData()
        ).success(lambda _r: self.reload()).run()

    def clear(self) -> None:
        self._loading = True
        self.episode = None
        self._patient_name = ""
        self.subtitle.clear()
        self.payer.clear()
        for d in (self.cert_start, self.cert_end, self.certified_on, self.goal_date):
            d.set_value(None)
        self.frequency.setValue(0)
        self.duration.setValue(0)
        for w in (
            self.referring,
            self.precautions,
            self.goal_activity,
            self.goal_purpose,
            self.goal_measure,
            self.goal_baseline,
            self.goal_target,
            self.goal_unit,
        ):
            w.clear()
        self.dx_picker.reset()
        self.dx_model.clear()
        self.goal_model.clear()
        self._loading = False
