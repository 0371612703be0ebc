"""The Schedule page (issue 19) through real widgets on a real chart: a recurring booking made
in the CLI's service shows on its days, booking from the page refuses a double booking inline,
cancel needs nothing more than a reason, and "Start note" opens the visit's draft note in the
editor with the appointment's times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt

from core.services import charts, schedule
from tests.conftest import PASSPHRASE
from tests.desktop.conftest import Seeded, settle, unlock

LEFT = Qt.MouseButton.LeftButton


def _cells(table: Any, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_schedule_page(qtbot: Any, open_window: Any, seeded: Seeded) -> None:
    window = open_window(seeded.path)
    today = window.ctx.clock.today()
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        schedule.book(session, seeded.patient_id, seeded.clinician_id,
                      dt.datetime.combine(today, dt.time(9)), 45,
                      repeat="FREQ=DAILY;COUNT=2")
    finally:
        session.lock()
    unlock(qtbot, window)
    ws = window.workspace
    # the Today list shows the booked appointment (no visit yet)
    qtbot.waitUntil(lambda: ws.today.model.rowCount() == 1, timeout=20_000)
    booked = ws.today.model.index(0, 2).data()
    assert booked == "Booked · start note", booked
    window.actions_by_id["page_schedule"].trigger()
    page = ws.schedule
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=20_000)
    assert _cells(page.table, 0)[0] == "09:00–09:45"
    qtbot.mouseClick(page.next, LEFT)
    qtbot.waitUntil(lambda: page.day == today + dt.timedelta(days=1), timeout=5_000)
    settle(qtbot, window)
    assert page.table.rowCount() == 1  # the second occurrence
    # booking over it from the page is refused inline
    qtbot.waitUntil(lambda: page.patient.count() > 0, timeout=20_000)
    page.at.setText("09:30")
    qtbot.mouseClick(page.book_button, LEFT)
    qtbot.waitUntil(lambda: "already has" in page.error.text(), timeout=20_000)
    assert page.table.rowCount() == 1
    page.table.selectRow(0)
    qtbot.mouseClick(page.cancel_button, LEFT)  # no reason yet
    qtbot.waitUntil(lambda: "reason" in page.error.text(), timeout=20_000)
    page.reason.setText("snow day")
    qtbot.mouseClick(page.cancel_button, LEFT)
    qtbot.waitUntil(lambda: "cancelled" in _cells(page.table, 0)[4], timeout=20_000)
    # back to today: start the note from the appointment
    qtbot.mouseClick(page.today_button, LEFT)
    qtbot.waitUntil(lambda: page.day == today, timeout=5_000)
    settle(qtbot, window)
    page.table.selectRow(0)
    qtbot.mouseClick(page.start_button, LEFT)
    qtbot.waitUntil(lambda: ws.area() == "patients" and getattr(ws.editor, "ws", None)
                    is not None and ws.editor.ws.note.id == ws.editor.note_id, timeout=30_000)
    visit = ws.editor.ws.visit
    assert (visit.date, visit.start_time, visit.end_time) == (today, dt.time(9), dt.time(9, 45))
    assert "note" in _cells(page.table, 0)[4]
    qtbot.waitUntil(lambda: ws.today.model.index(0, 2).data() == "Draft", timeout=20_000)
    assert ws.today.model.rowCount() == 1  # the appointment became its visit, not a second row


def test_today_list_starts_the_note_of_a_booked_appointment(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    today = window.ctx.clock.today()
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        schedule.book(session, seeded.patient_id, seeded.clinician_id,
                      dt.datetime.combine(today, dt.time(14, 30)), 30)
    finally:
        session.lock()
    unlock(qtbot, window)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.today.model.rowCount() == 1, timeout=20_000)
    index = ws.today.model.index(0, 1)
    ws.today.table.clicked.emit(index)
    qtbot.waitUntil(lambda: getattr(ws.editor, "ws", None) is not None
                    and ws.editor.ws.note.id == ws.editor.note_id, timeout=30_000)
    visit = ws.editor.ws.visit
    assert (visit.start_time, visit.end_time) == (dt.time(14, 30), dt.time(15))
