"""Dictation use cases: audio custody in the chart, retention, and what the review panel needs.

Contract:
- ``store_recording`` seals the audio with ``core.media.custody.seal_recording`` (a fresh
  XChaCha20-Poly1305 key per recording, associated data = recording id + note id) and stores
  the blob and the key in the encrypted chart, in one unit of work audited
  ``create``/``recording``. The plaintext is only ever in memory: PCM is wrapped in a WAV
  container with ``io.BytesIO``; an imported file's bytes are stored as they came. Recordings
  never sync (``outbox.NOT_SYNCED``).
- ``load_recording`` decrypts in memory and audits a ``view``. An erased recording raises
  ``RecordingErased``; a blob that does not verify raises ``RecordingTampered``
  (``core.media.errors``).
- Retention (chart meta ``dictation.retention``): ``on_sign`` (default) erases a note's
  recordings once the note is signed; ``days:N`` erases each recording N days after it was
  dictated. ``apply_retention(chart, today)`` is idempotent; the desktop calls it after a
  signature and on every unlock. Erasing is a crypto-erase: the blob and its key become NULL
  (SQLCipher's ``secure_delete`` zeroes the freed pages) and the WAL is checkpointed.
- ``mark_dictated`` records on the note when its dictated content was dictated
  (``Note.dictated_at``; the earliest recording wins) — Medicare dates dictated
  documentation by the dictation. The panel calls it when the first draft text is accepted.
- ``dictation_setup`` also gathers ``recent_terms``: the exercise, activity and technique names
  on the timed blocks of the episode's last ``RECENT_NOTES`` earlier notes (most recent first),
  which the scribe puts into its decoding prompt (context biasing).
- ``accept_draft`` is the review panel's *Accept*: the accepted sentences appended to their
  sections, an optional confirmed timed block, and ``dictated_at`` from the recording, in one
  unit of work with one audit row (issue 17: one service call per user action; a crash
  halfway leaves nothing half-accepted).
- Nothing here signs or bills.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import wave
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from core.domain.episode import Diagnosis, Goal
from core.domain.errors import ChartsideError, ValidationError
from core.domain.ids import new_id
from core.domain.visit import SECTIONS, Note, TimedBlock, Visit
from core.services import notes
from core.services.result import Result
from core.storage.chart import ChartSession, read_meta
from core.storage.repos_recordings import RecordingInfo

RETENTION_KEY = "dictation.retention"
RECENT_NOTES = 3  # earlier notes of the episode whose exercise names bias the decoder
RECENT_TERMS = 20  # at most this many names
ON_SIGN = "on_sign"
MAX_RETENTION_DAYS = 3650


class RecordingErased(ChartsideError):
    """The recording was erased under the retention setting (or discarded)."""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """``days=None``: erase when the note is signed; otherwise N days after dictation."""

    days: int | None = None

    @property
    def text(self) -> str:
        return ON_SIGN if self.days is None else f"days:{self.days}"

    @property
    def label(self) -> str:
        if self.days is None:
            return "Erase recordings when the note is signed"
        return f"Erase recordings {self.days} day{'s' if self.days != 1 else ''} after dictation"

    @classmethod
    def parse(cls, value: str | None) -> RetentionPolicy:
        if not value or value == ON_SIGN:
            return cls()
        if value.startswith("days:") and value[5:].isdigit():
            return cls(days=int(value[5:]))
        return cls()  # an unreadable setting falls back to the strictest default


@dataclass(frozen=True, slots=True)
class LoadedRecording:
    info: RecordingInfo
    audio: bytes  # a WAV (recorded) or the imported file's bytes; plaintext, memory only

    def __repr__(self) -> str:
        return f"LoadedRecording({self.info!r}, audio=<{len(self.audio)} bytes>)"


@dataclass(frozen=True)
class DictationSetup:
    """What the review panel needs about a note (an audited view of the note)."""

    note: Note
    visit: Visit
    patient_name: str
    diagnoses: tuple[Diagnosis, ...]
    goals: tuple[Goal, ...]  # the episode's active goals, plan order
    recordings: tuple[RecordingInfo, ...]
    retention: RetentionPolicy
    discipline: str = "PT"  # the episode's: the scribe's decoding prompt follows it
    recent_terms: tuple[str, ...] = ()  # exercise/activity names of the last notes


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _naive_utc(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return _now()
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def associated_data(recording_id: uuid.UUID, note_id: uuid.UUID) -> bytes:
    """What a sealed blob is bound to: it cannot be moved to another recording or note."""
    return b"chartside-recording:" + recording_id.bytes + note_id.bytes


# -- audio containers (memory only) -------------------------------------------------------------
def wav_bytes(pcm_s16: bytes, sample_rate: int, channels: int = 1) -> bytes:
    """16-bit PCM wrapped in a WAV container, built in memory."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm_s16)
    return buffer.getvalue()


