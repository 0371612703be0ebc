"""From the patient list to a new daily note in at most three clicks."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.desktop.conftest import Seeded, accept_new_note, settle, unlock


def test_patient_list_to_new_note_in_three_clicks(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    ws = window.workspace
    clicks = 0

    def click(widget: Any, pos: Any = None) -> None:
        nonlocal clicks
        clicks += 1
        if pos is None:
            qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        else:
            qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)

    table = ws.patients.table
    rect = table.visualRect(ws.patients.model.index(0, 0))
    click(table.viewport(), rect.center())
    qtbot.waitUntil(lambda: ws.chart.chart is not None and ws.page() == "chart")
    qtbot.waitUntil(ws.chart.new_note_button.isEnabled)
    click(ws.chart.new_note_button)
    accept_new_note(qtbot, window)  # a key, not a click: Enter takes today, office
    qtbot.waitUntil(lambda: ws.page() == "note" and ws.editor.ws is not None, timeout=10_000)
    settle(qtbot, window)

    assert clicks <= 3
    note = ws.editor.ws.note
    assert not note.is_signed and note.blocks == []
    assert ws.editor.ws.patient_id == seeded.patient_id
    assert ws.editor.ws.visit.date == window.ctx.clock.today()
    # the cursor is ready for typing
    assert not ws.editor.soap.edits["subjective"].isReadOnly()
