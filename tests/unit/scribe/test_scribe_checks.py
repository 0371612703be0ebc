"""Each check on typed text: laterality, negation, numbers, confidence, edits."""

from __future__ import annotations

import pytest

from scribe.context import DictationContext
from scribe.draft import build_draft, check_sentence_edit, draft_from_text
from scribe.flags import FlagKind, Severity
from scribe.transcript import DroppedSegment, Segment, Transcript, Word


@pytest.fixture(scope="module")
def right_knee() -> DictationContext:
    return DictationContext.from_codes(["M17.11"])


def _codes(draft) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.code for f in draft.flags]


def test_side_contradicting_the_diagnosis_blocks(right_knee: DictationContext) -> None:
    d = draft_from_text("Objective. Left knee flexion 120 degrees. Manual therapy to the left "
                        "knee, eight minutes.", right_knee)
    flag = next(f for f in d.flags if f.code == "laterality.dx_conflict")
    assert flag.severity is Severity.BLOCK and flag.kind is FlagKind.LATERALITY
    assert "M17.11" in flag.message and "left knee" in flag.message


def test_comparison_with_the_uninvolved_side_is_allowed(right_knee: DictationContext) -> None:
    d = draft_from_text("Objective. Right knee flexion 110 degrees, left knee flexion 135 "
                        "degrees. Quadriceps five over five left versus three plus over five "
                        "right.", right_knee)
    assert not [c for c in _codes(d) if c.startswith("laterality")]


def test_opposite_side_symptom_warns(right_knee: DictationContext) -> None:
    d = draft_from_text("Subjective. Right knee pain 5/10. Left knee pain 3/10.", right_knee)
    assert "laterality.opposite_side" in _codes(d)
    assert "laterality.both_sides" in _codes(d)


def test_words_that_sound_like_sides_do_not_count(right_knee: DictationContext) -> None:
    d = draft_from_text("Objective. Right knee flexion 110 degrees. Caregiver told to call right "
                        "away. Right touch sensation intact. Patient left the clinic walking.",
                        DictationContext.from_codes(["M17.12"]))
    conflict = next(f for f in d.flags if f.code == "laterality.dx_conflict")
    assert "(1×)" in conflict.message  # only the knee, not "right away"/"right touch"


def test_paired_part_without_a_side_and_unspecified_dx() -> None:
    d = draft_from_text("Objective. Shoulder flexion 140 degrees active.",
                        DictationContext.from_codes(["M75.100"]))
    assert "laterality.missing_side" in _codes(d)
    d2 = draft_from_text("Objective. Right shoulder flexion 140 degrees.",
                         DictationContext.from_codes(["M75.100"]))
    info = next(f for f in d2.flags if f.code == "laterality.dx_unspecified")
    assert info.severity is Severity.INFO and "M75.101" in info.message


def test_two_sides_for_one_part() -> None:
    d = draft_from_text("Objective. Right left knee flexion 100 degrees.")
    assert "laterality.both_sides" in _codes(d)


def test_negated_findings_are_marked() -> None:
    d = draft_from_text("Subjective. Patient denies numbness or tingling.")
    assert d.sentences[0].negated == ("numbness", "tingling")
    assert [f.code for f in d.flags] == ["negation.negated_finding"] * 2
    assert all(i.negated for i in d.items)


def test_edit_that_flips_a_negation_blocks() -> None:
    d = draft_from_text("Subjective. Patient denies numbness or tingling.")
    flags = check_sentence_edit(d, "s1", "Patient reports numbness and tingling.")
    assert {f.code for f in flags} == {"negation.edit_flip"}
    assert all(f.severity is Severity.BLOCK for f in flags)
    assert check_sentence_edit(d, "s1", "Denies numbness and tingling.") == []


def test_edit_numbers_and_sides_against_the_recording(right_knee: DictationContext) -> None:
    d = draft_from_text("Objective. Right knee flexion 110 degrees.", right_knee)
    flags = check_sentence_edit(d, "s1", "Left knee flexion 120 degrees.", right_knee)
    assert {f.code for f in flags} == {"number.edit_not_dictated", "laterality.edit_changed_side"}


def test_numbers_implausible_and_inferred() -> None:
    d = draft_from_text("Objective. Knee flexion 200 degrees. Quadriceps strength for minus over "
                        "five. Pain 12/10. Berg 60/56.")
    codes = _codes(d)
    assert codes.count("number.implausible") == 3
    inferred = next(f for f in d.flags if f.code == "number.inferred")
    assert inferred.severity is Severity.WARN and "'for'" in inferred.message


def test_number_not_in_the_recording_blocks() -> None:
    words = tuple(Word(w, i, i + 0.5, 0.9) for i, w in enumerate(
        ["Objective.", "Knee", "flexion", "one", "hundred", "degrees."]))
    t = Transcript((Segment(0, 0, 6, "", words),), 6.0)
    d = build_draft(t)
    # Simulate a later step rewriting the sentence's number.
    flags = check_sentence_edit(d, d.sentences[0].id, "Knee flexion 130 degrees.")
    assert [f.code for f in flags] == ["number.edit_not_dictated"]


def test_low_confidence_and_hallucination_marks() -> None:
    words = (Word("Right", 0, 0.4, 0.2), Word("knee", 0.4, 0.8, 0.95),
             Word("flexion", 0.8, 1.2, 0.9), Word("110", 1.2, 1.6, 0.3),
             Word("degrees.", 1.6, 2.0, 0.9))
    loop = tuple(Word("the", 3 + i, 3.5 + i, 0.9) for i in range(5))
    t = Transcript((Segment(0, 0, 2, "Right knee flexion 110 degrees.", words),
                    Segment(1, 3, 8, "the the the the the", loop, hallucination="repeated 'the'")),
                   8.0, dropped=(DroppedSegment(9, 10, "Thank you.", "a pause"),))
    d = build_draft(t)
    kinds = {(f.kind, f.severity) for f in d.flags}
    assert (FlagKind.LOW_CONFIDENCE, Severity.WARN) in kinds
    assert (FlagKind.HALLUCINATION, Severity.WARN) in kinds
    assert (FlagKind.HALLUCINATION, Severity.INFO) in kinds
