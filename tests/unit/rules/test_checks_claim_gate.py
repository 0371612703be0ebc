"""What the claim needs from the plan, at sign-off: a diagnosis, injury codes with 7th
character D, complete evaluation plans, outcome measures on evaluations and reports."""

from __future__ import annotations

from rules_fixtures import Chart

from core.domain.enums import Laterality, NoteType
from core.domain.episode import Diagnosis
from core.rules.checks import check_note
from core.rules.checks.claim_gate import is_initial_injury


def ids(chart: Chart, note_type: NoteType = NoteType.DAILY, **ctx: object) -> set[str]:
    note, visit = chart.typical()
    note.note_type = note_type
    return {f.id for f in check_note(note, chart.ctx(visit, **ctx))}


def test_no_diagnosis_blocks(chart: Chart) -> None:
    assert "episode.no_diagnosis" not in ids(chart)
    chart.episode.diagnoses.clear()
    assert "episode.no_diagnosis" in ids(chart)


def test_initial_encounter_injury_code(chart: Chart) -> None:
    assert is_initial_injury("S83.242A") and is_initial_injury("T84.84XA")
    assert not is_initial_injury("S83.242D") and not is_initial_injury("M17.11")
    assert not is_initial_injury("S83.24")  # not a 7-character code
    assert "dx.initial_encounter" not in ids(chart)
    chart.episode.add_diagnosis(Diagnosis(code="S83.242A", laterality=Laterality.LEFT))
    note, visit = chart.typical()
    found = [f for f in check_note(note, chart.ctx(visit)) if f.id == "dx.initial_encounter"]
    assert len(found) == 1 and "S83.242D" in found[0].fix


def test_evaluation_needs_goals_frequency_and_duration(chart: Chart) -> None:
    assert "eval.plan_incomplete" not in ids(chart)  # a daily note is not asked
    assert "eval.plan_incomplete" in ids(chart, NoteType.EVALUATION)
    chart.episode.frequency_per_week, chart.episode.duration_weeks = 2, 6
    assert "eval.plan_incomplete" not in ids(chart, NoteType.EVALUATION)
    chart.episode.goals.clear()
    note, visit = chart.typical()
    note.note_type = NoteType.RE_EVALUATION
    found = [f for f in check_note(note, chart.ctx(visit)) if f.id == "eval.plan_incomplete"]
    assert found and "goals" in found[0].message


def test_outcome_measure_on_evaluations_reports_and_discharges(chart: Chart) -> None:
    for kind in (NoteType.EVALUATION, NoteType.PROGRESS_REPORT, NoteType.DISCHARGE):
        assert "note.no_outcome_measure" in ids(chart, kind, measures_on_day=())
        assert "note.no_outcome_measure" not in ids(chart, kind, measures_on_day=("LEFS",))
        assert "note.no_outcome_measure" not in ids(chart, kind)  # unknown: no finding
    assert "note.no_outcome_measure" not in ids(chart, NoteType.DAILY, measures_on_day=())
