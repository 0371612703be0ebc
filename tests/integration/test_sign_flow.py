"""Check and sign through the services on a real chart: the gate, the snapshot, tampering."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from core.domain.enums import Discipline, GoalTerm, Laterality, UnitMethod
from core.domain.errors import SignBlocked, SignedNoteImmutable
from core.services import episodes, notes, patients, practice, signing
from core.storage.chart import ChartSession


@pytest.fixture
def draft(chart: ChartSession) -> dict[str, uuid.UUID]:
    pt = practice.add_clinician(
        chart, first_name="Ada", last_name="Quist", discipline=Discipline.PT, credentials="PT, DPT"
    ).value
    payer = practice.add_payer_profile(
        chart,
        name="Medicare Part B",
        key="medicare",
        unit_method=UnitMethod.CMS_TOTAL_TIME,
        requires_discipline_modifier=True,
        uses_kx_threshold=True,
        progress_report_every_visits=10,
    ).value
    patient = patients.create_patient(
        chart, first_name="Nell", last_name="Testcase", date_of_birth=dt.date(1950, 1, 1)
    ).value
    ep = episodes.create_episode(
        chart,
        patient_id=patient.id,
        discipline=Discipline.PT,
        start_date=dt.date(2026, 10, 1),
        cert_start=dt.date(2026, 10, 1),
        cert_end=dt.date(2026, 12, 29),
        certified_on=dt.date(2026, 10, 3),
        payer_profile_id=payer.id,
        diagnoses=["M17.11"],
    ).value
    goal = episodes.add_goal(
        chart,
        ep.id,
        term=GoalTerm.SHORT,
        activity="Climb 12 stairs",
        functional_purpose="reach the bedroom",
    ).value
    view = notes.start_note(
        chart,
        episode_id=ep.id,
        clinician_id=pt.id,
        date=dt.date(2026, 10, 2),
        start_time=dt.time(9),
        end_time=dt.time(10),
    ).value
    notes.edit_section(chart, view.note.id, "objective", "Step-ups 3x10, cues for knee control.")
    notes.edit_section(chart, view.note.id, "assessment", "Tolerated well; stairs improving.")
    block = notes.add_block(
        chart,
        view.note.id,
        "97110",
        start=dt.time(9),
        stop=dt.time(9, 25),
        details={
            "exercises": [{"name": "Step-ups", "sets": 3, "reps": 10}],
            "target_outcome": "strength",
        },
    ).value
    return {"note": view.note.id, "block": block.id, "goal": goal.id, "pt": pt.id}


def test_sign_refused_with_block_findings_then_allowed(chart: ChartSession, draft) -> None:  # type: ignore[no-untyped-def]
    findings = signing.check(chart, draft["note"])
    blocking = {f.id for f in findings if f.blocks_signing}
    assert "block.missing_goal_link" in blocking
    assert "block.missing_laterality" in blocking
    with pytest.raises(SignBlocked, match="Cannot sign yet") as info:
        signing.sign_note(chart, draft["note"], signer_id=draft["pt"])
    assert {f.id for f in info.value.findings} == blocking
    notes.update_block(
        chart,
        draft["note"],
        draft["block"],
        goal_ids=(draft["goal"],),
        laterality=Laterality.RIGHT,
        goal_connection="Strengthening so the patient can climb stairs.",
    )
    notes.set_total_treatment_minutes(chart, draft["note"], 30)
    assert not [f for f in signing.check(chart, draft["note"]) if f.blocks_signing]
    signed = signing.sign_note(chart, draft["note"], signer_id=draft["pt"]).value
    assert signed.is_signed and len(signed.content_hash or "") == 64
    assert signing.verify_signed(chart, draft["note"])
    with pytest.raises(SignedNoteImmutable):
        notes.update_block(chart, draft["note"], draft["block"], stop=dt.time(9, 40))


def test_tampered_snapshot_is_detected(chart: ChartSession, draft) -> None:  # type: ignore[no-untyped-def]
    notes.update_block(
        chart,
        draft["note"],
        draft["block"],
        goal_ids=(draft["goal"],),
        laterality=Laterality.RIGHT,
        goal_connection="For stairs.",
    )
    notes.set_total_treatment_minutes(chart, draft["note"], 30)
    signing.sign_note(chart, draft["note"], signer_id=draft["pt"])
    raw = chart.engine.raw_connection()
    conn = raw.driver_connection
    assert conn is not None
    conn.execute("DROP TRIGGER notes_signed_no_update")
    conn.execute("UPDATE notes SET objective = 'added later' WHERE id = ?", (draft["note"].hex,))
    raw.close()
    assert not signing.verify_signed(chart, draft["note"])


def test_note_type_and_untimed_edits(chart: ChartSession, draft) -> None:  # type: ignore[no-untyped-def]
    from core.domain.enums import NoteType

    notes.set_note_type(chart, draft["note"], NoteType.PROGRESS_REPORT)
    svc = notes.add_untimed(chart, draft["note"], "97010").value
    notes.update_untimed(chart, draft["note"], svc.id, minutes=10)
    view = notes.get_note(chart, draft["note"])
    assert view.note.note_type is NoteType.PROGRESS_REPORT
    assert view.note.untimed[0].minutes == 10
    from core.domain.errors import ValidationError

    with pytest.raises(ValidationError):
        notes.update_untimed(chart, draft["note"], svc.id, minutes=-3)
    assert notes.get_note(chart, draft["note"]).note.untimed[0].minutes == 10


def test_typed_text_is_a_text_only_change(chart: ChartSession, draft) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: a SOAP section saved as it is typed reports a text-only change, so lists that
    show no text skip their re-query; a block edit is structural."""
    typed = notes.edit_section(chart, draft["note"], "plan", "Continue 2x/week.").changes
    assert "note" in typed and not typed.structural("note")
    moved = notes.update_block(chart, draft["note"], draft["block"], stop=dt.time(9, 30)).changes
    assert moved.structural("note")
