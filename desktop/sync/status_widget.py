"""Status-bar widget: when sync last worked, how many changes wait, what needs attention.

Contract: ``set_status(SyncStatus)`` and ``set_running(bool)`` only render (GUI thread, no I/O);
``now`` is injectable so "2 min ago" is testable. ``clicked`` asks the window to open the sync
settings; ``attention_clicked`` to open the conflict list. The text carries counts and times
only, never PHI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from core.services.sync import SyncStatus


def ago(when: str | None, now: dt.datetime) -> str:
    if not when:
        return "never"
    try:
        then = dt.datetime.fromisoformat(when)
    except ValueError:
        return "unknown"
    if then.tzinfo is None:
        then = then.replace(tzinfo=dt.UTC)
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def describe(status: SyncStatus, now: dt.datetime) -> str:
    state = status.state
    if state == "off":
        return "Sync off"
    if state == "revoked":
        return "Sync stopped: this device was removed"
    if state == "needs_key":
        return "Sync waiting for the practice key"
    parts = [f"Synced {ago(status.last_ok_at, now)}"]
    if status.pending:
        parts.append(f"{status.pending} pending")
    if status.conflicts:
        parts.append(f"{status.conflicts} conflict{'s' if status.conflicts != 1 else ''}")
    if status.notices:
        parts.append(f"{status.notices} notice{'s' if status.notices != 1 else ''}")
    if status.addendum_drafts:
        parts.append(
            f"{status.addendum_drafts} addendum draft{'s' if status.addendum_drafts != 1 else ''}"
        )
    if state == "error":
        parts.append("last try failed")
    return " · ".join(parts)


class SyncStatusWidget(QWidget):
    clicked = Signal()
    attention_clicked = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, now: Callable[[], dt.datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self.text = QLabel("Sync off", self)
        self.text.setObjectName("syncStatusText")
        self.attention = QPushButton("Review", self)
        self.attention.setObjectName("syncReview")
        self.attention.setFlat(True)
        self.attention.hide()
        self.attention.clicked.connect(self.attention_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.text)
        layout.addWidget(self.attention)
        self.status: SyncStatus | None = None
        self._running = False

    def set_status(self, status: SyncStatus) -> None:
        self.status = status
        self._render()

    def set_running(self, running: bool) -> None:
        self._running = running
        self._render()

    def _render(self) -> None:
        if self.status is None:
            return
        text = describe(self.status, self._now())
        if self._running:
            text = "Syncing… · " + text
        self.text.setText(text)
        tip = self.status.last_error or (self.status.server or "")
        self.text.setToolTip(tip)
        self.attention.setVisible(self.status.state == "attention")
        self.setProperty("syncState", self.status.state)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)
