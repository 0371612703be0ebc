"""Timed blocks: one row per service with its code, start/stop clock times ("Now" buttons for
live timing), derived minutes, side, 59/X modifier (prompted when a same-day pair edit asks
for it), goal links from the plan's active goals, the goal sentence and the code's form.

Contract:
- Each edit is saved through ``notes.update_block`` on the worker: pickers, checkboxes and
  "Now" at once; typed text and times debounced (300 ms). Times are typed
  (``desktop.fields.TimeField``: ``900``, ``9a``, ``1:05p``…); unreadable time text is never
  saved (the field is marked and the stored time stays). Minutes are computed here
  from the two times for display only; units always come from the rules.
- ``apply_findings`` shows the modifier prompt on a row only when a pair finding asks for
  59/X on that block (the rules raise it only when the two blocks are distinct in time).
- Rows never run queries; the host (``NoteEditor``) runs ops and rechecks after saves.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.enums import Laterality
from desktop.fields import TimeField
from desktop.models.lists import goal_labels
from desktop.note.block_forms import DetailForm, ExerciseForm, form_for
from desktop.note.code_picker import CodePicker
from desktop.saving import DebouncedSaver
from desktop.widgets import label, named

DISTINCT = ("XU", "XS", "XE", "XP", "59")
PROMPT_IDS = ("pair.modifier_required", "pair.modifier_suggested", "pair.unverified_edit")
SIDE_CHOICES: tuple[tuple[str, Laterality | None], ...] = (
    ("Side…", None),
    ("Right", Laterality.RIGHT),
    ("Left", Laterality.LEFT),
    ("Bilateral", Laterality.BILATERAL),
    ("Not applicable", Laterality.NOT_APPLICABLE),
)


class BlockRow(QFrame):
    """One timed block. ``save(**changes)`` is the host's callback (one update op)."""

    remove_requested = Signal(uuid.UUID)
    copy_forward = Signal(uuid.UUID)

    def __init__(
        self,
        block: Any,
        *,
        goals: Sequence[Any],
        codes: Sequence[Any],
        save: Callable[..., None],
        now: Callable[[], dt.datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("blockRow")
        self.block_id: uuid.UUID = block.id
        self.code = block.code
        self._save = save
        self._now = now
        self._modifiers = tuple(block.modifiers)
        v = QVBoxLayout(self)
        v.setContentsMargins(10, 8, 10, 8)
        v.setSpacing(6)
        top = QHBoxLayout()
        self.picker = CodePicker(codes, timed=True)
        self.picker.setObjectName("blockCode")
        self.picker.set_code(block.code)
        self.picker.code_chosen.connect(self._code_changed)
        self.start = TimeField("blockStart")
        self.stop = TimeField("blockStop")
        self.start.set_value(block.start)
        self.stop.set_value(block.stop)
        self.start_now = named(QPushButton("Start now"), "startNow")
        self.stop_now = named(QPushButton("Stop now"), "stopNow")
        self.start_now.setProperty("role", "small")
        self.stop_now.setProperty("role", "small")
        self.minutes = label("", "minutes", name="blockMinutes")
        self.side = named(QComboBox(), "blockSide")
        for text, value in SIDE_CHOICES:
            self.side.addItem(text, value.value if value else "")
        side = Laterality(block.laterality).value if block.laterality else ""
        self.side.setCurrentIndex(max(0, self.side.findData(side)))
        self.modifier = named(QComboBox(), "blockModifier")
        self.modifier.addItem("No 59/X", "")
        for m in DISTINCT:
            self.modifier.addItem(m, m)
        chosen = next((m for m in block.modifiers if m in DISTINCT), "")
        self.modifier.setCurrentIndex(max(0, self.modifier.findData(chosen)))
        self.remove = named(QPushButton("Remove"), "removeBlock")
        self.remove.setProperty("role", "link")
        top.addWidget(self.picker, 1)
        top.addWidget(self.minutes)
        top.addWidget(self.remove)
        v.addLayout(top)
        times = QHBoxLayout()
        times.addWidget(label("From", "fieldLabel"))
        times.addWidget(self.start)
        times.addWidget(self.start_now)
        times.addSpacing(6)
        times.addWidget(label("to", "fieldLabel"))
        times.addWidget(self.stop)
        times.addWidget(self.stop_now)
        times.addStretch(1)
        times.addWidget(self.side)
        times.addWidget(self.modifier)
        v.addLayout(times)
        self.prompt = named(QFrame(), "modifierPrompt")
        p = QHBoxLayout(self.prompt)
        p.setContentsMargins(8, 4, 8, 4)
        self.prompt_text = label("", "prompt", wrap=True, name="modifierPromptText")
        self.prompt_xu = named(QPushButton("Add XU"), "promptXU")
        self.prompt_59 = named(QPushButton("Add 59"), "prompt59")
        p.addWidget(self.prompt_text, 1)
        p.addWidget(self.prompt_xu)
        p.addWidget(self.prompt_59)
        self.prompt.hide()
        v.addWidget(self.prompt)
        goals_row = QGridLayout()
        goals_row.setHorizontalSpacing(14)
        goals_row.addWidget(label("Goals", "fieldLabel"), 0, 0)
        self.goal_boxes: dict[uuid.UUID, QCheckBox] = {}
        labels = goal_labels(list(goals))
        for goal in goals:
            if not goal.is_active and goal.id not in block.goal_ids:
                continue
            text = f"{labels[goal.id]} · {goal.activity}"
            box = QCheckBox(text if len(text) < 42 else text[:40] + "…")
            box.setObjectName("goalLink")
            box.setToolTip(goal.summary)
            box.setChecked(goal.id in block.goal_ids)
            box.toggled.connect(self._goals_changed)
            n = len(self.goal_boxes)
            goals_row.addWidget(box, n // 2, 1 + n % 2)
            self.goal_boxes[goal.id] = box
        if not self.goal_boxes:
            goals_row.addWidget(
                label("No active goals: add them in the plan of care.", "hint"), 0, 1
            )
        goals_row.setColumnStretch(3, 1)
        v.addLayout(goals_row)
        self.connection = named(QLineEdit(), "goalConnection")
        self.connection.setPlaceholderText(
            "How this serves the goal, e.g. … to improve stair climbing (STG 1)"
        )
        self.connection.setText(block.goal_connection)
        v.addWidget(self.connection)
        self.form: DetailForm = form_for(block.code)
        self.form.set_details(block.details)
        v.addWidget(self.form)
        if isinstance(self.form, ExerciseForm):
            self.form.copy_forward_requested.connect(lambda: self.copy_forward.emit(self.block_id))
        self._wire()
        self._update_minutes()

    def _wire(self) -> None:
        self._time_saver = DebouncedSaver(self, self._save_times, self.times)
        self.start.timeChanged.connect(lambda *_: self._time_edited())
        self.stop.timeChanged.connect(lambda *_: self._time_edited())
        self._time_saver.watch_focus(self.start)
        self._time_saver.watch_focus(self.stop)
        self.start_now.clicked.connect(lambda: self.set_now(self.start))
        self.stop_now.clicked.connect(lambda: self.set_now(self.stop))
        self.side.activated.connect(lambda _i: self._save(laterality=self.laterality()))
        self.modifier.activated.connect(lambda _i: self._save(modifiers=self.modifiers()))
        self.prompt_xu.clicked.connect(lambda: self.choose_modifier("XU"))
        self.prompt_59.clicked.connect(lambda: self.choose_modifier("59"))
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self.block_id))
        self._text_saver = DebouncedSaver(
            self, lambda text: self._save(goal_connection=text), self.connection.text
        )
        self.connection.textChanged.connect(lambda _t: self._text_saver.touch())
        self._text_saver.watch_focus(self.connection)
        self._form_saver = DebouncedSaver(
            self, lambda details: self._save(details=details), self.form.details
        )
        self.form.changed.connect(self._form_saver.touch)

    def _save_times(self, times: tuple[dt.time | None, dt.time | None]) -> None:
        if self.start.is_valid() and self.stop.is_valid():  # unreadable text: keep what is saved
            self._save(start=times[0], stop=times[1])

    # -- values -------------------------------------------------------------------------------
    def times(self) -> tuple[dt.time | None, dt.time | None]:
        return self.start.value(), self.stop.value()

    def modifiers(self) -> tuple[str, ...]:
        kept = tuple(m for m in self._modifiers if m not in DISTINCT)
        chosen = self.modifier.currentData()
        self._modifiers = (*kept, chosen) if chosen else kept
        return self._modifiers

    def laterality(self) -> Laterality | None:
        data = self.side.currentData()
        return Laterality(data) if data else None

    def goal_ids(self) -> tuple[uuid.UUID, ...]:
        return tuple(gid for gid, box in self.goal_boxes.items() if box.isChecked())

    def minutes_value(self) -> int | None:
        start, stop = self.times()
        if start is None or stop is None:
            return None
        return (stop.hour * 60 + stop.minute) - (start.hour * 60 + start.minute)

    # -- edits ----------------------------------------------------------------------------------
    def _time_edited(self) -> None:
        self._update_minutes()
        self._time_saver.touch()

    def _update_minutes(self) -> None:
        m = self.minutes_value()
        self.minutes.setText("" if m is None else (f"{m} min" if m > 0 else "check times"))
        self.minutes.setProperty("state", "bad" if m is not None and m <= 0 else "")
        self.minutes.style().polish(self.minutes)

    def set_now(self, field: TimeField) -> None:
        now = self._now()
        field.set_value(dt.time(now.hour, now.minute))
        self._update_minutes()
        self._time_saver.touch()
        self._time_saver.flush()

    def choose_modifier(self, modifier: str) -> None:
        self.modifier.setCurrentIndex(self.modifier.findData(modifier))
        self.prompt.hide()
        self._save(modifiers=self.modifiers())

    def _goals_changed(self, *_: Any) -> None:
        self._save(goal_ids=self.goal_ids())

    def _code_changed(self, code: str) -> None:
        if code == self.code:
            return
        self.code = code
        self._save(code=code)

    # -- findings ---------------------------------------------------------------------------------
    def apply_findings(self, findings: Sequence[Any]) -> None:
        mine = [f for f in findings if f.block_id == self.block_id and f.id in PROMPT_IDS]
        mine = [f for f in mine if f.field.endswith(".modifiers")]
        if not mine:
            self.prompt.hide()
            return
        self.prompt_text.setText(
            " ".join(f.message for f in mine)
            + " Choose XU when the services were in separate time blocks."
        )
        self.prompt.show()

    def set_read_only(self, read_only: bool) -> None:
        for w in (self.picker, self.side, self.modifier, self.start_now, self.stop_now):
            w.setEnabled(not read_only)
        for field in (self.start, self.stop):
            field.setReadOnly(read_only)
        self.connection.setReadOnly(read_only)
        for box in self.goal_boxes.values():
            box.setEnabled(not read_only)
        self.remove.setVisible(not read_only)
        self.prompt_xu.setEnabled(not read_only)
        self.prompt_59.setEnabled(not read_only)
        self.form.set_read_only(read_only)

    def focus_attr(self, attr: str, detail_key: str | None = None) -> None:
        if detail_key and self.form.focus_key(detail_key):
            return
        target: QWidget = {
            "code": self.picker,
            "start": self.start,
            "stop": self.stop,
            "laterality": self.side,
            "modifiers": self.modifier,
            "goal_connection": self.connection,
        }.get(attr, self.picker)
        if attr == "goal_ids" and self.goal_boxes:
            target = next(iter(self.goal_boxes.values()))
        elif attr == "details":
            chain = self.form.focus_chain()
            target = chain[0] if chain else self.picker
        target.setFocus()

    def focus_chain(self) -> list[QWidget]:
        return [
            self.picker,
            self.start,
            self.start_now,
            self.stop,
            self.stop_now,
            self.side,
            self.modifier,
            *self.goal_boxes.values(),
            self.connection,
            *self.form.focus_chain(),
        ]
