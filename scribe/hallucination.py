"""Guards against text Whisper invents: over silence, with high no-speech probability, in loops.

Contract: pure functions over one decoded segment and the audio it came from.
``judge(segment, audio)`` returns ``("drop", reason)`` for a segment to remove (no-speech
probability high, or its words sit over near-silence, or it is a known filler phrase said over
quiet audio), ``("flag", reason)`` for one to keep but mark (an n-gram repeated in a loop, a
gzip compression ratio above Whisper's own 2.4 failure threshold, a known filler phrase, a run
of punctuation-only tokens — which the n-gram loop detector cannot see), or
``None``. Thresholds follow Whisper's defaults and Koenecke et al. (FAccT 2024), see
docs/scribe.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from scribe.coverage import punctuation_run

NO_SPEECH_DROP = 0.8
NO_SPEECH_WITH_LOW_LOGPROB = 0.5
LOW_LOGPROB = -1.0
SILENCE_DBFS = -50.0
COMPRESSION_LIMIT = 2.4
FILLER_NO_SPEECH = 0.3  # a stock phrase with even modest no-speech probability is dropped
FILLER_MIN_SECONDS = 0.3  # ... and so is one whose words take no time at all
FILLERS = re.compile(
    r"^\W*(thanks? (you )?for watching|thank you\.?|please subscribe|subtitles by.*|"
    r"you|bye\.?|\[?music\]?|\(?silence\)?)\W*$",
    re.I,
)


def repeated_ngram(words: Sequence[str], *, max_n: int = 4, min_repeats: int = 3) -> str | None:
    """The first n-gram (n ≤ ``max_n``) repeated ``min_repeats``+ times back to back, if any."""
    tokens = [re.sub(r"\W+", "", w.lower()) for w in words]
    tokens = [t for t in tokens if t]
    for n in range(1, max_n + 1):
        for start in range(0, len(tokens) - n * min_repeats + 1):
            gram = tokens[start : start + n]
            repeats = 1
            pos = start + n
            while tokens[pos : pos + n] == gram:
                repeats += 1
                pos += n
            # Single words repeated three times happen in speech ("no, no, no"); ask for more.
            needed = min_repeats + 2 if n == 1 else min_repeats
            if repeats >= needed:
                return " ".join(gram)
    return None


def rms_dbfs(audio: np.ndarray, start: float, end: float, sample_rate: int = 16_000) -> float:
    first = int(start * sample_rate)
    chunk = audio[first : max(int(end * sample_rate), first + 1)]
    if chunk.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(chunk, dtype=np.float64))))
    return 20 * np.log10(max(rms, 1e-6))


def judge(text: str, words: Sequence[tuple[str, float, float]], no_speech_prob: float,
          avg_logprob: float, compression_ratio: float,
          audio: np.ndarray | None) -> tuple[str, str] | None:
    """Decision for one segment; ``words`` are (text, start, end) in original-audio seconds."""
    if no_speech_prob >= NO_SPEECH_DROP or (
            no_speech_prob >= NO_SPEECH_WITH_LOW_LOGPROB and avg_logprob < LOW_LOGPROB):
        return "drop", "silence (high no-speech probability)"
    if audio is not None and words:
        loudness = max(rms_dbfs(audio, s, e) for _, s, e in words)
        if loudness < SILENCE_DBFS:
            return "drop", "silence (no sound under the words)"
    if FILLERS.match(text.strip()):
        spoken = sum(e - s for _, s, e in words)
        if no_speech_prob >= FILLER_NO_SPEECH or spoken < FILLER_MIN_SECONDS:
            return "drop", "a pause (a stock phrase Whisper invents)"
        return "flag", "a stock phrase Whisper is known to invent"
    tokens = [w for w, _, _ in words] or text.split()
    dashes = punctuation_run(tokens)
    if dashes:
        return "flag", f"a run of {dashes} punctuation marks where speech was"
    loop = repeated_ngram(tokens)
    if loop:
        return "flag", f"repeated '{loop}'"
    if compression_ratio > COMPRESSION_LIMIT:
        return "flag", "highly repetitive text"
    return None
