"""Massage therapists and the body diagram (issue 18), on real encrypted charts: a licensed
massage therapist's daily note with 97124 and body-diagram marks signs and bills, the marks
give the superbill's pointers their side (read back from the PDF), Medicare refuses the visit,
a block marked against the diagram is flagged, a signed note's marks cannot change, and a bad
mark changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.domain.body import BodyMark
from core.domain.enums import Discipline, GoalTerm, Laterality
from core.domain.errors import SignedNoteImmutable, ValidationError
from core.rules.checks import check_note
from core.rules.lines import note_lines
from core.rules.packs import default_packs
from core.services import (
    body_marks,
    charts,
    episodes,
    notes,
    patients,
    practice,
    signing,
    superbill,
    ui_queries,
)
from core.services.signing import SignBlocked, build_context
from core.services.superbill import SuperbillRequest
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE

DAY = dt.date(2026, 3, 2)


@dataclass
class Massage:
    chart: ChartSession
    lmt: object
    episode_id: object
    goal_id: object
    payers: dict[str, object]


@pytest.fixture
def massage(tmp_path: Path) -> Iterator[Massage]:
    chart, _ = charts.create_chart(tmp_path / "m.chart", PASSPHRASE,
                                   kdf=KdfParams.fast_for_tests())
    practice.save_practice(chart, name="Cedar Bodywork", npi="1234567893", tax_id="93-1234567",
                           address_line1="12 Fir Lane", city="Eugene", state="OR",
                           postal_code="97401", phone="541-555-0100")
    lmt = practice.add_clinician(chart, first_name="Ines", last_name="Varga",
                                 discipline=Discipline.LMT, credentials="LMT",
                                 npi="1245319599", taxonomy_code="225700000X").value
    charts.set_current_clinician(chart, str(lmt.id))
    payers = {}
    for profile in ui_queries.default_payer_profiles():
        payers[profile.key] = practice.add_payer_profile(
            chart, name=profile.name, key=profile.key, unit_method=profile.unit_method,
            requires_discipline_modifier=profile.requires_discipline_modifier,
        ).value.id
    patient = patients.create_patient(chart, first_name="Wren", last_name="Halvorsen",
                                      date_of_birth=dt.date(1979, 6, 1)).value
    # left and right sided diagnoses: the pointers must follow the diagram's side
    episode = episodes.create_episode(
        chart, patient_id=patient.id, discipline=Discipline.LMT, start_date=dt.date(2026, 3, 1),
        payer_profile_id=payers["cash"], clinician_id=lmt.id,
        diagnoses=["M54.2", "M25.511", "M25.512"],  # neck; right, left shoulder pain
    ).value
    goal = episodes.add_goal(chart, episode.id, term=GoalTerm.SHORT,
                             activity="Turn head to check blind spot").value
    yield Massage(chart, lmt, episode.id, goal.id, payers)
    chart.lock()


def _note(m: Massage, *, side: Laterality | None = None) -> object:
    view = notes.start_note(m.chart, episode_id=m.episode_id, clinician_id=m.lmt.id,  # type: ignore[attr-defined]
                            date=DAY, start_time=dt.time(10), end_time=dt.time(11)).value
    notes.edit_section(m.chart, view.note.id, "subjective", "Neck tight after long drives.")
    notes.edit_section(m.chart, view.note.id, "objective", "Palpation before and after.")
    notes.edit_section(m.chart, view.note.id, "assessment", "Tension reduced after session.")
    notes.edit_section(m.chart, view.note.id, "plan", "Weekly for four weeks.")
    notes.add_block(
        m.chart, view.note.id, "97124", start=dt.time(10), stop=dt.time(10, 53),
        goal_ids=(m.goal_id,), laterality=side,
        goal_connection="Upper trapezius tension limits head turning.")
    notes.set_total_treatment_minutes(m.chart, view.note.id, 53)
    return view.note.id


def pages_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_a_massage_note_with_body_marks_signs_and_bills(massage: Massage) -> None:
    m = massage
    note_id = _note(m)
    body_marks.add(m.chart, note_id, region="upper_trapezius", side="left",  # type: ignore[arg-type]
                   finding="trigger_point", severity=6)
    # a click on the back view, viewer's left half of the neck: the patient's LEFT side
    region, side = body_marks.at("back", 95, 70) or (None, None)
    assert region is not None and region.id == "neck_back" and side is Laterality.LEFT
    body_marks.add_at(m.chart, note_id, view="back", x=95, y=70, finding="tension")  # type: ignore[arg-type]
    view = body_marks.for_note(m.chart, note_id)  # type: ignore[arg-type]
    assert view.side is Laterality.LEFT and view.discipline is Discipline.LMT
    assert view.text == ("Left upper trapezius: trigger point (6/10)\n"
                         "Left neck (back): tension")
    text = body_marks.copy_to_objective(m.chart, note_id).value  # type: ignore[arg-type]
    assert text == ("Palpation before and after.\nBody diagram:\n"
                    "Left upper trapezius: trigger point (6/10)\nLeft neck (back): tension")
    assert body_marks.copy_to_objective(m.chart, note_id).value == text  # not twice
    with m.chart.uow() as uow:
        note = uow.notes.get(note_id)  # type: ignore[arg-type]
        findings = check_note(note, build_context(uow, note))
    ids = {f.id for f in findings}
    # the diagram gives the unsided 97124 its side: no missing-side finding, and 97124 is an
    # LMT code; no GP/GO/GN for a massage therapist
    assert not ids & {"block.missing_laterality", "code.discipline_mismatch",
                      "claim.discipline_modifier", "payer.massage_not_enrolled"}, ids
    signed = signing.sign_note(m.chart, note_id, signer_id=m.lmt.id,  # type: ignore[arg-type, attr-defined]
                               today=DAY, acknowledgements={f.key: "reviewed" for f in findings
                                                            if f.severity.value == "warn"}).value
    assert signed.is_signed and len(signed.marks) == 2
    assert '"body_marks"' in (signed.snapshot or "")  # the marks are part of what was signed
    assert signing.verify_signed(m.chart, note_id)  # type: ignore[arg-type]
    preview = superbill.preview_superbill(
        m.chart, SuperbillRequest(m.episode_id and _patient(m), issued_on=dt.date(2026, 3, 9))
    ).value
    bill = preview.superbill
    [line] = bill.lines
    assert line.code == "97124" and line.units == 4  # 53 minutes
    assert "GP" not in line.modifiers
    letters = {d.code: d.letter for d in bill.diagnoses}
    assert line.pointers == letters["M25.512"]  # pain in the LEFT shoulder, from the marks
    text = pages_text(preview.pdf)
    assert "97124" in text and "Ines Varga, LMT" in text and "M25.512" in text


def _patient(m: Massage) -> object:
    with m.chart.uow() as uow:
        return uow.episodes.get(m.episode_id).patient_id  # type: ignore[arg-type]


def test_medicare_does_not_take_a_massage_therapists_visit(massage: Massage) -> None:
    m = massage
    episodes.update_episode(m.chart, m.episode_id, payer_profile_id=m.payers["medicare"])  # type: ignore[arg-type]
    note_id = _note(m, side=Laterality.LEFT)
    with pytest.raises(SignBlocked) as refused:
        signing.sign_note(m.chart, note_id, signer_id=m.lmt.id, today=DAY)  # type: ignore[arg-type, attr-defined]
    assert "does not enroll licensed massage therapists" in str(refused.value.findings)
    with m.chart.uow() as uow:
        assert not uow.notes.get(note_id).is_signed  # type: ignore[arg-type]


def test_a_block_marked_against_the_diagram_is_flagged(massage: Massage) -> None:
    m = massage
    note_id = _note(m, side=Laterality.RIGHT)
    body_marks.add(m.chart, note_id, region="calf", side="left", finding="pain")  # type: ignore[arg-type]
    with m.chart.uow() as uow:
        note = uow.notes.get(note_id)  # type: ignore[arg-type]
        findings = check_note(note, build_context(uow, note))
    [conflict] = [f for f in findings if f.id == "block.body_side_conflict"]
    assert "marked right" in conflict.message and "only the left side" in conflict.message
    body_marks.add(m.chart, note_id, region="calf", side="right", finding="tension")  # type: ignore[arg-type]
    with m.chart.uow() as uow:
        note = uow.notes.get(note_id)  # type: ignore[arg-type]
        again = check_note(note, build_context(uow, note))
    assert not [f for f in again if f.id == "block.body_side_conflict"]  # now both sides


def test_bad_marks_and_signed_notes_change_nothing(massage: Massage) -> None:
    m = massage
    note_id = _note(m, side=Laterality.LEFT)
    for bad, field in (
        (dict(region="spleen", side="left", finding="pain"), "region"),
        (dict(region="sacrum", side="left", finding="pain"), "side"),  # midline: no side
        (dict(region="calf", side="not_applicable", finding="pain"), "side"),
        (dict(region="calf", side="left", finding="itch"), "finding"),
        (dict(region="calf", side="left", finding="pain", severity=11), "severity"),
    ):
        with pytest.raises(ValidationError) as refused:
            body_marks.add(m.chart, note_id, **bad)  # type: ignore[arg-type]
        assert refused.value.field == field
    with pytest.raises(ValidationError, match="inside the outline"):
        body_marks.add_at(m.chart, note_id, view="front", x=5, y=5, finding="pain")  # type: ignore[arg-type]
    assert body_marks.for_note(m.chart, note_id).marks == ()  # type: ignore[arg-type]
    mark = body_marks.add(m.chart, note_id, region="calf", side="left", finding="pain").value  # type: ignore[arg-type]
    signing.sign_note(m.chart, note_id, signer_id=m.lmt.id, today=DAY)  # type: ignore[arg-type, attr-defined]
    with pytest.raises(SignedNoteImmutable):
        body_marks.remove(m.chart, note_id, mark.id)  # type: ignore[arg-type]
    with pytest.raises(SignedNoteImmutable):
        body_marks.add(m.chart, note_id, region="calf", side="right", finding="pain")  # type: ignore[arg-type]
    assert [x.id for x in body_marks.for_note(m.chart, note_id).marks] == [mark.id]  # type: ignore[arg-type]
    assert isinstance(mark, BodyMark)


def test_the_diagrams_side_must_fit_the_plan_and_not_applicable_stays(massage: Massage) -> None:
    """A block with no side takes the diagram's side for the checks too: marks on the left
    under a plan whose only one-sided diagnosis is the right shoulder block signing; a block
    the clinician marked "not applicable" keeps that and its pointers do not follow the
    diagram."""
    m = massage
    with m.chart.uow() as uow:
        left = next(d for d in uow.episodes.get(m.episode_id).diagnoses  # type: ignore[arg-type]
                    if d.code == "M25.512")
    episodes.remove_diagnosis(m.chart, m.episode_id, left.id)  # type: ignore[arg-type]
    note_id = _note(m)
    body_marks.add(m.chart, note_id, region="upper_trapezius", side="left",  # type: ignore[arg-type]
                   finding="pain")
    with m.chart.uow() as uow:
        note = uow.notes.get(note_id)  # type: ignore[arg-type]
        findings = check_note(note, build_context(uow, note))
    [conflict] = [f for f in findings if f.id == "block.laterality_conflict"]
    assert "body diagram marks only the left side" in conflict.message
    assert "M25.511" in conflict.message
    with m.chart.uow() as uow:
        note = uow.notes.get(note_id)  # type: ignore[arg-type]
        [line] = note_lines(note, default_packs())
    assert line.side is Laterality.LEFT
    na = replace(line, laterality=Laterality.NOT_APPLICABLE)
    assert na.side is Laterality.NOT_APPLICABLE  # chosen by the clinician: kept
