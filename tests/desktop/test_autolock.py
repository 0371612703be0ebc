"""Auto-lock after idle minutes (injected clock) and Ctrl+L: PHI cleared, session locked,
clipboard emptied if it holds app text, and unlock returns to the same note."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.services import charts, notes
from tests.desktop.conftest import PASSPHRASE, Seeded, new_note, settle, unlock


def test_idle_minutes_lock_and_unlock_returns_to_the_note(
    qtbot: Any, open_window: Any, seeded: Seeded, clock: Any
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = new_note(qtbot, window)
    note_id = editor.note_id
    subjective = editor.soap.edits["subjective"]
    subjective.setFocus()
    qtbot.keyClicks(subjective, "Knee sore after stairs")
    subjective.selectAll()
    subjective.copy()  # app text on the clipboard
    assert QApplication.clipboard().text() == "Knee sore after stairs"

    idle = window.flow.idle
    assert idle.minutes == 10  # the default setting
    clock.advance(9 * 60)
    assert not idle.check()  # not yet
    qtbot.keyClick(subjective, Qt.Key.Key_End)  # activity resets the idle time
    clock.advance(9 * 60)
    assert not idle.check()
    clock.advance(61)
    assert idle.check()

    assert window.current_screen() == "unlock"
    assert "idle" in window.screens.unlock.reason.text()
    settle(qtbot, window)
    # the session is gone on the worker, the key zeroed
    assert window.ctx.worker._runner.chart is None
    # PHI widgets are empty
    ws = window.workspace
    assert subjective.toPlainText() == ""
    assert ws.patients.model.rowCount() == 0
    assert ws.today.model.rowCount() == 0
    assert ws.chart.name.text() == ""
    assert editor.ws is None and editor.blocks.rows == {}
    assert QApplication.clipboard().text() == ""
    # what was typed was saved before the lock
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        assert notes.get_note(session, note_id).note.subjective == "Knee sore after stairs"
    finally:
        session.lock()

    unlock(qtbot, window)
    qtbot.waitUntil(lambda: ws.page() == "note" and editor.note_id == note_id, timeout=10_000)
    qtbot.waitUntil(lambda: subjective.toPlainText() == "Knee sore after stairs")
    assert ws.patient_id == seeded.patient_id


def test_ctrl_l_locks_on_demand_and_leaves_foreign_clipboard_alone(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    window.ctx.clipboard._ours = None
    QApplication.clipboard().setText("copied from another program")
    window.ctx.clipboard._ours = None  # as if it came from outside Chartside
    window.activateWindow()
    qtbot.waitUntil(lambda: window.actions_by_id["lock"].isEnabled())
    window.workspace.patients.search.setFocus()
    qtbot.keyClick(
        window.workspace.patients.search, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier
    )
    assert window.current_screen() == "unlock"
    settle(qtbot, window)
    assert window.ctx.worker._runner.chart is None
    assert QApplication.clipboard().text() == "copied from another program"
    assert window.actions_by_id["lock"].shortcut().toString() == "Ctrl+L"
