"""Preferences (Ctrl+,): the auto-lock delay, dictation (model, precision, measured speed:
``dictation_settings``) and the smart-phrase list (General), and pages
the window adds while a chart is open (Sync: ``desktop.sync.settings_page``).

Writes ``Options`` (QSettings, no PHI) and ``smart_phrases.json`` when accepted;
``changed`` fires so the app re-arms its idle monitor. Added pages act at once (enrolling a
device is not undone by Cancel); ``show_page(title)`` brings one forward.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.context import AppContext
from desktop.dialogs.dictation_settings import DictationSettings
from desktop.widgets import heading, label, named


class PreferencesDialog(QDialog):
    changed = Signal()

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        *,
        pages: Sequence[tuple[str, QWidget]] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self.resize(680, 600 if pages else 520)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.addWidget(heading("Preferences", 2))
        self.tabs = named(QTabWidget(), "preferenceTabs")
        general = QWidget()
        self.tabs.addTab(general, "General")
        for title, page in pages:
            self.tabs.addTab(page, title)
        self.tabs.tabBar().setVisible(bool(pages))
        outer.addWidget(self.tabs, 1)
        v = QVBoxLayout(general)
        v.setContentsMargins(0, 8, 0, 0)
        form = QFormLayout()
        self.minutes = named(QSpinBox(), "autoLockMinutes")
        self.minutes.setRange(1, 120)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(ctx.options.auto_lock_minutes)
        form.addRow("Lock after idle", self.minutes)
        v.addLayout(form)
        self.dictation = DictationSettings(ctx)
        self.precision = self.dictation.precision
        v.addWidget(self.dictation)
        v.addWidget(heading("Smart phrases", 3))
        v.addWidget(
            label(
                "Type the abbreviation followed by a space in any note section to expand it. "
                "Phrases are stored on this computer, outside the chart.",
                "hint",
                wrap=True,
            )
        )
        phrases = sorted(ctx.phrases.phrases.items())
        self.table = named(QTableWidget(len(phrases), 2), "phraseTable")
        self.table.setHorizontalHeaderLabels(["Abbreviation", "Expands to"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for row, (abbr, text) in enumerate(phrases):
            self.table.setItem(row, 0, QTableWidgetItem(abbr))
            self.table.setItem(row, 1, QTableWidgetItem(text))
        v.addWidget(self.table, 1)
        buttons_row = QHBoxLayout()
        add = QPushButton("Add phrase")
        add.clicked.connect(self._add)
        remove = QPushButton("Remove selected")
        remove.clicked.connect(lambda: self.table.removeRow(self.table.currentRow()))
        buttons_row.addWidget(add)
        buttons_row.addWidget(remove)
        buttons_row.addStretch(1)
        v.addLayout(buttons_row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)

    def show_page(self, title: str) -> None:
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title:
                self.tabs.setCurrentIndex(index)

    def _add(self) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem("."))
        self.table.setItem(row, 1, QTableWidgetItem(""))
        item = self.table.item(row, 0)
        if item is not None:
            self.table.editItem(item)

    def save(self) -> None:
        phrases: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            abbr = (self.table.item(row, 0) or QTableWidgetItem()).text().strip()
            text = (self.table.item(row, 1) or QTableWidgetItem()).text().strip()
            if abbr and text and " " not in abbr:
                phrases[abbr] = text
        self.ctx.phrases.phrases = phrases
        try:
            self.ctx.phrases.save()
        except OSError:
            from core.domain.errors import StorageFailure

            self.ctx.present(
                StorageFailure(
                    "The smart phrases could not be saved.",
                    hint="Check that the disk is not full or read-only.",
                )
            )
        self.ctx.options.set("security/auto_lock_minutes", self.minutes.value())
        self.dictation.save()
        self.changed.emit()
        self.accept()
