"""The trap dictations (fixtures/traps.jsonl): fixed transcripts written as Whisper writes them,
each with the values a clinician said, and an evaluator that sorts every expected value into
*right* (in the draft as said), *flagged* (not right, but a warn/block flag points at it) or
*silent* (wrong or missing and nothing says so — the error the scribe must never make).

Used by tests/scribe/test_scribe_traps.py and bench/bench_scribe.py (figures in docs/scribe.md).
``set`` is "tuning" (written before the fixes, used to build them) or "heldout" (written after,
never tuned on). ``clean`` dictations are also counted for false warnings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scribe.context import DictationContext
from scribe.draft import Draft, build_draft
from scribe.flags import Severity
from scribe.items import Finding, MuscleGrade, PainScore, RangeOfMotion
from scribe.transcript import Segment, Transcript, Word

TRAPS = Path(__file__).resolve().parent / "fixtures" / "traps.jsonl"


@dataclass(frozen=True)
class Outcome:
    trap: str
    expectation: str
    status: str  # "right" | "flagged" | "silent"


def load(subset: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in TRAPS.read_text().splitlines() if line.strip()]
    return [r for r in rows if subset is None or r.get("set") == subset]


def transcript(trap: dict[str, Any]) -> Transcript:
    """Timed words (0.4 s each) with probability 0.95, or the trap's ``low`` values."""
    low = {k.lower(): v for k, v in trap.get("low", {}).items()}
    words = tuple(Word(w, i * 0.4, i * 0.4 + 0.35, low.get(w.lower().strip(".,"), 0.95))
                  for i, w in enumerate(trap["text"].split()))
    end = words[-1].end if words else 0.0
    return Transcript((Segment(0, 0.0, end, trap["text"], words),), end + 0.5, model="trap")


def draft(trap: dict[str, Any]) -> Draft:
    return build_draft(transcript(trap), DictationContext.from_codes(
        trap["dx"], discipline=trap.get("discipline")))


def _matches(value: Any, wanted: dict[str, Any]) -> bool:
    return all(getattr(value, k) == v for k, v in wanted.items())


def _relevant(d: Draft, where: str) -> list[Any]:
    w = where.lower()
    return [s for s in d.sentences if w in s.text.lower() or w in s.source_text.lower()]


def _word_at(d: Draft, where: str, sentences: list[Any]) -> int:
    """Index of the first transcript word of ``where`` inside the sentences, else -1."""
    words = [w.text.lower().strip(".,;") for w in d.transcript.words]
    first = where.lower().split()[0]
    for s in sentences:
        for k in range(s.span.first_word, s.span.last_word + 1):
            if words[k] == first:
                return k
    return -1


def _satisfied(d: Draft, kind: str, wanted: Any, sentences: list[Any],
               where: str | None = None) -> bool:
    ids = {s.id for s in sentences}
    values = [i.values for i in d.items if i.sentence_id in ids]
    if kind == "rom":
        return any(isinstance(v, RangeOfMotion) and _matches(v, wanted) for v in values)
    if kind == "mmt":
        return any(isinstance(v, MuscleGrade) and _matches(v, wanted) for v in values)
    if kind == "pain":
        return any(isinstance(v, PainScore) and v.score == wanted for v in values)
    if kind == "no_pain":
        return not any(isinstance(v, PainScore) and v.score == wanted for v in values)
    if kind in ("negated", "affirmed"):
        found = [i for i in d.items if i.sentence_id in ids and isinstance(i.values, Finding)
                 and i.values.concept == wanted]
        if where is not None and len(found) > 1:  # "coughing with thin, no coughing with thick"
            at = _word_at(d, where, sentences)
            found = [min(found, key=lambda i: abs(i.span.first_word - at))] if at >= 0 else found
        return bool(found) and all(isinstance(i.values, Finding)
                                   and i.values.negated is (kind == "negated") for i in found)
    if kind == "block":
        return any(b.code == wanted[0] and b.minutes == wanted[1] for b in d.blocks)
    if kind == "code":
        return any(b.code == wanted for b in d.blocks)
    if kind == "candidates":  # nothing dictated narrows them: every one offered, none chosen
        return any({b.code, *b.alternatives} == set(wanted) for b in d.blocks)
    if kind == "no_code":  # e.g. "re-evaluation in 30 days" is a plan, not a billed visit
        return not any(b.code == wanted or wanted in b.alternatives for b in d.blocks)
    if kind == "text":
        return any(wanted.lower() in s.text.lower() for s in sentences)
    if kind == "flagged":
        return False
    raise ValueError(f"unknown expectation {kind}")


