"""Numbers check: every number in the draft was dictated; values are clinically plausible.

Contract: ``check_numbers(draft)`` flags
- ``number.not_dictated`` (block): a number in a draft sentence that is not among the numbers
  the recognizer wrote (or spoke as words) in that sentence or its neighbours;
- ``number.inferred`` (warn): a number the normalizer inferred from a known mishearing
  ("strength for minus over 5" → 4-/5) — it was heard as a word, so confirm it;
- ``number.implausible`` (warn): ROM beyond the joint's plausible range, an extension deficit
  over 60°, an MMT grade outside 0–5 or "5+", pain outside 0–10, an outcome score outside its
  instrument's range, a timed block of ≤ 0 or > 120 minutes.
Scale denominators (/5, /10, /80 …) are not counted as dictated numbers: "four minus" → 4-/5.
``numbers_not_dictated`` applies the first rule to an edited sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from scribe.flags import Flag, FlagKind, Severity
from scribe.items import MuscleGrade, OutcomeScore, PainScore, RangeOfMotion
from scribe.normalize import normalize_text
from scribe.numbers import format_number, numbers_in
from scribe.vocab import EXTENSION_DEFICIT_MAX, OUTCOME_MEASURES, ROM_DEFAULT_MAX, ROM_MAX

if TYPE_CHECKING:
    from scribe.draft import Draft, Sentence

_DENOMINATOR = re.compile(r"(?<=\d)([+-]?)/(\d+)")
_MISHEARD = re.compile(r"\b(for|to|too|free|tree)\b", re.I)


def draft_numbers(text: str) -> list[float]:
    """Numbers a reader sees in ``text``, without scale denominators ("4-/5" → [4])."""
    return numbers_in(_DENOMINATOR.sub(r"\1", text))


def _heard(draft: Draft, sentence: Sentence) -> set[float]:
    index = draft.sentences.index(sentence)
    near = draft.sentences[max(0, index - 1) : index + 2]
    heard: set[float] = set()
    for s in near:
        # Numbers as heard: digits and number words, plus the same text through the
        # normalizer *without* mishearing fixes (so "9.30 to 9.42" counts as 9, 30, 42).
        heard.update(numbers_in(s.source_text))
        heard.update(draft_numbers(normalize_text(s.source_text, fix_mishearings=False)))
    return heard


def _missing(draft: Draft, sentence: Sentence, text: str, code: str) -> list[Flag]:
    heard = _heard(draft, sentence)
    flags = []
    for value in dict.fromkeys(draft_numbers(text)):
        if value in heard:
            continue
        inferred = code == "number.not_dictated" and _MISHEARD.search(sentence.source_text)
        severity = Severity.WARN if inferred else Severity.BLOCK
        label = format_number(value)
        message = (f"{label} was inferred from a word heard as '{inferred.group(1)}'; confirm it."
                   if inferred else f"{label} does not appear in the recording here.")
        flags.append(Flag(FlagKind.NUMBER, severity,
                          "number.inferred" if inferred else code, message,
                          sentence.span, sentence.id))
    return flags


def numbers_not_dictated(draft: Draft, sentence: Sentence, text: str) -> list[Flag]:
    return _missing(draft, sentence, text, "number.edit_not_dictated")


def _implausible(draft: Draft) -> Iterable[Flag]:
    for item in draft.items:
        v = item.values
        problem = None
        if isinstance(v, RangeOfMotion):
            limit = ROM_MAX.get((v.joint or "", v.motion or ""), ROM_DEFAULT_MAX)
            if v.degrees is not None and not 0 <= v.degrees <= limit:
                problem = f"{v.joint or ''} {v.motion} {format_number(v.degrees)}° is beyond " \
                          f"the plausible {format_number(limit)}°"
            if v.extension_deficit is not None and v.extension_deficit > EXTENSION_DEFICIT_MAX:
                problem = f"an extension deficit of {format_number(v.extension_deficit)}°"
        elif isinstance(v, MuscleGrade):
            if not 0 <= v.grade <= 5 or (v.grade == 5 and v.modifier == "+") or (
                    v.grade == 0 and v.modifier):
                problem = f"muscle grade {v.label}"
        elif isinstance(v, PainScore):
            if not 0 <= v.score <= 10:
                problem = f"pain {format_number(v.score)}/10"
        elif isinstance(v, OutcomeScore):
            _, low, high, _unit = OUTCOME_MEASURES[v.measure]
            top = v.scale_max if v.unit != "s" and v.scale_max else high
            if not low <= v.score <= top or (v.scale_max and v.scale_max > high and v.unit != "%"):
                problem = f"{v.measure} {format_number(v.score)} (range {low:g}–{high:g})"
        if problem:
            yield Flag(FlagKind.NUMBER, Severity.WARN, "number.implausible",
                       f"Check the value: {problem.strip()}.", item.span, item.sentence_id,
                       item.id)
    for block in draft.blocks:
        if block.minutes is not None and not 0 < block.minutes <= 120:
            yield Flag(FlagKind.NUMBER, Severity.WARN, "number.implausible",
                       f"Check the time: {block.code} for {block.minutes} min.", block.span)


def check_numbers(draft: Draft) -> list[Flag]:
    flags: list[Flag] = []
    for sentence in draft.sentences:
        flags.extend(_missing(draft, sentence, sentence.text, "number.not_dictated"))
    flags.extend(_implausible(draft))
    return flags
