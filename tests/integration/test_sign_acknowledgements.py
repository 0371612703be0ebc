"""Issue 14: a warning nobody acknowledged stops the signature; the acknowledgement (given
before signing or with it) is stored with the signed note, frozen in its snapshot and audited
without its text. Real encrypted chart."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from core.domain.enums import Discipline, GoalTerm, Laterality, NoteStatus, UnitMethod
from core.domain.errors import SignBlocked, ValidationError, WarningsUnacknowledged
from core.services import charts, episodes, notes, patients, practice, signing
from core.storage.chart import ChartSession


@pytest.fixture
def draft(chart: ChartSession) -> dict[str, uuid.UUID]:
    """A Medicare daily note with no blocks left, whose only findings are warnings:
    total treatment time missing, and the goal connection sentence missing."""
    pt = practice.add_clinician(
        chart, first_name="Ada", last_name="Quist", discipline=Discipline.PT, credentials="PT"
    ).value
    payer = practice.add_payer_profile(
        chart, name="Medicare Part B", key="medicare", unit_method=UnitMethod.CMS_TOTAL_TIME,
        requires_discipline_modifier=True, uses_kx_threshold=True,
        progress_report_every_visits=10,
    ).value
    patient = patients.create_patient(
        chart, first_name="Nell", last_name="Testcase", date_of_birth=dt.date(1950, 1, 1)
    ).value
    ep = episodes.create_episode(
        chart, patient_id=patient.id, discipline=Discipline.PT, start_date=dt.date(2026, 10, 1),
        cert_start=dt.date(2026, 10, 1), cert_end=dt.date(2026, 12, 29),
        certified_on=dt.date(2026, 10, 3), payer_profile_id=payer.id, diagnoses=["M17.11"],
    ).value
    goal = episodes.add_goal(
        chart, ep.id, term=GoalTerm.SHORT, activity="Climb 12 stairs",
        functional_purpose="reach the bedroom",
    ).value
    view = notes.start_note(
        chart, episode_id=ep.id, clinician_id=pt.id, date=dt.date(2026, 10, 2),
        start_time=dt.time(9), end_time=dt.time(10),
    ).value
    notes.edit_section(chart, view.note.id, "objective", "Step-ups 3x10, cues for knee control.")
    notes.edit_section(chart, view.note.id, "assessment", "Tolerated well; stairs improving.")
    block = notes.add_block(
        chart, view.note.id, "97110", start=dt.time(9), stop=dt.time(9, 25),
        goal_ids=(goal.id,), laterality=Laterality.RIGHT,
        details={"exercises": [{"name": "Step-ups", "sets": 3, "reps": 10}]},
    ).value
    return {"note": view.note.id, "block": block.id, "pt": pt.id}


def _warnings(chart: ChartSession, note_id: uuid.UUID) -> dict[str, str]:
    """Open warnings: key → id."""
    return {f.key: f.id for f in signing.check(chart, note_id)
            if str(f.severity) == "warn" and not f.acknowledged}


def _audit_details(chart: ChartSession) -> list[str]:
    return [str(r["detail"]) for r in charts.recent_audit(chart, 200)]


def test_unacknowledged_warning_stops_signing_and_writes_nothing(
    chart: ChartSession, draft: dict[str, uuid.UUID]
) -> None:
    open_warnings = _warnings(chart, draft["note"])
    assert set(open_warnings.values()) == {"note.total_time_missing",
                                           "block.missing_goal_connection"}
    assert not [f for f in signing.check(chart, draft["note"]) if f.blocks_signing]
    before = len(charts.recent_audit(chart, 500))
    with pytest.raises(WarningsUnacknowledged, match="Acknowledge each warning") as info:
        signing.sign_note(chart, draft["note"], signer_id=draft["pt"])
    assert isinstance(info.value, SignBlocked)  # callers catching SignBlocked still catch it
    assert {getattr(f, "key", None) for f in info.value.findings} == set(open_warnings)
    # one of two acknowledged with the signature: still refused, and that one not kept either
    total_key = next(k for k, i in open_warnings.items() if i == "note.total_time_missing")
    with pytest.raises(WarningsUnacknowledged) as info:
        signing.sign_note(chart, draft["note"], signer_id=draft["pt"],
                          acknowledgements={total_key: "Timed session only, no other care"})
    assert [getattr(f, "id", None) for f in info.value.findings] == [
        "block.missing_goal_connection"]
    stored = notes.get_note(chart, draft["note"]).note
    assert stored.status is NoteStatus.DRAFT and stored.acknowledged == []
    # nothing written by the refusals (the get_note above adds its one view row)
    assert len(charts.recent_audit(chart, 500)) == before + 1


def test_acknowledged_with_the_signature_is_stored_frozen_and_audited(
    chart: ChartSession, draft: dict[str, uuid.UUID]
) -> None:
    open_warnings = _warnings(chart, draft["note"])
    reasons = {key: f"Reason for {fid} typed at signing" for key, fid in open_warnings.items()}
    reasons["pair.not_on_this_note"] = "Names no open warning: ignored"
    signed = signing.sign_note(chart, draft["note"], signer_id=draft["pt"],
                               acknowledgements=reasons).value
    assert signed.is_signed
    stored = notes.get_note(chart, draft["note"]).note
    assert {a["finding_id"]: a["reason"] for a in stored.acknowledged} == {
        k: reasons[k] for k in open_warnings}
    snapshot = json.loads(stored.snapshot or "{}")
    assert json.dumps(snapshot).count("typed at signing") == len(open_warnings)
    assert signing.verify_signed(chart, draft["note"])
    details = _audit_details(chart)
    for key in open_warnings:
        assert f"acknowledged {key}" in details
    assert not any("typed at signing" in d for d in details)  # the reason stays in the note
    assert not any("pair.not_on_this_note" in d for d in details)
    # signed: the findings come back acknowledged with their reasons
    after = signing.check(chart, draft["note"])
    assert all(f.acknowledged for f in after if str(f.severity) == "warn")


def test_acknowledged_before_signing_by_id_covers_every_instance(
    chart: ChartSession, draft: dict[str, uuid.UUID]
) -> None:
    notes.acknowledge_warning(chart, draft["note"], "note.total_time_missing",
                              "Patient left before the total was written")
    with pytest.raises(WarningsUnacknowledged):
        signing.sign_note(chart, draft["note"], signer_id=draft["pt"])
    notes.acknowledge_warning(chart, draft["note"], "block.missing_goal_connection",
                              "Goal stated in the assessment")
    assert signing.sign_note(chart, draft["note"], signer_id=draft["pt"]).value.is_signed
    assert "acknowledged block.missing_goal_connection" in _audit_details(chart)


@pytest.mark.parametrize("reason", ["", "   ", "ok", "n/a", "x" * 301])
def test_a_reason_that_says_nothing_is_refused_with_why(
    chart: ChartSession, draft: dict[str, uuid.UUID], reason: str
) -> None:
    with pytest.raises(ValidationError) as info:
        notes.acknowledge_warning(chart, draft["note"], "note.total_time_missing", reason)
    assert "reason" in str(info.value).lower() or "say why" in str(info.value).lower()
    acks = {k: reason for k in _warnings(chart, draft["note"])}
    with pytest.raises(ValidationError):
        signing.sign_note(chart, draft["note"], signer_id=draft["pt"], acknowledgements=acks)
    assert notes.get_note(chart, draft["note"]).note.acknowledged == []


def test_blocks_are_never_acknowledged(chart: ChartSession, draft: dict[str, uuid.UUID]) -> None:
    notes.update_block(chart, draft["note"], draft["block"], laterality=None)
    found = signing.check(chart, draft["note"])
    block_ids = {f.id for f in found if f.blocks_signing}
    assert "block.missing_laterality" in block_ids
    acks = {f.key: "Acknowledging a block must not work" for f in found}
    with pytest.raises(SignBlocked, match="Cannot sign yet") as info:
        signing.sign_note(chart, draft["note"], signer_id=draft["pt"], acknowledgements=acks)
    assert not isinstance(info.value, WarningsUnacknowledged)
    assert notes.get_note(chart, draft["note"]).note.status is NoteStatus.DRAFT
