"""Dictation ops (Anki's aqt/operations pattern) and the transcription job.

- Chart work (store, load, erase, accept, retention) is one ``CommandOp``/``QueryOp`` per
  service call on the database worker.
- Decoding and transcription need no chart: they are ``JobOp``s on the app's job pool.
  ``Transcription`` carries the job's cancel ``Event`` and a ``progressed`` signal: the scribe
  calls ``progress`` on the pool thread and the signal is delivered queued on the GUI thread
  (superqt's worker shape). A cancelled run *returns* ``CANCELLED`` instead of raising, so a
  cancel never reaches the error presenter; real failures (no speech, unreadable audio) do
  reach the op's ``failure`` handler.
- Nothing here touches a widget.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.domain.changes import Changes
from core.domain.enums import Laterality
from core.domain.visit import TimedBlock
from core.services import dictation
from desktop.worker import CommandOp, JobOp, QueryOp

CANCELLED = "cancelled"


@dataclass(frozen=True)
class DecodedAudio:
    data: bytes  # the file's bytes, to be sealed as they are
    samples: Any  # 16 kHz mono float32 (numpy), for transcription and playback
    source_rate: int = 16_000  # the file's own sample rate, kept with the recording

    @property
    def seconds(self) -> float:
        return len(self.samples) / 16_000

    def __repr__(self) -> str:
        return f"DecodedAudio(<{len(self.data)} bytes>, {self.seconds:.1f} s)"


# -- chart ops ------------------------------------------------------------------------------------
def setup(parent: QObject, note_id: uuid.UUID) -> QueryOp[dictation.DictationSetup]:
    return QueryOp(parent, lambda chart: dictation.dictation_setup(chart, note_id))


def store(parent: QObject, note_id: uuid.UUID, audio: Any, sample_rate: int | None = None, *,
          channels: int = 1, duration_s: float | None = None, source_rate: int | None = None,
          dictated_at: dt.datetime | None = None) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: dictation.store_recording(
        chart, note_id, audio, sample_rate, channels=channels, duration_s=duration_s,
        source_rate=source_rate, dictated_at=dictated_at))


def load(parent: QObject, recording_id: uuid.UUID) -> QueryOp[dictation.LoadedRecording]:
    return QueryOp(parent, lambda chart: dictation.load_recording(chart, recording_id))


def erase(parent: QObject, recording_id: uuid.UUID) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: dictation.erase_recording(chart, recording_id))


def set_retention(parent: QObject, days: int | None, today: dt.date) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: dictation.change_retention(chart, days, today))


def apply_retention(parent: QObject | None, today: dt.date) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: dictation.apply_retention(chart, today))


def accept_text(parent: QObject, note_id: uuid.UUID, recording_id: uuid.UUID | None,
                parts: Sequence[tuple[str, str]]) -> CommandOp[Changes]:
    """Append each ``(section, text)`` and stamp ``dictated_at``: one service call, one
    transaction (``dictation.accept_draft``)."""
    return CommandOp(parent, lambda chart: dictation.accept_draft(
        chart, note_id, recording_id, parts).changes)


def add_block(parent: QObject, note_id: uuid.UUID, recording_id: uuid.UUID | None, *,
              code: str, start: dt.time | None, stop: dt.time | None,
              laterality: Laterality | None, goal_ids: Sequence[uuid.UUID],
              details: dict[str, Any]) -> CommandOp[Changes]:
    """Add a confirmed block and stamp ``dictated_at`` in one transaction."""
    def run(chart: Any) -> Changes:
        block = TimedBlock(code=code, start=start, stop=stop, laterality=laterality,
                           goal_ids=tuple(goal_ids), details=details)
        return dictation.accept_draft(chart, note_id, recording_id, block=block).changes

    return CommandOp(parent, run)


# -- jobs (no chart) ------------------------------------------------------------------------------
def decode_file(parent: QObject, path: Path) -> JobOp[DecodedAudio]:
    """Read and decode an audio file in memory (``AudioUnreadable`` for anything else)."""
    def run() -> DecodedAudio:
        from core.media.audio import decode
        from scribe.errors import AudioUnreadable

        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise AudioUnreadable(f"{Path(path).name} cannot be read.") from exc
        decoded = decode(data)
        return DecodedAudio(data, decoded.audio, decoded.source_rate)

    return JobOp(parent, run)


def decode_bytes(parent: QObject, data: bytes) -> JobOp[DecodedAudio]:
    def run() -> DecodedAudio:
        from core.media.audio import decode

        decoded = decode(data)
        return DecodedAudio(data, decoded.audio, decoded.source_rate)

    return JobOp(parent, run)


def decode_pcm(parent: QObject, pcm: bytes, sample_rate: int, channels: int) -> JobOp[Any]:
    def run() -> Any:
        from scribe.audio import pcm_to_audio

        return pcm_to_audio(pcm, sample_rate=sample_rate, channels=channels)

    return JobOp(parent, run)


def app_transcriber(ctx: Any) -> Any:
    """The transcriber dictation uses: ``ctx.transcriber`` if the app was given one, else the
    model chosen in Preferences (empty: the bundled one) at the precision set there (empty:
    the scribe's measured default).
    Cheap: the model itself loads on the job thread at the first transcription."""
    if ctx.transcriber is not None:
        return ctx.transcriber
    from scribe.transcribe import ModelTranscriber

    return ModelTranscriber(ctx.options.get("scribe/compute_type") or None,
                            model=ctx.options.get("scribe/model") or None)


class LiveDictation(QObject):
    """Transcription while recording (``scribe.live``): ``feed`` the recorder's 16 kHz mono
    16-bit PCM as it arrives; each piece is transcribed on the live session's own thread and
    ``piece_ready(scribe.live.Piece)`` arrives on the GUI thread; ``op`` finishes the last piece
    and drafts (returns ``CANCELLED`` after ``cancel``)."""

    piece_ready = Signal(object)

    def __init__(self, transcriber: Any, context: Any) -> None:
        super().__init__()
        from scribe.live import LiveTranscription

        self.session = LiveTranscription(transcriber, context=context,
                                         on_piece=self.piece_ready.emit)
        self.cancel_event = threading.Event()

    def feed_pcm(self, pcm: bytes) -> None:
        import numpy as np

        usable = len(pcm) - len(pcm) % 2
        self.session.feed(np.frombuffer(pcm[:usable], dtype="<i2").astype(np.float32) / 32768.0)

    def pause(self) -> None:
        """The recording is paused: transcribe what was said so far now."""
        self.session.pause()

    def cancel(self) -> None:
        self.cancel_event.set()
        self.session.cancel()

    def op(self, parent: QObject, context: Any) -> JobOp[Any]:
        session, event = self.session, self.cancel_event

        def run() -> Any:
            from scribe.draft import build_draft
            from scribe.errors import TranscriptionCancelled

            try:
                transcript = session.finish(cancel=event)
            except TranscriptionCancelled:
                return CANCELLED
            return CANCELLED if event.is_set() else build_draft(transcript, context)

        return JobOp(parent, run)


class Transcription(QObject):
    """One transcription run: ``start`` submits it; ``cancel`` asks it to stop at the next
    segment. ``progressed(scribe.Progress)`` arrives on the GUI thread."""

    progressed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def op(self, parent: QObject, samples: Any, context: Any, transcriber: Any) -> JobOp[Any]:
        """``transcriber``: a ``scribe.transcribe.Transcriber`` (see ``app_transcriber``)."""
        job = self  # the closure keeps the signal's QObject alive while the run lasts
        event = self.cancel_event

        def run() -> Any:
            from scribe.draft import build_draft
            from scribe.errors import TranscriptionCancelled

            try:
                transcript = transcriber(samples, progress=job.progressed.emit, cancel=event,
                                         context=context)
            except TranscriptionCancelled:
                return CANCELLED
            if event.is_set():
                return CANCELLED
            return build_draft(transcript, context)

        return JobOp(parent, run)
