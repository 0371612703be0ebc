"""Issue 13: the red "The chart is locked" banner does not appear on lock (refreshes and the
note check still under way fail that way, and the unlock screen already says it), and no
banner about the lock survives the unlock."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from core.domain.errors import ChartLocked
from tests.desktop.conftest import Seeded, new_note, settle, unlock


def test_no_locked_banner_after_ctrl_l_and_unlock(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = new_note(qtbot, window)
    subjective = editor.soap.edits["subjective"]
    subjective.setFocus()
    qtbot.keyClicks(subjective, "Knee sore")  # a save, then a check, under way at the lock
    shown: list[str] = []
    window.banner.shown_error.connect(lambda message, _hint: shown.append(message))
    qtbot.keyClick(subjective, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen() == "unlock"
    settle(qtbot, window)
    qtbot.wait(600)  # the check timer and the clock's reload fire after the lock
    settle(qtbot, window)
    assert "The chart is locked." not in shown
    assert not window.banner.isVisible()

    unlock(qtbot, window)
    settle(qtbot, window)
    assert not window.banner.isVisible()


def test_a_locked_banner_shown_before_is_withdrawn_on_unlock(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    window.ctx.present(ChartLocked("The chart is locked.", hint="Unlock it to continue."))
    assert window.banner.isVisible()
    window.flow.lock()
    unlock(qtbot, window)
    assert not window.banner.isVisible()
    # other errors are left for the user to read
    window.ctx.present(ValueError("boom"))
    window.flow.lock()
    unlock(qtbot, window)
    assert window.banner.isVisible()
