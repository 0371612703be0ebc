"""Coverage: is every stretch of speech accounted for by recognised words?

Contract: ``missing_speech(speech, words, min_gap=MIN_GAP_SECONDS)`` takes the VAD's speech
intervals and the kept words (both in recording seconds) and returns the ``Gap``s: stretches of
at least ``min_gap`` seconds inside speech where no word with a letter or a digit was
recognised. ``punctuation_run(words)`` finds a run of punctuation-only tokens (Whisper's "- - -
…" loop that replaced 8.5 s of dictation in one recording and passed its compression and
log-probability guards). Pure functions; ``scribe.transcribe`` uses them to re-decode a suspect
window and to report what still looks missing, and the checks turn each gap into a
``coverage.missing_speech`` flag with its span ("about 8 s may be missing").

Why our own: faster-whisper's guards judge a window by its text (compression ratio, mean
log-probability, no-speech probability); none compares the words against the speech the VAD
found, which is where a confident loop of punctuation hides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

MIN_GAP_SECONDS = 3.0  # a dictated phrase is rarely longer without a word; pauses are not speech
PUNCTUATION_RUN = 6
_CONTENT = re.compile(r"[A-Za-z0-9]")


@dataclass(frozen=True, slots=True)
class Gap:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def missing_speech(speech: Sequence[tuple[float, float]],
                   words: Sequence[tuple[str, float, float]], *,
                   min_gap: float = MIN_GAP_SECONDS) -> list[Gap]:
    """Stretches of speech ≥ ``min_gap`` s with no content word (see module contract)."""
    content = sorted((s, e) for text, s, e in words if _CONTENT.search(text))
    gaps: list[Gap] = []
    for start, end in speech:
        cursor = start
        for s, e in content:
            if e <= start or s >= end:
                continue
            if s - cursor >= min_gap:
                gaps.append(Gap(round(cursor, 2), round(s, 2)))
            cursor = max(cursor, e)
        if end - cursor >= min_gap:
            gaps.append(Gap(round(cursor, 2), round(end, 2)))
    return gaps


def punctuation_run(words: Sequence[str], *, at_least: int = PUNCTUATION_RUN) -> int:
    """Length of the longest run of punctuation-only tokens if it is ≥ ``at_least``, else 0."""
    longest = run = 0
    for w in words:
        run = 0 if _CONTENT.search(w) or not w.strip() else run + 1
        longest = max(longest, run)
    return longest if longest >= at_least else 0
