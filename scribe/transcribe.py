"""Speech → ``Transcript`` with faster-whisper (CTranslate2 on the CPU), offline.

Contract: ``transcribe(source, model=..., progress=..., cancel=...)`` decodes the audio in
memory (``scribe.audio``), finds speech with faster-whisper's Silero VAD (speech shorter gaps
are kept, silences removed), decodes only the speech with ``condition_on_previous_text=False``,
word timestamps and word probabilities, and an initial prompt of therapy vocabulary, then maps
every time back to the original recording. Segments judged as hallucination are dropped or
flagged (``scribe.hallucination``). Raises ``AudioUnreadable``, ``NoSpeechFound``,
``ModelUnavailable`` or ``TranscriptionCancelled`` — never a decoder traceback.

Threads: call it from a worker thread. ``progress`` is called from that thread after each
decoded segment with a ``Progress`` (fraction of the speech done, ETA); ``cancel`` (a callable
returning True, or anything with ``is_set()``, e.g. ``threading.Event``) is polled before the
model starts and after each segment (a segment is at most 30 s of audio, ~1–2 s of work).
``HF_HUB_OFFLINE=1`` is set before faster-whisper is imported; nothing is downloaded here.

Transcribers: anything that turns audio into a ``Transcript`` with the same progress/cancel
contract is a ``Transcriber``. ``ModelTranscriber`` is the real one (the bundled model at the
chosen compute type); ``ReplayTranscriber`` "hears" a fixed transcript whatever the audio, so
the desktop panel, the CLI and the tests can run the whole review on a known transcript — the
decisions the scribe makes are then independent of what a model heard on one CPU.

We run the VAD ourselves (with faster-whisper's own functions) instead of ``vad_filter=True``
so that no-speech audio fails fast with a clear error and progress is measured on speech.

Coverage (``scribe.coverage``): after each window, the VAD's speech is compared with the words
kept; a window that leaves ≥ 3 s of speech without a word is decoded again with other settings
and the better of the two kept, and what is still uncovered is returned as ``Transcript.gaps``
(the checks flag each one: "about N s may be missing").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from scribe.audio import SAMPLE_RATE, AudioSource, load_audio
from scribe.context import DictationContext
from scribe.coverage import Gap, missing_speech
from scribe.errors import NoSpeechFound, TranscriptionCancelled
from scribe.hallucination import judge
from scribe.model import ScribeModel, _offline, load_model, resolve_compute_type
from scribe.prompt import GENERAL
from scribe.transcript import DroppedSegment, Segment, Transcript, Word

THERAPY_PROMPT = GENERAL  # the prompt without an episode (scribe.prompt)


class _Event(Protocol):
    def is_set(self) -> bool: ...


Cancel = Callable[[], bool] | _Event


@dataclass(frozen=True, slots=True)
class Progress:
    fraction: float  # 0..1 of the speech decoded so far
    audio_done: float  # seconds of the recording covered so far
    audio_total: float
    elapsed: float  # seconds of work so far
    eta_seconds: float | None  # None until the first segment gives a rate


@dataclass(frozen=True, slots=True)
class TranscribeOptions:
    beam_size: int = 5
    initial_prompt: str | None = THERAPY_PROMPT
    language: str = "en"
    vad_threshold: float = 0.5
    min_silence_ms: int = 500
    speech_pad_ms: int = 300
    # Whisper's fallback: re-decode a window at higher temperature when the text looks
    # degenerate. Each step costs a full decode of the window.
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    # First pass with faster-whisper's batched pipeline over our windows (see ``_batched``);
    # False decodes window by window with the temperature fallback (as the retry does).
    batched: bool = True


WINDOW_SECONDS = 29.0  # Whisper decodes 30 s windows; VAD chunks are packed up to this
SAMPLING_SEED = 20261203
BATCH_SIZE = 4
FOLLOWS_WORDS = 30  # of the previous live piece, appended to the prompt

_default: dict[tuple[str | None, str], ScribeModel] = {}
_default_lock = threading.Lock()


def default_model(compute_type: str | None = None, model: str | None = None) -> ScribeModel:
    """``model`` (None: the bundled one), loaded once per process and compute type (default:
    see ``scribe.model.resolve_compute_type``)."""
    precision = resolve_compute_type(compute_type)
    key = (model or None, precision)
    with _default_lock:
        if key not in _default:
            _default[key] = load_model(model or None, compute_type=precision)
        return _default[key]


def _cancelled(cancel: Cancel | None) -> bool:
    if cancel is None:
        return False
    is_set = getattr(cancel, "is_set", None)
    return bool(is_set() if callable(is_set) else cancel())  # type: ignore[operator]


def transcribe(source: AudioSource, *, model: ScribeModel | None = None,
               options: TranscribeOptions = TranscribeOptions(),
               progress: Callable[[Progress], None] | None = None,
               cancel: Cancel | None = None) -> Transcript:
    """Transcribe ``source`` (path, bytes, file object or 16 kHz mono float32 array)."""
    _offline()
    t0 = time.perf_counter()
    audio = load_audio(source)
    if _cancelled(cancel):
        raise TranscriptionCancelled("Transcription cancelled.")
    model = model or default_model()
    from faster_whisper.vad import (
        SpeechTimestampsMap,
        VadOptions,
        collect_chunks,
        get_speech_timestamps,
    )

    vad = VadOptions(threshold=options.vad_threshold,
                     min_silence_duration_ms=options.min_silence_ms,
                     speech_pad_ms=options.speech_pad_ms, max_speech_duration_s=WINDOW_SECONDS)
    speech = get_speech_timestamps(audio, vad)
    if not speech:
        raise NoSpeechFound("No speech was found in this recording.",
                            hint="Check the microphone and record again.")
    windows, metadata = collect_chunks(audio, speech, max_duration=WINDOW_SECONDS)
    speech_seconds = sum(w.size for w in windows) / SAMPLE_RATE
    ts_map = SpeechTimestampsMap(speech, SAMPLE_RATE)
    chunks = _speech_chunks(speech)
    kept: list[Segment] = []
    dropped: list[DroppedSegment] = []
    gaps: list[Gap] = []
    first_pass = (_batched(model, windows, metadata, ts_map, audio, options, cancel)
                  if options.batched else None)
    for window, meta in zip(windows, metadata, strict=True):
        if window.size == 0:
            continue
        offset, length = float(meta["offset"]), window.size / SAMPLE_RATE
        said = [(a, b) for s0, a, b in chunks if offset - 1e-6 <= s0 < offset + length - 1e-6]

        def decode(retry: bool, window: Any = window, offset: float = offset) -> _Decoded:
            return _decode(model, window, offset, ts_map, audio, options, cancel, len(kept),
                           retry=retry)

        decoded = next(first_pass) if first_pass is not None else decode(False)
        missing = missing_speech(said, decoded.words)
        if missing:  # a suspect window: decode it again with other settings, keep the better
            again = decode(True)
            still = missing_speech(said, again.words)
            if _missing_seconds(still) < _missing_seconds(missing):
                decoded, missing = again, still
        gaps.extend(missing)
        dropped.extend(decoded.dropped)
        for segment, raw_end in decoded.kept:
            kept.append(replace(segment, id=len(kept)))
            if progress is not None:
                elapsed = time.perf_counter() - t0
                done = offset + min(raw_end, length)
                fraction = min(1.0, done / speech_seconds) if speech_seconds else 1.0
                eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
                progress(Progress(fraction, segment.end, audio.size / SAMPLE_RATE, elapsed, eta))
    if not kept:
        raise NoSpeechFound("No words could be recognized in this recording.",
                            hint="It may be noise or music; record again closer to the microphone.")
    if progress is not None:
        elapsed = time.perf_counter() - t0
        total = audio.size / SAMPLE_RATE
        progress(Progress(1.0, total, total, elapsed, 0.0))
    return Transcript(tuple(kept), audio.size / SAMPLE_RATE, "en", model.name, tuple(dropped),
                      time.perf_counter() - t0, tuple(gaps))


@dataclass(frozen=True)
class _Decoded:
    kept: list[tuple[Segment, float]]  # segment, its end inside the window (for progress)
    dropped: list[DroppedSegment]

    @property
    def words(self) -> list[tuple[str, float, float]]:
        return [(w.text, w.start, w.end) for s, _ in self.kept for w in s.words]

    def take(self, raw: Any, segment: Segment, audio: Any, window_end: float) -> None:
        """Judge one decoded segment (``scribe.hallucination``): dropped, kept or kept marked."""
        words = [(w.text, w.start, w.end) for w in segment.words]
        verdict = judge(segment.text, words, raw.no_speech_prob, raw.avg_logprob,
                        raw.compression_ratio, audio)
        if verdict and verdict[0] == "drop":
            self.dropped.append(DroppedSegment(segment.start, segment.end, segment.text,
                                               verdict[1]))
        elif segment.words:
            self.kept.append((segment if verdict is None else _with(segment, verdict[1]),
                              window_end))


def _decode(model: ScribeModel, window: Any, offset: float, ts_map: Any, audio: Any,
            options: TranscribeOptions, cancel: Cancel | None, first_id: int, *,
            retry: bool) -> _Decoded:
    """One window, decoded whole (no timestamp tokens: Whisper cannot then skip ahead inside
    the window after a premature end-of-segment timestamp). ``retry``: the second try for a
    window that left speech uncovered — no prompt (its notation, "4-/5", "6/10", can seed a loop
    of punctuation) and a repetition penalty with no repeated trigrams."""
    import ctranslate2

    # Whisper's temperature fallback samples: seeded per window, one recording gives one draft
    # (unseeded, four runs of one file gave four transcripts).
    ctranslate2.set_random_seed(SAMPLING_SEED)
    extra: dict[str, Any] = {"repetition_penalty": 1.1, "no_repeat_ngram_size": 3} if retry else {}
    segments_iter, _info = model.whisper.transcribe(
        window, language="en" if model.english_only else options.language,
        beam_size=options.beam_size, vad_filter=False, condition_on_previous_text=False,
        word_timestamps=True, without_timestamps=True,
        initial_prompt=None if retry else options.initial_prompt,
        temperature=list(options.temperatures), **extra,
    )
    out = _Decoded([], [])
    for raw in segments_iter:
        if _cancelled(cancel):
            raise TranscriptionCancelled("Transcription cancelled.")
        out.take(raw, _restore(raw, ts_map, offset, first_id + len(out.kept)), audio,
                 float(raw.end))
    return out


def _batched(model: ScribeModel, windows: list[Any], metadata: list[Any], ts_map: Any,
             audio: Any, options: TranscribeOptions, cancel: Cancel | None) -> Iterator[_Decoded]:
    """The first pass over every window with faster-whisper's ``BatchedInferencePipeline``:
    the speech-only audio with our windows as ``clip_timestamps``, whole-window decoding
    (no timestamp tokens), ``BATCH_SIZE`` windows at a time. Yields one ``_Decoded`` per
    non-empty window, in order. Measured (bench_scribe ``decoders``): faster than bare
    faster-whisper's defaults with the worst-case WER of our per-window decoding; it has no
    temperature fallback (only the first temperature is used)."""
    import ctranslate2
    import numpy as np
    from faster_whisper import BatchedInferencePipeline

    spans = [(float(m["offset"]), w.size / SAMPLE_RATE)
             for w, m in zip(windows, metadata, strict=True) if w.size]
    ctranslate2.set_random_seed(SAMPLING_SEED)
    segments_iter, _info = BatchedInferencePipeline(model.whisper).transcribe(
        np.concatenate([w for w in windows if w.size]),
        language="en" if model.english_only else options.language, beam_size=options.beam_size,
        word_timestamps=True, without_timestamps=True, initial_prompt=options.initial_prompt,
        temperature=options.temperatures[0], vad_filter=False, batch_size=BATCH_SIZE,
        clip_timestamps=[{"start": start, "end": start + length} for start, length in spans])
    current, out = 0, _Decoded([], [])
    for raw in segments_iter:
        if _cancelled(cancel):
            raise TranscriptionCancelled("Transcription cancelled.")
        middle = (raw.start + raw.end) / 2  # segment times are rounded: not its start
        while current + 1 < len(spans) and middle >= spans[current + 1][0]:
            yield out
            current, out = current + 1, _Decoded([], [])
        out.take(raw, _restore(raw, ts_map, 0.0, len(out.kept)), audio,
                 float(raw.end) - spans[current][0])
    yield out
    for _ in range(current + 1, len(spans)):  # windows the decoder returned nothing for
        yield _Decoded([], [])


def _speech_chunks(speech: list[dict[str, int]]) -> list[tuple[float, float, float]]:
    """Each VAD chunk as (start in speech-only time, start and end in recording time)."""
    out, cumulative = [], 0
    for chunk in speech:
        out.append((cumulative / SAMPLE_RATE, chunk["start"] / SAMPLE_RATE,
                    chunk["end"] / SAMPLE_RATE))
        cumulative += chunk["end"] - chunk["start"]
    return out


def _missing_seconds(gaps: list[Gap]) -> float:
    return sum(g.seconds for g in gaps)


class Transcriber(Protocol):
    """Audio → ``Transcript`` with ``transcribe``'s progress and cancel contract; ``context``
    (the episode: discipline, diagnoses) may shape the decoding prompt; ``follows`` is what was
    said just before this audio (the live path's previous piece), for continuity."""

    def __call__(self, source: AudioSource, *,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: Cancel | None = None,
                 context: DictationContext | None = None,
                 follows: str = "") -> Transcript: ...


@dataclass(frozen=True)
class ModelTranscriber:
    """The real transcriber: ``model`` (a CTranslate2 folder; None: the bundled tiny.en) at
    ``compute_type`` (None: the default), with the episode's prompt
    (``scribe.prompt.prompt_for``) when given a context."""

    compute_type: str | None = None
    options: TranscribeOptions = TranscribeOptions()
    model: str | None = None

    def __call__(self, source: AudioSource, *,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: Cancel | None = None,
                 context: DictationContext | None = None,
                 follows: str = "") -> Transcript:
        options = self.options
        if context is not None and options.initial_prompt == THERAPY_PROMPT:
            from scribe.prompt import prompt_for

            options = replace(options, initial_prompt=prompt_for(context))
        if follows and FOLLOWS_WORDS:  # Whisper reads its prompt as the text that came before
            tail = " ".join(follows.split()[-FOLLOWS_WORDS:])
            options = replace(options, initial_prompt=f"{options.initial_prompt or ''} {tail}")
        return transcribe(source, model=default_model(self.compute_type, self.model),
                          options=options, progress=progress, cancel=cancel)

    def warm_up(self) -> None:
        """Load the model now (the live path calls it when recording starts)."""
        default_model(self.compute_type, self.model)


@dataclass(frozen=True)
class ReplayTranscriber:
    """Hears ``transcript`` whatever the audio: progress after each of its segments, cancel
    polled before the first and after each, as the model does. For tests and for re-drafting
    a saved transcript (``chartside scribe draft --transcript``)."""

    transcript: Transcript

    def __call__(self, source: AudioSource, *,
                 progress: Callable[[Progress], None] | None = None,
                 cancel: Cancel | None = None,
                 context: DictationContext | None = None,
                 follows: str = "") -> Transcript:
        t0 = time.perf_counter()
        t = self.transcript
        total = t.duration or (t.segments[-1].end if t.segments else 0.0)
        if _cancelled(cancel):
            raise TranscriptionCancelled("Transcription cancelled.")
        for segment in t.segments:
            if progress is not None:
                fraction = min(1.0, segment.end / total) if total else 1.0
                elapsed = time.perf_counter() - t0
                eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
                progress(Progress(fraction, segment.end, total, elapsed, eta))
            if _cancelled(cancel):
                raise TranscriptionCancelled("Transcription cancelled.")
        if not t.words:
            raise NoSpeechFound("No words could be recognized in this recording.")
        if progress is not None:
            progress(Progress(1.0, total, total, time.perf_counter() - t0, 0.0))
        return t


def _restore(raw: Any, ts_map: Any, offset: float, index: int) -> Segment:
    """A faster-whisper segment with times mapped back to the original recording.

    Times inside a window are relative to it; ``offset`` places the window in the speech-only
    audio and ``ts_map`` (faster-whisper's own) maps speech-only time to recording time.
    """
    words: list[Word] = []
    for w in raw.words or []:
        chunk = ts_map.get_chunk_index(offset + (w.start + w.end) / 2)
        text = w.word.strip()
        if text:
            glued = bool(words) and not w.word.startswith(" ")
            words.append(Word(text, ts_map.get_original_time(offset + w.start, chunk),
                              ts_map.get_original_time(offset + w.end, chunk),
                              round(float(w.probability), 3), glued))
    start = words[0].start if words else ts_map.get_original_time(offset + raw.start)
    end = words[-1].end if words else ts_map.get_original_time(offset + raw.end, is_end=True)
    return Segment(index, start, end, raw.text.strip(), tuple(words), float(raw.avg_logprob),
                   float(raw.no_speech_prob), float(raw.compression_ratio))


def _with(segment: Segment, reason: str) -> Segment:
    return replace(segment, hallucination=reason)
