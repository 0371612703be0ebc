"""New episode of care: discipline, start date, payer profile. Then the plan-of-care editor
opens for diagnoses and goals. Saves through ``episodes.create_episode`` on the worker."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from desktop.context import AppContext
from desktop.fields import DateField
from desktop.ops import episodes as ops
from desktop.screens.setup import DISCIPLINES
from desktop.widgets import heading, label, named


class NewEpisodeDialog(QDialog):
    created = Signal(uuid.UUID)

    def __init__(self, ctx: AppContext, patient_id: uuid.UUID, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("newEpisodeDialog")
        self.setWindowTitle("New episode of care")
        self.setMinimumWidth(420)
        self.ctx = ctx
        self.patient_id = patient_id
        v = QVBoxLayout(self)
        v.addWidget(heading("New episode of care", 2))
        form = QFormLayout()
        self.discipline = named(QComboBox(), "episodeDiscipline")
        for code, name in DISCIPLINES:
            self.discipline.addItem(name, code)
        self.start = DateField("episodeStart", today=ctx.clock.today)
        self.start.set_value(ctx.clock.today())
        self.payer = named(QComboBox(), "episodePayer")
        for choice in ctx.session.payers:
            self.payer.addItem(choice.label, str(choice.id))
        self.payer.addItem("No payer profile (cash)", "")
        form.addRow("Discipline", self.discipline)
        form.addRow("Start date", self.start)
        form.addRow("Payer profile", self.payer)
        v.addLayout(form)
        v.addWidget(label("Next: add diagnoses and goals in the plan of care.", "hint", wrap=True))
        self.error = label("", "error", wrap=True)
        v.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create episode")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)

    def save(self) -> None:
        start = self.start.value()
        if start is None:
            self.error.setText(self.start.error() or "Enter the episode's start date.")
            self.start.setFocus()
            return
        fields: dict[str, Any] = {
            "patient_id": self.patient_id,
            "discipline": self.discipline.currentData(),
            "start_date": start,
            "cert_start": start,
            "payer_profile_id": uuid.UUID(self.payer.currentData())
            if self.payer.currentData()
            else None,
            "clinician_id": self.ctx.session.clinician_id,
        }
        self.buttons.setEnabled(False)
        ops.create_episode(self, **fields).success(self._saved).failure(self._failed).run()

    def _saved(self, result: Any) -> None:
        self.accept()
        self.created.emit(result.value.id)

    def _failed(self, error: BaseException) -> bool:
        self.buttons.setEnabled(True)
        if isinstance(error, ChartsideError):
            self.error.setText(str(error))
            return True
        return False
