"""check_note: code forms (97110/97530), code validity, evaluations, payer codes, pair edits."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from core.domain.enums import Discipline, NoteType
from core.domain.visit import UntimedService
from core.rules.checks import check_note
from core.rules.findings import CATALOG, Finding, Severity
from core.rules.modifiers import modifiers_for
from core.rules.packs import PairEdit, default_packs

if TYPE_CHECKING:
    from rules_fixtures import Chart

DAY = dt.date(2025, 3, 10)


def found(findings: list[Finding], fid: str) -> list[Finding]:
    assert fid in CATALOG
    return [f for f in findings if f.id == fid]


def exercise(name: str = "Step-ups", **kw: Any) -> dict[str, Any]:
    return {"name": name, "position": "standing", "sets": 3, "reps": 10, "load": 4,
            "load_unit": "lb", "target_outcome": "strength", **kw}


GOOD_97530 = {
    "activity": "Pt performed 5 trips carrying a basket up 4 steps",
    "functional_task": "carrying laundry upstairs",
    "components": ["balance", "strength"],
    "skilled_cues": "verbal cues for sequencing",
    "assistance": "CGA",
}


# -- 97110 --------------------------------------------------------------------------------------
def test_97110_multiple_targets(chart: Chart) -> None:
    visit = chart.visit()
    bad = {"exercises": [exercise(target_outcome=None, target_outcomes=["strength", "balance"])]}
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", details=bad)])
    (f,) = found(check_note(note, chart.ctx(visit)), "form.97110.multiple_targets")
    assert "97530" in f.fix and "balance and strength" in f.message
    block_level = {"target_outcomes": ["ROM", "endurance"], "exercises": [exercise()]}
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20", details=block_level)])
    assert found(check_note(note, chart.ctx(visit)), "form.97110.multiple_targets")
    two_exercises = {"exercises": [exercise(), exercise("Heel slides", target_outcome="ROM")]}
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:20", details=two_exercises)])
    assert not found(check_note(ok, chart.ctx(visit)), "form.97110.multiple_targets")


def _prior_97110(chart: Chart, days_ago: int, ex: dict[str, Any]) -> None:
    visit = chart.visit(DAY - dt.timedelta(days_ago))
    chart.add_prior(chart.note(visit, [chart.block("97110", "09:00", "09:20",
                                                   details={"exercises": [ex]})]), visit)


def test_97110_no_progression_over_three_visits(chart: Chart) -> None:
    _prior_97110(chart, 4, exercise())
    _prior_97110(chart, 2, exercise())
    visit = chart.visit()
    same = chart.note(visit, [chart.block("97110", "09:00", "09:20",
                                          details={"exercises": [exercise()]})])
    (f,) = found(check_note(same, chart.ctx(visit)), "form.97110.no_progression")
    assert "2025-03-06" in f.message and "2025-03-08" in f.message
    progressed = chart.note(visit, [chart.block("97110", "09:00", "09:20",
                                                details={"exercises": [exercise(load=5)]})])
    assert not found(check_note(progressed, chart.ctx(visit)), "form.97110.no_progression")


def test_97110_progression_needs_two_prior_visits(chart: Chart) -> None:
    _prior_97110(chart, 2, exercise())
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20",
                                          details={"exercises": [exercise()]})])
    assert not found(check_note(note, chart.ctx(visit)), "form.97110.no_progression")


# -- 97530 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fid", "change"),
    [
        ("form.97530.few_components", {"components": ["balance"]}),
        ("form.97530.no_skilled_cues", {"skilled_cues": ""}),
        ("form.97530.no_functional_task", {"functional_task": None}),
        ("form.97530.reads_as_instruction",
         {"activity": "Instructed pt in safe lifting; educated on body mechanics",
          "functional_task": "lifting"}),
    ],
)
def test_97530_forms(chart: Chart, fid: str, change: dict[str, Any]) -> None:
    visit = chart.visit()
    bad = chart.note(visit, [chart.block("97530", "09:00", "09:20",
                                         details={**GOOD_97530, **change})])
    (f,) = found(check_note(bad, chart.ctx(visit)), fid)
    assert f.severity is Severity.WARN and f.block_id == bad.blocks[0].id
    ok = chart.note(visit, [chart.block("97530", "09:00", "09:20", details=GOOD_97530)])
    assert not found(check_note(ok, chart.ctx(visit)), fid)


def test_97530_instruction_words_with_performance_are_fine(chart: Chart) -> None:
    visit = chart.visit()
    details = {**GOOD_97530, "activity": "After instruction, pt performed 10 reps of lifting"}
    note = chart.note(visit, [chart.block("97530", "09:00", "09:20", details=details)])
    assert not found(check_note(note, chart.ctx(visit)), "form.97530.reads_as_instruction")


# -- codes --------------------------------------------------------------------------------------
def test_unknown_code_is_a_finding_not_an_exception(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("99213", "09:00", "09:20")])
    (f,) = found(check_note(note, chart.ctx(visit)), "code.unknown")
    assert f.severity is Severity.BLOCK
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:20")])
    assert not found(check_note(ok, chart.ctx(visit)), "code.unknown")


def test_discipline_mismatch(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, untimed=[UntimedService("92507")])
    assert found(check_note(note, chart.ctx(visit)), "code.discipline_mismatch")
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:20")])
    assert not found(check_note(ok, chart.ctx(visit)), "code.discipline_mismatch")


def test_97130_without_97129(chart: Chart) -> None:
    chart.episode.discipline = Discipline.SLP
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97130", "09:00", "09:20")])
    (f,) = found(check_note(note, chart.ctx(visit)), "code.addon_without_parent")
    assert "97129" in f.fix
    ok = chart.note(visit, [chart.block("97129", "09:00", "09:15"),
                            chart.block("97130", "09:15", "09:30")])
    assert not found(check_note(ok, chart.ctx(visit)), "code.addon_without_parent")


def test_eval_code_on_daily_note(chart: Chart) -> None:
    visit = chart.visit()
    daily = chart.note(visit, untimed=[UntimedService("97161", minutes=40)])
    assert found(check_note(daily, chart.ctx(visit)), "code.eval_on_daily_note")
    ev = chart.note(visit, untimed=[UntimedService("97161", minutes=40)],
                    note_type=NoteType.EVALUATION)
    assert not found(check_note(ev, chart.ctx(visit)), "code.eval_on_daily_note")


def test_eval_twice_same_day_in_one_note(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, untimed=[UntimedService("97161"), UntimedService("97164")],
                      note_type=NoteType.EVALUATION)
    (f,) = found(check_note(note, chart.ctx(visit)), "code.eval_twice_same_day")
    assert "97161 and 97164" in f.message and f.severity is Severity.BLOCK
    ok = chart.note(visit, untimed=[UntimedService("97161")], note_type=NoteType.EVALUATION)
    assert not found(check_note(ok, chart.ctx(visit)), "code.eval_twice_same_day")


def test_eval_twice_across_notes_same_day_same_discipline(chart: Chart) -> None:
    first = chart.visit(start="08:00", end="08:45")
    chart.add_prior(chart.note(first, untimed=[UntimedService("97162")],
                               note_type=NoteType.EVALUATION), first)
    visit = chart.visit(start="14:00", end="14:45")
    note = chart.note(visit, untimed=[UntimedService("97164")], note_type=NoteType.RE_EVALUATION)
    (f,) = found(check_note(note, chart.ctx(visit)), "code.eval_twice_same_day")
    assert "another note" in f.message
    other_day = chart.visit(DAY + dt.timedelta(1))
    later = chart.note(other_day, untimed=[UntimedService("97164")],
                       note_type=NoteType.RE_EVALUATION)
    assert not found(check_note(later, chart.ctx(other_day)), "code.eval_twice_same_day")


def test_medicare_97010_bundled_and_97014_replaced(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, untimed=[UntimedService("97010"), UntimedService("97014")])
    medicare = check_note(note, chart.ctx(visit, payer="medicare"))
    (bundled,) = found(medicare, "payer.code_bundled")
    (replaced,) = found(medicare, "payer.code_replaced")
    assert bundled.severity is Severity.INFO and "G0283" in replaced.fix
    commercial = check_note(note, chart.ctx(visit, payer="commercial"))
    assert not found(commercial, "payer.code_bundled")
    assert not found(commercial, "payer.code_replaced")


# -- pairs --------------------------------------------------------------------------------------
def test_pair_distinct_blocks_require_modifier_on_column_2(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97140", "09:00", "09:15"),
                              chart.block("97530", "09:15", "09:30", details=GOOD_97530)])
    (f,) = found(check_note(note, chart.ctx(visit)), "pair.modifier_required")
    assert f.block_id == note.blocks[1].id and f.field.endswith(".modifiers")
    assert "XU" in f.fix and f.severity is Severity.BLOCK
    note.blocks[1].modifiers = ("XU",)
    findings = check_note(note, chart.ctx(visit))
    assert not found(findings, "pair.modifier_required")
    assert not found(findings, "block.modifier_not_allowed")
    assert modifiers_for(note, chart.ctx(visit))[note.blocks[1].id][0] == "XU"


def test_pair_same_time_block_is_not_billable(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97140", "09:00", "09:20"),
                              chart.block("97530", "09:10", "09:30", modifiers=("59",),
                                          details=GOOD_97530)])
    findings = check_note(note, chart.ctx(visit))
    (f,) = found(findings, "pair.same_time")
    assert f.severity is Severity.BLOCK and "59/X must not be used" in f.message
    assert not found(findings, "block.overlap")  # reported once, as the pair
    assert found(findings, "block.modifier_not_allowed")
    assert modifiers_for(note, chart.ctx(visit))[note.blocks[1].id][:1] != ("59",)


def test_pair_with_untimed_eval_asks_for_modifier(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97140", "09:45", "10:00")],
                      [UntimedService("97161", minutes=40)], note_type=NoteType.EVALUATION)
    (f,) = found(check_note(note, chart.ctx(visit)), "pair.modifier_required")
    assert f.block_id == note.blocks[0].id  # 97140 is column 2 of 97161/97140


def test_indicator_0_blocks_whatever_the_modifier(chart: Chart) -> None:
    edit = PairEdit("97110", "97112", 0, dt.date(2020, 1, 1), "test pack", verified=True)
    packs = dataclasses.replace(default_packs(), pairs=(edit,))
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:15"),
                              chart.block("97112", "09:15", "09:30", modifiers=("XU",))])
    (f,) = found(check_note(note, chart.ctx(visit, packs=packs)), "pair.not_payable_together")
    assert f.block_id == note.blocks[1].id and f.severity is Severity.BLOCK
    assert not found(check_note(note, chart.ctx(visit)), "pair.not_payable_together")


def test_expired_edit_does_not_apply(chart: Chart) -> None:
    # 97161 + 97530 indicator 0 (1/2020) was deleted: kept in the pack as history only
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97530", "09:45", "10:00", details=GOOD_97530)],
                      [UntimedService("97161")], note_type=NoteType.EVALUATION)
    assert not found(check_note(note, chart.ctx(visit)), "pair.not_payable_together")


def test_unverified_edit_warns(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97530", "09:00", "09:15", details=GOOD_97530),
                              chart.block("97116", "09:15", "09:30")])
    (f,) = found(check_note(note, chart.ctx(visit)), "pair.unverified_edit")
    assert f.severity is Severity.WARN and f.block_id == note.blocks[1].id


def test_payer_pair_suggests_modifier(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:15"),
                              chart.block("97530", "09:15", "09:30", details=GOOD_97530)])
    (f,) = found(check_note(note, chart.ctx(visit, payer="commercial")),
                 "pair.modifier_suggested")
    assert f.severity is Severity.WARN and f.block_id == note.blocks[1].id
    assert not found(check_note(note, chart.ctx(visit, payer="medicare")),
                     "pair.modifier_suggested")


def test_modifier_not_allowed_without_a_pair(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:15", modifiers=("59",))])
    (f,) = found(check_note(note, chart.ctx(visit)), "block.modifier_not_allowed")
    assert "59" in f.message
    assert modifiers_for(note, chart.ctx(visit))[note.blocks[0].id] == ("GP",)
    ok = chart.note(visit, [chart.block("97110", "09:00", "09:15")])
    assert not found(check_note(ok, chart.ctx(visit)), "block.modifier_not_allowed")


def test_overlap_is_still_reported_for_an_indicator_0_pair(chart: Chart) -> None:
    edit = PairEdit("97110", "97112", 0, dt.date(2020, 1, 1), "test pack", verified=False)
    packs = dataclasses.replace(default_packs(), pairs=(edit,))
    visit = chart.visit()
    note = chart.note(visit, [chart.block("97110", "09:00", "09:20"),
                              chart.block("97112", "09:10", "09:30")])
    findings = check_note(note, chart.ctx(visit, packs=packs))
    assert found(findings, "block.overlap") and found(findings, "pair.unverified_edit")
