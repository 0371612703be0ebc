"""Voiding a draft started by mistake, on a real encrypted chart: kept, read-only, audited,
never signed, not counted by the rules; a signed note can never be voided."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from core.domain.enums import Discipline, NoteStatus
from core.domain.errors import SignedNoteImmutable, ValidationError
from core.domain.visit import VOID_REASONS
from core.rules.checks.facts import build_facts
from core.services import charts, episodes, notes, patients, practice, signing
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE


def _episode(chart: ChartSession) -> tuple[uuid.UUID, uuid.UUID]:
    pt = practice.add_clinician(
        chart, first_name="Ada", last_name="Quist", discipline=Discipline.PT
    ).value
    patient = patients.create_patient(
        chart, first_name="Nell", last_name="Testcase", date_of_birth=dt.date(1950, 1, 1)
    ).value
    ep = episodes.create_episode(
        chart, patient_id=patient.id, discipline=Discipline.PT, start_date=dt.date(2026, 10, 1),
        cert_start=dt.date(2026, 10, 1), diagnoses=["M17.11"],
    ).value
    return ep.id, pt.id


def _note(chart: ChartSession, episode_id: uuid.UUID, pt: uuid.UUID, day: int) -> uuid.UUID:
    return notes.start_note(
        chart, episode_id=episode_id, clinician_id=pt, date=dt.date(2026, 10, day)
    ).value.note.id


def test_void_keeps_the_note_read_only_and_audited(
    chart: ChartSession, chart_path: Path
) -> None:
    episode_id, pt = _episode(chart)
    note_id = _note(chart, episode_id, pt, 2)
    with pytest.raises(ValidationError, match="Choose why"):
        notes.void_note(chart, note_id, reason="because Nell Testcase said so")  # free text: PHI
    result = notes.void_note(chart, note_id, reason=VOID_REASONS[0])
    assert result.value.status is NoteStatus.VOIDED
    chart.lock()

    session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        stored = notes.get_note(session, note_id).note  # still on file
        assert stored.status is NoteStatus.VOIDED and stored.is_voided
        with pytest.raises(ValidationError, match="voided"):
            notes.edit_section(session, note_id, "objective", "late text")
        with pytest.raises(ValidationError, match="voided"):
            notes.void_note(session, note_id, reason=VOID_REASONS[0])
        with pytest.raises(ValidationError, match="voided"):
            signing.sign_note(session, note_id, signer_id=pt)
        audit = charts.recent_audit(session, 20)
        voided = [r for r in audit if r["detail"] == "voided: Started by mistake"]
        assert len(voided) == 1 and voided[0]["action"] == "update"
        assert voided[0]["entity_id"] == str(note_id)
        assert charts.verify_audit(session).ok
    finally:
        session.lock()


def test_signed_note_cannot_be_voided(chart: ChartSession) -> None:
    episode_id, pt = _episode(chart)
    note_id = _note(chart, episode_id, pt, 2)
    notes.edit_section(chart, note_id, "objective", "Gait training 10 min, cues for heel strike.")
    notes.edit_section(chart, note_id, "assessment", "Improving step length.")
    signing.sign_note(chart, note_id, signer_id=pt)
    with pytest.raises(SignedNoteImmutable):
        notes.void_note(chart, note_id, reason=VOID_REASONS[1])


def test_voided_note_is_not_a_treatment_day(chart: ChartSession) -> None:
    """A voided draft is left out of the rules' history (progress-report day count) and of
    the drafts waiting to be signed."""
    episode_id, pt = _episode(chart)
    first = _note(chart, episode_id, pt, 2)
    notes.void_note(chart, first, reason=VOID_REASONS[3])
    second = _note(chart, episode_id, pt, 3)
    with chart.uow() as uow:
        drafts = {n.id for n in uow.notes.rows(status=NoteStatus.DRAFT.value)}
    assert drafts == {second}
    with chart.uow() as uow:
        note = uow.notes.get(second)
        context = signing.build_context(uow, note)
    assert first in {p.note.id for p in context.history}  # read, then left out:
    assert [p.note.id for p in build_facts(note, context).earlier] == []
