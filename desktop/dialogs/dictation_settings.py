"""Preferences › Dictation: which speech model this device uses, its precision, and how fast
it is here.

Contract: ``DictationSettings(ctx)`` is a widget for the Preferences form. The model list is the
bundled tiny.en plus every CTranslate2 Whisper folder the user added on this device (Options
``scribe/models``; a folder, or a zip unpacked under the data folder's ``models/``; checked by
``scribe.models.import_model``; nothing is downloaded). *Measure speed* transcribes the bundled
10-second probe with the chosen model and precision on the job pool and shows the real-time
factor and the expected wait for a 5-minute dictation. ``save()`` writes ``scribe/model``,
``scribe/models`` and ``scribe/compute_type``; the dialog calls it on Save. GUI thread only;
importing and measuring run as ``JobOp``s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QWidget,
)

from desktop.settings import data_dir
from desktop.widgets import label, named
from desktop.worker import JobOp

# (value stored in Options, label). '' follows the scribe's measured default (docs/scribe.md).
PRECISIONS = (("", "Default (measured for this app)"),
              ("int8", "Faster (int8)"),
              ("float32", "More exact, slower (float32)"))
BUNDLED = "Bundled: Whisper tiny.en (English)"


class DictationSettings(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.model = named(QComboBox(), "scribeModel")
        self.model.addItem(BUNDLED, "")
        for folder in self.added():
            self.model.addItem(Path(folder).name, folder)
        self.model.setCurrentIndex(max(0, self.model.findData(ctx.options.get("scribe/model"))))
        add_folder = QPushButton("Add model folder…")
        add_folder.clicked.connect(self.choose_folder)
        add_zip = QPushButton("Import zip…")
        add_zip.clicked.connect(self.choose_zip)
        row = QHBoxLayout()
        row.addWidget(self.model, 1)
        row.addWidget(add_folder)
        row.addWidget(add_zip)
        form.addRow("Dictation model", row)
        self.precision = named(QComboBox(), "scribePrecision")
        for value, text in PRECISIONS:
            self.precision.addItem(text, value)
        self.precision.setCurrentIndex(
            max(0, self.precision.findData(ctx.options.get("scribe/compute_type"))))
        form.addRow("Dictation precision", self.precision)
        self.measure = QPushButton("Measure speed")
        self.measure.clicked.connect(self.measure_speed)
        self.speed = label("Measure how fast the chosen model transcribes on this computer.",
                           "hint", wrap=True)
        speed_row = QHBoxLayout()
        speed_row.addWidget(self.measure)
        speed_row.addWidget(self.speed, 1)
        form.addRow("", speed_row)

    def added(self) -> list[str]:
        try:
            folders = json.loads(self.ctx.options.get("scribe/models") or "[]")
        except json.JSONDecodeError:
            return []
        return [f for f in folders if isinstance(f, str)]

    # -- adding ---------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A CTranslate2 Whisper model folder")
        if folder:
            self.add_model(Path(folder))

    def choose_zip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A zipped model folder", "", "Zip (*.zip)")
        if path:
            self.add_model(Path(path))

    def add_model(self, source: Path) -> None:
        """Check (and unpack) ``source`` on the job pool, then list and choose it."""
        from scribe.models import import_model

        self.speed.setText(f"Checking {source.name}…")
        into = data_dir() / "models"

        def run() -> Path:
            into.mkdir(parents=True, exist_ok=True)
            return import_model(source, into)

        JobOp(self, run).success(self._added).failure(self._failed).run()

    def _added(self, folder: Path) -> None:
        value = str(folder)
        if self.model.findData(value) < 0:
            self.model.addItem(folder.name, value)
        self.model.setCurrentIndex(self.model.findData(value))
        self.speed.setText(f"{folder.name} added. Measure its speed before relying on it.")

    def _failed(self, error: BaseException) -> bool:
        from core.domain.errors import ChartsideError

        self.measure.setEnabled(True)
        if isinstance(error, ChartsideError):
            self.speed.setText(str(error))
            return True
        self.speed.setText("That did not work; nothing was changed.")
        return False

    # -- measuring ------------------------------------------------------------------------------
    def measure_speed(self) -> None:
        from scribe.models import measure_speed

        model = self.model.currentData() or None
        precision = self.precision.currentData() or None
        self.measure.setEnabled(False)
        self.speed.setText("Transcribing a 10-second sample…")
        JobOp(self, lambda: measure_speed(model, precision)).success(
            self._measured).failure(self._failed).run()

    def _measured(self, probe: Any) -> None:
        self.measure.setEnabled(True)
        self.speed.setText(probe.describe())

    def save(self) -> None:
        models = [self.model.itemData(i) for i in range(1, self.model.count())]
        self.ctx.options.set("scribe/models", json.dumps(models))
        self.ctx.options.set("scribe/model", self.model.currentData() or "")
        self.ctx.options.set("scribe/compute_type", self.precision.currentData() or "")
