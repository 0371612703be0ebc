"""Numbers check: every number in the draft was dictated; values are clinically plausible.

Contract: ``check_numbers(draft)`` flags
- ``number.not_dictated`` (block): a number in a draft sentence that is not among the numbers
  the recognizer wrote (or spoke as words) in that sentence or its neighbours;
- ``number.inferred`` (warn): a number the normalizer inferred from a known mishearing
  ("strength for minus over 5" → 4-/5) — it was heard as a word, so confirm it;
- ``number.implausible`` (warn): ROM beyond the joint's plausible range, an extension deficit
  over 60°, an MMT grade outside 0–5 or "5+", pain outside 0–10, an outcome score outside its
  instrument's range, a timed block of ≤ 0 or > 120 minutes.
- ``number.ambiguous_grade`` (warn): a muscle grade whose +/− modifier rests only on a dash the
  recognizer wrote between the digits ("4-5" is "four over five" as often as "four minus over
  five"), so the modifier may be invented;
- ``number.unbound_minutes`` (warn): minutes dictated outside the Subjective that no suggested
  block took ("… 12 minutes." after no service): every dictated time ends in a block or a flag.
Scale denominators (/5, /10, /80 …) are not counted as dictated numbers: "four minus" → 4-/5.
``numbers_not_dictated`` applies the first rule to an edited sentence.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
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
_ONLY_A_DASH = re.compile(r"\b[0-5]\s*-\s*5\b")  # "4-5", "4 - 5": no minus/plus said
_SAID_MODIFIER = re.compile(r"\b(?:minus|plus)\b|[0-5]\s*[-+]\s*(?:/|over\b)|[0-5]\+", re.I)
_PAIN_WORD = re.compile(r"\b(pain|hurts?|sore(?:ness)?|nprs|vas)\b", re.I)
_OVER_TEN = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*-\s*10\b")  # "12/10" is a PainScore
_MINUTES = re.compile(r"\b(\d+) min\b")
# Minutes that describe the patient, not a service: tolerance, walking time, symptom onset.
_NOT_A_SERVICE_TIME = re.compile(
    r"\b(?:tolerat\w*|walks?|walked|walking|ambulat\w*|stands?|standing|sits?|sitting|after|"
    r"within|every|lasting|lasts?|for up to|morning stiffness|stiffness)\b", re.I)
_MISHEARD = re.compile(r"\b(for|to|too|free|tree)\b", re.I)


def draft_numbers(text: str) -> list[float]:
    """Numbers a reader sees in ``text``, without scale denominators ("4-/5" → [4])."""
    return numbers_in(_DENOMINATOR.sub(r"\1", text))


_positions = threading.local()


def _position(draft: Draft, sentence: Sentence) -> int:
    """Index of ``sentence`` in the draft, from a map built once per draft and thread
    (``tuple.index`` per sentence made long dictations quadratic)."""
    if getattr(_positions, "sentences", None) is not draft.sentences:
        _positions.sentences = draft.sentences
        _positions.map = {id(s): i for i, s in enumerate(draft.sentences)}
    found = _positions.map.get(id(sentence))
    return found if found is not None else draft.sentences.index(sentence)


def _heard(draft: Draft, sentence: Sentence) -> set[float]:
    index = _position(draft, sentence)
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
        elif isinstance(v, PainScore) and not 0 <= v.score <= 10:
            problem = f"pain {format_number(v.score)}/10"
        if isinstance(v, MuscleGrade) and v.modifier and _ONLY_A_DASH.search(item.span.text) \
                and not _SAID_MODIFIER.search(item.span.text):
            yield Flag(FlagKind.NUMBER, Severity.WARN, "number.ambiguous_grade",
                       f"Heard '{_ONLY_A_DASH.search(item.span.text).group(0)}': is it "  # type: ignore[union-attr]
                       f"{v.grade}/5 or {v.label}? Confirm the grade.", item.span,
                       item.sentence_id, item.id)
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


def _pain_out_of_scale(draft: Draft) -> Iterable[Flag]:
    """"Pain 12-10": a score over its scale that the normalizer could not read as pain."""
    for sentence in draft.sentences:
        if not _PAIN_WORD.search(sentence.text):
            continue
        for m in _OVER_TEN.finditer(sentence.text):
            if float(m.group(1)) > 10:
                yield Flag(FlagKind.NUMBER, Severity.WARN, "number.implausible",
                           f"Check the value: pain '{m.group(0)}' is beyond the 0–10 scale.",
                           sentence.span, sentence.id)


def _unbound_minutes(draft: Draft) -> Iterable[Flag]:
    from scribe.sections import Section

    bound = Counter(b.minutes for b in draft.blocks if b.minutes is not None)
    for sentence in draft.sentences:
        if sentence.section is Section.SUBJECTIVE or _NOT_A_SERVICE_TIME.search(sentence.text):
            continue
        if re.search(r"\btime (?:in|out)\b", sentence.text, re.I):
            continue
        for m in _MINUTES.finditer(sentence.text):
            minutes = int(m.group(1))
            if bound[minutes] > 0:
                bound[minutes] -= 1
                continue
            yield Flag(FlagKind.NUMBER, Severity.WARN, "number.unbound_minutes",
                       f"{minutes} min is not tied to a service in the draft: choose the "
                       "service it belongs to, or leave it out.", sentence.span, sentence.id)


def check_numbers(draft: Draft) -> list[Flag]:
    flags: list[Flag] = []
    for sentence in draft.sentences:
        flags.extend(_missing(draft, sentence, sentence.text, "number.not_dictated"))
    flags.extend(_implausible(draft))
    flags.extend(_pain_out_of_scale(draft))
    flags.extend(_unbound_minutes(draft))
    return flags