def _float_to_s16(audio: Any) -> bytes:
    import numpy as np

    samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim != 1:
        raise ValidationError("Recorded audio must be one channel of samples.", field="audio")
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def _probe(data: bytes, duration_s: float | None, source_rate: int | None
           ) -> tuple[float, int]:
    """Duration and sample rate of an encoded file; ``AudioUnreadable`` if it is not audio."""
    from core.media.audio import SAMPLE_RATE, decode

    if duration_s is not None and source_rate:
        return float(duration_s), int(source_rate)
    decoded = decode(data)
    if duration_s is None:
        duration_s = len(decoded.audio) / SAMPLE_RATE
    return float(duration_s), decoded.source_rate or SAMPLE_RATE


def _prepared(
    audio: bytes | bytearray | memoryview | Sequence[float] | Any,
    sample_rate: int | None,
    channels: int,
    duration_s: float | None,
    source_rate: int | None = None,
) -> tuple[bytes, float, int]:
    if isinstance(audio, bytes | bytearray | memoryview):
        raw = bytes(audio)
        if not raw:
            raise ValidationError("The recording is empty.", field="audio")
        if sample_rate is None:  # an encoded file (wav, mp3, m4a, ogg, webm)
            seconds, rate = _probe(raw, duration_s, source_rate)
            return raw, seconds, rate
        frames = len(raw) // (2 * channels)
        return wav_bytes(raw[: frames * 2 * channels], sample_rate, channels), (
            frames / sample_rate
        ), sample_rate
    if sample_rate is None:
        raise ValidationError("Samples need their sample rate.", field="sample_rate")
    pcm = _float_to_s16(audio)
    if not pcm:
        raise ValidationError("The recording is empty.", field="audio")
    return wav_bytes(pcm, sample_rate, 1), len(pcm) / 2 / sample_rate, sample_rate


# -- custody ------------------------------------------------------------------------------------
def store_recording(
    chart: ChartSession,
    note_id: uuid.UUID,
    audio: bytes | bytearray | memoryview | Sequence[float] | Any,
    sample_rate: int | None = None,
    *,
    channels: int = 1,
    duration_s: float | None = None,
    source_rate: int | None = None,
    dictated_at: dt.datetime | None = None,
) -> Result[RecordingInfo]:
    """Seal ``audio`` and keep it with the draft note ``note_id``.

    ``audio`` is raw 16-bit little-endian PCM (``bytes`` with ``sample_rate``/``channels``, as
    QtMultimedia records it), mono float samples in [-1, 1] (with ``sample_rate``), or the
    bytes of an encoded file (``sample_rate=None``; ``duration_s`` if the caller already
    decoded it, with ``source_rate``, the file's own rate, so it is not decoded again).
    ``dictated_at`` defaults to now.
    """
    from core.media.custody import seal_recording

    data, seconds, rate = _prepared(audio, sample_rate, channels, duration_s, source_rate)
    when = _naive_utc(dictated_at)
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        note.ensure_editable()
        info = RecordingInfo(new_id(), note.id, when, round(seconds, 3), int(rate))
        sealed = seal_recording(data, associated_data(info.id, note.id))
        del data
        uow.recordings.add(info, sealed=sealed.blob, key=sealed.key)
        uow.record("create", "recording", info.id, detail=f"note {note.id}; {seconds:.1f} s")
        return Result(info, uow.commit())


def load_recording(chart: ChartSession, recording_id: uuid.UUID) -> LoadedRecording:
    """The recording's audio, decrypted in memory; audited as a view."""
    from core.media.custody import open_recording

    with chart.uow() as uow:
        row = uow.recordings.sealed(recording_id)
        if row.info.erased or row.sealed is None or row.key is None:
            raise RecordingErased(
                "This recording was erased.",
                hint="Recordings are erased under the chart's retention setting.",
            )
        audio = open_recording(
            row.sealed, row.key, associated_data(row.info.id, row.info.note_id)
        )
        uow.record("view", "recording", recording_id)
        uow.commit()
    return LoadedRecording(row.info, audio)


def list_recordings(
    chart: ChartSession, note_id: uuid.UUID, *, include_erased: bool = False
) -> list[RecordingInfo]:
    """The note's recordings (facts only, no audio), oldest first."""
    with chart.uow() as uow:
        return uow.recordings.for_note(note_id, include_erased=include_erased)


def _erase(uow: Any, info: RecordingInfo, reason: str, at: dt.datetime) -> None:
    uow.recordings.erase(info.id, at=at)
    uow.record("delete", "recording", info.id, detail=reason)


