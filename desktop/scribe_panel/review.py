"""The review model of a ``scribe.Draft``: what the panel lists, which flags stand on what,
and what an accepted row writes. Plain Python (no Qt, no I/O), so it is tested on text.

Contract:
- ``review_rows(draft)`` returns one ``ReviewRow`` per draft sentence (in S/O/A/P order, the
  text that would be appended to that section, with its structured items) and one per
  suggested timed block. Every row keeps its transcript ``Span`` so a click can seek the audio.
- A row's flags: flags pointing at the row's sentence or one of its items; a draft-wide
  ``laterality.dx_conflict`` also stands on every sentence that names the same region on the
  conflicting side (the scribe reports it once, at the first mention); a block carries the
  block/warn flags of the sentences its items came from and any flag on its own span.
- ``flagged`` means a ``block`` or ``warn`` flag stands: such rows are never accepted by
  "Accept all unflagged" and each needs an explicit confirmation. Info flags are shown but
  do not hold a row back.
- ``edit_row(row, draft, text, context)``: the clinician's wording of a sentence before it is
  accepted; the edit is re-checked against what the recording said
  (``scribe.check_sentence_edit``: a number not dictated, a flipped negation, a changed side)
  and those flags join the row's.
- ``block_details(block, draft)`` fills the ``TimedBlock.details`` keys the note's forms read;
  ``suggest_goals`` proposes goal links by shared words (the clinician confirms).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scribe.checks.confidence import LOW_WORD_PROBABILITY
from scribe.checks.laterality import mentions
from scribe.draft import Draft, Sentence
from scribe.flags import Flag
from scribe.items import (
    Finding,
    Intervention,
    Item,
    MuscleGrade,
    OutcomeScore,
    PainScore,
    RangeOfMotion,
    SuggestedBlock,
)
from scribe.transcript import Span
from scribe.vocab import regions_compatible

SECTION_ORDER = ("subjective", "objective", "assessment", "plan")
SECTION_TITLE = {
    "subjective": "Subjective",
    "objective": "Objective",
    "assessment": "Assessment",
    "plan": "Plan",
}
SEVERITY_RANK = {"block": 0, "warn": 1, "info": 2}
LOW_CONFIDENCE = LOW_WORD_PROBABILITY


@dataclass(frozen=True)
class ReviewRow:
    key: str  # "s:<sentence id>" or "b:<index>"
    kind: str  # "sentence" | "block"
    section: str  # the note section a sentence goes to; "" for a block
    text: str
    span: Span
    items: tuple[Item, ...] = ()
    flags: tuple[Flag, ...] = ()
    block: SuggestedBlock | None = None
    sentence_ids: tuple[str, ...] = field(default=())

    @property
    def severity(self) -> str | None:
        if not self.flags:
            return None
        return min((str(f.severity) for f in self.flags), key=SEVERITY_RANK.__getitem__)

    @property
    def flagged(self) -> bool:
        return self.severity in ("block", "warn")

    @property
    def needs_confirmation(self) -> bool:
        return self.flagged

    @property
    def edited(self) -> bool:
        return any(f.code.split(".")[-1].startswith("edit") for f in self.flags) or \
            self.key.endswith("~")


def _severity_sorted(flags: Iterable[Flag]) -> tuple[Flag, ...]:
    unique = list(dict.fromkeys(flags))
    return tuple(sorted(unique, key=lambda f: SEVERITY_RANK[str(f.severity)]))


def _dx_conflict_sentences(draft: Draft, flag: Flag) -> set[str]:
    """Sentences naming the region of a dx_conflict flag on the conflicting side."""
    found = mentions(draft)
    anchor = next(
        (m for m in found if m.sentence_id == flag.sentence_id and m.span == flag.span), None
    )
    if anchor is None:
        return {flag.sentence_id} if flag.sentence_id else set()
    return {
        m.sentence_id
        for m in found
        if m.side == anchor.side and regions_compatible(m.region, anchor.region)
    }


def sentence_flags(draft: Draft) -> dict[str, tuple[Flag, ...]]:
    """Flags standing on each sentence id (see the module contract)."""
    item_sentence = {i.id: i.sentence_id for i in draft.items}
    out: dict[str, list[Flag]] = {s.id: [] for s in draft.sentences}
    for flag in draft.flags:
        targets: set[str] = set()
        if flag.item_id and flag.item_id in item_sentence:
            targets.add(item_sentence[flag.item_id])
        if flag.sentence_id:
            targets.add(flag.sentence_id)
        if flag.code == "laterality.dx_conflict":
            targets |= _dx_conflict_sentences(draft, flag)
        for sid in targets:
            if sid in out:
                out[sid].append(flag)
    return {sid: _severity_sorted(flags) for sid, flags in out.items()}


def review_rows(draft: Draft) -> list[ReviewRow]:
    per_sentence = sentence_flags(draft)
    items_of: dict[str, list[Item]] = {}
    for item in draft.items:
        items_of.setdefault(item.sentence_id, []).append(item)
    rows: list[ReviewRow] = []
    for section in SECTION_ORDER:
        for s in draft.sentences:
            if str(s.section) == section and s.text.strip():
                rows.append(ReviewRow(
                    f"s:{s.id}", "sentence", section, s.text, s.span,
                    tuple(items_of.get(s.id, ())), per_sentence.get(s.id, ()),
                    sentence_ids=(s.id,)))
    item_sentence = {i.id: i.sentence_id for i in draft.items}
    for index, block in enumerate(draft.blocks):
        sids = tuple(dict.fromkeys(item_sentence[i] for i in block.item_ids if i in item_sentence))
        flags = [f for sid in sids for f in per_sentence.get(sid, ())
                 if str(f.severity) in ("block", "warn")]
        flags += [f for f in draft.flags if f.span is not None and f.span == block.span
                  and f.sentence_id is None and f.item_id is None]
        rows.append(ReviewRow(
            f"b:{index}", "block", "", block_label(block), block.span,
            tuple(i for i in draft.items if i.id in block.item_ids), _severity_sorted(flags),
            block, sids))
    return rows


def edit_row(row: ReviewRow, draft: Draft, text: str, context: Any = None) -> ReviewRow:
    """``row`` with the clinician's ``text``, re-checked against the recording (see contract)."""
    from scribe.draft import check_sentence_edit

    text = " ".join(text.split())
    if row.kind != "sentence" or not text or text == row.text:
        return row
    new_flags = check_sentence_edit(draft, row.sentence_ids[0], text, context)
    kept = [f for f in row.flags if not f.code.split(".")[-1].startswith("edit")]
    return ReviewRow(row.key, row.kind, row.section, text, row.span, row.items,
                     _severity_sorted([*kept, *new_flags]), row.block, row.sentence_ids)


