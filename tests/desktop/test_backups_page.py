"""Backups in the app (issue 15): the daily backup runs at unlock when one is due and says where
it went; a vanished backup folder is a visible notice (no backup, nothing created in its place);
the Backups page (Chart › Backups…) lists backups, backs up now, verifies, checks the chart's
integrity and restores into a new chart file — real chart, real widgets, real backup files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from core.services import backups, charts, patients
from tests.conftest import PASSPHRASE
from tests.desktop.conftest import Seeded, settle

LEFT = Qt.MouseButton.LeftButton


def unlock(qtbot: Any, window: Any) -> None:
    """The conftest's unlock with room for a loaded machine (the backup tests run beside the
    worker's first jobs)."""
    qtbot.keyClicks(window.screens.unlock.secret, PASSPHRASE)
    qtbot.mouseClick(window.screens.unlock.unlock_button, LEFT)
    qtbot.waitUntil(lambda: window.current_screen() == "workspace", timeout=60_000)


def _records(chart: Path) -> list[Any]:
    folder = chart.with_name(f"{chart.name}-backups")
    return backups.list_backups(folder) if folder.is_dir() else []


def test_daily_backup_at_unlock_and_the_page(
        qtbot: Any, open_window: Any, seeded: Seeded, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.setenv("CHARTSIDE_DAILY_BACKUP", "1")
    window = open_window(seeded.path)
    window.daily_backup.first_delay_ms = 1500  # after the unlock has settled
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.daily_backup.last_result is not None, timeout=30_000)
    settle(qtbot, window)
    made = _records(seeded.path)
    assert len(made) == 1 and made[0].ok and made[0].label == "daily"
    # No folder chosen yet: the notice says the backup sits beside the chart.
    assert window.banner.isVisible() and "beside the chart" in window.banner.message.text()

    window.findChild(type(window.actions_by_id["lock"]), "action_backups").trigger()
    dialog = window._dialog
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Backups"
    page = dialog.tabs.currentWidget()
    qtbot.waitUntil(lambda: page.status is not None, timeout=10_000)
    assert page.headline.text() == "Backed up" and page.table.rowCount() == 1

    usb = tmp_path / "usb"
    usb.mkdir()
    page.back_up(usb)  # what "Choose folder…" does with the folder picked
    qtbot.waitUntil(lambda: "verified" in page.message.text(), timeout=30_000)
    qtbot.waitUntil(lambda: page.status is not None and page.status.folder == usb.resolve(),
                    timeout=10_000)
    assert page.table.rowCount() == 1 and page.table.item(0, 3).text() == "verified"

    qtbot.mouseClick(page.verify_button, LEFT)
    qtbot.waitUntil(lambda: "1 of 1 backups verified" in page.message.text(), timeout=30_000)

    qtbot.mouseClick(page.check_button, LEFT)  # check-integrity, in the app
    qtbot.waitUntil(lambda: page.integrity is not None, timeout=30_000)
    assert page.integrity.ok and page.message.text().startswith("Chart intact")

    target = tmp_path / "restored.chart"
    page.restore(target, PASSPHRASE)
    qtbot.waitUntil(lambda: "Restored into" in page.message.text(), timeout=30_000)
    restored = charts.open_chart(target, passphrase=PASSPHRASE)
    try:
        assert patients.search_patients(restored, "", limit=100)
    finally:
        restored.lock()
    settle(qtbot, window)


def test_vanished_folder_is_a_notice_not_a_backup(
        qtbot: Any, open_window: Any, seeded: Seeded, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    chart = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        backups.back_up(chart, usb)  # the user chose the USB stick...
    finally:
        chart.lock()
    for item in usb.iterdir():  # ...which is now unplugged
        for f in item.iterdir():
            f.unlink()
        item.rmdir()
    usb.rmdir()
    monkeypatch.setenv("CHARTSIDE_DAILY_BACKUP", "1")
    window = open_window(seeded.path)
    window.daily_backup.first_delay_ms = 1500  # after the unlock has settled
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: "not there" in window.banner.message.text(), timeout=30_000)
    settle(qtbot, window)
    assert not usb.exists()  # nothing created in its place
    assert window.daily_backup.last_result is None
