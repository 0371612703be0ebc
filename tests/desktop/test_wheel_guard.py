"""The mouse wheel scrolls; it never changes a value the user is not editing (issue 13).

Real ``QWheelEvent``s go through ``QApplication.sendEvent`` to the real widgets of a note
opened in the real window on an encrypted chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget

from core.domain.enums import Laterality
from core.services import charts, notes
from desktop.wheel_guard import WheelGuard
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock


def wheel(widget: QWidget, notches: int = -1) -> QWheelEvent:
    """One real wheel event over the middle of ``widget`` (negative: scroll down)."""
    pos = QPointF(widget.rect().center())
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)
    return event


def _note_with_block(seeded: Seeded) -> Any:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        view = notes.start_note(
            session,
            episode_id=seeded.episode_id,
            clinician_id=seeded.clinician_id,
            date=dt.date(2026, 3, 2),
        ).value
        for code, start, stop in (("97110", (9, 0), (9, 23)), ("97140", (9, 23), (9, 38))):
            notes.add_block(
                session,
                view.note.id,
                code,
                start=dt.time(*start),
                stop=dt.time(*stop),
                goal_ids=(seeded.goal_ids[0],),
                laterality=Laterality.RIGHT,
            )
        return view.note.id
    finally:
        session.lock()


def _stored_blocks(seeded: Seeded, note_id: Any) -> list[Any]:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        return list(notes.get_note(session, note_id).note.blocks)
    finally:
        session.lock()


def test_wheel_over_unfocused_inputs_scrolls_and_changes_nothing(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    note_id = _note_with_block(seeded)
    window = open_window(seeded.path)
    window.resize(1000, 560)  # the note is taller than its scroll area
    unlock(qtbot, window)
    window.workspace.open_note(note_id)
    editor = window.workspace.editor
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 2, timeout=10_000)
    assert QApplication.instance().findChild(WheelGuard) is not None
    settle(qtbot, window)
    row = next(iter(editor.blocks.rows.values()))
    bar = editor.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0
    editor.soap.edits["subjective"].setFocus()  # the focus is elsewhere
    scrolled = bar.value()

    for widget in (row.picker, row.side, row.modifier, editor.total.spin):
        event = wheel(widget)
        assert event.isAccepted()
        assert bar.value() > scrolled, widget.objectName()  # the page scrolled instead
        scrolled = bar.value()
        bar.setValue(0)
        scrolled = 0
    assert row.picker.code() == "97110"
    assert row.side.currentText() == "Right"
    assert row.modifier.currentData() == ""
    assert editor.total.spin.value() == 0

    # "Add a timed service": a wheel notch once added a block (QComboBox emits activated)
    picker = editor.blocks.picker
    wheel(picker)
    picker.setFocus()  # even with the focus, the wheel never picks a code
    wheel(picker)
    wheel(row.picker.lineEdit())  # over the text part of a row's picker
    qtbot.wait(400)
    settle(qtbot, window)
    assert len(editor.blocks.rows) == 2
    stored = _stored_blocks(seeded, note_id)
    assert [(b.code, b.laterality) for b in stored] == [
        ("97110", Laterality.RIGHT),
        ("97140", Laterality.RIGHT),
    ]


def test_focused_spin_box_still_takes_the_wheel(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    note_id = _note_with_block(seeded)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    window.workspace.open_note(note_id)
    editor = window.workspace.editor
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 2, timeout=10_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    spin = editor.total.spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin, notches=1)
    assert spin.value() == 1
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus  # a notch never gives focus


def test_arrow_keys_open_the_code_list_instead_of_choosing(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    note_id = _note_with_block(seeded)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    window.workspace.open_note(note_id)
    editor = window.workspace.editor
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 2, timeout=10_000)
    row = next(iter(editor.blocks.rows.values()))
    chosen: list[str] = []
    for picker in (editor.blocks.picker, row.picker):
        picker.code_chosen.connect(chosen.append)
        picker.setFocus()
        qtbot.keyClick(picker.lineEdit(), Qt.Key.Key_Down)
        assert picker.view().isVisible()  # the list opened; nothing was chosen
        picker.hidePopup()
    settle(qtbot, window)
    assert chosen == [] and len(editor.blocks.rows) == 2 and row.picker.code() == "97110"
