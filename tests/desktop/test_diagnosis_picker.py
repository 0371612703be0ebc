"""The plan of care's diagnosis search (issue 13): arrow keys move the selection while typing,
and Enter adds the selected row — once it always added the top one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from core.services import charts, episodes
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock


def test_arrows_choose_and_enter_adds_the_selected_row(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    ws = window.workspace
    ws.open_plan(seeded.episode_id, "Quillfeatherstone, Zebulon")
    qtbot.waitUntil(lambda: ws.plan.episode is not None, timeout=10_000)
    picker = ws.plan.dx_picker
    picker.search.setFocus()
    qtbot.keyClicks(picker.search, "knee osteoarthritis")
    qtbot.waitUntil(lambda: picker.results.count() > 3, timeout=30_000)
    assert picker.results.currentRow() == 0
    top = picker.results.item(0).data(Qt.ItemDataRole.UserRole)
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Down):
        qtbot.keyClick(picker.search, key)
    assert picker.results.currentRow() == 3
    assert picker.search.text() == "knee osteoarthritis"  # the keys moved the list, not the text
    wanted = picker.results.item(3).data(Qt.ItemDataRole.UserRole)
    assert (top, wanted) == ("M17.0", "M17.12")
    qtbot.keyClick(picker.search, Qt.Key.Key_PageUp)
    assert picker.results.currentRow() == 0  # clamped at the top
    qtbot.keyClick(picker.search, Qt.Key.Key_PageDown)
    qtbot.keyClick(picker.search, Qt.Key.Key_Up)
    qtbot.keyClick(picker.search, Qt.Key.Key_Up)
    assert picker.results.currentRow() == 3
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.plan.dx_model.rowCount() == 2, timeout=10_000)
    settle(qtbot, window)
    assert picker.search.text() == "" and not picker.results.isVisible()
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        codes = [d.code for d in episodes.get_episode(session, seeded.episode_id).diagnoses]
    finally:
        session.lock()
    assert sorted(codes) == ["M17.11", "M17.12"]
