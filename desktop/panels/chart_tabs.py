"""``ChartTabs``: the patient chart's tabs — Overview (diagnoses, goals, visits), Measures &
goals (``MeasuresPanel``) and Billing (``BillingTab``).

Contract:
- The chart calls ``set_patient(id)`` and ``set_episode(id | None)``; a tab reads the chart only
  when it is shown (both reads are audited views, so a chart opened for its visits does not
  log a view of its measures or account). Answers for another patient or episode are dropped
  by the tabs themselves.
- ``show_measures()`` / ``record_measure()`` (Ctrl+M) bring the measures tab forward; the
  latter opens the entry form for the chosen measure.
- ``clear()`` (lock) empties every tab and returns to Overview. GUI thread only.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QTabWidget, QWidget

from desktop.billing.account import BillingTab
from desktop.measures.panel import MeasuresPanel


class ChartTabs(QTabWidget):
    def __init__(self, ctx: Any, overview: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartTabs")
        self.overview = overview
        self.measures = MeasuresPanel(ctx)
        self.measures.title.hide()  # the tab says it
        self.measures.body.setContentsMargins(0, 8, 0, 0)
        self.billing = BillingTab(ctx)
        self.addTab(overview, "Overview")
        self.addTab(self.measures, "Measures && goals")
        self.addTab(self.billing, "Billing")
        self.setTabToolTip(1, "Outcome measures with their trends, goal progress, Ctrl+M to record")
        self.setTabToolTip(2, "Balance, payments, packages and superbills")
        self.patient_id: uuid.UUID | None = None
        self.episode_id: uuid.UUID | None = None
        self.currentChanged.connect(lambda _i: self._load_current())

    def set_patient(self, patient_id: uuid.UUID | None) -> None:
        self.patient_id = patient_id
        self.billing.set_patient(patient_id)

    def set_episode(self, episode_id: uuid.UUID | None) -> None:
        if episode_id != self.episode_id:
            self.episode_id = episode_id
            self.measures.clear()
            if episode_id is None:
                self.measures.empty.setText("No episode yet: start one to record measures.")
        self._load_current()

    def _load_current(self) -> None:
        episode_id = self.episode_id
        if (
            self.currentWidget() is self.measures
            and episode_id is not None
            and self.measures.episode_id != episode_id
        ):
            self.measures.show_episode(episode_id)

    def show_measures(self) -> None:
        self.setCurrentWidget(self.measures)
        self._load_current()

    def record_measure(self) -> None:
        self.show_measures()
        if self.measures.episode_id is not None:
            self.measures.start_entry()

    def clear(self) -> None:
        self.patient_id = None
        self.episode_id = None
        self.measures.clear()
        self.billing.clear()
        self.setCurrentIndex(0)
