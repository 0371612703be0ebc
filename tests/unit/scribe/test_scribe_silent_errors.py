"""Each new guard against a silent error, firing and not firing (typed text, any CPU)."""

from __future__ import annotations

import pytest

from scribe import DictationContext, draft_from_text
from scribe.normalize import normalize_text


def codes(text: str, *dx: str) -> list[str]:
    return [f.code for f in draft_from_text(text, DictationContext.from_codes(dx)).flags]


@pytest.mark.parametrize(("said", "written"), [
    ("Knee flexion at 120 degrees.", "Knee flexion at 120°."),
    ("Leg press at 110 pounds.", "Leg press at 110 lb."),
    ("Gait training from 150 to 200 feet.", "Gait training from 150 to 200 ft."),
    ("Knee flexion one twenty degrees.", "Knee flexion 120°."),
    ("Knee flexion one oh five degrees.", "Knee flexion 105°."),
    ("Manual therapy from 9.30 to 9.42.", "Manual therapy from 9:30 to 9:42."),
    ("Started at 930, stopped at 945.", "Started at 9:30, stopped at 9:45."),
    ("Time out ten fifteen.", "Time out 10:15."),
])
def test_a_number_with_a_unit_is_never_a_clock_time(said: str, written: str) -> None:
    assert normalize_text(said) == written


def test_bilateral_against_a_one_sided_dx() -> None:
    assert "laterality.bilateral_vs_dx" in codes("Objective. Bilateral knee flexion 120 degrees.",
                                                 "M17.11")
    assert "laterality.bilateral_vs_dx" not in codes(
        "Objective. Bilateral knee flexion 120 degrees.", "M17.0")  # bilateral OA


def test_the_side_check_says_when_it_cannot_run() -> None:
    assert "laterality.not_checked" in codes("Objective. Left eyelid healing well.", "S01.111A")
    assert "laterality.not_checked" not in codes("Objective. Right knee flexion 120 degrees.",
                                                 "M17.11")


@pytest.mark.parametrize(("code", "text"), [
    ("G56.01", "Objective. Left wrist extension 50 degrees."),  # carpal tunnel, right upper limb
    ("I69.351", "Objective. Left shoulder flexion 90 degrees."),  # right hemiplegia
    ("S72.001D", "Objective. Left hip flexion 80 degrees."),  # neck of right femur: the hip
])
def test_the_side_check_knows_more_regions(code: str, text: str) -> None:
    assert "laterality.dx_conflict" in codes(text, code)
    assert "laterality.dx_conflict" not in codes(text.replace("Left", "Right"), code)


def test_a_side_said_after_a_value() -> None:
    d = draft_from_text("Objective. Cervical rotation 30 degrees to the right and 20 degrees "
                        "to the left.")
    sides = sorted((i.values.side, i.values.degrees) for i in d.items if i.kind == "rom")
    assert sides == [("left", 20.0), ("right", 30.0)]


def test_a_grade_modifier_resting_on_a_dash() -> None:
    assert "number.ambiguous_grade" in codes("Objective. Right quadriceps strength 4-5.", "M17.11")
    for said in ("4 minus over 5", "4-/5", "4/5", "four minus over five"):
        assert "number.ambiguous_grade" not in codes(
            f"Objective. Right quadriceps strength {said}.", "M17.11"), said


def test_pain_beyond_its_scale() -> None:
    assert "number.implausible" in codes("Subjective. Low back pain 12-10 with sitting.")
    assert "number.implausible" not in codes("Subjective. Low back pain 6-10 with sitting.")


def test_minutes_not_tied_to_a_service() -> None:
    assert "number.unbound_minutes" in codes("Objective. Patient worked hard. 12 minutes.")
    assert "number.unbound_minutes" not in codes(
        "Objective. Manual therapy 8 minutes. Therapeutic exercise 12 minutes.")
    assert "number.unbound_minutes" not in codes(
        "Subjective. Knee pain after 30 minutes of walking.")
    assert "number.unbound_minutes" not in codes("Objective. Tolerated standing 10 minutes.")


def test_stock_phrases_judged_per_sentence() -> None:
    assert "hallucination.filler" in codes("Plan. Continue plan of care. Thank you very much.")
    assert "hallucination.filler" not in codes("Plan. Thank you for the referral, we will "
                                               "continue plan of care.")


@pytest.mark.parametrize(("text", "code", "minutes"), [
    ("Objective. Single leg balance on foam, 8 minutes.", "97112", 8),
    ("Objective. Ultrasound to the right shoulder, 8 minutes.", "97035", 8),
    ("Objective. Iontophoresis to the right elbow, 15 minutes.", "97033", 15),
    ("Objective. Orthotic fitting and training for the right thumb, 15 minutes.", "97760", 15),
    ("Objective. Dysphagia treatment with thin liquids, 30 minutes.", "92526", 30),
    ("Objective. Speech therapy for articulation, 30 minutes.", "92507", 30),
])
def test_catalogue_covers_modalities_ot_and_slp(text: str, code: str, minutes: int) -> None:
    blocks = {(b.code, b.minutes) for b in draft_from_text(text).blocks}
    assert (code, minutes) in blocks
