"""Negation check: negated findings as understood, flips between recording and text.

Contract: ``check_negation(draft)`` gives an info flag per negated finding (so the clinician
sees "numbness: negated by 'denies'"), a warn flag when the negation trigger or the finding was
heard with low confidence (a misheard "denies" is the classic dangerous error), and a block
flag when a draft sentence states a finding with the opposite polarity to the recognizer's own
words for it. ``negation_changes(sentence, text)`` does the same comparison for an edit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scribe.flags import Flag, FlagKind, Severity
from scribe.items import Finding

if TYPE_CHECKING:
    from scribe.draft import Draft, Sentence

LOW_TRIGGER_PROBABILITY = 0.35  # tiny.en hears a clear "denies" at 0.3–0.6 on our fixtures


def _flip(sentence: Sentence, text: str, code: str) -> list[Flag]:
    from scribe.draft import negations_of

    before = negations_of(sentence.source_text)
    after = negations_of(text)
    flags = []
    for concept, negated in after.items():
        if concept in before and before[concept] != negated:
            said = "negated" if before[concept] else "affirmed"
            now = "negated" if negated else "present"
            flags.append(Flag(
                FlagKind.NEGATION, Severity.BLOCK, code,
                f"The text says {concept} is {now}, but the recording {said} it.",
                sentence.span, sentence.id))
    return flags


def negation_changes(sentence: Sentence, text: str) -> list[Flag]:
    return _flip(sentence, text, "negation.edit_flip")


def check_negation(draft: Draft) -> list[Flag]:
    words = draft.transcript.words
    flags: list[Flag] = []
    for sentence in draft.sentences:
        flags.extend(_flip(sentence, sentence.text, "negation.draft_flip"))
    for item in draft.items:
        if not isinstance(item.values, Finding) or not item.values.negated:
            continue
        f = item.values
        flags.append(Flag(FlagKind.NEGATION, Severity.INFO, "negation.negated_finding",
                          f"{f.concept}: negated ('{f.trigger}').", item.span,
                          item.sentence_id, item.id))
        # Was the trigger itself heard clearly? Look at the sentence's words around the item.
        sentence = draft.sentence(item.sentence_id)
        lo, hi = sentence.span.first_word, item.span.last_word
        trigger_words = [w for w in words[lo : hi + 1]
                         if f.trigger and w.text.lower().strip(".,;:") in f.trigger.split()]
        weak = [w for w in trigger_words if w.probability < LOW_TRIGGER_PROBABILITY]
        if weak:
            flags.append(Flag(
                FlagKind.NEGATION, Severity.WARN, "negation.low_confidence",
                f"'{f.trigger} {f.concept}' was heard with low confidence; play it back.",
                item.span, item.sentence_id, item.id))
    return flags
