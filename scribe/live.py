"""Live transcription: audio is cut at pauses as it arrives and each piece is transcribed while
the clinician keeps talking, so only the last piece is left when they stop.

Contract:
- ``LiveTranscription(transcriber, context=None, on_piece=None)``; ``feed(samples)`` takes
  16 kHz mono float32 samples as they arrive (any chunk size, from the audio thread or the GUI
  thread: it only appends and cuts, ~µs per 100 ms of audio); ``finish(cancel=None)`` cuts the
  rest as the last piece, waits for every piece and returns one ``Transcript`` in recording
  time; ``cancel()`` stops the worker at the next window and makes ``finish`` raise
  ``TranscriptionCancelled``; ``pause()`` (the clinician paused the recording) makes what was
  said so far a piece at once, when it holds at least ``MIN_PAUSE_PIECE_SECONDS``, so the
  worker catches up while nothing is said; feeding again starts a new piece.
- Pieces are transcribed in order on one worker thread with the full pipeline
  (``transcriber``: VAD, coverage guard, hallucination guards), their times shifted to the
  recording; ``on_piece(Piece)`` is called on the worker thread after each one (the desktop
  re-emits it as a signal; the CLI prints it as a JSON line).
- Cutting (``PauseCutter``): a piece ends in the middle of the first pause of at least
  ``PAUSE_SECONDS`` once it holds ``MIN_PIECE_SECONDS``; a piece that reaches
  ``MAX_PIECE_SECONDS`` without a pause is cut at its quietest 30 ms frame of the last two
  seconds. Pause = frame RMS below a level set from the loud frames seen so far. Frames lie on
  a fixed grid from the first sample, so the cuts do not depend on how audio is chunked: the
  same recording gives the same pieces, live or imported.

Why not faster-whisper's own streaming: it has none; its VAD works on a whole array. Cutting on
energy is cheap enough to run in the audio callback; the precise speech boundaries inside each
piece are still Silero VAD's, in ``scribe.transcribe``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from scribe.audio import SAMPLE_RATE
from scribe.context import DictationContext
from scribe.coverage import Gap
from scribe.errors import AudioUnreadable, NoSpeechFound, TranscriptionCancelled
from scribe.transcript import DroppedSegment, Segment, Transcript, Word

FRAME = 480  # 30 ms at 16 kHz
PAUSE_SECONDS = 0.3
MIN_PIECE_SECONDS = 15.0
MAX_PIECE_SECONDS = 25.0
MIN_PAUSE_PIECE_SECONDS = 2.0  # shorter: kept for the next piece (a piece pays a whole window)


@dataclass(frozen=True)
class Piece:
    index: int
    start: float  # seconds in the recording
    end: float
    transcript: Transcript | None  # None: no speech in this piece


class PauseCutter:
    """Where to cut a growing recording (see module contract). Pure; no threads."""

    def __init__(self, *, pause: float = PAUSE_SECONDS, min_piece: float = MIN_PIECE_SECONDS,
                 max_piece: float = MAX_PIECE_SECONDS) -> None:
        self.pause_frames = max(1, round(pause * SAMPLE_RATE / FRAME))
        self.min_frames = round(min_piece * SAMPLE_RATE / FRAME)
        self.max_frames = round(max_piece * SAMPLE_RATE / FRAME)
        self.rms: list[float] = []  # per frame, from the first sample
        self.piece_start = 0  # frame index
        self.quiet_run = 0
        self.loud = 0.0  # a slowly decaying peak of the frame levels
        self._tail = np.zeros(0, dtype=np.float32)  # samples of the unfinished frame

    def push(self, samples: np.ndarray) -> list[int]:
        """Take the next samples; return the cut positions they complete (in samples)."""
        data = np.concatenate([self._tail, samples]) if self._tail.size else samples
        whole = data.size // FRAME
        self._tail = data[whole * FRAME :].copy()
        if whole == 0:
            return []
        frames = data[: whole * FRAME].reshape(whole, FRAME).astype(np.float64)
        cuts: list[int] = []
        for level in np.sqrt(np.mean(np.square(frames), axis=1)):
            cut = self._frame(float(level))
            if cut is not None:
                cuts.append(cut * FRAME)
        return cuts

    def restart(self) -> None:
        """A piece was cut outside the cutter (a pause): the next one starts at the next frame."""
        self.piece_start, self.quiet_run = len(self.rms), 0

    def _frame(self, level: float) -> int | None:
        f = len(self.rms)
        self.rms.append(level)
        self.loud = max(level, self.loud * 0.999)
        quiet = level < max(0.003, self.loud * 0.08)
        self.quiet_run = self.quiet_run + 1 if quiet else 0
        length = f + 1 - self.piece_start
        cut: int | None = None
        if length >= self.min_frames and self.quiet_run >= self.pause_frames:
            cut = f + 1 - self.quiet_run // 2
        elif length >= self.max_frames:
            window = self.rms[max(self.piece_start + 1, f - 66) : f + 1]
            cut = f - (len(window) - 1) + int(np.argmin(window))
        if cut is not None:
            self.piece_start, self.quiet_run = cut, 0
        return cut


class _Growing:
    """A float32 array that grows by doubling (appending 100 ms at a time stays O(1))."""

    def __init__(self) -> None:
        self.data = np.zeros(SAMPLE_RATE * 60, dtype=np.float32)
        self.size = 0

    def append(self, chunk: np.ndarray) -> None:
        if self.size + chunk.size > self.data.size:
            bigger = np.zeros(max(self.data.size * 2, self.size + chunk.size), dtype=np.float32)
            bigger[: self.size] = self.data[: self.size]
            self.data = bigger
        self.data[self.size : self.size + chunk.size] = chunk
        self.size += chunk.size

    def slice(self, start: int, end: int) -> np.ndarray:
        return self.data[start:end].copy()


class LiveTranscription:
    def __init__(self, transcriber: Any, *, context: DictationContext | None = None,
                 on_piece: Callable[[Piece], None] | None = None,
                 cutter: PauseCutter | None = None) -> None:
        self.transcriber, self.context, self.on_piece = transcriber, context, on_piece
        self.cutter = cutter or PauseCutter()
        self._audio = _Growing()
        self._lock = threading.Lock()  # feed() appends while the worker slices
        self._cut_at = 0  # sample where the next piece starts
        self._next_index = 0
        self._said = ""  # the previous piece's words: the next piece's prompt ends with them
        self._queue: queue.Queue[tuple[int, int, int] | None] = queue.Queue()
        self._pieces: list[Piece] = []
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._finished = False
        self._worker = threading.Thread(target=self._work, name="scribe-live", daemon=True)
        self._worker.start()

    # -- producer side --------------------------------------------------------------------------
    def feed(self, samples: np.ndarray) -> None:
        if self._finished:
            raise RuntimeError("feed() after finish()")
        chunk = np.asarray(samples, dtype=np.float32).reshape(-1)
        if chunk.size == 0:
            return
        with self._lock:
            self._audio.append(chunk)
        for cut in self.cutter.push(chunk):
            self._enqueue(self._cut_at, cut)
            self._cut_at = cut

    def _enqueue(self, start: int, end: int) -> None:
        if end > start:
            self._queue.put((self._next_index, start, end))
            self._next_index += 1

    def pause(self) -> None:
        """The recording is paused: hand what was said so far to the worker now."""
        if self._finished:
            raise RuntimeError("pause() after finish()")
        end = self._audio.size
        if (end - self._cut_at) / SAMPLE_RATE >= MIN_PAUSE_PIECE_SECONDS:
            self._enqueue(self._cut_at, end)
            self._cut_at = end
            self.cutter.restart()

    def cancel(self) -> None:
        self._stop.set()
        self._queue.put(None)

    def finish(self, cancel: Any = None) -> Transcript:
        """The whole recording's transcript, once the last piece is transcribed."""
        self._finished = True
        self._enqueue(self._cut_at, self._audio.size)
        self._cut_at = self._audio.size
        self._queue.put(None)
        while self._worker.is_alive():
            self._worker.join(0.05)
            if cancel is not None and _is_set(cancel):
                self.cancel()
        if self._error is not None:
            raise self._error
        if self._stop.is_set():
            raise TranscriptionCancelled("Transcription cancelled.")
        return merge(self._pieces, self._audio.size / SAMPLE_RATE)

    @property
    def pieces(self) -> list[Piece]:
        return list(self._pieces)

    # -- worker ---------------------------------------------------------------------------------
    def _work(self) -> None:
        warm_up = getattr(self.transcriber, "warm_up", None)
        if callable(warm_up):  # load the model while the first words are being spoken
            try:
                warm_up()
            except BaseException as error:  # e.g. ModelUnavailable: reported by finish()
                self._error = error
                self._stop.set()
                return
        while True:
            job = self._queue.get()
            if job is None:
                if self._finished or self._stop.is_set():
                    return
                continue
            index, start, end = job
            if self._stop.is_set():
                return
            with self._lock:
                audio = self._audio.slice(start, end)
            try:
                heard: Transcript | None = self.transcriber(
                    audio, cancel=self._stop, context=self.context, follows=self._said)
            except NoSpeechFound:
                heard = None
            except AudioUnreadable:  # a piece shorter than a syllable (the tail at stop)
                heard = None
            except TranscriptionCancelled:
                return
            except BaseException as error:  # handed to finish(), never swallowed
                self._error = error
                self._stop.set()
                return
            piece = Piece(index, start / SAMPLE_RATE, end / SAMPLE_RATE,
                          None if heard is None else shifted(heard, start / SAMPLE_RATE))
            if heard is not None:
                self._said = heard.word_text
            self._pieces.append(piece)
            if self.on_piece is not None:
                self.on_piece(piece)