def erase_recording(
    chart: ChartSession, recording_id: uuid.UUID, *, reason: str = "discarded"
) -> Result[RecordingInfo]:
    """Crypto-erase one recording now (e.g. the clinician discards a wrong take)."""
    with chart.uow() as uow:
        info = uow.recordings.info(recording_id)
        if info.erased:
            return Result(info, uow.commit())
        at = _now()
        _erase(uow, info, reason, at)
        changes = uow.commit()
    chart.checkpoint()
    return Result(replace(info, deleted_at=at), changes)


# -- retention ----------------------------------------------------------------------------------
def retention_policy(chart: ChartSession) -> RetentionPolicy:
    return RetentionPolicy.parse(read_meta(chart, RETENTION_KEY))


def set_retention(chart: ChartSession, *, days: int | None) -> RetentionPolicy:
    """``days=None``: erase on signing (default); else erase N (1–3650) days after dictation."""
    if days is not None and not 1 <= int(days) <= MAX_RETENTION_DAYS:
        raise ValidationError(
            f"Keep recordings between 1 and {MAX_RETENTION_DAYS} days.", field="days"
        )
    policy = RetentionPolicy(None if days is None else int(days))
    with chart.uow() as uow:  # the setting and its audit row in one transaction
        uow.meta.set(RETENTION_KEY, policy.text)
        uow.record("update", "chart", chart.chart_id, detail=f"dictation retention {policy.text}")
        uow.commit()
    return policy


def _retain(uow: Any, policy: RetentionPolicy, today: dt.date, at: dt.datetime
            ) -> list[RecordingInfo]:
    erased: list[RecordingInfo] = []
    for row in uow.recordings.live():
        if policy.days is None:
            due, reason = row.note_signed, "retention: note signed"
        else:
            due = row.info.created_at.date() + dt.timedelta(days=policy.days) <= today
            reason = f"retention: {policy.days} days"
        if due:
            _erase(uow, row.info, reason, at)
            erased.append(replace(row.info, deleted_at=at))
    return erased


def apply_retention(
    chart: ChartSession, today: dt.date, *, now: dt.datetime | None = None
) -> Result[tuple[RecordingInfo, ...]]:
    """Erase every recording the retention setting no longer allows; returns those erased."""
    at = _naive_utc(now)
    with chart.uow() as uow:
        erased = _retain(uow, RetentionPolicy.parse(uow.meta.get(RETENTION_KEY)), today, at)
        changes = uow.commit()
    if erased:
        chart.checkpoint()  # fold the WAL so the old pages leave it now
    return Result(tuple(erased), changes)


def change_retention(
    chart: ChartSession, days: int | None, today: dt.date, *, now: dt.datetime | None = None
) -> Result[tuple[RecordingInfo, ...]]:
    """The user changes how long recordings are kept (issue 17: one call, one transaction): the
    setting, its audit row and the erasures it now requires commit together or not at all."""
    if days is not None and not 1 <= int(days) <= MAX_RETENTION_DAYS:
        raise ValidationError(
            f"Keep recordings between 1 and {MAX_RETENTION_DAYS} days.", field="days"
        )
    policy = RetentionPolicy(None if days is None else int(days))
    with chart.uow() as uow:
        uow.meta.set(RETENTION_KEY, policy.text)
        uow.record("update", "chart", chart.chart_id, detail=f"dictation retention {policy.text}")
        erased = _retain(uow, policy, today, _naive_utc(now))
        changes = uow.commit()
    if erased:
        chart.checkpoint()
    return Result(tuple(erased), changes)


# -- the note -----------------------------------------------------------------------------------
def mark_dictated(
    chart: ChartSession, note_id: uuid.UUID, recording_id: uuid.UUID
) -> Result[dt.datetime]:
    """Set ``Note.dictated_at`` from the recording (the earliest dictation wins)."""
    with chart.uow() as uow:
        info = uow.recordings.info(recording_id)
        if info.note_id != note_id:
            raise ValidationError("This recording belongs to another note.", field="recording")
        note = uow.notes.get(note_id)
        if note.dictated_at is not None and note.dictated_at <= info.created_at:
            return Result(note.dictated_at, uow.commit())
        note.ensure_editable()
        note.dictated_at = info.created_at
        note.updated_at = _now()
        uow.notes.save(note)
        uow.record("update", "note", note.id, detail="dictated_at")
        return Result(info.created_at, uow.commit())


def joined(existing: str, addition: str) -> str:
    """``existing`` with ``addition`` appended as its own sentence."""
    addition = addition.strip()
    if not addition:
        return existing
    if addition[-1] not in ".!?:;":
        addition += "."
    addition = addition[0].upper() + addition[1:]
    if not existing.strip():
        return addition
    separator = "" if existing.endswith((" ", "\n")) else " "
    return f"{existing}{separator}{addition}"


