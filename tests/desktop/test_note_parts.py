"""Pieces of the note editor in isolation: smart phrases, the exercise model's progression
highlights, the findings model order, and the shortcut table the docs publish."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from desktop.models.note_models import CHANGED, NEW, ExerciseModel
from desktop.phrases import PhraseExpander, SmartPhrases

ROOT = Path(__file__).resolve().parents[2]


def test_smart_phrase_expands_on_space_and_lives_in_the_config_dir(
    qtbot: Any, tmp_path: Path
) -> None:
    phrases = SmartPhrases.load(tmp_path)
    data = json.loads((tmp_path / "smart_phrases.json").read_text())
    assert ".hep" in data["phrases"]
    phrases.phrases[".bp"] = "bridges with pelvic tilt"
    phrases.save()
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    edit.installEventFilter(PhraseExpander(SmartPhrases.load(tmp_path), edit))
    qtbot.keyClicks(edit, "Did .bp x10 and .hep")
    qtbot.keyClick(edit, Qt.Key.Key_Space)
    text = edit.toPlainText()
    assert text.startswith("Did bridges with pelvic tilt x10 and Reviewed home exercise")
    assert text.endswith(" ")
    qtbot.keyClicks(edit, ".nothing ")
    assert edit.toPlainText().endswith(".nothing ")


def test_exercise_model_highlights_progression() -> None:
    model = ExerciseModel()
    previous = [{"name": "Leg press", "sets": 3, "reps": 10, "load": 40, "load_unit": "lb"}]
    model.set_rows([dict(previous[0], load=45), {"name": "Step-ups", "reps": 8}])
    model.set_baseline(previous)
    load = model.index(0, ExerciseModel.Column.LOAD)
    reps = model.index(0, ExerciseModel.Column.REPS)
    assert model.data(load, Qt.ItemDataRole.BackgroundRole) == CHANGED
    assert model.data(load, Qt.ItemDataRole.ToolTipRole) == "Last visit: 40"
    assert model.data(reps, Qt.ItemDataRole.BackgroundRole) is None
    new = model.index(1, 0)
    assert model.data(new, Qt.ItemDataRole.BackgroundRole) == NEW
    assert model.setData(model.index(1, ExerciseModel.Column.SETS), "3")
    assert model.exercises()[1]["sets"] == 3


def test_docs_list_every_shortcut() -> None:
    from desktop.shortcuts import markdown_table

    doc = (ROOT / "docs" / "desktop.md").read_text(encoding="utf-8")
    assert markdown_table() in doc
