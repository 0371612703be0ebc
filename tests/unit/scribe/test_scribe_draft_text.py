"""Drafting typed dictation: sections, items, blocks, spans."""

from __future__ import annotations

from scribe.draft import draft_from_text
from scribe.items import Finding, Intervention, ItemKind, MuscleGrade, PainScore, RangeOfMotion
from scribe.sections import Section, classify

EVAL = (
    "Subjective. Patient reports right knee pain six out of ten with stairs and two out of ten "
    "at rest. She denies numbness or tingling. Objective. Right knee flexion one hundred ten "
    "degrees active and one hundred eighteen degrees passive, lacking five degrees of "
    "extension. Right quadriceps strength four minus over five, left five over five. Lachman "
    "negative. Lower extremity functional scale forty two out of eighty. Therapeutic exercise "
    "ten oh five to ten twenty three, quad sets and straight leg raises, three sets of fifteen. "
    "Assessment. Patient tolerated treatment well. Plan. Continue two times per week."
)


def _values(draft, kind):  # type: ignore[no-untyped-def]
    return [i.values for i in draft.items if i.kind is kind]


def test_sections_follow_spoken_headings() -> None:
    d = draft_from_text(EVAL)
    assert d.sections["subjective"].startswith("Patient reports right knee pain 6/10")
    assert "110°" in d.sections["objective"]
    assert d.sections["assessment"] == "Patient tolerated treatment well."
    assert d.sections["plan"] == "Continue 2×/week."


def test_classifier_without_headings() -> None:
    assert classify("Patient reports pain 4/10 today.") is Section.SUBJECTIVE
    assert classify("Knee flexion 120° active.") is Section.OBJECTIVE
    assert classify("Patient tolerated treatment well.") is Section.ASSESSMENT
    assert classify("Continue plan of care next week.") is Section.PLAN


def test_items() -> None:
    d = draft_from_text(EVAL)
    pains = _values(d, ItemKind.PAIN)
    assert pains == [PainScore(6, 10, "with stairs", "knee", "right"),
                     PainScore(2, 10, "at rest", "knee", "right")]
    rom = _values(d, ItemKind.ROM)
    assert rom[0] == RangeOfMotion("knee", "flexion", "right", "active", 110)
    assert rom[1] == RangeOfMotion("knee", "flexion", "right", "passive", 118)
    assert rom[2].extension_deficit == 5 and rom[2].degrees is None and rom[2].side == "right"
    mmt = _values(d, ItemKind.MMT)
    assert mmt == [MuscleGrade("quadriceps", "knee", "right", 4, "-"),
                   MuscleGrade("quadriceps", "knee", "left", 5, "")]
    findings = _values(d, ItemKind.FINDING)
    assert {f.concept for f in findings if isinstance(f, Finding) and f.negated} == {
        "numbness", "tingling", "lachman"}
    (lefs,) = _values(d, ItemKind.OUTCOME)
    assert (lefs.measure, lefs.score, lefs.scale_max) == ("LEFS", 42, 80)


def test_blocks_from_clock_times() -> None:
    d = draft_from_text(EVAL)
    (block,) = d.blocks
    assert (block.code, block.minutes, block.start, block.stop) == ("97110", 18, "10:05", "10:23")
    ivs = [i.values for i in d.items if isinstance(i.values, Intervention)]
    assert [iv.name for iv in ivs] == ["therapeutic exercise", "quad sets", "straight leg raises"]
    assert ivs[2].sets == 3 and ivs[2].reps == 15


def test_purpose_decides_the_code() -> None:
    d = draft_from_text(
        "Objective. Squats for strength, three sets of ten, twelve minutes. Squatting to lift a "
        "box from the floor, five repetitions, eight minutes. Lunges, two sets of eight.")
    codes = [(b.code, b.minutes, b.alternatives) for b in d.blocks]
    assert codes == [("97110", 12, ()), ("97530", 8, ()), ("97110", None, ("97530",))]


def test_time_said_before_the_intervention_goes_back() -> None:
    d = draft_from_text("Objective. Leg press for strength, 3 sets of 12. For 15 minutes, "
                        "manual therapy to the left knee, 8 minutes.")
    assert [(b.code, b.minutes) for b in d.blocks] == [("97110", 15), ("97140", 8)]


def test_every_item_and_sentence_has_a_span() -> None:
    d = draft_from_text(EVAL)
    words = d.transcript.words
    for item in d.items:
        assert 0 <= item.span.first_word <= item.span.last_word < len(words)
    rom = next(i for i in d.items if i.kind is ItemKind.ROM)
    assert "one hundred ten degrees" in rom.span.text
    assert all(s.span.text for s in d.sentences)


def test_visit_times_are_not_a_block() -> None:
    d = draft_from_text("Home visit. Time in nine thirty, time out ten fifteen.")
    assert (d.visit_start, d.visit_end, d.blocks) == ("9:30", "10:15", ())


def test_mmt_side_after_value_and_comparison() -> None:
    d = draft_from_text("Objective. Supraspinatus strength five over five right versus three "
                        "plus over five left.")
    grades = [i.values for i in d.items if isinstance(i.values, MuscleGrade)]
    assert [(g.side, g.label) for g in grades] == [("right", "5/5"), ("left", "3+/5")]
