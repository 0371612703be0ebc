"""Confidence check: weak words and suspected hallucinations, marked for review.

Contract: ``check_confidence(draft)`` flags each run of consecutive words whose recognizer
probability is below ``LOW_WORD_PROBABILITY`` — ``warn`` when the run overlaps an extracted
item (a number, side, grade or finding could be wrong), ``info`` otherwise — plus every segment
the transcriber kept but suspects (``hallucination.suspect``, warn: repeated n-gram loop or
known filler phrase), every stretch of speech with no recognised word
(``coverage.missing_speech``, warn, from ``Transcript.gaps``), every sentence that is only a
stock phrase (``hallucination.filler``, warn: "Thank you very much.") and every segment it
dropped (``hallucination.dropped``, info).

Highlighting low-confidence words alone does not speed correction (see docs/scribe.md), so
these flags are quiet unless they touch an item; the targeted checks are the loud ones.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scribe.flags import Flag, FlagKind, Severity
from scribe.transcript import Span

if TYPE_CHECKING:
    from scribe.draft import Draft

# Judged per sentence, not per 29-s window: a stock phrase inside a long window of real speech
# passes the window-level guards (``scribe.hallucination``).
_FILLER_SENTENCE = re.compile(
    r"^\W*(?:thanks?(?: you)?(?: (?:very|so) much)?(?: for (?:watching|listening|your time))?|"
    r"please subscribe|bye(?:[ -]bye)?|you|see you next time)\W*$", re.I)

# Measured on the fixtures (docs/scribe.md, "Confidence threshold"): at 0.45 tiny.en flags
# 10 % of correct words and 24 % of wrong ones — a weak signal, hence quiet by default.
LOW_WORD_PROBABILITY = 0.45


def check_confidence(draft: Draft) -> list[Flag]:
    t = draft.transcript
    words = t.words
    flags: list[Flag] = []
    item_ranges = [(i.span.first_word, i.span.last_word) for i in draft.items]
    for sentence in draft.sentences:
        run: list[int] = []
        for index in range(sentence.span.first_word, sentence.span.last_word + 1):
            if index < len(words) and words[index].probability < LOW_WORD_PROBABILITY:
                run.append(index)
                continue
            if run:
                flags.append(_run_flag(draft, sentence.id, run, item_ranges))
                run = []
        if run:
            flags.append(_run_flag(draft, sentence.id, run, item_ranges))
    for segment in t.segments:
        if segment.hallucination and segment.words:
            first = t.words.index(segment.words[0])
            span = t.span(first, first + len(segment.words) - 1)
            flags.append(Flag(FlagKind.HALLUCINATION, Severity.WARN, "hallucination.suspect",
                              f"Possible invented text ({segment.hallucination}); play it back.",
                              span))
    for sentence in draft.sentences:
        if _FILLER_SENTENCE.match(sentence.source_text.strip()):
            flags.append(Flag(FlagKind.HALLUCINATION, Severity.WARN, "hallucination.filler",
                              f"'{sentence.source_text.strip()}' is a phrase Whisper often "
                              "invents at pauses; play it back or leave it out.", sentence.span,
                              sentence.id))
    for gap in t.gaps:
        span = Span(gap.start, gap.end, -1, -1, "", 0.0, 0.0)
        flags.append(Flag(FlagKind.HALLUCINATION, Severity.WARN, "coverage.missing_speech",
                          f"About {gap.seconds:.0f} s of speech may be missing here "
                          f"({_clock(gap.start)}–{_clock(gap.end)}): no words were recognised "
                          "where the recording has speech. Play it back.", span))
    for dropped in t.dropped:
        span = Span(dropped.start, dropped.end, -1, -1, dropped.text, 0.0, 0.0)
        flags.append(Flag(FlagKind.HALLUCINATION, Severity.INFO, "hallucination.dropped",
                          f"Removed text the recognizer produced over {dropped.reason}.", span))
    return flags


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


# A word that is itself a value of an item: a number, a side, a negation, a grade modifier.
_CRITICAL = re.compile(
    r"\d|\b(right|left|bilateral(?:ly)?|both|no|not|denies|denied|without|negative|positive|"
    r"absent|plus|minus)\b", re.I)


def _run_flag(draft: Draft, sentence_id: str, run: list[int],
              item_ranges: list[tuple[int, int]]) -> Flag:
    span = draft.transcript.span(run[0], run[-1])
    all_words = draft.transcript.words
    words = " ".join(w.text for w in all_words[run[0] : run[-1] + 1])
    # Loud only when a weak word is itself a number, side or negation inside an item: a weak
    # "with" next to a clearly heard "4/10" is not worth the clinician's attention.
    critical = any(_CRITICAL.search(all_words[i].text) and any(a <= i <= b for a, b in item_ranges)
                   for i in run)
    severity = Severity.WARN if critical else Severity.INFO
    return Flag(FlagKind.LOW_CONFIDENCE, severity, "low_confidence.words",
                f"Low confidence: '{words}'.", span, sentence_id)
