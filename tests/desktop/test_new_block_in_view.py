"""Issue 13: a new timed block is scrolled into view and takes the focus (its From time), at
1366×768, even when the note is already longer than the screen. The real window and editor;
blocks are added with the real "Add a timed service" picker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication

from core.services import charts, notes
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock


def _long_note(seeded: Seeded) -> Any:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        view = notes.start_note(
            session, episode_id=seeded.episode_id, clinician_id=seeded.clinician_id,
            date=dt.date(2026, 3, 2), start_time=dt.time(9, 0),
        ).value
        for section in ("subjective", "objective", "assessment", "plan"):
            text = "\n".join(f"Line {i} of the {section}." for i in range(12))
            notes.edit_section(session, view.note.id, section, text)
        return view.note.id
    finally:
        session.lock()


def _visible_in(scroll: Any, widget: Any) -> bool:
    viewport = scroll.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    rect = QRect(top_left, widget.size())
    return viewport.rect().contains(rect)


def test_new_block_scrolls_into_view_with_focus(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    note_id = _long_note(seeded)
    window = open_window(seeded.path)
    window.resize(1366, 768)
    unlock(qtbot, window)
    ws = window.workspace
    ws.open_note(note_id)
    qtbot.waitUntil(lambda: ws.page() == "note" and ws.editor.ws is not None, timeout=10_000)
    editor = ws.editor
    scroll = editor.scroll_area
    for n, code in enumerate(("97110", "97140", "97530", "97112"), start=1):
        scroll.verticalScrollBar().setValue(0)  # the clinician is reading the top
        editor.blocks.picker.choose(code)
        qtbot.waitUntil(lambda n=n: len(editor.blocks.rows) == n, timeout=10_000)
        settle(qtbot, window)
        row = list(editor.blocks.rows.values())[-1]
        qtbot.waitUntil(lambda row=row: _visible_in(scroll, row.start), timeout=2000)
        assert _visible_in(scroll, row.picker), code  # the block's code is on screen too
        assert QApplication.focusWidget() is not None
        assert row.start.isAncestorOf(QApplication.focusWidget()) or (
            QApplication.focusWidget() is row.start
        ), code
    assert scroll.verticalScrollBar().maximum() > 0  # the note is longer than the viewport
