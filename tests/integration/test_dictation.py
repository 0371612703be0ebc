"""Dictation custody on real encrypted charts: sealed storage, audited views, retention,
crypto-erase, and no plaintext audio in the chart file, its WAL or anywhere in the folder."""

from __future__ import annotations

import datetime as dt
import io
import uuid
import wave
from pathlib import Path

import pytest

from core.domain.enums import Discipline, GoalTerm, Laterality, UnitMethod
from core.domain.errors import SignedNoteImmutable, ValidationError
from core.domain.visit import TimedBlock
from core.services import charts, dictation, episodes, notes, patients, practice, signing
from core.storage.chart import ChartSession
from scribe.custody import open_recording
from scribe.errors import RecordingTampered

FIXTURE = Path(__file__).resolve().parents[1] / "scribe" / "fixtures" / "knee_daily_wrong_side.wav"
# A byte pattern no encoder, page header or key would produce: if it shows up in a file on
# disk, plaintext audio leaked.
MARKER = b"~~CHARTSIDE-PLAINTEXT-AUDIO-MARKER-5b1f~~"
RATE = 16_000


def marker_pcm(repeats: int = 2_000) -> bytes:
    """Raw 16-bit PCM (even length) made of the marker: ~80 KB, 2.5 s at 16 kHz."""
    pcm = MARKER * repeats
    return pcm + b"\x00" * (len(pcm) % 2)


def files_containing(folder: Path, needle: bytes) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes())


@pytest.fixture
def visit(chart: ChartSession) -> dict[str, uuid.UUID]:
    """A Medicare PT episode (M17.11) with one draft note that can be signed as it is."""
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
    goal = episodes.add_goal(chart, ep.id, term=GoalTerm.SHORT, activity="Climb 12 stairs",
                             functional_purpose="reach the bedroom").value
    ids = {"pt": pt.id, "episode": ep.id, "goal": goal.id}
    for key, day in (("note", 2), ("other", 3)):  # one a day: same-day times may not overlap
        view = notes.start_note(chart, episode_id=ep.id, clinician_id=pt.id,
                                date=dt.date(2026, 10, day), start_time=dt.time(9),
                                end_time=dt.time(10)).value
        notes.add_block(chart, view.note.id, "97110", start=dt.time(9), stop=dt.time(9, 25),
                        goal_ids=(goal.id,), laterality=Laterality.RIGHT,
                        goal_connection="Strength to climb stairs.",
                        details={"exercises": [{"name": "Step-ups", "sets": 3, "reps": 10}],
                                 "target_outcome": "strength"})
        notes.set_total_treatment_minutes(chart, view.note.id, 30)
        notes.edit_section(chart, view.note.id, "objective", "Step-ups 3x10.")
        notes.edit_section(chart, view.note.id, "assessment", "Tolerated well.")
        ids[key] = view.note.id
    return ids


def sign(chart: ChartSession, visit: dict[str, uuid.UUID], key: str = "note") -> None:
    signing.sign_note(chart, visit[key], signer_id=visit["pt"])