def general_flags(draft: Draft) -> tuple[Flag, ...]:
    """Flags tied to no sentence or item (e.g. a segment dropped as hallucination)."""
    return tuple(f for f in draft.flags if not f.sentence_id and not f.item_id)


# -- labels ---------------------------------------------------------------------------------------
def clock(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _side(side: str | None) -> str:
    return f", {side}" if side else ""


def describe_item(item: Item) -> str:
    """How the scribe read an item, in the clinic's words."""
    v: Any = item.values
    if isinstance(v, PainScore):
        where = " ".join(x for x in (v.side, v.region) if x)
        return f"Pain {_num(v.score)}/{v.scale_max}" + (f" · {where}" if where else "")
    if isinstance(v, RangeOfMotion):
        what = " ".join(x for x in (v.joint, v.motion) if x).capitalize() or "ROM"
        if v.extension_deficit is not None:
            value = f"lacking {_num(v.extension_deficit)}°"
        else:
            value = f"{_num(v.degrees)}°" + (f" {v.mode}" if v.mode else "")
        return f"ROM · {what} {value}{_side(v.side)}"
    if isinstance(v, MuscleGrade):
        return f"Strength · {v.muscle or v.region or ''} {v.label}{_side(v.side)}".strip()
    if isinstance(v, OutcomeScore):
        return f"Outcome · {v.measure} {_num(v.score)} {v.unit or ''}".rstrip()
    if isinstance(v, Finding):
        state = "absent (negated" + (f": '{v.trigger}')" if v.trigger else ")") \
            if v.negated else "present"
        where = " ".join(x for x in (v.side, v.region) if x)
        return f"Finding · {v.concept}{' ' + where if where else ''} — {state}"
    if isinstance(v, Intervention):
        parts = [v.name]
        if v.sets and v.reps:
            parts.append(f"{v.sets}×{v.reps}")
        if v.load:
            parts.append(f"{_num(v.load)} {v.load_unit or ''}".rstrip())
        if v.minutes:
            parts.append(f"{v.minutes} min")
        parts.append("/".join(v.cpt_candidates))
        return "Intervention · " + " · ".join(p for p in parts if p)
    return item.text


def block_label(block: SuggestedBlock) -> str:
    if block.start and block.stop:
        when = f"{block.start}–{block.stop}"
    elif block.minutes:
        when = f"{block.minutes} min"
    else:
        when = "time not dictated"
    side = f" · {block.side}" if block.side else ""
    alt = f" (or {', '.join(block.alternatives)})" if block.alternatives else ""
    return f"{block.code}{alt} · {when}{side}"


# -- blocks ---------------------------------------------------------------------------------------
_TARGETS = (
    ("range of motion", ("range", "rom", "motion", "mobility")),
    ("endurance", ("endurance", "stamina", "tolerance")),
    ("flexibility", ("flexibility", "stretch", "stretching")),
    ("strength", ("strength", "strengthening", "strong")),
)


def target_outcome(purposes: Iterable[str | None]) -> str:
    text = " ".join(p.lower() for p in purposes if p)
    for target, words in _TARGETS:
        if any(re.search(rf"\b{w}\b", text) for w in words):
            return target
    return ""


def _interventions(block: SuggestedBlock, draft: Draft) -> list[Intervention]:
    return [i.values for i in draft.items
            if i.id in block.item_ids and isinstance(i.values, Intervention)]


def block_details(block: SuggestedBlock, draft: Draft) -> dict[str, Any]:
    """``TimedBlock.details`` for the block's code, from its dictated interventions."""
    found = _interventions(block, draft)
    if block.code == "97110":
        exercises = [
            {k: v for k, v in {
                "name": i.name, "sets": i.sets, "reps": i.reps, "load": i.load,
                "load_unit": i.load_unit}.items() if v not in (None, "")}
            for i in found
        ]
        target = target_outcome(i.purpose for i in found)
        details: dict[str, Any] = {"exercises": exercises}
        if target:
            details |= {"target_outcome": target, "target_outcomes": [target]}
        return details
    if block.code == "97140":
        region = next((i.region for i in found if i.region), "")  # the side is the block's
        return {"technique": ", ".join(dict.fromkeys(i.name for i in found)), "region": region}
    if block.code == "97530":
        first = found[0] if found else None
        return {"activity": first.name if first else "",
                "functional_task": (first.purpose or "") if first else ""}
    texts = [i.text for i in draft.items if i.id in block.item_ids]
    return {"description": "; ".join(texts)}


def parse_clock(value: str | None) -> dt.time | None:
    """A dictated clock time ("9:30", "10:05") as a time; None if absent or unreadable."""
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", value)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def default_times(
    block: SuggestedBlock, anchor: dt.time | None
) -> tuple[dt.time | None, dt.time | None]:
    """Dictated times if said; otherwise ``anchor`` + the dictated minutes; else none."""
    start, stop = parse_clock(block.start), parse_clock(block.stop)
    if start and stop:
        return start, stop
    if block.minutes and anchor is not None:
        begin = dt.datetime.combine(dt.date(2000, 1, 1), anchor)
        end = begin + dt.timedelta(minutes=block.minutes)
        if end.date() == begin.date():
            return anchor, end.time()
    return None, None


