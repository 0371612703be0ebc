"""``GoalsBoard``: the episode's goals as cards in status columns (ongoing, partially met, met,
not met; discontinued only when there are some).

Contract:
- ``set_goals(progress)`` takes ``core.rules.measures.GoalProgress`` rows (from
  ``core.services.measures.episode_measures``) and lays them out; nothing is computed here.
- A card shows STG/LTG, the activity, "measure baseline → current → target", a bar for the
  share of the distance covered, the rule's reason, and the target date. When the scores
  support a status other than the stored one (not yet refreshed) the card says so.
- Cards take focus; Enter, Space or a double-click emits ``goal_activated(goal_id)``.
- GUI thread only; no I/O. ``clear()`` drops everything (lock).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from core.domain.enums import GoalStatus, GoalTerm
from core.rules.measures import GoalProgress
from desktop.formats import show_date
from desktop.measures.common import named
from desktop.widgets import label

COLUMNS: tuple[tuple[GoalStatus, str], ...] = (
    (GoalStatus.ONGOING, "Ongoing"),
    (GoalStatus.PARTIALLY_MET, "Partially met"),
    (GoalStatus.MET, "Met"),
    (GoalStatus.NOT_MET, "Not met"),
    (GoalStatus.DISCONTINUED, "Discontinued"),
)
TERM = {GoalTerm.SHORT: "STG", GoalTerm.LONG: "LTG"}


class GoalCard(QFrame):
    activated = Signal(object)  # goal id

    def __init__(self, progress: GoalProgress, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = progress
        self.setObjectName("goalCard")
        self.setProperty("status", progress.status.value)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        v = QVBoxLayout(self)
        v.setContentsMargins(10, 8, 10, 8)
        v.setSpacing(3)
        v.addWidget(
            label(
                f"{TERM.get(progress.term, 'Goal')} · {progress.activity}",
                "h3",
                wrap=True,
                name="goalActivity",
            )
        )
        if progress.evaluable and progress.path:
            v.addWidget(label(f"{progress.measure_id} {progress.path}", "units", name="goalPath"))
            bar = named(QProgressBar(), "goalBar")
            bar.setRange(0, 100)
            bar.setValue(round((progress.fraction or 0.0) * 100))
            bar.setFormat("%p% of the way")
            bar.setFixedHeight(14)
            v.addWidget(bar)
        elif progress.measure_id:
            v.addWidget(label(progress.measure_id, "muted", name="goalPath"))
        v.addWidget(label(progress.reason, "hint", wrap=True, name="goalReason"))
        if progress.status_changed:
            stored = progress.stored_status.value.replace("_", " ")
            v.addWidget(label(f"Plan of care still says “{stored}”.", "prompt", name="goalStale"))
        if progress.target_date:
            v.addWidget(
                label(f"Target date {show_date(progress.target_date)}", "muted", name="goalDate")
            )
        self.setAccessibleName(f"{progress.activity}: {progress.status.value}")

    @property
    def goal_id(self) -> uuid.UUID:
        return self.progress.goal_id

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.goal_id)
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.activated.emit(self.goal_id)
        super().mouseDoubleClickEvent(event)


class GoalsBoard(QWidget):
    goal_activated = Signal(object)  # goal id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("goalsBoard")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self._columns: dict[GoalStatus, tuple[QWidget, Any, Any]] = {}
        for status, title in COLUMNS:
            column = named(QWidget(), f"goalColumn_{status.value}")
            v = QVBoxLayout(column)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(6)
            header = label(title, "sectionLabel")
            v.addWidget(header)
            v.addStretch(1)
            row.addWidget(column, 1)
            self._columns[status] = (column, v, header)
        self._cards: list[GoalCard] = []
        self.set_goals(())

    def set_goals(self, progress: Sequence[GoalProgress]) -> None:
        self.clear()
        counts = {status: 0 for status, _ in COLUMNS}
        for item in sorted(progress, key=lambda p: (p.term is not GoalTerm.SHORT, p.activity)):
            _column, layout, _header = self._columns[item.status]
            card = GoalCard(item, self)
            card.activated.connect(self.goal_activated.emit)
            layout.insertWidget(layout.count() - 1, card)
            self._cards.append(card)
            counts[item.status] += 1
        for status, title in COLUMNS:
            column, _layout, header = self._columns[status]
            header.setText(f"{title} ({counts[status]})")
            if status is GoalStatus.DISCONTINUED:
                column.setVisible(counts[status] > 0)

    def cards(self, status: GoalStatus | None = None) -> list[GoalCard]:
        return [c for c in self._cards if status is None or c.progress.status is status]

    def clear(self) -> None:
        for card in self._cards:
            card.setParent(None)
            card.deleteLater()
        self._cards = []
