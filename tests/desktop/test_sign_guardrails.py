"""Sign guardrails (issue 13): a blank daily note no longer signs in two keystrokes; signing
shows a one-screen summary first; an accidental draft can be voided (kept, audited)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from core.domain.enums import NoteStatus
from core.services import charts, notes
from tests.desktop.conftest import PASSPHRASE, Seeded, accept_new_note, settle, unlock


def _stored(seeded: Seeded, note_id: Any) -> Any:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        return notes.get_note(session, note_id).note
    finally:
        session.lock()


def _new_note(qtbot: Any, window: Any) -> Any:
    ws = window.workspace
    ws.patients.table.selectRow(0)
    qtbot.waitUntil(lambda: ws.chart.chart is not None and ws.chart.new_note_button.isEnabled())
    window.actions_by_id["new_note"].trigger()  # Ctrl+N
    accept_new_note(qtbot, window)  # Enter: today, office
    qtbot.waitUntil(lambda: ws.editor.ws is not None, timeout=10_000)
    settle(qtbot, window)
    return ws.editor


def test_blank_note_does_not_sign_and_the_summary_comes_first(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = _new_note(qtbot, window)
    found = [f.id for f in editor.check.findings]
    assert found.count("note.section_required") == 2
    assert editor.findings.summary.text() != "All clear"
    assert not editor.sign_bar.button.isEnabled()
    window.actions_by_id["sign"].trigger()  # Ctrl+Enter: nothing happens
    settle(qtbot, window)
    assert editor.signing.dialog is None
    assert _stored(seeded, editor.note_id).status is NoteStatus.DRAFT

    # the findings point at the sections, listed first
    assert editor.findings.finding_at(0).field == "objective"
    qtbot.keyClicks(editor.soap.edits["objective"], "Step-ups 3x10, cues for knee control.")
    qtbot.keyClicks(editor.soap.edits["assessment"], "Tolerated well.")
    editor.blocks.picker.choose("97110")
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 1, timeout=10_000)
    row = next(iter(editor.blocks.rows.values()))
    qtbot.keyClicks(row.start, "900")
    qtbot.keyClicks(row.stop, "923")
    row.side.setCurrentIndex(row.side.findText("Right"))
    row.side.activated.emit(row.side.currentIndex())
    next(iter(row.goal_boxes.values())).setChecked(True)
    editor.ctx.savers.flush_all()
    qtbot.waitUntil(lambda: editor.sign_bar.button.isEnabled(), timeout=10_000)
    settle(qtbot, window)

    window.actions_by_id["sign"].trigger()
    qtbot.waitUntil(lambda: editor.signing.dialog is not None, timeout=10_000)
    dialog = editor.signing.dialog
    text = dialog.summary.text()
    assert "97110" in text and "09:00–09:23 (23 min)" in text
    assert "Right" in text and "STG 1" in text and "Units:" in text
    assert "Total treatment time" in text
    dialog.reject()  # Keep editing: nothing signed
    settle(qtbot, window)
    assert _stored(seeded, editor.note_id).status is NoteStatus.DRAFT

    window.actions_by_id["sign"].trigger()
    qtbot.waitUntil(lambda: editor.signing.dialog is not None, timeout=10_000)
    dialog = editor.signing.dialog
    assert dialog.sign_button.isDefault()  # Enter signs from the keyboard
    # issue 14: each warning not yet acknowledged asks for a reason; Sign waits for them
    open_warnings = [f for f in editor.check.findings
                     if str(f.severity) == "warn" and not f.acknowledged]
    assert open_warnings and set(dialog.ack_edits) == {f.key for f in open_warnings}
    assert "to acknowledge below" in dialog.summary.text()
    assert not dialog.sign_button.isEnabled()
    first = next(iter(dialog.ack_edits.values()))
    assert first.hasFocus()  # the keyboard starts at the first reason
    qtbot.keyClicks(first, "ok")  # says nothing: refused, and the hint says why
    assert not dialog.sign_button.isEnabled() and "too short" in dialog.ack_hint.text()
    qtbot.keyClick(first, Qt.Key.Key_Return)  # Enter does not sign past a missing reason
    assert dialog.isVisible()
    first.clear()
    reasons = {}
    for i, (key, edit) in enumerate(dialog.ack_edits.items()):
        reasons[key] = f"Checked with the patient, reason {i + 1}"
        qtbot.keyClicks(edit, reasons[key])
    assert dialog.sign_button.isEnabled()
    qtbot.keyClick(list(dialog.ack_edits.values())[-1], Qt.Key.Key_Return)  # Enter signs now
    qtbot.waitUntil(lambda: editor.read_only, timeout=10_000)
    stored = _stored(seeded, editor.note_id)
    assert stored.status is NoteStatus.SIGNED
    assert {a["finding_id"]: a["reason"] for a in stored.acknowledged} == reasons
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        details = [r["detail"] for r in charts.recent_audit(session, 60)]
    finally:
        session.lock()
    for key in reasons:
        assert f"acknowledged {key}" in details
    assert not any("Checked with the patient" in str(d) for d in details)


def test_accidental_draft_is_voided_not_deleted(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = _new_note(qtbot, window)
    note_id = editor.note_id
    assert editor.void_button.isVisible()
    qtbot.mouseClick(editor.void_button, Qt.MouseButton.LeftButton)
    dialog = editor.signing.dialog
    assert dialog is not None
    dialog.reason.setCurrentIndex(0)
    qtbot.mouseClick(dialog.void_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.ws is not None and editor.ws.note.is_voided, timeout=10_000)
    settle(qtbot, window)
    assert editor.read_only and not editor.void_button.isVisible()
    assert "Voided" in editor.subtitle.text()
    assert not editor.sign_bar.button.isVisible()
    stored = _stored(seeded, note_id)
    assert stored.status is NoteStatus.VOIDED
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        details = [r["detail"] for r in charts.recent_audit(session, 30)]
    finally:
        session.lock()
    assert "voided: Started by mistake" in details
    ws = window.workspace
    ws.chart.show_patient(seeded.patient_id)
    qtbot.waitUntil(lambda: ws.chart.visit_model.rowCount() > 0, timeout=10_000)
    labels = [
        ws.chart.visit_model.index(r, c).data()
        for r in range(ws.chart.visit_model.rowCount())
        for c in range(ws.chart.visit_model.columnCount())
    ]
    assert "Voided" in labels
