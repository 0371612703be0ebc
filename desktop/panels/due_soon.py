"""``DueSoonPanel``: the sidebar's "Due soon" box under Today — progress reports due and plans
of care ending (``desktop.measures.alerts.ProgressAlertsView``), compact: severity, patient and
what is due (the date is in the text; the whole message is in the tooltip).

Contract: ``refresh()`` on unlock, ``clear()`` on lock; the view reloads itself on changes.
Activating a row emits ``patient_chosen(patient_id)`` then ``episode_chosen(episode_id)``.
GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHeaderView, QVBoxLayout, QWidget

from desktop.measures.alerts import ProgressAlertsModel, ProgressAlertsView
from desktop.widgets import heading


class DueSoonPanel(QWidget):
    patient_chosen = Signal(object)
    episode_chosen = Signal(object)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dueSoonPanel")
        v = self._layout = QVBoxLayout(self)
        v.setContentsMargins(12, 6, 6, 12)
        v.addWidget(heading("Due soon", 2))
        self.view = ProgressAlertsView(ctx)
        table = self.view.table
        table.horizontalHeader().hide()
        table.setColumnHidden(ProgressAlertsModel.Column.DUE, True)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(
            ProgressAlertsModel.Column.SEVERITY, QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(
            ProgressAlertsModel.Column.PATIENT, QHeaderView.ResizeMode.ResizeToContents
        )
        self.view.patient_chosen.connect(self.patient_chosen)
        self.view.episode_chosen.connect(self.episode_chosen)
        self.view.loaded.connect(lambda _n: self._fit())
        v.addWidget(self.view, 1)
        self._fit()

    def _fit(self) -> None:
        """As tall as its rows (at most five; the rest scroll): the patient list above keeps
        the room, and an empty box is one line, not a blank pane."""
        rows = min(self.view.model.rowCount(), 5)
        table = self.view.table
        table.setFixedHeight(rows * table.verticalHeader().defaultSectionSize() + 4)
        self.view.empty.setWordWrap(False)
        self.setFixedHeight(self._layout.sizeHint().height())

    def refresh(self) -> None:
        self.view.refresh()

    def clear(self) -> None:
        self.view.clear()
