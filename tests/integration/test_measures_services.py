"""Outcome measures through the services on a real encrypted chart in ``tmp_path``."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from core.domain.enums import Discipline, GoalStatus, GoalTerm, UnitMethod
from core.domain.errors import SignedNoteImmutable, ValidationError
from core.domain.measures import InvalidResponse
from core.services import charts, episodes, measures, notes, patients, practice
from core.storage import tables as t
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE

TODAY = dt.date(2026, 11, 2)
START = dt.date(2026, 10, 1)
ODI_16 = [2, 2, 2, 2, 2, 2, 1, 1, 2, None]  # 16/45


@pytest.fixture
def setup(chart: ChartSession) -> dict[str, uuid.UUID]:
    pt = practice.add_clinician(chart, first_name="Ada", last_name="Quist",
                                discipline=Discipline.PT, credentials="PT, DPT").value
    payer = practice.add_payer_profile(
        chart, name="Medicare Part B", key="medicare", unit_method=UnitMethod.CMS_TOTAL_TIME,
        progress_report_every_visits=10).value
    patient = patients.create_patient(chart, first_name="Nell", last_name="Testcase",
                                      date_of_birth=dt.date(1950, 1, 1)).value
    ep = episodes.create_episode(
        chart, patient_id=patient.id, discipline=Discipline.PT, start_date=START,
        cert_start=START, cert_end=START + dt.timedelta(days=60), certified_on=START,
        payer_profile_id=payer.id, clinician_id=pt.id, frequency_per_week=2,
        duration_weeks=8).value
    goal = episodes.add_goal(
        chart, ep.id, term=GoalTerm.LONG, activity="Sit through a work shift",
        functional_purpose="return to work", measure_id="ODI", baseline="", target="20",
        unit="%", target_date=START + dt.timedelta(weeks=8)).value
    return {"pt": pt.id, "patient": patient.id, "episode": ep.id, "goal": goal.id}


def _goal_status(chart: ChartSession, ids: dict[str, uuid.UUID]) -> GoalStatus:
    return episodes.get_episode(chart, ids["episode"]).goal(ids["goal"]).status


def test_record_score_stores_numbers_scored_once_and_audits_without_values(
    chart: ChartSession, setup: dict[str, uuid.UUID], chart_path: Path
) -> None:
    result = measures.record_score(chart, episode_id=setup["episode"], measure_id="odi",
                                   date=START, responses=ODI_16, today=TODAY)
    rec = result.value.record
    assert rec.measure_id == "ODI" and rec.patient_id == setup["patient"]
    assert rec.value == pytest.approx(16 / 45 * 100)
    assert rec.band == "moderate disability" and rec.unit == "%"
    assert rec.id in result.changes.ids("measure_score")
    with chart.uow() as uow:
        row = uow.conn.execute(select(t.measure_scores)).mappings().one()
        audit = [r for r in uow.conn.execute(select(t.audit_events)).mappings()
                 if r["entity"] == "measure_score"]
    assert json.loads(json.dumps(row["responses"])) == ODI_16  # numbers only
    assert row["value"] == pytest.approx(35.5555555)  # raw float, not rounded
    assert [(a["action"], a["detail"]) for a in audit] == [("create", "ODI")]
    chart.lock()
    reopened = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        summary = measures.episode_measures(reopened, setup["episode"], today=TODAY)
        [odi] = summary.measures
        assert odi.latest is not None and odi.latest.value == pytest.approx(35.5555556)
        assert odi.trend.targets[0].value == 20
    finally:
        reopened.lock()


def test_goal_status_follows_new_scores(chart: ChartSession, setup: dict[str, uuid.UUID]) -> None:
    def record(day: int, items: list[int | None]) -> measures.RecordedScore:
        return measures.record_score(chart, episode_id=setup["episode"], measure_id="ODI",
                                     date=START + dt.timedelta(days=day), responses=items,
                                     today=TODAY).value

    record(0, [3] * 10)  # 60 %: baseline
    assert _goal_status(chart, setup) is GoalStatus.ONGOING
    recorded = record(14, [2] * 10)  # 40 %: −20 ≥ MCID 12 and MDC 10
    assert [g.status for g in recorded.goals] == [GoalStatus.PARTIALLY_MET]
    assert _goal_status(chart, setup) is GoalStatus.PARTIALLY_MET
    record(28, [1] * 10)  # 20 %: target reached
    assert _goal_status(chart, setup) is GoalStatus.MET
    summary = measures.episode_measures(chart, setup["episode"], today=TODAY)
    [progress] = summary.goals
    assert progress.path == "60.0 → 20.0 → 20.0 %"
    assert summary.measures[0].change.since_last is not None


def test_invalid_input_stores_nothing(chart: ChartSession, setup: dict[str, uuid.UUID]) -> None:
    with pytest.raises(InvalidResponse, match="Item 3"):
        measures.record_score(chart, episode_id=setup["episode"], measure_id="ODI", date=START,
                              responses=[1, 1, 7, 1, 1, 1, 1, 1, 1, 1], today=TODAY)
    with pytest.raises(InvalidResponse):
        measures.record_score(chart, episode_id=setup["episode"], measure_id="PPS", date=START,
                              responses=[45], today=TODAY)
    with pytest.raises(ValidationError, match="future"):
        measures.record_score(chart, episode_id=setup["episode"], measure_id="NPRS",
                              date=TODAY + dt.timedelta(days=1), responses=[3], today=TODAY)
    assert measures.episode_measures(chart, setup["episode"], today=TODAY).measures[0].scores == ()


def test_unscorable_form_is_kept_with_its_reason(
    chart: ChartSession, setup: dict[str, uuid.UUID]
) -> None:
    rec = measures.record_score(chart, episode_id=setup["episode"], measure_id="QuickDASH",
                                date=START, responses=[3] * 9 + [None, None],
                                today=TODAY).value.record
    assert rec.value is None
    assert rec.band.startswith("unscorable: 2 of 11 QuickDASH items unanswered")


def test_six_minute_walk_in_feet_is_stored_in_metres(
    chart: ChartSession, setup: dict[str, uuid.UUID]
) -> None:
    rec = measures.record_score(chart, episode_id=setup["episode"], measure_id="6MWT", date=START,
                                responses=[1000], unit="ft", today=TODAY).value.record
    assert rec.unit == "m" and rec.value == pytest.approx(304.8)
    assert rec.responses == (pytest.approx(304.8),)


def test_scores_on_signed_notes_are_frozen(
    chart: ChartSession, setup: dict[str, uuid.UUID]
) -> None:
    view = notes.start_note(chart, episode_id=setup["episode"], clinician_id=setup["pt"],
                            date=START).value
    draft_score = measures.record_score(chart, episode_id=setup["episode"], measure_id="NPRS",
                                        date=START, responses=[6], note_id=view.note.id,
                                        today=TODAY).value.record
    with chart.uow() as uow:  # freeze the note the way signing does, without the checks
        note = uow.notes.get(view.note.id)
        note.mark_signed(by=setup["pt"], at=dt.datetime(2026, 10, 1, 18), snapshot="{}",
                         content_hash="0" * 64)
        uow.notes.save(note)
        uow.commit()
    with pytest.raises(SignedNoteImmutable, match="cannot be deleted"):
        measures.delete_score(chart, draft_score.id, today=TODAY)
    with pytest.raises(SignedNoteImmutable, match="signed"):
        measures.record_score(chart, episode_id=setup["episode"], measure_id="NPRS", date=START,
                              responses=[5], note_id=view.note.id, today=TODAY)


def test_delete_score_recomputes_the_goal(
    chart: ChartSession, setup: dict[str, uuid.UUID]
) -> None:
    measures.record_score(chart, episode_id=setup["episode"], measure_id="ODI", date=START,
                          responses=[3] * 10, today=TODAY)
    wrong = measures.record_score(chart, episode_id=setup["episode"], measure_id="ODI",
                                  date=START + dt.timedelta(days=7), responses=[0] * 10,
                                  today=TODAY).value.record
    assert _goal_status(chart, setup) is GoalStatus.MET
    result = measures.delete_score(chart, wrong.id, today=TODAY)
    assert wrong.id in result.changes.ids("measure_score")
    assert _goal_status(chart, setup) is GoalStatus.ONGOING


def test_episode_measures_is_an_audited_view(
    chart: ChartSession, setup: dict[str, uuid.UUID]
) -> None:
    measures.episode_measures(chart, setup["episode"], today=TODAY)
    recent = charts.recent_audit(chart, 5)
    assert (recent[0]["action"], recent[0]["entity"], recent[0]["detail"]) == (
        "view", "episode", "measures")
    assert charts.verify_audit(chart).ok


def test_demo_chart_has_trends_and_a_partially_met_quickdash_goal(chart: ChartSession) -> None:
    from core.services import demo

    demo.populate(chart, today=TODAY)
    with chart.uow() as uow:
        count = len(uow.conn.execute(select(t.measure_scores.c.id)).all())
    assert count >= 30
    [row] = patients.search_patients(chart, "Marchetti")
    ep = patients.open_patient(chart, row.id).episodes[0]
    summary = measures.episode_measures(chart, ep.id, today=TODAY)
    assert {m.measure_id for m in summary.measures} == {"NPRS", "QuickDASH"}
    [quickdash] = [g for g in summary.goals if g.measure_id == "QuickDASH"]
    assert quickdash.status is GoalStatus.PARTIALLY_MET
