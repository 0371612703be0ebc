"""The schedule grid (issue 19) through the real page on a real chart, in one window: a week of
two clinicians side by side, drag to move (refused onto blocked time, nothing changed), undo and
redo with the keys, keyboard moves and resizes, one occurrence of a series moved alone, N books
at the slot under the cursor, Delete cancels with a reason and the waitlist offer books the freed
slot (the practice's late-cancel fee, set from the panel, is on the account), the plan of
care's frequency against bookings, and working hours from the side panel.
The lane layout is checked on plain objects."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QPoint, Qt

from core.domain.enums import Discipline
from core.domain.schedule import Appointment, AppointmentStatus, WaitlistEntry
from core.services import charts, episodes, patients, practice, schedule
from core.services.schedule_view import GridItem
from desktop.pages.schedule import index_of
from desktop.schedule_grid import _lanes
from tests.conftest import PASSPHRASE
from tests.desktop.conftest import Seeded, settle, unlock

MON = dt.datetime(2026, 3, 2)  # the test clock's Monday
HOURS = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))
ALT, SHIFT, CTRL = (Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ShiftModifier,
                    Qt.KeyboardModifier.ControlModifier)


def test_lanes_share_the_width_of_a_cluster() -> None:
    who, pid = uuid.uuid4(), uuid.uuid4()

    def item(hour: float, minutes: int) -> GridItem:
        start = MON + dt.timedelta(hours=hour)
        return GridItem(Appointment(pid, who, start, minutes), "Doe, Jo", "JD")

    a, b, c, d = item(9, 60), item(9.5, 60), item(10, 30), item(13, 30)
    placed = {x.appointment.start.strftime("%H:%M"): (lane, lanes)
              for x, lane, lanes in _lanes([d, c, b, a])}
    assert placed == {"09:00": (0, 2), "09:30": (1, 2), "10:00": (0, 2), "13:00": (0, 1)}


def _seed(seeded: Seeded) -> dict[str, Any]:
    s = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        bo = practice.add_clinician(s, first_name="Bo", last_name="Ruiz",
                                    discipline=Discipline.PT).value
        omar = patients.create_patient(s, first_name="Omar", last_name="Example",
                                       date_of_birth=dt.date(1980, 2, 2)).value
        for who in (seeded.clinician_id, bo.id):
            schedule.set_hours(s, who, (HOURS,) * 5 + ((), ()))
        episodes.update_episode(s, seeded.episode_id, frequency_per_week=2, duration_weeks=6)
        series = schedule.book(s, seeded.patient_id, seeded.clinician_id,
                               MON.replace(hour=10), repeat="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4")
        single = schedule.book(s, seeded.patient_id, seeded.clinician_id,
                               MON + dt.timedelta(days=1, hours=9)).appointment
        schedule.block_time(s, seeded.clinician_id, MON.replace(hour=14), MON.replace(hour=15),
                            "Team meeting")
        schedule.add_to_waitlist(s, WaitlistEntry(omar.id, "daily", dt.datetime(2026, 2, 1)))
    finally:
        s.lock()
    assert series.series is not None and single is not None
    return {"bo": bo.id, "omar": omar.id, "single": single.id}


def _where(page: Any, ident: uuid.UUID) -> tuple[str, int] | None:
    for it in page.data.items if page.data else ():
        if it.appointment.id == ident:
            return f"{it.appointment.start:%a %H:%M}", it.appointment.minutes
    return None


def test_grid_drag_undo_keys_waitlist_plan_and_hours(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    ids = _seed(seeded)
    maya, single = seeded.clinician_id, ids["single"]
    window = open_window(seeded.path)
    unlock(qtbot, window)
    window.actions_by_id["page_schedule"].trigger()
    page = window.workspace.schedule
    page.resize(1400, 900)
    page.ask_scope = lambda _a: "one"
    page.ask_reason = lambda _a: "Family emergency"
    page.view.setCurrentIndex(page.view.findData("week"))
    qtbot.waitUntil(lambda: page.data is not None and page.data.days == 5
                    and len(page.data.clinicians) == 2 and _where(page, single) is not None,
                    timeout=30_000)
    grid = page.grid
    assert grid.columns == 10 and _where(page, single) == ("Tue 09:00", 45)
    # the plan of care against bookings, and what the screen reader hears
    grid.select(single)
    qtbot.waitUntil(lambda: "of 12 booked" in page.side.plan.text(), timeout=20_000)
    assert page.side.plan.text() == "2×/week for 6 weeks: 5 of 12 booked"
    assert "Quillfeatherstone, Zebulon" in grid.accessibleDescription()

    def drag(ident: uuid.UUID, column: int, minute: int) -> None:
        placed = grid.find_item(ident)
        assert placed is not None
        r = grid.rect_of(placed)
        start = QPoint(int(r.center().x()), int(r.top() + 5))
        target = grid.slot_rect(column, minute)
        end = QPoint(target.center().x(), target.top() + 5)
        qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(grid, QPoint(start.x(), start.y() + 10))
        qtbot.mouseMove(grid, end)
        qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=end)

    tue_maya = grid.column_of(MON.date() + dt.timedelta(days=1), maya)
    mon_maya = grid.column_of(MON.date(), maya)
    assert tue_maya is not None and mon_maya is not None
    drag(single, tue_maya, 11 * 60)
    qtbot.waitUntil(lambda: _where(page, single) == ("Tue 11:00", 45), timeout=20_000)
    # onto blocked time: refused, named, nothing moved
    drag(single, mon_maya, 14 * 60)
    qtbot.waitUntil(lambda: "Team meeting" in page.error.text(), timeout=20_000)
    settle(qtbot, window)
    assert _where(page, single) == ("Tue 11:00", 45) and grid.ghost is None
    # undo and redo with the keys
    grid.setFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: _where(page, single) == ("Tue 09:00", 45), timeout=20_000)
    qtbot.keyClick(grid, Qt.Key.Key_Z, CTRL | SHIFT)
    qtbot.waitUntil(lambda: _where(page, single) == ("Tue 11:00", 45), timeout=20_000)
    # keyboard: Alt+Down moves a slot later; Alt+Shift+Down would run into lunch (refused),
    # Alt+Shift+Up shortens by a slot
    grid.select(single)
    qtbot.keyClick(grid, Qt.Key.Key_Down, ALT)
    qtbot.waitUntil(lambda: _where(page, single) == ("Tue 11:15", 45), timeout=20_000)
    grid.select(single)
    qtbot.keyClick(grid, Qt.Key.Key_Down, ALT | SHIFT)
    qtbot.waitUntil(lambda: "working hours" in page.error.text(), timeout=20_000)
    qtbot.keyClick(grid, Qt.Key.Key_Up, ALT | SHIFT)
    qtbot.waitUntil(lambda: _where(page, single) == ("Tue 11:15", 30), timeout=20_000)
    assert page.undo_stack.count() == 3
    # one occurrence of the series moves alone (ask_scope: "one"); the others stay
    thursday = next(it.appointment for it in page.data.items
                    if it.appointment.start == MON.replace(hour=10) + dt.timedelta(days=3))
    grid.select(thursday.id)
    qtbot.keyClick(grid, Qt.Key.Key_Down, ALT)
    qtbot.waitUntil(lambda: _where(page, thursday.id) == ("Thu 10:15", 45), timeout=20_000)
    assert sorted(_where(page, it.appointment.id) or ("", 0) for it in page.data.items
                  if it.appointment.series_id) == [("Mon 10:00", 45), ("Thu 10:15", 45)]
    # arrows: from the Tuesday appointment two columns right is Wednesday, Maya; N books there
    grid.select(single)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    assert grid.selected is None and grid.accessibleDescription().startswith("Wed Mar 4, 11:15")
    qtbot.keyClick(grid, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: any(f"{it.appointment.start:%a %H:%M}" == "Wed 11:15"
                                for it in page.data.items), timeout=20_000)
    # the practice's policy from the panel (a bad amount refused), then Delete cancels (the
    # reason asked): late (it is in the past), the fee is on the account, and the waitlist's
    # offer books the freed slot
    page.side.late_fee.setText("25 dollars")
    qtbot.mouseClick(page.side.policy_button, Qt.MouseButton.LeftButton)
    assert "is not an amount" in page.side.hours_error.text()
    page.side.late_fee.setText("25")
    qtbot.mouseClick(page.side.policy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.info.text() == "Cancellation policy saved.", timeout=20_000)
    grid.select(thursday.id)
    qtbot.keyClick(grid, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: page.side.offers.count() == 1, timeout=20_000)
    assert page.info.text().startswith(
        "Late cancelled: the practice's fee of $25.00 is on the patient's account."), \
        page.info.text()
    assert "Example, Omar" in page.side.offers.item(0).text()
    assert page.side.waiting.count() == 1
    qtbot.mouseClick(page.side.offer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.side.waiting.count() == 0, timeout=20_000)
    settle(qtbot, window)
    thu = [(it.patient_name, it.appointment.status) for it in page.data.items
           if f"{it.appointment.start:%a %H:%M}" == "Thu 10:15"]
    assert sorted(thu) == [("Example, Omar", AppointmentStatus.BOOKED),
                           ("Quillfeatherstone, Zebulon", AppointmentStatus.LATE_CANCELLED)]
    # working hours from the side panel: a bad line is refused, a good one shades Friday
    page.who.setCurrentIndex(index_of(page.who, maya))
    qtbot.waitUntil(lambda: page.data is not None and len(page.data.clinicians) == 1,
                    timeout=20_000)
    page.side.hours.setText("Mon-Thu=08:00-12:00,13:00-1x")
    qtbot.mouseClick(page.side.hours_button, Qt.MouseButton.LeftButton)
    assert "is not HH:MM-HH:MM" in page.side.hours_error.text()
    page.side.hours.setText("Mon-Thu=08:00-12:00,13:00-17:00")
    qtbot.mouseClick(page.side.hours_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.data.clinicians[0].hours.days[4] == (), timeout=20_000)
    assert page.side.hours.text() == "Mon-Thu=08:00-12:00,13:00-17:00"
