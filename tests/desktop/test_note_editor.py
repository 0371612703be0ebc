"""Note editor details: copy forward with progression highlighted, tab order that follows the
note, text saved on focus-out before the debounce, and a signed note that only takes addenda."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.domain.enums import Laterality
from core.services import charts, notes
from desktop.models.note_models import CHANGED, ExerciseModel
from tests.desktop.conftest import PASSPHRASE, Seeded, new_note, settle, unlock

PREVIOUS = [
    {"name": "Leg press", "position": "seated", "sets": 3, "reps": 10, "load": 40},
    {"name": "Step-ups", "position": "standing", "sets": 2, "reps": 12, "load": 0},
]


def _add_previous_visit(seeded: Seeded) -> None:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        view = notes.start_note(
            session,
            episode_id=seeded.episode_id,
            clinician_id=seeded.clinician_id,
            date=dt.date(2026, 2, 26),
        ).value
        notes.add_block(
            session,
            view.note.id,
            "97110",
            start=dt.time(9, 0),
            stop=dt.time(9, 23),
            goal_ids=(seeded.goal_ids[0],),
            laterality=Laterality.RIGHT,
            details={"exercises": PREVIOUS, "target_outcome": "strength"},
        )
    finally:
        session.lock()


def test_copy_forward_shows_progression(qtbot: Any, open_window: Any, seeded: Seeded) -> None:
    _add_previous_visit(seeded)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = new_note(qtbot, window)
    assert editor.ws.previous is not None
    editor.blocks.picker.choose("97110")
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 1, timeout=10_000)
    row = next(iter(editor.blocks.rows.values()))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    row.form.table.setFocus()
    qtbot.keyClick(
        row.form.table,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    model = row.form.model
    assert [e["name"] for e in model.exercises()] == ["Leg press", "Step-ups"]
    load = model.index(0, ExerciseModel.Column.LOAD)
    assert model.data(load, Qt.ItemDataRole.BackgroundRole) is None  # same as last time
    model.setData(load, "45")  # progress the load
    assert model.data(load, Qt.ItemDataRole.BackgroundRole) == CHANGED
    assert model.data(load, Qt.ItemDataRole.ToolTipRole) == "Last visit: 40"
    assert "Feb 26" in row.form.legend.text()
    qtbot.wait(400)
    settle(qtbot, window)
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        stored = notes.get_note(session, editor.note_id).note
    finally:
        session.lock()
    assert stored.blocks[0].details["exercises"][0]["load"] == 45


def test_tab_follows_the_note_and_focus_out_saves(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = new_note(qtbot, window)
    editor.blocks.picker.choose("97530")
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 1, timeout=10_000)
    # Tab skips widgets that are not shown yet: wait until the new row has been laid out.
    row = next(iter(editor.blocks.rows.values()))
    qtbot.waitUntil(lambda: all(w.isVisible() for w in row.focus_chain()[:2]), timeout=10_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    order = []
    editor.soap.edits["subjective"].setFocus()
    for _ in range(6):
        order.append(QApplication.focusWidget().objectName())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert order[:6] == [
        "soap_subjective",
        "soap_objective",
        "soap_assessment",
        "soap_plan",
        "blockCode",
        "blockStart",
    ]
    # typing then leaving the field saves at once (no 300 ms wait)
    plan = editor.soap.edits["plan"]
    plan.setFocus()
    qtbot.keyClicks(plan, "Progress to step-ups")
    editor.soap.edits["subjective"].setFocus()
    assert not editor.soap.savers["plan"].dirty
    settle(qtbot, window)
    assert editor.saved_state.text() == "All changes saved"


def test_untimed_service_added_and_removed(qtbot: Any, open_window: Any, seeded: Seeded) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = new_note(qtbot, window)
    untimed = editor.untimed
    assert untimed.picker is not None
    untimed.picker.set_code("97010")
    untimed.minutes.setValue(10)
    qtbot.mouseClick(untimed.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(editor.ws.note.untimed) == 1, timeout=10_000)
    assert editor.ws.note.untimed[0].minutes == 10
    settle(qtbot, window)
    assert "97010" in editor.check.units.units
    editor.untimed.remove_requested.emit(editor.ws.note.untimed[0].id)
    qtbot.waitUntil(lambda: editor.ws.note.untimed == [], timeout=10_000)
    # an unlisted code carries its description (issue 18: it goes on the claim)
    untimed.picker.set_code("97139")
    untimed.describe.setText("Instrument-assisted  soft tissue mobilization")
    qtbot.mouseClick(untimed.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(editor.ws.note.untimed) == 1, timeout=10_000)
    assert editor.ws.note.untimed[0].details == {
        "description": "Instrument-assisted soft tissue mobilization"}
    assert untimed.describe.text() == ""
