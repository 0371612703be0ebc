"""Clock in / out: conflicts and ordering errors, clinical vs administrative totals per day and
ISO week (split at midnight), unsigned-note flags that clear when the note is signed."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain.books import ClockConflict, ClockEntry, ClockKind, split_by_day
from core.domain.enums import NoteStatus
from core.domain.errors import InvalidInput, ValidationError
from core.rules import snapshot
from core.services import charts, clock
from core.storage.chart import ChartSession
from tests.integration.test_books_world import (
    Base,
    Case,
    make_base,
    make_visit,
    new_case,
    save_visits,
)

MON = dt.date(2026, 1, 12)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = hhmm.split(":")
    return dt.datetime.combine(day, dt.time(int(h), int(m)))


@pytest.fixture
def setup(chart: ChartSession) -> tuple[Base, Case, list]:
    base = make_base(chart)
    case = new_case(base, "Ines", "Thornbury", start=MON - dt.timedelta(days=14))
    monday = make_visit(case, MON, signed=False)  # an unsigned note on Monday
    tuesday = make_visit(case, MON + dt.timedelta(days=1))
    save_visits(chart, [monday, tuesday])
    return base, case, [monday, tuesday]


def test_a_day_of_clocking(setup: tuple[Base, Case, list]) -> None:
    base, _case, visits = setup
    chart, pt = base.chart, base.pt.id
    (v1, _n1), (v2, _n2) = visits
    result = clock.clock_in(chart, pt, "visit", visit_id=v1.id, at=at(MON, "09:00"))
    first = result.value
    assert first.is_open and first.id in result.changes.ids("clock")
    assert clock.open_entry(chart, pt).id == first.id
    closed = clock.clock_out(chart, pt, at=at(MON, "09:55")).value
    assert closed.ended_at == at(MON, "09:55")
    clock.clock_in(chart, pt, ClockKind.DOCUMENTATION, visit_id=v1.id, at=at(MON, "10:00"))
    with pytest.raises(ClockConflict, match=r"Already clocked in \(documentation\) since"):
        clock.clock_in(chart, pt, "admin", at=at(MON, "10:05"))
    clock.clock_out(chart, pt, at=at(MON, "10:20"))
    clock.add_entry(chart, pt, "travel", started_at=at(MON, "10:20"), ended_at=at(MON, "10:50"),
                    memo="Drive to the next home visit")
    with pytest.raises(ClockConflict, match="overlaps visit time from 2026-01-12 09:00 to 09:55"):
        clock.add_entry(chart, pt, "admin", started_at=at(MON, "09:30"),
                        ended_at=at(MON, "09:40"))
    with pytest.raises(ClockConflict):  # an open entry may not start inside a closed one
        clock.clock_in(chart, pt, "admin", at=at(MON, "10:30"))
    clock.clock_in(chart, pt, "admin", at=at(MON, "11:00"))
    with pytest.raises(ValidationError, match=r"Clock-out \(2026-01-12 10:59\) is not after"):
        clock.clock_out(chart, pt, at=at(MON, "10:59"))
    clock.clock_out(chart, pt, at=at(MON, "11:15"))
    with pytest.raises(InvalidInput, match="not clocked in"):
        clock.clock_out(chart, pt, at=at(MON, "12:00"))
    # Tuesday: a visit, then admin time that runs past midnight into Wednesday
    clock.add_entry(chart, pt, "visit", visit_id=v2.id, started_at=at(MON + dt.timedelta(1),
                    "14:00"), ended_at=at(MON + dt.timedelta(1), "15:00"))
    clock.add_entry(chart, pt, "admin", started_at=at(MON + dt.timedelta(1), "23:30"),
                    ended_at=at(MON + dt.timedelta(2), "00:30"))
    sheet = clock.time_sheet(chart, pt, date_from=MON, date_to=MON + dt.timedelta(days=6),
                             now=at(MON + dt.timedelta(3), "08:00"))
    mon, tue, wed = sheet.days
    assert (mon.start, mon.clinical_minutes, mon.admin_minutes) == (MON, 55, 20 + 30 + 15)
    assert dict(mon.by_kind) == {"visit": 55, "documentation": 20, "travel": 30, "admin": 15}
    assert (tue.clinical_minutes, tue.admin_minutes) == (60, 30)
    assert (wed.clinical_minutes, wed.admin_minutes) == (0, 30)
    assert mon.flagged and mon.unsigned_notes == 1 and not tue.flagged and not wed.flagged
    (week,) = sheet.weeks
    assert (week.start, week.clinical_minutes, week.admin_minutes) == (MON, 115, 125)
    assert week.flagged and week.total_minutes == 240
    assert sheet.clinical_minutes == 115 and sheet.admin_minutes == 125
    assert [d.start for d in sheet.flagged_days] == [MON]


def test_unsigned_flag_clears_when_the_note_is_signed(setup: tuple[Base, Case, list]) -> None:
    base, case, visits = setup
    chart, pt = base.chart, base.pt.id
    (v1, n1), _ = visits
    clock.add_entry(chart, pt, "visit", visit_id=v1.id, started_at=at(MON, "09:00"),
                    ended_at=at(MON, "10:00"))
    sheet = clock.time_sheet(chart, pt, date_from=MON, date_to=MON, now=at(MON, "18:00"))
    assert sheet.day(MON).flagged and sheet.week(MON).flagged
    with chart.uow() as uow:  # the clinician signs Monday's note
        note = uow.notes.get(n1.id)
        when = at(MON, "19:00")
        text = snapshot.canonical_note_json(note, v1, signed_by=pt, signed_at=when)
        note.mark_signed(by=pt, at=when, snapshot=text, content_hash=snapshot.snapshot_hash(text))
        uow.notes.save(note)
        uow.commit()
    assert note.status is NoteStatus.SIGNED
    sheet = clock.time_sheet(chart, pt, date_from=MON, date_to=MON, now=at(MON, "20:00"))
    assert not sheet.day(MON).flagged and not sheet.week(MON).flagged
    assert case.clinician.id == pt


def test_open_entry_counts_until_now_and_edits(setup: tuple[Base, Case, list]) -> None:
    base, _case, visits = setup
    chart, pt = base.chart, base.pt.id
    entry = clock.clock_in(chart, pt, "documentation", at=at(MON, "16:00")).value
    sheet = clock.time_sheet(chart, pt, date_from=MON, date_to=MON, now=at(MON, "16:45"))
    assert sheet.day(MON).admin_minutes == 45 and sheet.day(MON).open_entry
    assert sheet.open_entry is not None and sheet.open_entry.id == entry.id
    edited = clock.edit_entry(chart, entry.id, ended_at=at(MON, "16:30"), memo="Notes").value
    assert not edited.is_open and clock.open_entry(chart, pt) is None
    with pytest.raises(ValidationError):
        clock.edit_entry(chart, entry.id, ended_at=at(MON, "15:00"))
    clock.delete_entry(chart, entry.id)
    assert clock.time_sheet(chart, pt, date_from=MON, date_to=MON).days == ()
    actions = [(r["action"], r["detail"]) for r in charts.recent_audit(chart, 20)
               if r["entity"] == "clock"]
    assert {a for a, _d in actions} == {"create", "update", "delete"}
    assert all("Notes" not in d for _a, d in actions)  # memo text stays out of the audit log
    (v1, _n1), _ = visits
    assert v1.clinician_id == pt


def test_entry_rules_in_the_domain() -> None:
    import uuid

    who = uuid.uuid4()
    with pytest.raises(ValidationError, match="needs the visit"):
        ClockEntry(who, ClockKind.VISIT, at(MON, "09:00"), at(MON, "10:00"))
    with pytest.raises(ValidationError, match="not a kind of time"):
        ClockEntry(who, "lunch", at(MON, "09:00"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="longer than 16 hours"):
        ClockEntry(who, ClockKind.ADMIN, at(MON, "06:00"), at(MON, "23:00"))
    with pytest.raises(ValidationError, match="not after clock-in"):
        ClockEntry(who, ClockKind.ADMIN, at(MON, "09:00"), at(MON, "09:00"))
    with pytest.raises(ValidationError, match="no time zone"):
        ClockEntry(who, ClockKind.ADMIN, at(MON, "09:00").replace(tzinfo=dt.UTC))
    assert ClockEntry(who, ClockKind.ADMIN, dt.datetime(2026, 1, 12, 9, 0, 42)).started_at == \
        at(MON, "09:00")
    assert split_by_day(at(MON, "22:00"), at(MON + dt.timedelta(2), "01:00")) == [
        (MON, 120), (MON + dt.timedelta(1), 1440), (MON + dt.timedelta(2), 60)]


def test_clock_out_in_the_minute_of_the_clock_in_keeps_nothing(
    setup: tuple[Base, Case, list],
) -> None:
    base, _case, _visits = setup
    chart, pt = base.chart, base.pt.id
    opened = clock.clock_in(chart, pt, "admin", at=at(MON, "08:00")).value
    closed = clock.clock_out(chart, pt, at=at(MON, "08:00") + dt.timedelta(seconds=50))
    assert closed.value.id == opened.id and closed.value.ended_at == closed.value.started_at
    assert opened.id in closed.changes.ids("clock")
    assert clock.open_entry(chart, pt) is None  # the clock stopped
    sheet = clock.time_sheet(chart, pt, date_from=MON, date_to=MON, now=at(MON, "09:00"))
    assert sheet.day(MON) is None  # nothing clocked that day
    clock.clock_in(chart, pt, "admin", at=at(MON, "08:00"))  # no overlap with a ghost entry
    with pytest.raises(ValidationError, match="is not after clock-in"):
        clock.clock_out(chart, pt, at=at(MON, "07:59"))
