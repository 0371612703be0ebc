"""Report-due and plan-of-care alerts, report drafts and trend specs (pure, no database)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.domain.enums import (
    Discipline,
    GoalStatus,
    GoalTerm,
    NoteStatus,
    NoteType,
    UnitMethod,
    VisitStatus,
)
from core.domain.episode import Episode, Goal
from core.domain.practice import PayerProfile
from core.domain.visit import Note, Visit
from core.rules.context import PriorNote
from core.rules.measures import (
    PLACEHOLDER,
    AlertKind,
    ReportInputs,
    ScorePoint,
    compose,
    episode_alerts,
    goal_progress,
    trend_spec,
)
from core.rules.measures.alerts import certified_until, report_period

START = dt.date(2026, 9, 1)
MEDICARE = PayerProfile(name="Medicare Part B", key="medicare",
                        unit_method=UnitMethod.CMS_TOTAL_TIME, progress_report_every_visits=10)


def episode(**kw: object) -> Episode:
    fields: dict[str, object] = {"patient_id": uuid.uuid4(), "discipline": Discipline.PT,
                                 "start_date": START, "cert_start": START,
                                 "cert_end": START + dt.timedelta(days=60)}
    fields.update(kw)
    return Episode(**fields)  # type: ignore[arg-type]


def history(ep: Episode, kinds: list[NoteType], *, missed: tuple[int, ...] = ()) -> list[PriorNote]:
    out = []
    for i, kind in enumerate(kinds):
        status = VisitStatus.NO_SHOW if i in missed else VisitStatus.COMPLETED
        visit = Visit(patient_id=ep.patient_id, episode_id=ep.id, clinician_id=uuid.uuid4(),
                      date=START + dt.timedelta(days=2 * i), status=status)
        out.append(PriorNote(Note(visit_id=visit.id, note_type=kind, status=NoteStatus.SIGNED),
                             visit))
    return out


def visits(n: int) -> list[NoteType]:
    return [NoteType.EVALUATION] + [NoteType.DAILY] * (n - 1)


def kinds(alerts: list) -> set[AlertKind]:  # type: ignore[type-arg]
    return {a.kind for a in alerts}


# -- progress-report alerts (treatment days from plan.treatment_day) -----------------------------
@pytest.mark.parametrize(
    ("held", "expected"),
    [(6, set()), (7, {AlertKind.PROGRESS_REPORT_UPCOMING}), (9, {AlertKind.PROGRESS_REPORT_DUE}),
     (10, {AlertKind.PROGRESS_REPORT_OVERDUE})],
)
def test_progress_report_alert_by_treatment_day(held: int, expected: set[AlertKind]) -> None:
    ep = episode()
    today = START + dt.timedelta(days=2 * held)
    found = episode_alerts(ep, MEDICARE, history(ep, visits(held)), today)
    assert kinds(found) == expected


def test_due_alert_names_the_day_and_the_anchor() -> None:
    ep = episode()
    [alert] = episode_alerts(ep, MEDICARE, history(ep, visits(9)), START + dt.timedelta(days=18))
    assert alert.treatment_day == 10
    assert "evaluation of 2026-09-01" in alert.message
    assert alert.severity == "due"


def test_a_progress_report_restarts_the_count_and_missed_visits_do_not_count() -> None:
    ep = episode()
    kinds_ = visits(10)
    kinds_[9] = NoteType.PROGRESS_REPORT
    today = START + dt.timedelta(days=20)
    assert episode_alerts(ep, MEDICARE, history(ep, [*kinds_, NoteType.DAILY]), today) == []
    missed = history(ep, visits(10), missed=(3, 5))  # 8 held days → next is day 9
    assert kinds(episode_alerts(ep, MEDICARE, missed, today)) == {
        AlertKind.PROGRESS_REPORT_UPCOMING}


def test_payers_without_an_interval_get_no_report_alert() -> None:
    ep = episode()
    assert episode_alerts(ep, "commercial", history(ep, visits(15)),
                          START + dt.timedelta(days=30)) == []


def test_report_period_counts_like_the_sign_gate() -> None:
    ep = episode()
    prior = history(ep, visits(4))
    period = report_period(ep, MEDICARE, prior, START + dt.timedelta(days=8))
    assert (period.day, period.start, period.anchor) == (5, START, "evaluation of 2026-09-01")


# -- plan of care ------------------------------------------------------------------------------
def test_plan_of_care_expiring_within_7_days_then_expired() -> None:
    ep = episode()
    end = START + dt.timedelta(days=60)
    assert episode_alerts(ep, "commercial", [], end - dt.timedelta(days=8)) == []
    [soon] = episode_alerts(ep, "commercial", [], end - dt.timedelta(days=7))
    assert soon.kind is AlertKind.PLAN_EXPIRING and soon.due_date == end
    assert "in 7 days" in soon.message
    [late] = episode_alerts(ep, "commercial", [], end + dt.timedelta(days=1))
    assert late.kind is AlertKind.PLAN_EXPIRED and late.severity == "urgent"


def test_medicare_caps_the_certified_period_at_90_days() -> None:
    ep = episode(cert_end=START + dt.timedelta(days=120))
    assert certified_until(ep, MEDICARE) == START + dt.timedelta(days=89)
    assert certified_until(ep, "cash") == START + dt.timedelta(days=120)


def test_discharged_episodes_have_no_alerts() -> None:
    ep = episode(discharged_on=START + dt.timedelta(days=20))
    assert episode_alerts(ep, MEDICARE, history(ep, visits(12)),
                          START + dt.timedelta(days=70)) == []


# -- report drafts -----------------------------------------------------------------------------
def _inputs(kind: NoteType) -> ReportInputs:
    ep = episode(frequency_per_week=2, duration_weeks=8, referring_provider="Dr. Alma Test")
    lefs = ep.add_goal(Goal(term=GoalTerm.LONG, activity="Walk community distances",
                            measure_id="LEFS", target="60",
                            target_date=START + dt.timedelta(days=56)))
    ep.add_goal(Goal(term=GoalTerm.SHORT, activity="Climb 12 stairs", baseline="4",
                     target="12", unit="steps"))
    series = {"LEFS": [ScorePoint(START, 38), ScorePoint(START + dt.timedelta(14), 47)],
              "NPRS": [ScorePoint(START, 6), ScorePoint(START + dt.timedelta(14), None,
                                                        "unscorable: …")]}
    report_day = START + dt.timedelta(days=20)
    progress = [goal_progress(g, [(p.date, p.value) for p in series["LEFS"]]
                              if g is lefs else [], as_of=report_day) for g in ep.goals]
    return ReportInputs(kind=kind, episode=ep, report_date=report_day, period_start=START,
                        period_anchor="evaluation of 2026-09-01", treatment_days=10,
                        visits_held=10, visits_missed=1, series=series, goals=progress,
                        payer_name="Medicare Part B", certified_until=START + dt.timedelta(60))


def test_progress_report_draft_contents() -> None:
    text = compose(_inputs(NoteType.PROGRESS_REPORT))
    assert set(text) == {"subjective", "objective", "assessment", "plan"}
    assert "10 treatment days since the evaluation of 2026-09-01; 1 missed visit" in text[
        "subjective"]
    assert "LEFS (Lower Extremity Functional Scale): 2026-09-01 38 points; 2026-09-15 47" in text[
        "objective"]
    assert "clinically important improvement (reaches the MCID 9 points" in text["objective"]
    assert "Thresholds used: MCID 9 points (lower-extremity" in text["objective"]
    assert "LTG: Walk community distances — LEFS 38 → 47 → 60 points. Status: partially met" in (
        text["assessment"])
    assert "STG: Climb 12 stairs (4 → 12 steps). Status: ongoing" in text["assessment"]
    assert text["assessment"].count(f"Clinician assessment: {PLACEHOLDER}") == 2
    assert "2x/week for 8 weeks (Medicare Part B)" in text["plan"]
    assert f"Changes to goals or plan: {PLACEHOLDER}" in text["plan"]


def test_discharge_summary_contents() -> None:
    text = compose(_inputs(NoteType.DISCHARGE))
    assert f"Reason for discharge: {PLACEHOLDER}" in text["subjective"]
    assert "Outcome measures over the episode:" in text["objective"]
    assert f"Reason not met: {PLACEHOLDER}" in text["assessment"]
    for part in ("Home program", "Equipment", "Care coordination", "Dr. Alma Test"):
        assert part in text["plan"]


def test_no_template_for_daily_notes() -> None:
    with pytest.raises(ValueError, match="no report template"):
        compose(_inputs(NoteType.DAILY))


# -- trend spec --------------------------------------------------------------------------------
def test_trend_spec_band_and_goal_target() -> None:
    g = Goal(term=GoalTerm.LONG, activity="Dress", measure_id="QuickDASH", baseline="52",
             target="20", unit="points", status=GoalStatus.ONGOING)
    points = [(START, 52.3), (START + dt.timedelta(14), None), (START + dt.timedelta(28), 36.4)]
    progress = goal_progress(g, points, as_of=START + dt.timedelta(28))
    spec = trend_spec("QuickDASH", points, [progress])
    assert (spec.y_min, spec.y_max, spec.higher_is_better) == (0, 100, False)
    assert spec.baseline == pytest.approx(52.3)
    assert (spec.band_low, spec.band_high) == pytest.approx((38.3, 66.3))
    assert "MCID 14 points" in spec.band_label
    assert [t.value for t in spec.targets] == [20]
    assert [p.label for p in spec.points] == ["52.3", "unscorable", "36.4"]
    assert len(spec.scored) == 2
