"""``MeasuresPanel``: an episode's outcome measures on the patient chart — the goals board,
one trend chart per measure, measure entry, and the progress-report/discharge drafts.

Contract:
- Built with the app's ``AppContext``; uses ``ctx.bus``, ``ctx.clock``, ``ctx.session``
  (current clinician) and ``ctx.present`` only. MainWindow places it (e.g. a tab of the
  patient chart) and calls ``show_episode(episode_id)``; ``clear()`` on lock.
- Reads with ``ops.episode_measures`` (an audited view) on the database worker; answers for an
  episode no longer shown are dropped. Reloads when ``changes_applied`` carries a
  ``measure_score`` or this episode (debounced; deferred while hidden).
- "Record measure" (Ctrl+M: the app's shortcut table, Patient menu) swaps in
  ``MeasureEntryForm``; a save runs ``ops.record_score``; a refused save
  (``ChartsideError``) is shown on the form.
- "Progress report" / "Discharge summary" draft a note for today and emit
  ``note_chosen(note_id)`` so the workspace opens it in the editor.
- No SQL, no rules: widgets render what the services return.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError, ValidationError
from core.domain.measures import format_value
from core.services import measures as measure_services
from core.services.measures import EpisodeMeasures, MeasureSummary
from desktop.formats import show_date
from desktop.measures import ops
from desktop.measures.common import named
from desktop.measures.entry import MeasureEntry, MeasureEntryForm
from desktop.measures.goals_board import GoalsBoard
from desktop.measures.trend import TrendChart
from desktop.widgets import heading, label


def summary_line(m: MeasureSummary) -> str:
    """ "LEFS 58 points (3 scores) · since baseline: +20 … · since last: +9 …"."""
    latest = m.latest
    if latest is None or latest.value is None:
        return f"{m.measure_id}: no scored result yet"
    text = f"{m.measure_id} {format_value(latest.value, m.decimals)} {m.unit}".rstrip()
    text += f" on {show_date(latest.date)} ({len(m.scores)} recorded)"
    if m.change.since_baseline is not None:
        c = m.change.since_baseline
        text += f" · since baseline {c.signed_delta}: {c.verdict}"
    if m.change.since_last is not None:
        text += f" · since last {m.change.since_last.signed_delta}"
    return text


MIN_CHART_HEIGHT, MAX_CHART_HEIGHT = 200, 360


class MeasuresPanel(QWidget):
    note_chosen = Signal(object)  # note id of a drafted report
    loaded = Signal(object)  # episode id

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measuresPanel")
        self.ctx = ctx
        self.episode_id: uuid.UUID | None = None
        self.data: EpisodeMeasures | None = None
        self._stale = False
        v = self.body = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.title = heading("Outcome measures & goals", 2)  # a host tab may hide it
        v.addWidget(self.title)
        head = QHBoxLayout()
        self.picker = named(QComboBox(), "measurePicker")
        for d in measure_services.catalog():
            self.picker.addItem(
                f"{d.id} — {d.name}" if not d.name.startswith(d.id) else d.name, d.id
            )
        # Long names ("QuickDASH — Quick Disabilities of the Arm…") would set the panel's
        # minimum width; the box stays narrow and its list shows them whole.
        self.picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.picker.setMinimumContentsLength(22)
        self.picker.view().setMinimumWidth(self.picker.view().sizeHintForColumn(0) + 24)
        self.record_button = named(QPushButton("Record measure"), "recordMeasure")
        self.record_button.setToolTip("Enter item scores for the chosen measure (Ctrl+M)")
        self.record_button.clicked.connect(self.start_entry)
        self.report_button = named(QPushButton("Progress report"), "draftProgressReport")
        self.report_button.clicked.connect(lambda: self._draft("progress"))
        self.discharge_button = named(QPushButton("Discharge summary"), "draftDischarge")
        self.discharge_button.clicked.connect(lambda: self._draft("discharge"))
        for w in (self.picker, self.record_button, None, self.report_button,
                  self.discharge_button):
            if w is None:
                head.addStretch(1)
            else:
                head.addWidget(w)
        v.addLayout(head)
        self.stack = named(QStackedWidget(), "measureStack")
        overview = QWidget()
        ov = QVBoxLayout(overview)
        ov.setContentsMargins(0, 0, 0, 0)
        self.board = GoalsBoard()
        ov.addWidget(self.board)
        self.charts_area = named(QScrollArea(), "trendCharts")
        self.charts_area.setWidgetResizable(True)
        self._charts_host = QWidget()
        self._charts_layout = QVBoxLayout(self._charts_host)
        self._charts_layout.setContentsMargins(8, 4, 8, 8)
        self._charts_layout.addStretch(1)
        self.charts_area.setWidget(self._charts_host)
        self.charts_area.viewport().installEventFilter(self)  # charts follow its height
        ov.addWidget(self.charts_area, 1)
        self.empty = label("No episode chosen.", "hint", name="measuresEmpty")
        ov.addWidget(self.empty)
        self.form = MeasureEntryForm()
        self.form.submitted.connect(self._save)
        self.form.cancelled.connect(lambda: self.stack.setCurrentIndex(0))
        self.stack.addWidget(overview)
        self.stack.addWidget(self.form)
        v.addWidget(self.stack, 1)
        self.charts: list[TrendChart] = []
        # Ctrl+M is the window's "Record measure" action (desktop/shortcuts.py): a second,
        # panel-local QShortcut on the same keys would make Qt fire neither.
        self._reload = QTimer(self, singleShot=True, interval=200)
        self._reload.timeout.connect(lambda: self.show_episode(self.episode_id))
        ctx.bus.changes_applied.connect(self._on_changes)
        self._set_enabled(False)

    # -- loading ----------------------------------------------------------------------------------
    def show_episode(self, episode_id: uuid.UUID | None) -> None:
        if episode_id is None:
            return
        if episode_id != self.episode_id:
            self.clear()
        self.episode_id = episode_id
        self._stale = False
        ops.episode_measures(self, episode_id, self.ctx.clock.today()).success(self._render).run()

    def _render(self, data: EpisodeMeasures) -> None:
        if data.episode_id != self.episode_id:
            return
        self.data = data
        self.board.set_goals(data.goals)
        self._clear_charts()
        for summary in data.measures:
            caption = label(summary_line(summary), "muted", wrap=True, name="measureSummary")
            caption.setAlignment(Qt.AlignmentFlag.AlignTop)
            chart = TrendChart()
            chart.set_spec(summary.trend)
            # The verdict beside its chart, like a figure's caption: one measure is one row,
            # and a whole chart with its verdict shows under the goals board without scrolling.
            row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 6)
            h.setSpacing(14)
            h.addWidget(chart, 2)
            h.addWidget(caption, 1)
            self._charts_layout.insertWidget(self._charts_layout.count() - 1, row)
            self.charts.append(chart)
        self._fit_charts()
        self.empty.setText(
            ""
            if data.measures
            else "No measures recorded yet: choose one and press Record measure."
        )
        self._set_enabled(True)
        self.loaded.emit(data.episode_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.charts_area.viewport():
            self._fit_charts()
        return super().eventFilter(watched, event)

    def _fit_charts(self) -> None:
        """Each chart as tall as the visible area allows, so the first one shows whole without
        scrolling (1366 × 768 left 226 px for a 240 px chart), within 200 px and about half
        its width (taller screens get taller charts, never flatter than ~2:1 where room allows;
        a fixed height squashed them on small screens and left big ones empty)."""
        viewport = self.charts_area.viewport()
        chart_width = max(1, (viewport.width() - 30) * 2 // 3)  # the chart's 2 of 3 columns
        height = min(viewport.height() - 12, chart_width // 2, MAX_CHART_HEIGHT)
        for chart in self.charts:
            chart.setFixedHeight(max(MIN_CHART_HEIGHT, height))

    def _clear_charts(self) -> None:
        while self._charts_layout.count() > 1:
            item = self._charts_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.charts = []

    def _set_enabled(self, on: bool) -> None:
        for w in (self.picker, self.record_button, self.report_button, self.discharge_button):
            w.setEnabled(on)

    def _on_changes(self, changes: Any) -> None:
        if self.episode_id is None:
            return
        if (
            "measure_score" in changes
            or self.episode_id in changes.ids("episode")
            or changes.structural("note")
        ):
            if self.isVisible():
                self._reload.start()
            else:
                self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale and self.episode_id is not None:
            self._stale = False
            self._reload.start()

    # -- recording --------------------------------------------------------------------------------
    def start_entry(self, measure_id: str | None = None) -> None:
        if self.episode_id is None:
            return
        if measure_id:
            self.picker.setCurrentIndex(max(0, self.picker.findData(measure_id)))
        chosen = self.picker.currentData()
        definition = next(d for d in measure_services.catalog() if d.id == chosen)
        self.form.set_measure(definition, date=self.ctx.clock.today())
        self.stack.setCurrentWidget(self.form)
        if self.form.fields:
            self.form.fields[0].setFocus()

    def _save(self, entry: MeasureEntry) -> None:
        if self.episode_id is None:
            return
        ops.record_score(
            self,
            episode_id=self.episode_id,
            measure_id=entry.measure_id,
            date=entry.date,
            responses=entry.responses,
            unit=entry.unit,
            today=self.ctx.clock.today(),
        ).success(self._saved).failure(self._refused).run()

    def _saved(self, _result: Any) -> None:
        self.stack.setCurrentIndex(0)
        self._reload.start()

    def _refused(self, error: BaseException) -> bool:
        if isinstance(error, ChartsideError):
            self.form.show_error(str(error))
            return True
        return False

    # -- report drafts ----------------------------------------------------------------------------
    def _draft(self, kind: str) -> None:
        clinician = getattr(self.ctx.session, "clinician_id", None)
        if self.episode_id is None:
            return
        if clinician is None:
            self.ctx.present(ValidationError("Choose who is charting before drafting a report."))
            return
        build = ops.draft_progress_report if kind == "progress" else ops.draft_discharge_summary
        build(self, self.episode_id, clinician_id=clinician, on=self.ctx.clock.today()).success(
            lambda result: self.note_chosen.emit(result.value.note.id)
        ).run()

    def clear(self) -> None:
        self._reload.stop()
        self.episode_id = None
        self.data = None
        self.board.clear()
        self.board.set_goals(())
        self._clear_charts()
        self.stack.setCurrentIndex(0)
        self.empty.setText("No episode chosen.")
        self._set_enabled(False)
