"""check_note: clock times, daily-note elements, goal links, laterality — each firing and not."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from core.domain.enums import GoalStatus, GoalTerm, Laterality
from core.domain.episode import Goal
from core.domain.ids import new_id
from core.domain.visit import UntimedService
from core.rules.checks import check_note
from core.rules.findings import CATALOG, Finding, Severity

if TYPE_CHECKING:
    from rules_fixtures import Chart


def found(findings: list[Finding], fid: str) -> list[Finding]:
    assert fid in CATALOG
    return [f for f in findings if f.id == fid]


def test_typical_note_is_clean(chart: Chart) -> None:
    note, visit = chart.typical()
    findings = check_note(note, chart.ctx(visit))
    assert [f.id for f in findings if f.severity is not Severity.INFO] == []


# -- times --------------------------------------------------------------------------------------
def test_missing_time(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", None)], total=20)
    (f,) = found(check_note(note, chart.ctx(visit)), "block.missing_time")
    assert f.severity is Severity.BLOCK and f.field.endswith(".stop")
    assert f.block_id == note.blocks[0].id and "no stop time" in f.message
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:20")])
    assert not found(check_note(ok, chart.ctx(visit)), "block.missing_time")


def test_stop_before_start(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:30", "09:10")], total=20)
    (f,) = found(check_note(note, chart.ctx(visit)), "block.stop_before_start")
    assert "09:10" in f.message and f.field == f"blocks[{note.blocks[0].id}].stop"
    ok = chart.note(visit, [chart.block("97110", "09:10", "09:30")])
    assert not found(check_note(ok, chart.ctx(visit)), "block.stop_before_start")


def test_overlapping_blocks(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20"),
                              chart.block("97112", "09:15", "09:30")])
    (f,) = found(check_note(note, chart.ctx(visit)), "block.overlap")
    assert f.block_id == note.blocks[1].id and "09:15–09:30" in f.message
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:15"),
                            chart.block("97112", "09:15", "09:30")])  # touching is fine
    assert not found(check_note(ok, chart.ctx(visit)), "block.overlap")


def test_timed_minutes_exceed_visit(chart: Chart) -> None:
    visit = chart.visit(start="09:00", end="09:30")
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20"),
                              chart.block("97112", "09:20", "09:45")])
    (f,) = found(check_note(note, chart.ctx(visit)), "visit.timed_exceeds_visit")
    assert "45 minutes" in f.message and "30" in f.message
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:30")])
    assert not found(check_note(ok, chart.ctx(visit)), "visit.timed_exceeds_visit")


def test_total_treatment_time_missing_and_inconsistent(chart: Chart) -> None:
    visit = chart.visit()
    blocks = [chart.block("97110", "09:00", "09:30")]
    missing = chart.note(visit, blocks, total=None)
    assert found(check_note(missing, chart.ctx(visit)), "note.total_time_missing")
    low = chart.note(visit, [chart.block("97110", "09:00", "09:30")], total=20)
    (f,) = found(check_note(low, chart.ctx(visit)), "note.total_time_below_timed")
    assert f.severity is Severity.BLOCK and "20 min" in f.message and "30" in f.message
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:30")], total=35)
    ids = [x.id for x in check_note(ok, chart.ctx(visit))]
    assert "note.total_time_missing" not in ids and "note.total_time_below_timed" not in ids


# -- goals --------------------------------------------------------------------------------------
def test_missing_goal_link(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", goal_ids=())])
    (f,) = found(check_note(note, chart.ctx(visit)), "block.missing_goal_link")
    assert f.field == f"blocks[{note.blocks[0].id}].goal_ids"
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:20")])
    assert not found(check_note(ok, chart.ctx(visit)), "block.missing_goal_link")


def test_untimed_service_needs_no_goal_link(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, untimed=[UntimedService("97010")])
    assert not found(check_note(note, chart.ctx(visit)), "block.missing_goal_link")


def test_goal_not_on_plan(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", goal_ids=(new_id(),))])
    assert found(check_note(note, chart.ctx(visit)), "block.goal_not_on_plan")
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:20")])
    assert not found(check_note(ok, chart.ctx(visit)), "block.goal_not_on_plan")


def test_goal_inactive(chart: Chart) -> None:
    met = chart.episode.add_goal(Goal(term=GoalTerm.SHORT, activity="Walk 300 ft",
                                      status=GoalStatus.MET))
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", goal_ids=(met.id,))])
    (f,) = found(check_note(note, chart.ctx(visit)), "block.goal_inactive")
    assert f.severity is Severity.WARN and "met" in f.message
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:20")])
    assert not found(check_note(ok, chart.ctx(visit)), "block.goal_inactive")


def test_missing_goal_connection(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", goal_connection=" ")])
    assert found(check_note(note, chart.ctx(visit)), "block.missing_goal_connection")
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:20")])
    assert not found(check_note(ok, chart.ctx(visit)), "block.missing_goal_connection")


# -- laterality ---------------------------------------------------------------------------------
def test_missing_laterality_on_a_sided_code(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97140", "09:00", "09:20", laterality=None)])
    (f,) = found(check_note(note, chart.ctx(visit)), "block.missing_laterality")
    assert "usually treats one side" in f.message
    ok = chart.note(visit, [chart.block("97140", "09:00", "09:20", laterality="right")])
    assert not found(check_note(ok, chart.ctx(visit)), "block.missing_laterality")


def test_missing_laterality_when_diagnosis_is_sided(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", laterality=None),
                              chart.block("97116", "09:20", "09:40", laterality=None)])
    assert not found(check_note(note, chart.ctx(visit)), "block.missing_laterality")
    chart.diagnosis("M17.11", Laterality.RIGHT)
    (f,) = found(check_note(note, chart.ctx(visit)), "block.missing_laterality")
    assert f.block_id == note.blocks[0].id  # 97110 may be sided; gait never


def test_laterality_conflict(chart: Chart) -> None:
    chart.diagnosis("M17.11", Laterality.RIGHT)
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97140", "09:00", "09:20", laterality="left")])
    (f,) = found(check_note(note, chart.ctx(visit)), "block.laterality_conflict")
    assert f.severity is Severity.BLOCK and "M17.11 (right)" in f.message
    for side in ("right", "bilateral", "not_applicable"):
        ok = chart.note(visit, [chart.block("97140", "09:00", "09:20", laterality=side)])
        assert not found(check_note(ok, chart.ctx(visit)), "block.laterality_conflict")


def test_laterality_fits_any_sided_diagnosis(chart: Chart) -> None:
    chart.diagnosis("M17.11", Laterality.RIGHT)
    chart.diagnosis("M75.42", Laterality.LEFT)
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97140", "09:00", "09:20", laterality="left")])
    assert not found(check_note(note, chart.ctx(visit)), "block.laterality_conflict")


def test_unspecified_laterality_diagnosis(chart: Chart) -> None:
    dx = chart.diagnosis("M25.569", Laterality.UNSPECIFIED)  # pain in unspecified knee
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97140", "09:00", "09:20", laterality="right")])
    (f,) = found(check_note(note, chart.ctx(visit)), "dx.unspecified_laterality")
    assert "M25.561" in f.fix and f.field == f"episode.diagnoses[{dx.id}].code"
    assert "right side" in f.message


def test_unspecified_laterality_not_applicable_code_is_quiet(chart: Chart) -> None:
    chart.diagnosis("M54.50", Laterality.NOT_APPLICABLE)  # low back pain: no side exists
    chart.diagnosis("M17.11", Laterality.RIGHT)
    visit = chart.visit(dt.date(2025, 3, 10))
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", laterality="right")])
    assert not found(check_note(note, chart.ctx(visit)), "dx.unspecified_laterality")
