"""Sync as the main window shows it: a device with a draft conflict (two devices edited one note
through the real in-process server) unlocks to a status bar that says so; "Review" opens the
Sync page, "Compare…" the resolver, keeping this device's text clears it; a click on the
status opens Preferences on the Sync page (this device and its practice's devices); locking
stops sync and closes the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core.services import charts, notes, practice
from core.services import sync as sync_service
from tests.desktop.conftest import settle, unlock
from tests.sync.helpers import enroll, running_server, seed, start_note

LEFT = Qt.MouseButton.LeftButton


def test_status_bar_reviews_a_conflict_and_opens_the_sync_settings(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    with running_server(tmp_path) as server:
        account = server.practice("Riverside PT")
        a = enroll(server, account, tmp_path / "a.chart", "front desk")
        b = enroll(server, account, tmp_path / "b.chart", "laptop", approver=a)
        s = seed(a.chart)
        practice.save_practice(a.chart, name="Riverside PT")
        charts.set_current_clinician(a.chart, str(s.clinician_id))
        note_id = start_note(a.chart, s)
        a.sync()
        b.sync()
        notes.edit_section(a.chart, note_id, "plan", "A's plan")
        notes.edit_section(b.chart, note_id, "plan", "B's plan")
        for device in (a, b, a):
            device.sync()
        assert len(sync_service.list_conflicts(a.chart)) == 1
        a.close()
        b.close()

        window = open_window(tmp_path / "a.chart")
        window.ctx.sync_transport = server.transport
        unlock(qtbot, window)
        bar = window.sync
        widget = bar.widget
        assert widget.isVisible() and not window.statusBar().isHidden()
        qtbot.waitUntil(lambda: widget.status is not None and widget.status.conflicts == 1)
        assert "1 conflict" in widget.text.text()
        qtbot.waitUntil(lambda: widget.attention.isVisible())
        qtbot.mouseClick(widget.attention, LEFT)  # Review → the Sync page
        qtbot.waitUntil(lambda: bar.dialog is not None and bar.dialog.isVisible(), timeout=10_000)
        review = bar.dialog
        assert review.objectName() == "syncReview"
        compare = lambda: review.findChild(QPushButton, "compare")  # noqa: E731
        qtbot.waitUntil(lambda: compare() is not None, timeout=10_000)
        qtbot.mouseClick(compare(), LEFT)  # Compare… → the resolver
        qtbot.waitUntil(
            lambda: bar.dialog is not None and bar.dialog.objectName() == "conflictResolver",
            timeout=10_000,
        )
        resolver = bar.dialog
        assert resolver.local_boxes["plan"].toPlainText() == "A's plan"
        assert resolver.other_boxes["plan"].toPlainText() == "B's plan"
        qtbot.mouseClick(resolver.findChild(QPushButton, "keepLocal"), LEFT)
        qtbot.waitUntil(lambda: widget.status is not None and widget.status.conflicts == 0,
                        timeout=10_000)
        assert not widget.attention.isVisible()

        qtbot.mouseClick(widget.text, LEFT)  # the status itself → Settings › Sync
        dialog = window._dialog
        assert dialog is not None and dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Sync"
        page = dialog.findChild(type(dialog.tabs.currentWidget()), "syncSettings")
        qtbot.waitUntil(lambda: page.status is not None and page.status.enrolled, timeout=10_000)
        qtbot.waitUntil(lambda: len(page.rows) == 2, timeout=10_000)
        assert not page.join_box.isVisibleTo(page)  # enrolled: devices, not the join form
        assert window.findChild(type(window.actions_by_id["lock"]), "action_sync_settings")

        settle(qtbot, window)
        bar.background.wait()
        window.flow.lock()
        assert not bar.background.enabled and window._dialog is None
        assert window.current_screen() == "unlock"
        bar.background.wait()
        window.close()
