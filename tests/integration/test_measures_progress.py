"""Progress report / discharge summary drafts and dashboard alerts on a real chart."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.domain.enums import Discipline, GoalStatus, GoalTerm, NoteStatus, NoteType, UnitMethod
from core.domain.errors import SignedNoteImmutable, ValidationError
from core.rules import snapshot
from core.rules.measures import PLACEHOLDER
from core.rules.measures.reports import has_placeholders
from core.services import episodes, measures, notes, patients, practice, progress
from core.storage.chart import ChartSession

START = dt.date(2026, 10, 1)


def visit_days(n: int) -> list[dt.date]:
    return [START + dt.timedelta(days=2 * i) for i in range(n)]


@pytest.fixture
def ids(chart: ChartSession) -> dict[str, uuid.UUID]:
    pt = practice.add_clinician(chart, first_name="Ada", last_name="Quist",
                                discipline=Discipline.PT, credentials="PT, DPT").value
    pta = practice.add_clinician(chart, first_name="Bo", last_name="Assist",
                                 discipline=Discipline.PT, credentials="PTA",
                                 is_assistant=True).value
    payer = practice.add_payer_profile(
        chart, name="Medicare Part B", key="medicare", unit_method=UnitMethod.CMS_TOTAL_TIME,
        requires_discipline_modifier=True, progress_report_every_visits=10).value
    patient = patients.create_patient(chart, first_name="Nell", last_name="Testcase",
                                      date_of_birth=dt.date(1950, 1, 1)).value
    ep = episodes.create_episode(
        chart, patient_id=patient.id, discipline=Discipline.PT, start_date=START,
        cert_start=START, cert_end=START + dt.timedelta(days=30), certified_on=START,
        payer_profile_id=payer.id, clinician_id=pt.id, frequency_per_week=3, duration_weeks=4,
        referring_provider="Dr. Test Referrer").value
    goal = episodes.add_goal(chart, ep.id, term=GoalTerm.LONG, activity="Walk in the community",
                             functional_purpose="shop independently", measure_id="LEFS",
                             target="60", target_date=START + dt.timedelta(weeks=4)).value
    episodes.add_goal(chart, ep.id, term=GoalTerm.SHORT, activity="Climb 12 stairs",
                      baseline="4", target="12", unit="steps")
    for i, day in enumerate(visit_days(9)):
        notes.start_note(chart, episode_id=ep.id, clinician_id=pt.id, date=day,
                         note_type=NoteType.EVALUATION if i == 0 else NoteType.DAILY)
    for day, items in ((START, [1, 1] + [2] * 18), (START + dt.timedelta(days=14),
                                                    [3] * 9 + [2] * 11)):  # 38, then 49
        measures.record_score(chart, episode_id=ep.id, measure_id="LEFS", date=day,
                              responses=items, today=START + dt.timedelta(days=20))
    return {"pt": pt.id, "pta": pta.id, "episode": ep.id, "goal": goal.id,
            "patient": patient.id}


def test_alert_due_until_the_report_is_signed(
    chart: ChartSession, ids: dict[str, uuid.UUID]
) -> None:
    today = START + dt.timedelta(days=18)  # next visit is treatment day 10
    [row] = progress.progress_alerts(chart, today=today)
    assert (row.kind, row.severity) == ("progress_report_due", "due")
    assert row.patient_name == "Testcase, Nell" and row.episode_id == ids["episode"]
    view = progress.draft_progress_report(chart, ids["episode"], clinician_id=ids["pt"],
                                          on=today).value
    assert view.note.note_type is NoteType.PROGRESS_REPORT
    assert view.note.status is NoteStatus.DRAFT
    # a draft does not reset the count (nor fool the dashboard): only a signed report does
    [row] = progress.progress_alerts(chart, today=today)
    assert row.kind == "progress_report_overdue"  # the draft's visit was treatment day 10
    with chart.uow() as uow:
        note = uow.notes.get(view.note.id)
        visit = uow.visits.get(note.visit_id)
        at = dt.datetime.combine(today, dt.time(18))
        text = snapshot.canonical_note_json(note, visit, signed_by=ids["pt"], signed_at=at)
        note.mark_signed(by=ids["pt"], at=at, snapshot=text,
                         content_hash=snapshot.snapshot_hash(text))
        uow.notes.save_signed(note)
        uow.commit()
    assert progress.progress_alerts(chart, today=today) == []


def test_progress_report_draft_contents(chart: ChartSession, ids: dict[str, uuid.UUID]) -> None:
    today = START + dt.timedelta(days=18)
    result = progress.draft_progress_report(chart, ids["episode"], clinician_id=ids["pt"],
                                            on=today)
    note = notes.get_note(chart, result.value.note.id).note
    assert "2026-10-01 to 2026-10-19: 10 treatment days since the evaluation of 2026-10-01" in (
        note.subjective)
    assert "LEFS (Lower Extremity Functional Scale): 2026-10-01 38 points; 2026-10-15 49" in (
        note.objective)
    assert "Since baseline: 38 → 49 points (+11, better): clinically important" in note.objective
    assert ("LTG: Walk in the community to shop independently — LEFS 38 → 49 → 60 points. "
            "Status: partially met") in note.assessment
    assert "STG: Climb 12 stairs (4 → 12 steps). Status: ongoing" in note.assessment
    assert "3x/week for 4 weeks (Medicare Part B)" in note.plan
    assert has_placeholders(note.assessment)
    # the goal status the report states is the one now stored on the plan of care
    assert episodes.get_episode(chart, ids["episode"]).goal(ids["goal"]).status is (
        GoalStatus.PARTIALLY_MET)
    assert "note" in result.changes and "visit" in result.changes


def test_report_into_todays_draft_keeps_what_was_written(
    chart: ChartSession, ids: dict[str, uuid.UUID]
) -> None:
    today = START + dt.timedelta(days=18)
    view = notes.start_note(chart, episode_id=ids["episode"], clinician_id=ids["pt"],
                            date=today).value
    notes.edit_section(chart, view.note.id, "subjective", "Reports stairs easier.")
    drafted = progress.draft_progress_report(chart, ids["episode"], clinician_id=ids["pt"],
                                             on=today, note_id=view.note.id).value
    assert drafted.note.id == view.note.id
    assert drafted.note.note_type is NoteType.PROGRESS_REPORT
    assert drafted.note.subjective.startswith("Reports stairs easier.\n\nProgress report for")
    assert "10 treatment days" in drafted.note.subjective


def test_assistants_cannot_author_and_signed_notes_cannot_be_reused(
    chart: ChartSession, ids: dict[str, uuid.UUID]
) -> None:
    today = START + dt.timedelta(days=18)
    with pytest.raises(ValidationError, match="assistant"):
        progress.draft_progress_report(chart, ids["episode"], clinician_id=ids["pta"], on=today)
    view = notes.start_note(chart, episode_id=ids["episode"], clinician_id=ids["pt"],
                            date=today).value
    with chart.uow() as uow:
        note = uow.notes.get(view.note.id)
        note.mark_signed(by=ids["pt"], at=dt.datetime(2026, 10, 19, 18), snapshot="{}",
                         content_hash="0" * 64)
        uow.notes.save(note)
        uow.commit()
    with pytest.raises(SignedNoteImmutable):
        progress.draft_progress_report(chart, ids["episode"], clinician_id=ids["pt"], on=today,
                                       note_id=view.note.id)


def test_discharge_summary_draft(chart: ChartSession, ids: dict[str, uuid.UUID]) -> None:
    today = START + dt.timedelta(days=20)
    note = progress.draft_discharge_summary(chart, ids["episode"], clinician_id=ids["pt"],
                                            on=today).value.note
    assert note.note_type is NoteType.DISCHARGE
    assert "episode 2026-10-01 to 2026-10-21, 10 visits held" in note.subjective
    assert "Outcome measures over the episode:" in note.objective
    assert f"Reason not met: {PLACEHOLDER}" in note.assessment
    assert "Dr. Test Referrer" in note.plan
    assert episodes.get_episode(chart, ids["episode"]).discharged_on is None  # not discharged


def test_plan_of_care_alerts(chart: ChartSession, ids: dict[str, uuid.UUID]) -> None:
    end = START + dt.timedelta(days=30)
    soon = progress.progress_alerts(chart, today=end - dt.timedelta(days=5))
    assert "plan_of_care_expiring" in {a.kind for a in soon}
    late = progress.progress_alerts(chart, today=end + dt.timedelta(days=2))
    assert late[0].kind == "plan_of_care_expired" and late[0].severity == "urgent"
    episodes.update_episode(chart, ids["episode"], discharged_on=end)
    assert progress.progress_alerts(chart, today=end + dt.timedelta(days=2)) == []