def test_store_and_load_round_trip_is_audited_and_never_synced(
    chart: ChartSession, visit: dict[str, uuid.UUID]
) -> None:
    pcm = marker_pcm()
    when = dt.datetime(2026, 10, 2, 9, 41, 7)
    info = dictation.store_recording(chart, visit["note"], pcm, RATE, dictated_at=when).value
    assert info.note_id == visit["note"] and info.created_at == when
    assert info.duration_s == pytest.approx(len(pcm) / 2 / RATE, abs=1e-3)
    assert info.sample_rate == RATE and not info.erased
    loaded = dictation.load_recording(chart, info.id)
    with wave.open(io.BytesIO(loaded.audio)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (RATE, 1, 2)
        assert wav.readframes(wav.getnframes()) == pcm
    assert "bytes>" in repr(loaded) and MARKER.decode() not in repr(loaded)
    assert [r.id for r in dictation.list_recordings(chart, visit["note"])] == [info.id]
    trail = [(e["action"], e["entity"], e["entity_id"]) for e in charts.recent_audit(chart)]
    assert ("create", "recording", str(info.id)) in trail
    assert ("view", "recording", str(info.id)) in trail
    with chart.engine.connect() as conn:
        entities = {r[0] for r in conn.exec_driver_sql("SELECT entity FROM record_versions")}
    assert "recording" not in entities  # audio never enters the sync outbox
    assert charts.verify_audit(chart).ok


def test_float_samples_and_imported_files_are_stored(
    chart: ChartSession, visit: dict[str, uuid.UUID]
) -> None:
    import numpy as np

    tone = 0.5 * np.sin(np.linspace(0, 2 * np.pi * 440, RATE)).astype(np.float32)
    info = dictation.store_recording(chart, visit["note"], tone, RATE).value
    assert info.duration_s == pytest.approx(1.0, abs=1e-3)
    data = FIXTURE.read_bytes()
    imported = dictation.store_recording(chart, visit["note"], data).value
    assert imported.duration_s == pytest.approx(39.93, abs=0.05)
    assert imported.sample_rate == RATE
    assert dictation.load_recording(chart, imported.id).audio == data  # the file, verbatim
    from scribe.errors import AudioUnreadable

    with pytest.raises(AudioUnreadable):
        dictation.store_recording(chart, visit["note"], b"this is not audio at all" * 10)
    with pytest.raises(ValidationError):
        dictation.store_recording(chart, visit["note"], b"")


def test_plaintext_audio_never_reaches_the_disk(
    chart: ChartSession, visit: dict[str, uuid.UUID], tmp_path: Path
) -> None:
    before = {p.name for p in tmp_path.iterdir()}
    dictation.store_recording(chart, visit["note"], marker_pcm(), RATE)
    fixture = FIXTURE.read_bytes()
    needle = fixture[len(fixture) // 2 : len(fixture) // 2 + 64]  # a stretch of real audio
    dictation.store_recording(chart, visit["note"], fixture)
    wal = Path(f"{chart.path}-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the pages are still in the WAL
    assert files_containing(tmp_path, MARKER) == []
    assert files_containing(tmp_path, needle) == []
    assert {p.name for p in tmp_path.iterdir()} - before <= {wal.name, f"{chart.path.name}-shm"}
    chart.checkpoint()
    assert files_containing(tmp_path, MARKER) == []
    assert files_containing(tmp_path, needle) == []


def test_sealed_blob_is_bound_to_its_recording_and_note(
    chart: ChartSession, visit: dict[str, uuid.UUID]
) -> None:
    first = dictation.store_recording(chart, visit["note"], marker_pcm(10), RATE).value
    second = dictation.store_recording(chart, visit["other"], marker_pcm(10), RATE).value
    with chart.engine.connect() as conn:
        rows = {uuid.UUID(r[0]): (r[1], r[2]) for r in conn.exec_driver_sql(
            "SELECT id, sealed, key FROM recordings")}
    blob, key = rows[first.id]
    assert blob.startswith(b"CSR1") and MARKER not in blob and len(key) == 32
    assert rows[second.id][1] != key  # one key per recording
    right = dictation.associated_data(first.id, first.note_id)
    assert MARKER in open_recording(blob, key, right)
    with pytest.raises(RecordingTampered):
        open_recording(blob, key, dictation.associated_data(second.id, second.note_id))
    with pytest.raises(RecordingTampered):
        open_recording(blob, rows[second.id][1], right)


def test_signing_erases_by_default_and_the_erase_is_cryptographic(
    chart: ChartSession, visit: dict[str, uuid.UUID], today: dt.date
) -> None:
    assert dictation.retention_policy(chart) == dictation.RetentionPolicy(None)
    kept = dictation.store_recording(chart, visit["other"], marker_pcm(10), RATE).value
    info = dictation.store_recording(chart, visit["note"], marker_pcm(), RATE).value
    assert dictation.apply_retention(chart, today).value == ()  # nothing signed yet
    sign(chart, visit)
    erased = dictation.apply_retention(chart, today).value
    assert [r.id for r in erased] == [info.id] and erased[0].erased
    assert dictation.apply_retention(chart, today).value == ()  # idempotent
    with chart.engine.connect() as conn:
        sealed, key, deleted = conn.exec_driver_sql(
            "SELECT sealed, key, deleted_at FROM recordings WHERE id = ?", (info.id.hex,)
        ).one()
        assert (sealed, key) == (None, None) and deleted is not None
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    with pytest.raises(dictation.RecordingErased):
        dictation.load_recording(chart, info.id)
    assert dictation.list_recordings(chart, visit["note"]) == []
    assert [r.id for r in dictation.list_recordings(chart, visit["note"], include_erased=True)]
    assert dictation.load_recording(chart, kept.id).info.id == kept.id  # draft note: kept
    trail = [(e["action"], e["entity"], e["detail"]) for e in charts.recent_audit(chart)]
    assert ("delete", "recording", "retention: note signed") in trail
    # The WAL was checkpointed after the erase; nothing of the audio is on disk.
    assert files_containing(chart.path.parent, MARKER) == []
    with pytest.raises(SignedNoteImmutable):  # no new audio on a signed note
        dictation.store_recording(chart, visit["note"], marker_pcm(10), RATE)


def test_retention_after_n_days(
    chart: ChartSession, visit: dict[str, uuid.UUID]
) -> None:
    with pytest.raises(ValidationError):
        dictation.set_retention(chart, days=0)
    policy = dictation.set_retention(chart, days=7)
    assert dictation.retention_policy(chart) == policy and "7 days" in policy.label
    when = dt.datetime(2026, 10, 2, 9, 30)
    info = dictation.store_recording(chart, visit["note"], marker_pcm(10), RATE,
                                     dictated_at=when).value
    sign(chart, visit)
    assert dictation.apply_retention(chart, dt.date(2026, 10, 8)).value == ()  # signed, day 6
    assert dictation.load_recording(chart, info.id).info.id == info.id
    erased = dictation.apply_retention(chart, dt.date(2026, 10, 9)).value
    assert [r.id for r in erased] == [info.id]
    dictation.set_retention(chart, days=None)
    assert dictation.retention_policy(chart).days is None
    trail = [(e["action"], e["entity"], e["detail"]) for e in charts.recent_audit(chart)]
    assert ("update", "chart", "dictation retention days:7") in trail
    assert ("delete", "recording", "retention: 7 days") in trail
    # Issue 17: the app's one call sets the policy, audits it and erases what it no longer
    # allows in one transaction; a refused value writes nothing.
    with pytest.raises(ValidationError):
        dictation.change_retention(chart, 0, dt.date(2026, 10, 9))
    assert dictation.retention_policy(chart).days is None
    changed = dictation.change_retention(chart, 3, dt.date(2026, 10, 9))
    assert dictation.retention_policy(chart).days == 3 and changed.value == ()
    trail = [(e["action"], e["detail"]) for e in charts.recent_audit(chart, 5)]
    assert ("update", "dictation retention days:3") in trail


def test_discard_and_dictated_at(chart: ChartSession, visit: dict[str, uuid.UUID]) -> None:
    later = dictation.store_recording(chart, visit["note"], marker_pcm(10), RATE,
                                      dictated_at=dt.datetime(2026, 10, 2, 11, 0)).value
    earlier = dictation.store_recording(chart, visit["note"], marker_pcm(10), RATE,
                                        dictated_at=dt.datetime(2026, 10, 2, 9, 45)).value
    assert notes.get_note(chart, visit["note"]).note.dictated_at is None
    assert dictation.mark_dictated(chart, visit["note"], later.id).value == later.created_at
    dictation.mark_dictated(chart, visit["note"], earlier.id)
    dictation.mark_dictated(chart, visit["note"], later.id)  # the earliest dictation wins
    assert notes.get_note(chart, visit["note"]).note.dictated_at == earlier.created_at
    with pytest.raises(ValidationError):
        dictation.mark_dictated(chart, visit["other"], later.id)
    gone = dictation.erase_recording(chart, later.id).value
    assert gone.erased
    with pytest.raises(dictation.RecordingErased):
        dictation.load_recording(chart, later.id)
    sign(chart, visit)  # dictated_at is part of the signed note
    assert signing.verify_signed(chart, visit["note"])


def test_accepted_text_is_appended_through_edit_section(
    chart: ChartSession, visit: dict[str, uuid.UUID]
) -> None:
    notes.edit_section(chart, visit["note"], "subjective", "Pt arrived on time")
    dictation.append_to_section(chart, visit["note"], "subjective", "no swelling since last visit")
    dictation.append_to_section(chart, visit["note"], "plan", "continue plan of care.")
    note = notes.get_note(chart, visit["note"]).note
    assert note.subjective == "Pt arrived on time No swelling since last visit."
    assert note.plan == "Continue plan of care."
    with pytest.raises(ValidationError):
        dictation.append_to_section(chart, visit["note"], "billing", "x")
    trail = [(e["action"], e["entity"], e["detail"]) for e in charts.recent_audit(chart)]
    assert ("update", "note", "plan") in trail
    # The panel's Accept is one service call, one transaction, one audit row (issue 17):
    # sentences by section in order, a confirmed block, dictated_at from the recording.
    rec = dictation.store_recording(chart, visit["note"], marker_pcm(10), RATE,
                                    dictated_at=dt.datetime(2026, 10, 2, 9, 40)).value
    def writes() -> list[object]:  # audit rows of changes (reading the note audits a view)
        return [e["detail"] for e in charts.recent_audit(chart, limit=500)
                if e["action"] != "view"]

    before = len(writes())
    dictation.accept_draft(chart, visit["note"], rec.id, [
        ("objective", "knee flexion 110°"), ("assessment", "progressing"),
        ("objective", "quad sets 3×15")])
    note = notes.get_note(chart, visit["note"]).note
    assert note.objective == "Step-ups 3x10. Knee flexion 110°. Quad sets 3×15."
    assert note.assessment == "Tolerated well. Progressing."
    assert note.dictated_at == rec.created_at
    assert len(writes()) == before + 1
    assert writes()[0] == "dictation accepted: objective, assessment, dictated_at"
    added = dictation.accept_draft(chart, visit["note"], rec.id, block=TimedBlock(
        code="97140", start=dt.time(9, 25), stop=dt.time(9, 35),
        details={"technique": "joint mobilization"})).value
    assert added is not None and added.code == "97140"
    assert [b.code for b in notes.get_note(chart, visit["note"]).note.blocks][-1] == "97140"
    # Refused as a whole: a goal of no plan of care, or text for another note's recording.
    foreign = TimedBlock(code="97110", goal_ids=(uuid.uuid4(),))
    with pytest.raises(ValidationError):
        dictation.accept_draft(chart, visit["note"], rec.id, [("plan", "HEP")], block=foreign)
    with pytest.raises(ValidationError):
        dictation.accept_draft(chart, visit["other"], rec.id, [("plan", "HEP")])
    with pytest.raises(ValidationError):
        dictation.accept_draft(chart, visit["note"], rec.id, [("billing", "x")])
    assert notes.get_note(chart, visit["note"]).note.plan == "Continue plan of care."
    assert notes.get_note(chart, visit["other"]).note.plan == ""
    assert len(writes()) == before + 2


def test_setup_for_the_panel(chart: ChartSession, visit: dict[str, uuid.UUID]) -> None:
    info = dictation.store_recording(chart, visit["note"], marker_pcm(10), RATE).value
    setup = dictation.dictation_setup(chart, visit["note"])
    assert [d.code for d in setup.diagnoses] == ["M17.11"]
    assert [g.id for g in setup.goals] == [visit["goal"]]
    assert [r.id for r in setup.recordings] == [info.id]
    assert setup.patient_name and setup.retention.days is None
    # Context biasing (issue 21): the earlier notes' exercise and activity names, most recent
    # first, each once; a later note of the episode is not "recent" for an earlier one.
    assert setup.recent_terms == ()
    notes.add_block(chart, visit["note"], "97530", start=dt.time(9, 25), stop=dt.time(9, 40),
                    details={"activity": "Car transfers", "functional_task": "step-ups"})
    later = dictation.dictation_setup(chart, visit["other"])
    assert later.recent_terms == ("Step-ups", "Car transfers")