_STOP = {"the", "a", "an", "to", "of", "for", "and", "with", "in", "on", "at", "feet", "ft",
         "patient", "pt", "able", "without", "improve", "independently", "up", "down"}
_SYNONYMS = {
    "stair": "stairs", "steps": "stairs", "step": "stairs", "climb": "stairs",
    "walk": "gait", "walking": "gait", "ambulate": "gait", "ambulation": "gait",
    "squat": "squats", "squatting": "squats", "lift": "lifting", "lifts": "lifting",
    "reach": "reaching", "balance": "balance", "transfer": "transfers",
}


def _words(text: str) -> set[str]:
    out = set()
    for w in re.findall(r"[a-z]+", text.lower()):
        if w in _STOP or len(w) < 3:
            continue
        out.add(_SYNONYMS.get(w, w))
    return out


def suggest_goals(block: SuggestedBlock, draft: Draft, goals: Sequence[Any]) -> list[Any]:
    """Goal ids whose activity/purpose shares a word with the block's dictation."""
    sentences: list[Sentence] = []
    sids = {i.sentence_id for i in draft.items if i.id in block.item_ids}
    sentences = [s for s in draft.sentences if s.id in sids]
    said = _words(" ".join(s.text for s in sentences))
    for i in _interventions(block, draft):
        said |= _words(f"{i.name} {i.purpose or ''}")
    return [g.id for g in goals
            if said & _words(f"{g.activity} {getattr(g, 'functional_purpose', '')}")]


# -- transcript ---------------------------------------------------------------------------------
def word_sentence(draft: Draft) -> dict[int, str]:
    """Transcript word index → the id of the sentence it belongs to."""
    out: dict[int, str] = {}
    for s in draft.sentences:
        for index in range(s.span.first_word, s.span.last_word + 1):
            out.setdefault(index, s.id)
    return out