def _is_set(cancel: Any) -> bool:
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if callable(is_set) else cancel())


def shifted(t: Transcript, offset: float) -> Transcript:
    """``t`` with every time moved by ``offset`` seconds."""
    def word(w: Word) -> Word:
        return replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3))

    segments = tuple(replace(s, start=round(s.start + offset, 3), end=round(s.end + offset, 3),
                             words=tuple(word(w) for w in s.words)) for s in t.segments)
    dropped = tuple(DroppedSegment(d.start + offset, d.end + offset, d.text, d.reason)
                    for d in t.dropped)
    gaps = tuple(Gap(round(g.start + offset, 2), round(g.end + offset, 2)) for g in t.gaps)
    return replace(t, segments=segments, dropped=dropped, gaps=gaps)


def merge(pieces: list[Piece], duration: float) -> Transcript:
    """One transcript of the pieces, in order (segment ids renumbered)."""
    segments: list[Segment] = []
    dropped: list[DroppedSegment] = []
    gaps: list[Gap] = []
    model, seconds = "", 0.0
    for piece in sorted(pieces, key=lambda p: p.index):
        if piece.transcript is None:
            continue
        t = piece.transcript
        model = model or t.model
        seconds += t.transcribe_seconds
        segments.extend(replace(s, id=len(segments) + i) for i, s in enumerate(t.segments))
        dropped.extend(t.dropped)
        gaps.extend(t.gaps)
    if not any(s.words for s in segments):
        raise NoSpeechFound("No words could be recognized in this recording.",
                            hint="Check the microphone and record again.")
    return Transcript(tuple(segments), duration, "en", model, tuple(dropped), seconds,
                      tuple(gaps))
