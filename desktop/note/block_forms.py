"""Code-specific detail forms of a timed block (the ``TimedBlock.details`` keys of
docs/rules.md, read by ``core.rules.checks.forms``):

- 97110 therapeutic exercise: ``exercises`` = list of ``{name, position, sets, reps, load,
  load_unit}`` and one ``target_outcome`` for the block (also written as
  ``target_outcomes: [it]``), with "copy forward" of the previous visit's exercises and the
  changes since then highlighted;
- 97530 therapeutic activities: ``activity``, ``functional_task``, ``components`` (list),
  ``skilled_cues``, ``assistance``, ``performance``;
- 97140 manual therapy: ``technique``, ``region``;
- any other code: ``description``.

Contract: a form shows ``set_details(dict)`` and returns ``details()`` — the dict it was given
with its own keys updated (unknown keys survive). It emits ``changed`` on every edit; the
block row saves (debounced). ``focus_key(key)`` puts the cursor on the widget of a key.
GUI thread only; no I/O.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.formats import show_day
from desktop.models.note_models import ExerciseModel
from desktop.widgets import label, named

TARGETS = ("strength", "endurance", "range of motion", "flexibility")
COMPONENTS = (
    "balance",
    "strength",
    "coordination",
    "endurance",
    "range of motion",
    "weight shifting",
    "lifting",
    "motor planning",
)
ASSISTANCE = (
    "independent",
    "modified independent",
    "supervision",
    "stand-by assist",
    "contact guard",
    "minimal assist",
    "moderate assist",
    "maximal assist",
    "dependent",
)
TECHNIQUES = (
    "Grade I–II joint mobilization",
    "Grade III joint mobilization",
    "Grade IV joint mobilization",
    "Soft tissue mobilization",
    "Myofascial release",
    "Manual traction",
    "Manual lymphatic drainage",
)


class DetailForm(QWidget):
    changed = Signal()
    keys: tuple[str, ...] = ()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._details: dict[str, Any] = {}
        self._loading = False

    def set_details(self, details: dict[str, Any]) -> None:
        self._details = copy.deepcopy(dict(details))
        self._loading = True
        try:
            self._show(self._details)
        finally:
            self._loading = False

    def details(self) -> dict[str, Any]:
        out = copy.deepcopy(self._details)
        out.update(self._read())
        return out

    def set_read_only(self, read_only: bool) -> None:
        for child in self.findChildren(QWidget):
            if isinstance(child, QLineEdit):
                child.setReadOnly(read_only)
            elif isinstance(child, QComboBox | QCheckBox | QPushButton):
                child.setEnabled(not read_only)

    def focus_key(self, key: str) -> bool:
        widget = self.findChild(QWidget, f"detail_{key}")
        if widget is None:
            return False
        widget.setFocus()
        return True

    def focus_chain(self) -> list[QWidget]:
        return [w for w in self.findChildren(QWidget) if w.objectName().startswith("detail_")]

    def _emit(self, *_: Any) -> None:
        if not self._loading:
            self.changed.emit()

    # per form
    def _show(self, details: dict[str, Any]) -> None:
        raise NotImplementedError

    def _read(self) -> dict[str, Any]:
        raise NotImplementedError


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = named(QLineEdit(), f"detail_{name}")
    edit.setPlaceholderText(placeholder)
    return edit


def _combo(name: str, items: tuple[str, ...], *, editable: bool = True) -> QComboBox:
    combo = named(QComboBox(), f"detail_{name}")
    combo.setEditable(editable)
    combo.addItem("")
    combo.addItems(list(items))
    return combo


def _set_combo(combo: QComboBox, value: Any) -> None:
    text = str(value or "")
    index = combo.findText(text)
    if index >= 0:
        combo.setCurrentIndex(index)
    else:
        combo.setEditText(text)


class ExerciseForm(DetailForm):
    """97110: the exercise table, one target outcome, copy forward."""

    copy_forward_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.model = ExerciseModel(self)
        self.table = named(QTableView(), "detail_exercises")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AllEditTriggers
            & ~QAbstractItemView.EditTrigger.CurrentChanged
        )
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, 6):
            self.table.horizontalHeader().setSectionResizeMode(
                col, QHeaderView.ResizeMode.ResizeToContents
            )
        self.table.setMinimumHeight(150)
        v.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = named(QPushButton("Add exercise"), "addExercise")
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton("Remove exercise")
        self.remove_button.clicked.connect(
            lambda: self.model.remove_row(self.table.currentIndex().row())
        )
        self.copy_button = named(QPushButton("Copy forward"), "copyForward")
        self.copy_button.setToolTip("Copy last visit's exercises (Ctrl+Shift+C)")
        self.copy_button.clicked.connect(self.copy_forward_requested)
        self.target = _combo("target_outcome", TARGETS)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(label("Target outcome", "fieldLabel"))
        row.addWidget(self.target)
        v.addLayout(row)
        self.legend = label("", "hint", name="progressionLegend")
        v.addWidget(self.legend)
        self.model.edited.connect(self._emit)
        self.target.currentTextChanged.connect(self._emit)

    def set_previous(self, previous: Any) -> None:
        """``ui_queries.PreviousExercises`` or None."""
        self._previous = previous
        self.copy_button.setEnabled(previous is not None)
        if previous is None:
            self.legend.setText("")
            self.model.set_baseline([])
            return
        self.model.set_baseline([dict(e) for e in previous.exercises])
        self.legend.setText(
            f"Compared with {show_day(previous.visit_date)}: green = changed since then "
            "(hover for the old value), blue = new exercise."
        )

    def copy_forward(self) -> bool:
        previous = getattr(self, "_previous", None)
        if previous is None:
            return False
        rows = [copy.deepcopy(e) for e in previous.exercises]
        self.model.set_rows(rows)
        self._emit()
        return True

    def _add(self) -> None:
        row = self.model.add_row()
        self.table.setCurrentIndex(self.model.index(row, 0))
        self.table.edit(self.model.index(row, 0))

    def _show(self, details: dict[str, Any]) -> None:
        items = details.get("exercises")
        rows = [dict(e) for e in items if isinstance(e, dict)] if isinstance(items, list) else []
        self.model.set_rows(rows)
        target = details.get("target_outcome")
        if not target and isinstance(details.get("target_outcomes"), list):
            target = next(iter(details["target_outcomes"]), "")
        _set_combo(self.target, target)

    def _read(self) -> dict[str, Any]:
        target = self.target.currentText().strip()
        return {
            "exercises": self.model.exercises(),
            "target_outcome": target,
            "target_outcomes": [target] if target else [],
        }

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.model.read_only = read_only


class ActivityForm(DetailForm):
    """97530: the dynamic functional task and the skilled care in it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.activity = _line("activity", "What the patient performed, e.g. 4 trials of …")
        self.task = _line("functional_task", "The real-life task, e.g. carrying laundry")
        comps = named(QWidget(), "detail_components")
        grid = QGridLayout(comps)
        grid.setContentsMargins(0, 0, 0, 0)
        self.components: dict[str, QCheckBox] = {}
        for i, name in enumerate(COMPONENTS):
            box = QCheckBox(name)
            box.toggled.connect(self._emit)
            self.components[name] = box
            grid.addWidget(box, i // 4, i % 4)
        self.cues = _line("skilled_cues", "Cues, facilitation, how you graded the task")
        self.assistance = _combo("assistance", ASSISTANCE, editable=False)
        self.performance = _line("performance", "Optional: trials, distance, errors")
        form.addRow("Activity", self.activity)
        form.addRow("Functional task", self.task)
        form.addRow("Components", comps)
        form.addRow("Skilled cues", self.cues)
        form.addRow("Assistance", self.assistance)
        form.addRow("Performance", self.performance)
        for edit in (self.activity, self.task, self.cues, self.performance):
            edit.textChanged.connect(self._emit)
        self.assistance.currentTextChanged.connect(self._emit)

    def focus_key(self, key: str) -> bool:
        if key == "components":
            next(iter(self.components.values())).setFocus()
            return True
        return super().focus_key(key)

    def _show(self, details: dict[str, Any]) -> None:
        self.activity.setText(str(details.get("activity", "") or ""))
        self.task.setText(str(details.get("functional_task", "") or ""))
        chosen = details.get("components") or []
        chosen = {str(c).lower() for c in chosen} if isinstance(chosen, list) else set()
        for name, box in self.components.items():
            box.setChecked(name in chosen)
        self._extra_components = sorted(chosen - set(self.components))
        self.cues.setText(str(details.get("skilled_cues", "") or ""))
        _set_combo(self.assistance, details.get("assistance"))
        self.performance.setText(str(details.get("performance", "") or ""))

    def _read(self) -> dict[str, Any]:
        comps = [n for n, box in self.components.items() if box.isChecked()]
        comps += getattr(self, "_extra_components", [])
        return {
            "activity": self.activity.text().strip(),
            "functional_task": self.task.text().strip(),
            "components": comps,
            "skilled_cues": self.cues.text().strip(),
            "assistance": self.assistance.currentText().strip(),
            "performance": self.performance.text().strip(),
        }

    def focus_chain(self) -> list[QWidget]:
        return [
            self.activity,
            self.task,
            *self.components.values(),
            self.cues,
            self.assistance,
            self.performance,
        ]


class ManualForm(DetailForm):
    """97140: technique and body region."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.technique = _combo("technique", TECHNIQUES)
        self.region = _line("region", "e.g. right knee, tibiofemoral joint")
        row.addWidget(label("Technique", "fieldLabel"))
        row.addWidget(self.technique, 1)
        row.addWidget(label("Region", "fieldLabel"))
        row.addWidget(self.region, 1)
        self.technique.currentTextChanged.connect(self._emit)
        self.region.textChanged.connect(self._emit)

    def _show(self, details: dict[str, Any]) -> None:
        _set_combo(self.technique, details.get("technique"))
        self.region.setText(str(details.get("region", "") or ""))

    def _read(self) -> dict[str, Any]:
        return {
            "technique": self.technique.currentText().strip(),
            "region": self.region.text().strip(),
        }

    def focus_chain(self) -> list[QWidget]:
        return [self.technique, self.region]


class GenericForm(DetailForm):
    """Any other code: what was done, in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.description = _line("description", "What was done: parameters, response")
        row.addWidget(label("Details", "fieldLabel"))
        row.addWidget(self.description, 1)
        self.description.textChanged.connect(self._emit)

    def _show(self, details: dict[str, Any]) -> None:
        self.description.setText(str(details.get("description", "") or ""))

    def _read(self) -> dict[str, Any]:
        return {"description": self.description.text().strip()}

    def focus_chain(self) -> list[QWidget]:
        return [self.description]


def form_for(code: str, parent: QWidget | None = None) -> DetailForm:
    if code == "97110":
        return ExerciseForm(parent)
    if code == "97530":
        return ActivityForm(parent)
    if code == "97140":
        return ManualForm(parent)
    return GenericForm(parent)
