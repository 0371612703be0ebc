"""``BlockConfirmDialog``: the clinician's confirm step for a timed block the dictation suggests.

Contract:
- Shows the suggested code (and its alternatives when the dictated purpose was unclear),
  From/To clock times (the dictated ones, else the dictated minutes placed after ``anchor``,
  else empty), the side, goal check boxes (suggestions pre-ticked), the details that will be
  saved, and the flags that stand on the block in their severity colours.
- A block with a ``block``-severity flag needs "I checked this against the recording" before
  *Add block* is enabled. Nothing is saved here: ``choice()`` returns a ``BlockChoice`` that
  the panel turns into ``notes.add_block``. GUI thread only; no I/O.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from core.domain.enums import Laterality
from desktop.models.lists import goal_labels
from desktop.models.note_models import SEVERITY_COLOR, SEVERITY_LABEL
from desktop.note.blocks import SIDE_CHOICES, TimeField
from desktop.scribe_panel.review import ReviewRow, default_times
from desktop.widgets import heading, label, named


@dataclass(frozen=True)
class BlockChoice:
    code: str
    start: dt.time | None
    stop: dt.time | None
    laterality: Laterality | None
    goal_ids: tuple[uuid.UUID, ...]
    details: dict[str, Any]


def _details_text(details: dict[str, Any]) -> str:
    lines = []
    for key, value in details.items():
        if key == "target_outcomes":
            continue
        if key == "exercises":
            for ex in value:
                parts = [str(ex.get("name", ""))]
                if ex.get("sets") and ex.get("reps"):
                    parts.append(f"{ex['sets']}×{ex['reps']}")
                if ex.get("load"):
                    parts.append(f"{ex['load']:g} {ex.get('load_unit') or ''}".rstrip())
                lines.append("Exercise: " + " · ".join(parts))
        elif value:
            lines.append(f"{key.replace('_', ' ').capitalize()}: {value}")
    return "\n".join(lines) or "—"


class BlockConfirmDialog(QDialog):
    def __init__(
        self,
        row: ReviewRow,
        *,
        details: dict[str, Any],
        goals: Sequence[Any],
        suggested_goals: Sequence[uuid.UUID],
        anchor: dt.time | None,
        code_label: Callable[[str], str] = lambda _c: "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        assert row.block is not None
        block = row.block
        self.setObjectName("dictationBlockConfirm")
        self.setWindowTitle("Add the dictated timed block")
        self.details = details
        v = QVBoxLayout(self)
        v.addWidget(heading("Confirm the timed block", 2))
        v.addWidget(label(
            "Check the code, times, side and goals against what was said. Nothing is billed "
            "until you sign the note.", "muted", wrap=True))
        form = QFormLayout()
        self.code = named(QComboBox(), "blockConfirmCode")
        for code in (block.code, *block.alternatives):
            text = f"{code} — {code_label(code)}" if code_label(code) else code
            self.code.addItem(text, code)
        form.addRow("Code", self.code)
        start, stop = default_times(block, anchor)
        times = QHBoxLayout()
        self.start = TimeField("blockConfirmStart")
        self.stop = TimeField("blockConfirmStop")
        self.start.set_value(start)
        self.stop.set_value(stop)
        self.minutes = label("", "minutes", name="blockConfirmMinutes")
        for w in (self.start, QLabel("to"), self.stop, self.minutes):
            times.addWidget(w)
        times.addStretch(1)
        form.addRow("From", times)
        said = f"{block.minutes} min" if block.minutes else "no time"
        if block.start and block.stop:
            said = f"{block.start} to {block.stop}"
        form.addRow("Dictated", label(said, "muted"))
        self.side = named(QComboBox(), "blockConfirmSide")
        for text, value in SIDE_CHOICES:
            self.side.addItem(text, value.value if value else "")
        if block.side:
            self.side.setCurrentIndex(max(0, self.side.findData(block.side)))
        form.addRow("Side", self.side)
        goal_box = QWidget()
        gv = QVBoxLayout(goal_box)
        gv.setContentsMargins(0, 0, 0, 0)
        labels = goal_labels(list(goals))
        self.goal_checks: dict[uuid.UUID, QCheckBox] = {}
        for goal in goals:
            check = QCheckBox(f"{labels[goal.id]} · {goal.activity}")
            check.setChecked(goal.id in suggested_goals)
            if goal.id in suggested_goals:
                check.setToolTip("Suggested: the dictation shares words with this goal.")
            self.goal_checks[goal.id] = check
            gv.addWidget(check)
        if not goals:
            gv.addWidget(label("No active goals on the plan of care.", "muted"))
        form.addRow("Goals", goal_box)
        form.addRow("Details", label(_details_text(details), "muted", wrap=True))
        v.addLayout(form)
        self.flag_labels = []
        for flag in row.flags:
            severity = str(flag.severity)
            flag_label = label(f"{SEVERITY_LABEL[severity]} · {flag.message}", wrap=True)
            flag_label.setStyleSheet(f"color: {SEVERITY_COLOR[severity]};")
            self.flag_labels.append(flag_label)
            v.addWidget(flag_label)
        self.confirm_box = named(
            QCheckBox("I checked this against the recording"), "blockConfirmChecked")
        self.confirm_box.setVisible(row.needs_confirmation)
        v.addWidget(self.confirm_box)
        buttons = QDialogButtonBox()
        self.add_button = buttons.addButton("Add block", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setObjectName("blockConfirmAdd")
        self.add_button.setProperty("role", "primary")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)
        self.confirm_box.toggled.connect(self._update)
        self.start.timeChanged.connect(self._update)
        self.stop.timeChanged.connect(self._update)
        self._needs_confirmation = row.needs_confirmation
        self._update()

    def _update(self, *_: Any) -> None:
        start, stop = self.start.value(), self.stop.value()
        if start and stop:
            minutes = (stop.hour * 60 + stop.minute) - (start.hour * 60 + start.minute)
            self.minutes.setText(f"{minutes} min")
            self.minutes.setProperty("state", "bad" if minutes <= 0 else "")
        else:
            self.minutes.setText("")
        ok = not self._needs_confirmation or self.confirm_box.isChecked()
        self.add_button.setEnabled(ok)

    def choice(self) -> BlockChoice:
        side = self.side.currentData()
        return BlockChoice(
            code=str(self.code.currentData()),
            start=self.start.value(),
            stop=self.stop.value(),
            laterality=Laterality(side) if side else None,
            goal_ids=tuple(g for g, check in self.goal_checks.items() if check.isChecked()),
            details=dict(self.details),
        )
