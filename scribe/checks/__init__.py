"""The review checks: laterality, negation, numbers, confidence (and hallucination marks).

Contract: ``run_checks(draft, context)`` returns every flag, loud ones first (block, warn,
info), each pointing at a span; it never changes the draft. ``check_edit`` re-checks one
edited sentence against its source (negation flips, numbers not dictated, side changes).
Each check module is pure and can be called on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scribe.checks.confidence import check_confidence
from scribe.checks.laterality import check_laterality, side_changes
from scribe.checks.negation import check_negation, negation_changes
from scribe.checks.numbers import check_numbers, numbers_not_dictated
from scribe.context import DictationContext
from scribe.flags import Flag, Severity

if TYPE_CHECKING:
    from scribe.draft import Draft, Sentence

_ORDER = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}


def run_checks(draft: Draft, context: DictationContext) -> list[Flag]:
    flags = [
        *check_laterality(draft, context),
        *check_negation(draft),
        *check_numbers(draft),
        *check_confidence(draft),
    ]
    return sorted(flags, key=lambda f: (_ORDER[f.severity], f.span.start if f.span else 0))


def check_edit(draft: Draft, sentence: Sentence, new_text: str,
               context: DictationContext) -> list[Flag]:
    from scribe.normalize import normalize_text

    text = normalize_text(new_text)
    flags = [
        *negation_changes(sentence, text),
        *numbers_not_dictated(draft, sentence, text),
        *side_changes(sentence, text, context),
    ]
    return sorted(flags, key=lambda f: _ORDER[f.severity])


__all__ = ["check_edit", "run_checks"]