def _flagged(d: Draft, sentences: list[Any]) -> bool:
    ids = {s.id for s in sentences}
    ranges = [(s.span.first_word, s.span.last_word) for s in sentences]
    for f in d.flags:
        if f.severity is Severity.INFO:
            continue
        if f.sentence_id in ids:
            return True
        if f.span is not None and any(a <= f.span.last_word and f.span.first_word <= b
                                      for a, b in ranges):
            return True
        if not sentences and f.sentence_id is None:  # content missing: a draft-wide flag
            return True
    return False


def evaluate(trap: dict[str, Any], d: Draft | None = None) -> list[Outcome]:
    d = d or draft(trap)
    out = []
    for e in trap["expect"]:
        kind = next(k for k in e if k != "where")
        sentences = _relevant(d, e["where"])
        if sentences and _satisfied(d, kind, e[kind], sentences, e["where"]):
            status = "right"
        elif _flagged(d, sentences):
            status = "flagged"
        else:
            status = "silent"
        out.append(Outcome(trap["id"], f"{kind} {e[kind]} @ {e['where']!r}", status))
    return out


def false_warnings(trap: dict[str, Any], d: Draft | None = None) -> list[str]:
    """Warn/block flags on a clean dictation (each one is a false alarm)."""
    d = d or draft(trap)
    return [f.code for f in d.flags if f.severity is not Severity.INFO]


def with_words(trap: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return replace_dict(trap, **changes)


def replace_dict(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**row, **changes}


__all__ = ["Outcome", "draft", "evaluate", "false_warnings", "load", "replace", "transcript"]


def figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-flag precision, recall of problems, blocks right, false warnings on clean ones.

    A warn/block flag is *useful* when it points at a sentence where the draft needed a flag
    (an expectation whose value is not right in the draft, or a ``flagged`` expectation);
    otherwise it is a false alarm. Recall: flagged / (flagged + silent) over expectations the
    draft did not get right.
    """
    from collections import Counter

    useful: Counter[str] = Counter()
    total: Counter[str] = Counter()
    status: Counter[str] = Counter()
    blocks = blocks_right = 0
    clean = clean_noisy = 0
    for trap in rows:
        d = draft(trap)
        outcomes = evaluate(trap, d)
        status.update(o.status for o in outcomes)
        needy: set[str] = set()
        for e, o in zip(trap["expect"], outcomes, strict=True):
            if any(k in e for k in ("block", "code", "candidates", "no_code")):
                blocks += 1
                blocks_right += o.status == "right"
            if o.status != "right":
                needy |= {s.id for s in _relevant(d, e["where"])}
        for f in d.flags:
            if f.severity is Severity.INFO:
                continue
            total[f.code] += 1
            hit = f.sentence_id in needy or (f.span is not None and any(
                s.span.first_word <= f.span.last_word and f.span.first_word <= s.span.last_word
                for s in d.sentences if s.id in needy))
            useful[f.code] += hit
        if trap.get("clean"):
            clean += 1
            clean_noisy += bool(false_warnings(trap, d))
    problems = status["flagged"] + status["silent"]
    return {"traps": len(rows), "expectations": sum(status.values()), **dict(status),
            "recall": status["flagged"] / problems if problems else 1.0,
            "blocks_right": (blocks_right, blocks),
            "clean_with_false_warning": (clean_noisy, clean),
            "precision": {c: (useful[c], total[c]) for c in sorted(total)}}