def append_to_section(
    chart: ChartSession, note_id: uuid.UUID, section: str, text: str
) -> Result[str]:
    """Append accepted draft text to S/O/A/P through ``notes.edit_section``; the new text."""
    if section not in SECTIONS:
        raise ValidationError(f"{section!r} is not a note section.", field="section")
    with chart.uow() as uow:
        current = getattr(uow.notes.get(note_id), section)
    updated = joined(current, text)
    result = notes.edit_section(chart, note_id, section, updated)
    return Result(updated, result.changes)


def block_terms(note: Note) -> list[str]:
    """The names a clinician dictates on ``note``'s timed blocks: 97110 exercises, 97530
    activities and tasks, 97140 techniques (block details as the note's forms write them)."""
    out: list[str] = []
    for block in note.ordered_blocks:
        details = block.details or {}
        items = details.get("exercises")
        if isinstance(items, list):
            out += [str(e.get("name", "")) for e in items if isinstance(e, dict)]
        out += [str(details.get(k) or "") for k in ("activity", "functional_task", "technique")]
    return [t.strip() for t in out if t and t.strip()]


def recent_terms(uow: Any, note: Note, visit: Visit) -> tuple[str, ...]:
    """Exercise/activity names of the episode's last ``RECENT_NOTES`` notes before ``note``
    that name any (by visit date and start time), most recent first, each once, at most
    ``RECENT_TERMS``."""
    terms: dict[str, str] = {}
    seen = 0
    for other_id in reversed(uow.notes.ids_for_episode(visit.episode_id)):
        if seen >= RECENT_NOTES:
            break
        if other_id == note.id:
            continue
        other = uow.notes.get(other_id)
        other_visit = uow.visits.get(other.visit_id)
        if (other_visit.date, other_visit.start_time or dt.time.min) >= (
            visit.date, visit.start_time or dt.time.max
        ):
            continue
        names = block_terms(other)
        seen += bool(names)  # the last notes that name any
        for term in names:
            terms.setdefault(term.lower(), term)
    return tuple(list(terms.values())[:RECENT_TERMS])


def accept_draft(
    chart: ChartSession,
    note_id: uuid.UUID,
    recording_id: uuid.UUID | None,
    parts: Sequence[tuple[str, str]] = (),
    block: TimedBlock | None = None,
) -> Result[TimedBlock | None]:
    """Accept reviewed draft content into the draft note in one transaction: each
    ``(section, text)`` appended to its S/O/A/P section as its own sentence (in order), the
    confirmed ``block`` added (its goals must be on the plan of care), and ``Note.dictated_at``
    set from ``recording_id`` (the earliest dictation wins). One ``update`` audit row. Nothing
    is written when any part is refused (a signed note, an unknown section, a foreign goal or
    recording). Returns the added block."""
    for section, _ in parts:
        if section not in SECTIONS:
            raise ValidationError(f"{section!r} is not a note section.", field="section")
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        note.ensure_editable()
        changed: list[str] = []
        grouped: dict[str, str] = {}
        for section, text in parts:
            grouped[section] = joined(grouped.get(section, ""), text)
        for section, text in grouped.items():
            if text:
                note.set_section(section, joined(getattr(note, section), text))
                changed.append(section)
        added = None
        if block is not None:
            notes.check_goal_links(uow, note, block.goal_ids)
            added = note.add_block(block)
            changed.append(f"block {added.code}")
        if recording_id is not None and changed:
            info = uow.recordings.info(recording_id)
            if info.note_id != note.id:
                raise ValidationError("This recording belongs to another note.",
                                      field="recording")
            if note.dictated_at is None or info.created_at < note.dictated_at:
                note.dictated_at = info.created_at
                changed.append("dictated_at")
        if not changed:
            return Result(None, uow.commit())
        note.updated_at = _now()
        uow.notes.save(note)
        uow.record("update", "note", note.id, detail="dictation accepted: " + ", ".join(changed))
        return Result(added, uow.commit())


def dictation_setup(chart: ChartSession, note_id: uuid.UUID) -> DictationSetup:
    """Note, visit, diagnoses, active goals and recordings for the review panel (audited)."""
    view = notes.get_note(chart, note_id)
    with chart.uow() as uow:
        episode = uow.episodes.get(view.visit.episode_id)
        patient = uow.patients.get(view.visit.patient_id)
        recordings = uow.recordings.for_note(note_id)
        recent = recent_terms(uow, view.note, view.visit)
    return DictationSetup(
        note=view.note,
        visit=view.visit,
        patient_name=patient.display_name,
        diagnoses=tuple(sorted(episode.diagnoses, key=lambda d: d.rank)),
        goals=tuple(g for g in episode.goals if g.is_active),
        recordings=tuple(recordings),
        retention=retention_policy(chart),
        discipline=episode.discipline.value,
        recent_terms=recent,
    )
