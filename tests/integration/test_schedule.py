"""The schedule on a real chart (issue 19): booking, conflicts, working hours and blocked time,
recurring series and editing one occurrence, late cancellation fees by policy, the waitlist,
the PHI-free calendar feed, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest

from core.domain.enums import Discipline
from core.domain.schedule import AppointmentStatus, WaitlistEntry
from core.rules.schedule import CancellationPolicy, ScheduleConflict
from core.services import patients, practice, schedule
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE
from tests.integration.cli_inprocess import Ran, run

MON = dt.datetime(2026, 12, 7, 9, 0)
WEEKDAYS = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))


@pytest.fixture
def clinic(chart: ChartSession) -> dict[str, uuid.UUID]:
    ada = practice.add_clinician(chart, first_name="Ada", last_name="Quist",
                                 discipline=Discipline.PT).value
    nell = patients.create_patient(chart, first_name="Nell", last_name="Testcase",
                                   date_of_birth=dt.date(1970, 1, 1)).value
    omar = patients.create_patient(chart, first_name="Omar", last_name="Example",
                                   date_of_birth=dt.date(1980, 2, 2)).value
    schedule.set_hours(chart, ada.id, (WEEKDAYS,) * 5 + ((), ()))
    return {"ada": ada.id, "nell": nell.id, "omar": omar.id}


def test_booking_conflicts_hours_and_blocks(chart: ChartSession, clinic: dict[str, uuid.UUID]
                                            ) -> None:
    first = schedule.book(chart, clinic["nell"], clinic["ada"], MON).appointment
    assert first is not None and first.minutes == 45
    with pytest.raises(ScheduleConflict, match="already has another appointment at 09:00"):
        schedule.book(chart, clinic["omar"], clinic["ada"], MON + dt.timedelta(minutes=30))
    with pytest.raises(ScheduleConflict, match="outside the clinician's working hours"):
        schedule.book(chart, clinic["omar"], clinic["ada"], MON.replace(hour=11, minute=45))
    schedule.block_time(chart, clinic["ada"], MON.replace(hour=14), MON.replace(hour=15),
                        "Team meeting")
    with pytest.raises(ScheduleConflict, match="Team meeting"):
        schedule.book(chart, clinic["omar"], clinic["ada"], MON.replace(hour=14, minute=30))
    schedule.book(chart, clinic["omar"], clinic["ada"], MON.replace(hour=10))
    assert [a.start.hour for a in schedule.day(chart, MON.date())] == [9, 10]


def test_recurring_series_one_occurrence_and_fees(
    chart: ChartSession, clinic: dict[str, uuid.UUID]
) -> None:
    blocker = schedule.book(chart, clinic["omar"], clinic["ada"],
                            MON.replace(hour=10) + dt.timedelta(days=10)).appointment
    with pytest.raises(ScheduleConflict):  # its 4th occurrence (Thu 17th, 10:00) is taken
        schedule.book(chart, clinic["nell"], clinic["ada"], MON.replace(hour=10),
                      repeat="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6")
    assert schedule.day(chart, MON.date()) == []  # nothing of the series was written
    booked = schedule.book(chart, clinic["nell"], clinic["ada"], MON,
                           repeat="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6")
    assert booked.occurrences == 6 and blocker is not None
    thursday = schedule.day(chart, MON.date() + dt.timedelta(days=3))
    assert [(a.start.hour, a.series_id) for a in thursday] == [(9, booked.series.id)]  # type: ignore[union-attr]
    schedule.set_policy(chart, CancellationPolicy(24, late_cancel_fee_cents=2500,
                                                  no_show_fee_cents=4000))
    schedule.add_to_waitlist(chart, WaitlistEntry(clinic["omar"], "daily",
                                                  dt.datetime(2026, 11, 1)))
    change = schedule.set_status(chart, thursday[0].id, AppointmentStatus.CANCELLED, "ill",
                                 now=thursday[0].start - dt.timedelta(hours=3))
    assert change.appointment.status is AppointmentStatus.LATE_CANCELLED
    assert change.fee_cents == 2500 and [e.patient_id for e in change.offers] == [clinic["omar"]]
    again = schedule.day(chart, MON.date() + dt.timedelta(days=3))
    assert [(a.id, a.status) for a in again] == [(thursday[0].id,
                                                  AppointmentStatus.LATE_CANCELLED)]
    # the freed time can be booked; the rest of the series is untouched
    schedule.book(chart, clinic["omar"], clinic["ada"], thursday[0].start)
    nxt = schedule.day(chart, MON.date() + dt.timedelta(days=7))
    assert [a.series_id for a in nxt] == [booked.series.id]  # type: ignore[union-attr]
    no_show = schedule.set_status(chart, nxt[0].id, AppointmentStatus.NO_SHOW, "did not come")
    assert no_show.fee_cents == 4000


def test_calendar_feed_has_no_phi(chart: ChartSession, clinic: dict[str, uuid.UUID]) -> None:
    schedule.book(chart, clinic["nell"], clinic["ada"], MON, service="home-visit",
                  address="12 Synthetic Lane")
    data = schedule.calendar(chart, clinic["ada"], MON.date(), with_initials=True).decode()
    assert "SUMMARY:Appointment · NT" in data and "Home visit" in data
    assert "Nell" not in data and "Testcase" not in data and "Synthetic" not in data


def test_cli_schedule(chart: ChartSession, clinic: dict[str, uuid.UUID], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    chart.lock()
    env = {"CHARTSIDE_PASSPHRASE": PASSPHRASE}

    def cli(*words: str) -> Ran:
        return run(capsys, monkeypatch, ["--chart", str(chart.path), "schedule", *words], env)

    ok = cli("book", "--patient", str(clinic["nell"]), "--at", "2026-12-07 09:00",
             "--clinician", "Ada", "--repeat", "FREQ=WEEKLY;BYDAY=MO;COUNT=3")
    assert ok.returncode == 0 and "Booked 3 appointments" in ok.stdout, ok.stderr
    clash = cli("book", "--patient", str(clinic["omar"]), "--at", "2026-12-14 09:15",
                "--clinician", "Ada")
    assert clash.returncode == 2 and "already has" in clash.stderr
    listed = json.loads(cli("--day", "2026-12-14", "--json").stdout)
    assert [a["start"] for a in listed] == ["2026-12-14T09:00"]
    cancelled = cli("cancel", listed[0]["id"], "--reason", "snow")
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout
    bad = cli("book", "--patient", str(clinic["nell"]), "--at", "14/12/2026", "--clinician", "Ada")
    assert bad.returncode == 2 and "YYYY-MM-DD HH:MM" in bad.stderr
    hours = cli("hours", "--clinician", "Ada", "Mon-Thu=08:00-12:00", "Fri=09:00-10:00")
    assert hours.returncode == 0, hours.stderr
    late = cli("book", "--patient", str(clinic["omar"]), "--at", "2026-12-18 10:00",
               "--clinician", "Ada")  # a Friday, after 10:00
    assert late.returncode == 2 and "working hours" in late.stderr
    wrong_day = cli("hours", "--clinician", "Ada", "Funday=08:00-12:00")
    assert wrong_day.returncode == 2 and "not a weekday" in wrong_day.stderr


def test_start_note_from_an_occurrence(chart: ChartSession, clinic: dict[str, uuid.UUID]) -> None:
    from core.services import episodes

    booked = schedule.book(chart, clinic["nell"], clinic["ada"], MON, service="home-visit",
                           address="12 Synthetic Lane", repeat="FREQ=WEEKLY;BYDAY=MO;COUNT=4")
    occurrence = schedule.day(chart, MON.date())[0]
    with pytest.raises(Exception, match="no open episode"):
        schedule.start_note(chart, occurrence.id, today=MON.date())
    episodes.create_episode(chart, patient_id=clinic["nell"], discipline=Discipline.PT,
                            start_date=dt.date(2026, 12, 1), diagnoses=["M17.11"])
    note_id = schedule.start_note(chart, occurrence.id, today=MON.date())
    assert schedule.start_note(chart, occurrence.id, today=MON.date()) == note_id  # once
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        visit = uow.visits.get(note.visit_id)
    assert (visit.date, visit.start_time, visit.end_time) == (MON.date(), dt.time(9),
                                                              dt.time(10))
    assert visit.place_of_service.value == "12" and visit.address == "12 Synthetic Lane"
    [row] = schedule.day_rows(chart, MON.date())
    assert row.appointment.id == occurrence.id and row.appointment.visit_id == visit.id
    assert row.appointment.status is AppointmentStatus.ARRIVED
    assert row.patient_name == "Testcase, Nell" and booked.series is not None
