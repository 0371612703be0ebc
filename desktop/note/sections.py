"""The note's writing surface, top to bottom: S/O/A/P text (with smart phrases), the timed
blocks, untimed services, and total treatment time.

Contract: sections hold widgets only; every edit goes to the host's ``run(op)`` (the
``NoteEditor``), which runs it on the database worker and rechecks the note. Text is saved
300 ms after the last keystroke and at once on focus-out, lock and close.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.domain.visit import SECTIONS
from desktop.note.blocks import BlockRow
from desktop.note.code_picker import CodePicker
from desktop.phrases import PhraseExpander, SmartPhrases
from desktop.saving import DebouncedSaver
from desktop.widgets import heading, label, named

TITLES = {
    "subjective": "Subjective",
    "objective": "Objective",
    "assessment": "Assessment",
    "plan": "Plan",
}
PLACEHOLDERS = {
    "subjective": "What the patient reports: pain, function, home program…  (.hep + space)",
    "objective": "What you measured and observed",
    "assessment": "Progress toward goals, response to treatment, skilled need",
    "plan": "Next visit, progression, home program changes",
}


def _section_saver(save: Callable[[str, str], None], name: str) -> Callable[[str], None]:
    return lambda text: save(name, text)


class SoapSection(QWidget):
    def __init__(
        self,
        phrases: SmartPhrases,
        save: Callable[[str, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(4)
        self._loading = False
        self.edits: dict[str, QPlainTextEdit] = {}
        self.savers: dict[str, DebouncedSaver] = {}
        expander = PhraseExpander(phrases, self)
        for name in SECTIONS:
            v.addWidget(label(TITLES[name], "sectionLabel"))
            edit = named(QPlainTextEdit(), f"soap_{name}")
            edit.setPlaceholderText(PLACEHOLDERS[name])
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(64)
            edit.setMaximumHeight(130)
            edit.installEventFilter(expander)
            saver = DebouncedSaver(self, _section_saver(save, name), edit.toPlainText)
            edit.textChanged.connect(self._toucher(saver))
            saver.watch_focus(edit)
            self.edits[name] = edit
            self.savers[name] = saver
            v.addWidget(edit)

    def _toucher(self, saver: DebouncedSaver) -> Callable[[], None]:
        def touch() -> None:
            if not self._loading:
                saver.touch()

        return touch

    def set_note(self, note: Any) -> None:
        self._loading = True
        for name, edit in self.edits.items():
            if edit.toPlainText() != getattr(note, name):
                edit.setPlainText(getattr(note, name))
        self._loading = False

    def set_read_only(self, read_only: bool) -> None:
        for edit in self.edits.values():
            edit.setReadOnly(read_only)

    def clear(self) -> None:
        self._loading = True
        for saver in self.savers.values():
            saver.cancel()
        for edit in self.edits.values():
            edit.clear()
            edit.document().clearUndoRedoStacks()
        self._loading = False


class BlocksSection(QWidget):
    """The list of ``BlockRow``s and the "add a timed block" picker."""

    add_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(heading("Timed services", 2))
        head.addStretch(1)
        self.summary = label("", "muted", name="blocksSummary")
        head.addWidget(self.summary)
        v.addLayout(head)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(8)
        v.addLayout(self.rows_box)
        add = QHBoxLayout()
        self.picker: CodePicker | None = None
        self.add_row = add
        v.addLayout(add)
        self.rows: dict[uuid.UUID, BlockRow] = {}

    def set_catalog(self, codes: Sequence[Any]) -> None:
        if self.picker is not None:
            return
        self.picker = CodePicker(
            codes, timed=True, placeholder="Add a timed service: code or words"
        )
        self.picker.setObjectName("addBlockCode")
        self.picker.setToolTip("Ctrl+B")
        self.picker.code_chosen.connect(self._chosen)
        self.add_row.addWidget(self.picker, 1)
        self.add_row.addStretch(1)

    def _chosen(self, code: str) -> None:
        self.add_requested.emit(code)
        if self.picker is not None:
            self.picker.setCurrentIndex(-1)
            self.picker.clearEditText()

    def set_rows(self, rows: list[BlockRow]) -> None:
        self.clear()
        for row in rows:
            self.rows_box.addWidget(row)
            self.rows[row.block_id] = row
        self._summarize()

    def add(self, row: BlockRow) -> None:
        self.rows_box.addWidget(row)
        self.rows[row.block_id] = row
        self._summarize()

    def remove(self, block_id: uuid.UUID) -> None:
        row = self.rows.pop(block_id, None)
        if row is not None:
            row.hide()  # moves the focus on if it was inside; an orphan must not keep it
            row.setParent(None)
            row.deleteLater()
        self._summarize()

    def _summarize(self) -> None:
        total = sum(m for r in self.rows.values() if (m := r.minutes_value()) and m > 0)
        self.summary.setText(f"{total} timed minutes" if self.rows else "")

    def set_read_only(self, read_only: bool) -> None:
        if self.picker is not None:
            self.picker.setVisible(not read_only)
        for row in self.rows.values():
            row.set_read_only(read_only)

    def clear(self) -> None:
        for block_id in list(self.rows):
            self.remove(block_id)


class UntimedSection(QWidget):
    """Untimed services (1 unit each): code, optional minutes for total time, an optional
    description (required for unlisted codes: 97139, 97039, 97799 — it goes on the claim), remove.
    ``description()`` is the text typed for the service being added."""

    add_requested = Signal(str, object)  # code, minutes | None
    remove_requested = Signal(uuid.UUID)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(heading("Untimed services", 2))
        self.list_box = QVBoxLayout()
        v.addLayout(self.list_box)
        self.add_row = QHBoxLayout()
        v.addLayout(self.add_row)
        self.picker: CodePicker | None = None
        self.minutes = named(QSpinBox(), "untimedMinutes")
        self.minutes.setRange(0, 240)
        self.minutes.setSpecialValueText("min")
        self.minutes.setSuffix(" min")
        self.add_button = named(QPushButton("Add"), "addUntimed")
        self.describe = named(QLineEdit(), "untimedDescription")
        self.describe.setPlaceholderText("Description (unlisted codes)")
        self.describe.setMaxLength(200)
        self._rows: list[QWidget] = []
        self._read_only = False

    def set_catalog(self, codes: Sequence[Any]) -> None:
        if self.picker is not None:
            return
        self.picker = CodePicker(codes, timed=False, placeholder="Add an untimed service")
        self.picker.setObjectName("untimedCode")
        self.add_row.addWidget(self.picker, 1)
        self.add_row.addWidget(self.minutes)
        self.add_row.addWidget(self.describe, 1)
        self.add_row.addWidget(self.add_button)
        self.add_row.addStretch(1)
        self.add_button.clicked.connect(self._add)

    def _add(self) -> None:
        if self.picker is None:
            return
        code = self.picker.code()
        if code and self.picker.findData(code) >= 0:
            self.add_requested.emit(code, self.minutes.value() or None)
            self.picker.setCurrentIndex(-1)
            self.minutes.setValue(0)
            self.describe.clear()

    def description(self) -> str:
        return " ".join(self.describe.text().split())

    def set_services(self, services: Sequence[Any], label_for: Callable[[str], str]) -> None:
        for row in self._rows:
            row.hide()  # as in BlocksSection.remove: the focus must not leave with the row
            row.setParent(None)
            row.deleteLater()
        self._rows = []
        for s in sorted(services, key=lambda s: s.position):
            row = named(QWidget(), "untimedRow")
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            minutes = f"  ·  {s.minutes} min" if s.minutes else ""
            text = (s.details or {}).get("description", "") if isinstance(
                s.details, dict) else ""
            described = f"  ·  {text}" if text else ""
            h.addWidget(label(f"{s.code} · {label_for(s.code)}{minutes}{described}"), 1)
            remove = QPushButton("Remove")
            remove.setProperty("role", "link")
            remove.setVisible(not self._read_only)
            remove.clicked.connect(lambda _c=False, i=s.id: self.remove_requested.emit(i))
            h.addWidget(remove)
            self.list_box.addWidget(row)
            self._rows.append(row)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for w in (self.picker, self.minutes, self.describe, self.add_button):
            if w is not None:
                w.setVisible(not read_only)

    def clear(self) -> None:
        self.set_services([], lambda _c: "")


class TotalTime(QWidget):
    """Total treatment time (timed + untimed, no rest or waiting), typed by the clinician."""

    def __init__(self, save: Callable[[int | None], None], parent: QWidget | None = None):
        super().__init__(parent)
        h = QHBoxLayout(self)
        h.setContentsMargins(0, 0, 0, 0)
        h.addWidget(label("Total treatment time", "sectionLabel"))
        self.spin = named(QSpinBox(), "totalMinutes")
        self.spin.setRange(0, 600)
        self.spin.setSpecialValueText("not entered")
        self.spin.setSuffix(" min")
        h.addWidget(self.spin)
        h.addWidget(label("timed and untimed, excluding rest and waiting", "hint"))
        h.addStretch(1)
        self._loading = False
        self.saver = DebouncedSaver(self, save, lambda: self.spin.value() or None)
        self.spin.valueChanged.connect(lambda _v: None if self._loading else self.saver.touch())
        self.saver.watch_focus(self.spin)

    def set_value(self, minutes: int | None) -> None:
        self._loading = True
        self.spin.setValue(minutes or 0)
        self._loading = False
