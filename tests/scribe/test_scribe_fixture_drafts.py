"""Drafts of the recorded transcripts (what the model heard, fixed in fixtures/transcripts/,
once per recorded hearing: int8 and float32): items, suggested blocks and flags per dictation.
Decisions on fixed input, so these hold on every CPU."""

from __future__ import annotations

from typing import Any

from scribe.flags import FlagKind, Severity
from scribe.items import Finding, ItemKind, MuscleGrade, PainScore, RangeOfMotion


def _values(draft: Any, kind: ItemKind) -> list[Any]:
    return [i.values for i in draft.items if i.kind is kind]


def _codes(draft: Any, severity: Severity | None = None) -> list[str]:
    return [f.code for f in draft.flags if severity is None or f.severity is severity]


def test_knee_eval_items(drafts: dict[str, Any]) -> None:
    d = drafts["knee_eval"]
    assert PainScore(6, 10, "with stairs", "knee", "right") in _values(d, ItemKind.PAIN)
    rom = _values(d, ItemKind.ROM)
    assert RangeOfMotion("knee", "flexion", "right", "active", 110) in rom
    assert any(r.extension_deficit == 5 and r.side == "right" for r in rom)
    assert RangeOfMotion("knee", "flexion", "left", None, 135) in rom
    mmt = _values(d, ItemKind.MMT)
    assert MuscleGrade("quadriceps", "knee", "right", 4, "-") in mmt
    negated = {f.concept for f in _values(d, ItemKind.FINDING) if f.negated}
    assert {"numbness", "tingling", "lachman"} <= negated
    # Comparing with the uninvolved left knee is not a laterality error.
    assert not [c for c in _codes(d) if c.startswith("laterality")]


def test_denies_numbness_or_tingling_is_negated_with_its_audio(drafts: dict[str, Any]) -> None:
    for name in ("knee_eval", "back_eval"):
        d = drafts[name]
        items = [i for i in d.items if isinstance(i.values, Finding) and i.values.negated
                 and i.values.concept in ("numbness", "tingling")]
        assert {i.values.concept for i in items} == {"numbness", "tingling"}, name
        for item in items:
            assert item.span.end > item.span.start > 0
            assert item.values.concept in item.span.text.lower()
        flags = [f for f in d.flags if f.kind is FlagKind.NEGATION
                 and f.code == "negation.negated_finding"]
        assert len(flags) >= 2


def test_side_contradicting_the_diagnosis(drafts: dict[str, Any]) -> None:
    d = drafts["knee_daily_wrong_side"]
    (flag,) = [f for f in d.flags if f.code == "laterality.dx_conflict"]
    assert flag.severity is Severity.BLOCK and flag.kind is FlagKind.LATERALITY
    assert "M17.11" in flag.message and "left knee" in flag.message
    assert flag.span is not None and flag.span.end > 0


def test_blocks_with_purpose_and_minutes(drafts: dict[str, Any]) -> None:
    daily = {(b.code, b.minutes) for b in drafts["knee_daily_wrong_side"].blocks}
    assert daily == {("97110", 15), ("97140", 8)}
    hip = {(b.code, b.minutes) for b in drafts["hip_daily"].blocks}
    assert {("97116", 15), ("97530", 10), ("97112", 8)} <= hip
    back = drafts["back_eval"].blocks
    assert ("97110", 12) in {(b.code, b.minutes) for b in back}
    assert any(b.code == "97530" and b.minutes == 8 for b in back)  # squatting to lift a box
    lunges = [i.values for i in drafts["back_eval"].items
              if i.kind is ItemKind.INTERVENTION and i.values.name == "lunges"]
    assert lunges and lunges[0].cpt_candidates == ("97110", "97530")  # purpose not said


def test_clock_times_give_start_stop_and_minutes(drafts: dict[str, Any]) -> None:
    (manual,) = [b for b in drafts["shoulder_eval"].blocks if b.code == "97140"]
    assert (manual.start, manual.stop, manual.minutes, manual.side) == ("9:30", "9:42", 12, "left")
    home = drafts["home_visit"]
    assert any(b.code == "97116" and b.start and b.stop and b.minutes for b in home.blocks)
    assert home.visit_end == "10:15"


def test_shoulder_comparison_and_right_away(drafts: dict[str, Any]) -> None:
    d = drafts["shoulder_eval"]
    grades = [(g.side, g.label) for g in _values(d, ItemKind.MMT)]
    assert ("left", "3+/5") in grades
    assert not [c for c in _codes(d) if c.startswith("laterality")]
    home = drafts["home_visit"]  # "call right away" and a left knee dx: no side flags
    assert not [c for c in _codes(home) if c.startswith("laterality")]


def test_unsided_shoulder(drafts: dict[str, Any]) -> None:
    d = drafts["shoulder_daily_no_side"]
    assert _codes(d).count("laterality.missing_side") >= 1


def test_no_draft_number_is_invented(drafts: dict[str, Any]) -> None:
    for name, d in drafts.items():
        assert "number.not_dictated" not in _codes(d), name


def test_dropped_hallucinations_are_reported(transcripts: dict[str, Any],
                                             drafts: dict[str, Any]) -> None:
    for name, t in transcripts.items():
        dropped = [f for f in drafts[name].flags if f.code == "hallucination.dropped"]
        assert len(dropped) == len(t.dropped)
        assert all("thank" not in w.text.lower() for w in t.words), name
