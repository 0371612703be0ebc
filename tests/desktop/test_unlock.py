"""The start screens: welcome on first launch, unlock for the last chart, wrong passphrase
inline, throttling message, recovery key, and the last chart remembered as a path only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from core.storage import lockout
from desktop.settings import Options, config_dir
from tests.desktop.conftest import PASSPHRASE, Seeded, settle

LEFT = Qt.MouseButton.LeftButton


def _try(qtbot: Any, window: Any, secret: str) -> None:
    screen = window.screens.unlock
    qtbot.keyClicks(screen.secret, secret)
    qtbot.mouseClick(screen.unlock_button, LEFT)
    settle(qtbot, window)


def test_first_launch_offers_create_or_demo(qtbot: Any, open_window: Any, tmp_path: Path):
    window = open_window(tmp_path / "none.chart")
    assert window.current_screen() == "welcome"
    assert window.screens.welcome.create_button.isVisible()
    assert window.screens.welcome.demo_button.isVisible()


def test_wrong_passphrase_inline_then_throttled(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    screen = window.screens.unlock
    assert seeded.path.name in screen.chart_name.text()
    _try(qtbot, window, "not the passphrase")
    assert window.current_screen() == "unlock"
    assert "passphrase" in screen.error.text().lower()
    assert screen.secret.text() == ""  # the secret never lingers in the field
    for _ in range(lockout.FREE_ATTEMPTS - 1):
        _try(qtbot, window, "still wrong passphrase")
    _try(qtbot, window, "and wrong again")
    assert "Too many failed unlock attempts" in screen.error.text()
    assert not screen.unlock_button.isEnabled()
    assert window.ctx.presenter.last is None  # shown inline, not in the banner


def test_recovery_key_unlocks_and_last_chart_is_remembered(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    from core.services import charts
    from core.storage.keys import KdfParams

    path = tmp_path / "rk.chart"
    session, recovery = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    session.lock()
    window = open_window(path)
    screen = window.screens.unlock
    screen.use_recovery.setChecked(True)
    qtbot.keyClicks(screen.secret, recovery)
    qtbot.mouseClick(screen.unlock_button, LEFT)
    # a chart without a clinician asks who signs before the workspace
    qtbot.waitUntil(lambda: window.current_screen() == "setup", timeout=10_000)
    settings = (config_dir() / "settings.ini").read_text()
    assert str(path.resolve()) in settings
    assert PASSPHRASE not in settings and recovery not in settings
    assert Options().last_chart == path.resolve()


def test_demo_chart_from_the_welcome_screen(qtbot: Any, open_window: Any, tmp_path: Path):
    from desktop.settings import demo_chart_path

    window = open_window(tmp_path / "none.chart")
    qtbot.mouseClick(window.screens.welcome.demo_button, LEFT)
    create = window.screens.create
    assert create.path == demo_chart_path()
    qtbot.keyClicks(create.passphrase, PASSPHRASE)
    qtbot.keyClicks(create.repeat, PASSPHRASE)
    qtbot.mouseClick(create.create_button, LEFT)
    assert create.busy.running  # the demo is built on the worker, with a spinner
    qtbot.waitUntil(lambda: create.key_label.text() != "", timeout=30_000)
    qtbot.mouseClick(create.key_next, LEFT)  # no retyping for the demo
    qtbot.waitUntil(lambda: window.current_screen() == "workspace", timeout=10_000)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.patients.model.rowCount() == 10, timeout=10_000)
    assert window.ctx.session.clinician_id is not None
    # a signed demo note opens read-only, with addenda offered
    ws.patients.table.selectRow(0)
    qtbot.waitUntil(lambda: ws.chart.chart is not None)
    signed = next(v for v in ws.chart.visit_model.rows if str(v.note_status) == "signed")
    ws.open_note(signed.note_id)
    qtbot.waitUntil(lambda: ws.editor.ws is not None, timeout=10_000)
    assert ws.editor.soap.edits["subjective"].isReadOnly()
    assert not ws.editor.sign_bar.button.isVisibleTo(ws.editor)
    assert ws.editor.addenda.isVisibleTo(ws.editor)
    # Help > Shortcuts
    window.actions_by_id["shortcuts"].trigger()
    assert window._dialog is not None and window._dialog.table.rowCount() > 15
    window._dialog.reject()
