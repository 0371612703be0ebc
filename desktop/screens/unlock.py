"""The unlock screen: passphrase (or recovery key) for the last chart, errors inline.

A view: emits ``unlock_requested(path, secret, is_recovery_key)``; the chart flow runs the
unlock on the database worker and calls ``show_error`` / ``show_throttled`` / ``reset``.
While throttled, the Unlock button stays disabled and counts down. The secret is cleared
from the field as soon as it was handed over.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop.saving import make_timer
from desktop.widgets import Busy, CenteredCard, heading, label, named


class UnlockScreen(CenteredCard):
    unlock_requested = Signal(Path, str, bool)
    open_other = Signal(Path)
    create_new = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, width=480)
        self.setObjectName("unlockScreen")
        self.path = Path()
        b = self.body
        b.addWidget(heading("Unlock your chart"))
        self.chart_name = label("", "path", wrap=True, name="unlockChartName")
        b.addWidget(self.chart_name)
        self.reason = label("", "notice", wrap=True, name="lockReason")
        self.reason.hide()
        b.addWidget(self.reason)
        # Who is unlocking: shown only when clinicians have passphrases of their own (issue 15).
        self.who = named(QComboBox(), "unlockUser")
        self.who.setAccessibleName("Unlock as")
        self.who.currentIndexChanged.connect(self._who_changed)
        self.who.hide()
        b.addWidget(self.who)
        self.secret = named(QLineEdit(), "unlockSecret")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("Passphrase")
        self.secret.returnPressed.connect(self._submit)
        b.addWidget(self.secret)
        self.use_recovery = named(QCheckBox("Use my recovery key instead"), "useRecovery")
        self.use_recovery.toggled.connect(self._toggle_recovery)
        b.addWidget(self.use_recovery)
        self.error = label("", "error", wrap=True, name="unlockError")
        b.addWidget(self.error)
        self.busy = Busy("Unlocking…")
        b.addWidget(self.busy)
        row = QHBoxLayout()
        other = QPushButton("Open another chart…")
        other.setProperty("role", "link")
        other.clicked.connect(self._browse)
        new = QPushButton("New chart…")
        new.setProperty("role", "link")
        new.clicked.connect(self.create_new)
        self.unlock_button = named(QPushButton("Unlock"), "unlockButton")
        self.unlock_button.setProperty("role", "primary")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        row.addWidget(other)
        row.addWidget(new)
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        b.addLayout(row)
        self._wait_until = 0.0
        self._remaining = 0
        self._countdown = make_timer(self, 1000)
        self._countdown.timeout.connect(self._tick)

    # -- API ----------------------------------------------------------------------------------
    def start(self, path: Path, *, reason: str = "") -> None:
        self.path = path
        self.chart_name.setText(f"{path.name}  ·  {path.parent}")
        self.reason.setText(reason)
        self.reason.setVisible(bool(reason))
        self.error.clear()
        self.secret.clear()
        self.busy.stop()
        self._fill_users(path)
        self.unlock_button.setEnabled(self._remaining <= 0)
        self.secret.setFocus()

    def selected_user(self) -> str | None:
        """The clinician id chosen in "Unlock as", or None for the chart owner."""
        if self.use_recovery.isChecked() or not self.who.isVisible():
            return None
        value = self.who.currentData()
        return str(value) if value else None

    def show_error(self, message: str) -> None:
        self.busy.stop()
        self.unlock_button.setEnabled(self._remaining <= 0)
        self.error.setText(message)
        self.secret.selectAll()
        self.secret.setFocus()

    def show_throttled(self, message: str, retry_after: float) -> None:
        self.show_error(message)
        self._remaining = max(1, math.ceil(retry_after))
        self.unlock_button.setEnabled(False)
        self._countdown.start()

    # -- internals --------------------------------------------------------------------------
    def _fill_users(self, path: Path) -> None:
        """The users of the chart's key file (a small plaintext file: no unlock needed)."""
        from core.domain.errors import ChartsideError
        from core.services import users

        try:
            entries = users.list_users(path)
        except (ChartsideError, OSError):
            entries = []  # the unlock itself reports a missing or damaged key file
        keep = self.who.currentData()
        self.who.blockSignals(True)
        self.who.clear()
        self.who.addItem("Chart owner (main passphrase)", None)
        for entry in entries:
            self.who.addItem(entry.label, entry.user_id)
        index = self.who.findData(keep) if keep else 0
        self.who.setCurrentIndex(max(index, 0))
        self.who.blockSignals(False)
        self.who.setVisible(bool(entries) and not self.use_recovery.isChecked())
        self._who_changed()

    def _who_changed(self, _index: int = 0) -> None:
        if not self.use_recovery.isChecked():
            owner = not self.who.currentData()
            self.secret.setPlaceholderText("Passphrase" if owner else "Your passphrase")

    def _tick(self) -> None:
        self._remaining -= 1
        if self._remaining <= 0:
            self._countdown.stop()
            self.unlock_button.setEnabled(True)
            self.error.setText("You can try again now.")
        else:
            self.error.setText(
                f"Too many failed unlock attempts. Try again in {self._remaining} s."
            )

    def _toggle_recovery(self, on: bool) -> None:
        self.who.setVisible(not on and self.who.count() > 1)
        self.secret.clear()
        self.secret.setPlaceholderText("Recovery key (XXXX-XXXX-…)" if on else "Passphrase")
        self.secret.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        self.secret.setFocus()

    def _submit(self) -> None:
        if not self.unlock_button.isEnabled():
            return
        secret = self.secret.text()
        if not secret:
            self.error.setText("Type your passphrase first.")
            return
        self.error.clear()
        self.busy.start()
        self.unlock_button.setEnabled(False)
        self.secret.clear()
        self.unlock_requested.emit(self.path, secret, self.use_recovery.isChecked())

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a chart", "", "Charts (*.chart);;All (*)")
        if path:
            self.open_other.emit(Path(path))
