"""Transcript data shapes: words with times and probabilities, segments, and spans.

Contract: these are frozen values, safe to hand between threads. Times are seconds from the
start of the original recording (after voice-activity filtering the times are mapped back, so
a span always points at the right place in the audio the clinician can replay). Word indices
are positions in ``Transcript.words`` (all kept segments, in order).

A ``Transcript`` can also be made from typed text (``Transcript.from_text``) so that the
normalizer, drafter and checks run unchanged on text in unit tests and on edited sentences;
such words have no times (0.0) and probability 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from scribe.coverage import Gap


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # as the recognizer wrote it, without surrounding spaces
    start: float
    end: float
    probability: float
    glued: bool = False  # written without a space before it ("6" "-10" → "6-10")


@dataclass(frozen=True, slots=True)
class Segment:
    """One decoded stretch of speech. ``hallucination`` names a suspicion kept for review."""

    id: int
    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0
    hallucination: str | None = None


@dataclass(frozen=True, slots=True)
class DroppedSegment:
    """A segment removed as probable hallucination; kept so the review panel can show it."""

    start: float
    end: float
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Span:
    """Where something came from: seconds, word index range (inclusive) and confidence.

    ``confidence`` is the mean word probability; ``min_probability`` the weakest word.
    """

    start: float
    end: float
    first_word: int
    last_word: int
    text: str
    confidence: float
    min_probability: float


@dataclass(frozen=True)
class Transcript:
    segments: tuple[Segment, ...]
    duration: float
    language: str = "en"
    model: str = ""
    dropped: tuple[DroppedSegment, ...] = ()
    transcribe_seconds: float = 0.0
    gaps: tuple[Gap, ...] = ()  # speech the VAD heard where no word was recognised

    @cached_property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def word_text(self) -> str:
        """The kept words joined as written (the text the draft is built from)."""
        words = self.words
        return "".join(("" if w.glued or i == 0 else " ") + w.text for i, w in enumerate(words))

    def span(self, first: int, last: int) -> Span:
        """The span covering words ``first``..``last`` (inclusive)."""
        words = self.words
        if not words:
            return Span(0.0, 0.0, 0, -1, "", 1.0, 1.0)
        first = max(0, min(first, len(words) - 1))
        last = max(first, min(last, len(words) - 1))
        chosen = words[first : last + 1]
        probs = [w.probability for w in chosen]
        return Span(
            start=chosen[0].start,
            end=chosen[-1].end,
            first_word=first,
            last_word=last,
            text="".join(("" if w.glued or i == 0 else " ") + w.text
                         for i, w in enumerate(chosen)),
            confidence=round(sum(probs) / len(probs), 3),
            min_probability=round(min(probs), 3),
        )

    def segment_of_word(self, index: int) -> Segment | None:
        count = 0
        for segment in self.segments:
            count += len(segment.words)
            if index < count:
                return segment
        return None

    @classmethod
    def from_text(cls, text: str) -> Transcript:
        """A timeless transcript of typed text: one segment, one word per whitespace token."""
        tokens = text.split()
        words = tuple(Word(t, 0.0, 0.0, 1.0) for t in tokens)
        segment = Segment(0, 0.0, 0.0, text, words)
        return cls(segments=(segment,) if words else (), duration=0.0, model="text")
