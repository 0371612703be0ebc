"""Issue 13: clocking out in the minute of the clock-in stops the clock (it used to be refused
and kept running). The status-bar clock of the real window, an injected clock."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from core.services import charts
from core.services import clock as clock_service
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock

LEFT = Qt.MouseButton.LeftButton


def test_clock_out_in_the_same_minute_stops_the_clock(
    qtbot: Any, open_window: Any, seeded: Seeded, clock: Any
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    widget = window.workspace.clock
    qtbot.waitUntil(lambda: widget.button.isEnabled() and widget.sheet is not None)
    widget.kind.setCurrentIndex(3)  # admin time
    qtbot.mouseClick(widget.button, LEFT)
    qtbot.waitUntil(lambda: widget.button.text() == "Clock out", timeout=10_000)
    assert widget.status.text().startswith("Admin since 09:00")

    clock.advance(40)  # 09:00:40: the same minute
    qtbot.mouseClick(widget.button, LEFT)
    qtbot.waitUntil(lambda: widget.button.text() == "Clock in", timeout=10_000)
    settle(qtbot, window)
    assert widget.error.text() == ""
    assert widget.status.text() == "Not clocked in. Under a minute: nothing was recorded."
    assert widget.sheet is not None and widget.sheet.open_entry is None
    assert "admin 0:00" in widget.today.text() or "nothing clocked" in widget.today.text()

    # the next clock-in, still in that minute, is not refused as an overlap; it runs normally
    qtbot.mouseClick(widget.button, LEFT)
    qtbot.waitUntil(lambda: widget.button.text() == "Clock out", timeout=10_000)
    assert widget.status.text().startswith("Admin since 09:00")
    clock.advance(25 * 60)
    qtbot.mouseClick(widget.button, LEFT)
    qtbot.waitUntil(lambda: widget.button.text() == "Clock in", timeout=10_000)
    settle(qtbot, window)
    assert widget.status.text() == "Not clocked in."
    assert "administrative 0:25" in widget.today.text()

    window.flow.lock()
    settle(qtbot, window)
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        sheet = clock_service.time_sheet(
            session, seeded.clinician_id, date_from=clock.today(), date_to=clock.today()
        )
        assert [d.admin_minutes for d in sheet.days] == [25]  # the discarded minute is not kept
        assert sheet.open_entry is None
    finally:
        session.lock()
