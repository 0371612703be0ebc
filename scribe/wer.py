"""Word error rate after clinical normalization, for tests and benchmarks.

Contract: ``wer(reference, hypothesis)`` normalizes both sides with ``scribe.normalize`` (so
"six out of ten" and "6/10" agree), lower-cases, drops punctuation that carries no meaning
(keeping it inside tokens such as "4-/5", "10:05", "2.5") and returns the Levenshtein distance
over words divided by the number of reference words.
"""

from __future__ import annotations

import re

from scribe.normalize import normalize_text

_EDGE_PUNCT = re.compile(r"^[^\w°%+\-/:.]+|[^\w°%+/]+$")


def tokens(text: str, *, fix_mishearings: bool = True) -> list[str]:
    out = []
    normalized = normalize_text(text, fix_mishearings=fix_mishearings).lower()
    for raw in normalized.replace("—", " ").split():
        for piece in re.split(r"(?<=[a-z])-(?=[a-z])", raw):
            token = _EDGE_PUNCT.sub("", piece).rstrip(".")
            if token:
                out.append(token)
    return out


def edit_distance(a: list[str], b: list[str]) -> int:
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def wer(reference: str, hypothesis: str, *, fix_mishearings: bool = True) -> float:
    """WER after normalization; ``fix_mishearings=False`` measures the recognizer alone."""
    ref = tokens(reference)
    hyp = tokens(hypothesis, fix_mishearings=fix_mishearings)
    return edit_distance(ref, hyp) / max(1, len(ref))
