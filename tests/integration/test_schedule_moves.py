"""Moving appointments on a real chart (issue 19): a single appointment, one occurrence of a
series, "this and following" (a day change shifts BYDAY), conflicts refused with nothing
changed, and undo restoring exactly what was there (created records deleted)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.domain.enums import Discipline
from core.domain.errors import InvalidInput
from core.domain.schedule import AppointmentStatus
from core.rules.schedule import ScheduleConflict
from core.services import patients, practice, schedule, schedule_moves
from core.storage.chart import ChartSession

MON = dt.datetime(2026, 12, 7, 9, 0)
WEEKDAYS = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))
DAY = dt.timedelta(days=1)


def _clinic(chart: ChartSession) -> dict[str, uuid.UUID]:
    ada = practice.add_clinician(chart, first_name="Ada", last_name="Quist",
                                 discipline=Discipline.PT).value
    bo = practice.add_clinician(chart, first_name="Bo", last_name="Ruiz",
                                discipline=Discipline.PT).value
    nell = patients.create_patient(chart, first_name="Nell", last_name="Testcase",
                                   date_of_birth=dt.date(1970, 1, 1)).value
    omar = patients.create_patient(chart, first_name="Omar", last_name="Example",
                                   date_of_birth=dt.date(1980, 2, 2)).value
    for who in (ada, bo):
        schedule.set_hours(chart, who.id, (WEEKDAYS,) * 5 + ((), ()))
    return {"ada": ada.id, "bo": bo.id, "nell": nell.id, "omar": omar.id}


def _times(chart: ChartSession, start: dt.datetime, days: int = 14) -> list[tuple[str, int]]:
    out = []
    for i in range(days):
        for a in schedule.day(chart, (start + i * DAY).date()):
            if a.status.active:
                out.append((f"{a.start:%a %d %H:%M}", a.minutes))
    return out


def test_single_moves_conflicts_and_undo(chart: ChartSession) -> None:
    c = _clinic(chart)
    one = schedule.book(chart, c["nell"], c["ada"], MON).appointment
    other = schedule.book(chart, c["omar"], c["ada"], MON.replace(hour=10)).appointment
    assert one is not None and other is not None
    schedule.block_time(chart, c["ada"], MON.replace(hour=14), MON.replace(hour=15), "Meeting")
    # refused: over another appointment, into blocked time, outside hours — nothing changes
    for start, minutes, words in ((MON.replace(hour=9, minute=30), None, "already has"),
                                  (MON.replace(hour=14), None, "Meeting"),
                                  (MON.replace(hour=11, minute=30), None, "working hours"),
                                  (MON, 90, "already has")):
        with pytest.raises(ScheduleConflict, match=words):
            schedule_moves.move(chart, one.id, start=start, minutes=minutes)
    assert _times(chart, MON, 1) == [("Mon 07 09:00", 45), ("Mon 07 10:00", 45)]
    # a move to the next day and a resize, then to the other clinician
    moved = schedule_moves.move(chart, one.id, start=MON + DAY, minutes=60)
    assert (moved.appointment.start, moved.appointment.minutes) == (MON + DAY, 60)
    to_bo = schedule_moves.move(chart, one.id, clinician_id=c["bo"], start=MON.replace(hour=10))
    assert schedule.day(chart, MON.date(), c["bo"])[0].id == one.id
    # undo twice: back where it was, same id
    schedule_moves.restore(chart, to_bo.undo)
    schedule_moves.restore(chart, moved.undo)
    assert [(a.id, a.start, a.minutes) for a in schedule.day(chart, MON.date(), c["ada"])] == [
        (one.id, MON, 45), (other.id, MON.replace(hour=10), 45)]
    # undo refused when the freed slot was taken meanwhile
    again = schedule_moves.move(chart, one.id, start=MON.replace(hour=11))
    schedule.book(chart, c["omar"], c["ada"], MON)
    with pytest.raises(ScheduleConflict):
        schedule_moves.restore(chart, again.undo)
    assert schedule.day(chart, MON.date(), c["ada"])[-1].start == MON.replace(hour=11)
    # a cancelled appointment does not move
    schedule.set_status(chart, other.id, AppointmentStatus.CANCELLED, "ill",
                        now=MON - 3 * DAY)
    with pytest.raises(InvalidInput, match="cancelled appointment stays"):
        schedule_moves.move(chart, other.id, start=MON.replace(hour=15))


def test_series_one_occurrence_and_following(chart: ChartSession) -> None:
    c = _clinic(chart)
    booked = schedule.book(chart, c["nell"], c["ada"], MON,
                           repeat="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4")
    series = booked.series
    assert series is not None
    before = _times(chart, MON)
    assert before == [("Mon 07 09:00", 45), ("Thu 10 09:00", 45), ("Mon 14 09:00", 45),
                      ("Thu 17 09:00", 45)]
    thu = schedule.day(chart, (MON + 3 * DAY).date())[0]
    # one occurrence: only Thursday moves; it keeps its id
    one = schedule_moves.move(chart, thu.id, start=thu.start.replace(hour=10))
    assert one.appointment.id == thu.id
    assert _times(chart, MON)[1] == ("Thu 10 10:00", 45)
    schedule_moves.restore(chart, one.undo)
    assert _times(chart, MON) == before
    assert schedule.day(chart, (MON + 3 * DAY).date())[0].id == thu.id  # an occurrence again
    # the Thursday of the second week is cancelled, then "this and following" from Mon 14
    thu17 = schedule.day(chart, (MON + 10 * DAY).date())[0]
    schedule.set_status(chart, thu17.id, AppointmentStatus.CANCELLED, "away", now=MON)
    mon14 = schedule.day(chart, (MON + 7 * DAY).date())[0]
    following = schedule_moves.move(chart, mon14.id, start=mon14.start + DAY + dt.timedelta(
        hours=1), following=True)
    assert following.occurrences == 2  # Tue 15, and the cancelled Thursday re-pointed
    # the cancelled occurrence stays on record where it was; its slot does not come back
    assert _times(chart, MON) == [("Mon 07 09:00", 45), ("Thu 10 09:00", 45),
                                  ("Tue 15 10:00", 45)]
    assert [(a.id, a.status) for a in schedule.day(chart, (MON + 10 * DAY).date())] == [
        (thu17.id, AppointmentStatus.CANCELLED)]
    schedule_moves.restore(chart, following.undo)
    assert _times(chart, MON) == [t for t in before if t[0] != "Thu 17 09:00"]
    assert [a.id for a in schedule.day(chart, (MON + 10 * DAY).date())] == [thu17.id]
    # a "following" move that runs into another booking is refused whole
    schedule.book(chart, c["omar"], c["ada"], (MON + 7 * DAY).replace(hour=11))
    with pytest.raises(ScheduleConflict, match="already has"):
        schedule_moves.move(chart, thu.id, start=thu.start.replace(hour=11), following=True)
    assert _times(chart, MON)[1] == ("Thu 10 09:00", 45)
    # the first occurrence moves the whole series
    first = schedule.day(chart, MON.date())[0]
    whole = schedule_moves.move(chart, first.id, start=MON.replace(hour=8), following=True)
    assert whole.occurrences == 4
    assert _times(chart, MON)[:3] == [("Mon 07 08:00", 45), ("Thu 10 08:00", 45),
                                      ("Mon 14 08:00", 45)]
    schedule_moves.restore(chart, whole.undo)
    assert _times(chart, MON)[:2] == before[:2]


def test_shift_rule() -> None:
    assert schedule_moves.shift_rule("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4", 1) == \
        "FREQ=WEEKLY;BYDAY=TU,FR;COUNT=4"
    assert schedule_moves.shift_rule("FREQ=WEEKLY;BYDAY=SU;COUNT=4", 1) == \
        "FREQ=WEEKLY;BYDAY=MO;COUNT=4"
    assert schedule_moves.shift_rule("FREQ=DAILY;COUNT=4", 3) == "FREQ=DAILY;COUNT=4"
    with pytest.raises(InvalidInput):
        schedule_moves.shift_rule("FREQ=MONTHLY;BYDAY=1MO;COUNT=4", 1)
