"""Schedule rules (issue 19) on plain objects: recurrences through dateutil, editing one
occurrence or the rest of a series, conflicts, working hours, fees, plan progress, free slots,
the waitlist and a PHI-free calendar feed."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.domain.enums import PlaceOfService
from core.domain.errors import ValidationError
from core.domain.schedule import (
    Appointment,
    AppointmentStatus,
    Block,
    Series,
    WaitlistEntry,
    WorkingHours,
    check_rule,
)
from core.rules import schedule as rules

PAT, ADA, BEN = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
MON = dt.datetime(2026, 12, 7, 9, 0)  # a Monday
NINE_TO_FIVE = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))
HOURS = WorkingHours(ADA, (NINE_TO_FIVE,) * 5 + ((), ()))


def appt(start: dt.datetime, minutes: int = 45, who: uuid.UUID = ADA, **kw: object) -> Appointment:
    return Appointment(PAT, who, start, minutes, **kw)  # type: ignore[arg-type]


def twice_weekly(count: int = 12) -> Series:
    return Series(PAT, ADA, MON, 45, f"RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT={count}")


def test_rules_must_end_and_be_valid() -> None:
    assert check_rule("rrule:freq=weekly;byday=mo;count=3") == "FREQ=WEEKLY;BYDAY=MO;COUNT=3"
    with pytest.raises(ValidationError, match="must end"):
        check_rule("FREQ=WEEKLY;BYDAY=MO")
    with pytest.raises(ValidationError, match="FREQ"):
        check_rule("COUNT=3")
    with pytest.raises(ValidationError, match="not valid"):
        check_rule("FREQ=WEEKLY;BYDAY=XX;COUNT=3")


def test_expand_a_series_with_stable_ids() -> None:
    series = twice_weekly()
    got = rules.expand(series, MON, MON + dt.timedelta(days=14))
    assert [a.start for a in got] == [MON, MON + dt.timedelta(days=3), MON + dt.timedelta(days=7),
                                      MON + dt.timedelta(days=10)]
    again = rules.expand(series, MON, MON + dt.timedelta(days=14))
    assert [a.id for a in got] == [a.id for a in again]
    assert len(rules.expand(series, MON, MON + dt.timedelta(days=400))) == 12


def test_move_and_cancel_one_occurrence() -> None:
    series = twice_weekly()
    thursday = MON + dt.timedelta(days=3)
    series, moved = rules.move_one(series, thursday, start=thursday + dt.timedelta(hours=2))
    assert moved.original_start == thursday and moved.series_id == series.id
    week = rules.expand(series, MON, MON + dt.timedelta(days=7), moved=[moved])
    assert [a.start for a in week] == [MON]  # the Thursday is the moved appointment now
    series, gone = rules.cancel_one(series, MON, AppointmentStatus.CANCELLED, "patient ill")
    assert gone.status is AppointmentStatus.CANCELLED
    assert rules.expand(series, MON, MON + dt.timedelta(days=7)) == []
    with pytest.raises(Exception, match="not an occurrence"):
        rules.move_one(series, MON + dt.timedelta(hours=1))


def test_split_this_and_following_keeps_the_count() -> None:
    series = twice_weekly(12)
    third = MON + dt.timedelta(days=7)
    old, new = rules.split(series, third, minutes=60, clinician_id=BEN)
    before = rules.expand(old, MON, MON + dt.timedelta(days=400))
    after = rules.expand(new, MON, MON + dt.timedelta(days=400))
    assert len(before) == 2 and len(after) == 10
    assert after[0].start == third and after[0].minutes == 60 and after[0].clinician_id == BEN
    assert before[-1].start < third


def test_double_booking_and_blocked_time_are_conflicts() -> None:
    booked = appt(MON)
    with pytest.raises(rules.ScheduleConflict, match="already has another appointment at "
                                                     "09:00–09:45") as err:
        rules.check_bookable(appt(MON + dt.timedelta(minutes=30)), [booked], hours=HOURS)
    assert err.value.other == booked.id
    rules.check_bookable(appt(MON + dt.timedelta(minutes=45)), [booked], hours=HOURS)  # adjacent
    rules.check_bookable(appt(MON, who=BEN), [booked])  # another clinician
    cancelled = appt(MON, status=AppointmentStatus.CANCELLED, reason="ill")
    rules.check_bookable(appt(MON), [cancelled], hours=HOURS)  # cancelled frees the time
    lunch = Block(ADA, MON.replace(hour=12), MON.replace(hour=13), "Team meeting")
    with pytest.raises(rules.ScheduleConflict, match="Team meeting"):
        rules.check_bookable(appt(MON.replace(hour=12, minute=30)), [], [lunch])


def test_working_hours() -> None:
    with pytest.raises(rules.ScheduleConflict, match="outside the clinician's working hours"):
        rules.check_bookable(appt(MON.replace(hour=11, minute=30)), [], hours=HOURS)  # over lunch
    with pytest.raises(rules.ScheduleConflict):
        rules.check_bookable(appt(MON + dt.timedelta(days=5)), [], hours=HOURS)  # Saturday
    rules.check_bookable(appt(MON + dt.timedelta(days=5)), [], hours=HOURS,
                         allow_outside_hours=True)


def test_status_transitions_and_fees() -> None:
    a = appt(MON)
    with pytest.raises(ValidationError, match="reason"):
        a.set_status(AppointmentStatus.NO_SHOW)
    a.set_status(AppointmentStatus.NO_SHOW, "did not come")
    with pytest.raises(ValidationError, match="cannot become arrived"):
        a.set_status(AppointmentStatus.ARRIVED)
    policy = rules.CancellationPolicy(24, late_cancel_fee_cents=2500, no_show_fee_cents=4000)
    assert rules.late_cancel(appt(MON), MON - dt.timedelta(hours=5), policy)
    assert not rules.late_cancel(appt(MON), MON - dt.timedelta(hours=30), policy)
    assert rules.fee_cents(AppointmentStatus.NO_SHOW, policy) == 4000
    assert rules.fee_cents(AppointmentStatus.LATE_CANCELLED, policy) == 2500
    assert rules.fee_cents(AppointmentStatus.CANCELLED, policy) == 0


def test_appointment_validation() -> None:
    with pytest.raises(ValidationError, match="5–480"):
        appt(MON, minutes=0)
    with pytest.raises(ValidationError, match="address"):
        appt(MON, place=PlaceOfService.HOME)
    with pytest.raises(ValidationError, match="local wall-clock"):
        appt(MON.replace(tzinfo=dt.UTC))


def test_plan_progress_free_slots_and_waitlist() -> None:
    series = twice_weekly(7)
    booked = rules.expand(series, MON, MON + dt.timedelta(weeks=6))
    progress = rules.plan_progress(2, 6, MON.date(), PAT, booked)
    assert str(progress) == "2×/week for 6 weeks: 7 of 12 booked"
    day = [appt(MON), appt(MON.replace(hour=10))]
    slots = rules.free_slots(MON.date(), 45, ADA, HOURS, day, step=15)
    assert MON.replace(hour=8) in slots and MON.replace(hour=8, minute=15) in slots
    assert MON.replace(hour=8, minute=30) not in slots  # would run into 09:00
    assert MON.replace(hour=11, minute=15) in slots and MON.replace(hour=11, minute=30) not in slots
    early = WaitlistEntry(uuid.uuid4(), "daily", dt.datetime(2026, 11, 1))
    late = WaitlistEntry(uuid.uuid4(), "daily", dt.datetime(2026, 11, 20))
    evenings = WaitlistEntry(uuid.uuid4(), "daily", dt.datetime(2026, 10, 1),
                             earliest=dt.time(16))
    offers = rules.waitlist_offers([late, evenings, early], MON, 45, ADA, "daily")
    assert offers == [early, late]


def test_ics_feed_carries_no_phi() -> None:
    home = appt(MON, place=PlaceOfService.HOME, address="12 Synthetic Lane")
    cancelled = appt(MON.replace(hour=14), status=AppointmentStatus.CANCELLED, reason="ill")
    data = rules.ics([home, cancelled], initials=lambda _p: "NT",
                     stamp=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    text = data.decode()
    assert text.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Appointment · NT" in text and "LOCATION:Home visit" in text
    assert "Synthetic" not in text and "ill" not in text
    from icalendar import Calendar

    event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
    assert event.decoded("dtstart") == MON
    assert "· " not in rules.ics([home], initials=lambda _p: "Nell Testcase").decode()
