"""Service lines (a note's timed blocks and untimed services, one shape) and same-day pair edits.

Contract:
- ``note_lines`` flattens a note into ``ServiceLine``s (time order for blocks, then untimed by
  position). ``current`` marks the lines of the note being checked, as opposed to other notes
  of the same day.
- ``pair_hits`` finds every NCCI edit (in force on the day) and payer-specific pair among the
  lines of one day where at least one line is current. An NCCI edit for the same two codes
  (either order) supersedes a payer pair.
- The modifier policy lives here so the checks and ``modifiers_for`` agree: 59 or an X
  modifier is only ever valid on the *column-2* line of an indicator-1 pair whose lines do not
  overlap in time (``distinct_modifier_allowed``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.domain.body import body_side
from core.domain.enums import Laterality
from core.domain.visit import Note
from core.rules.packs import CodeInfo, PairEdit, PayerRules, RulePacks

DISTINCT_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU"})


@dataclass(frozen=True, slots=True)
class ServiceLine:
    id: uuid.UUID
    kind: str  # "block" (TimedBlock) or "untimed" (UntimedService)
    code: str
    info: CodeInfo | None  # None: not in the catalog
    start: dt.time | None
    stop: dt.time | None
    minutes: int | None
    modifiers: tuple[str, ...]
    laterality: Laterality | None
    goal_ids: tuple[uuid.UUID, ...]
    details: Mapping[str, Any]
    goal_connection: str
    note_id: uuid.UUID
    current: bool
    body_side: Laterality | None = None  # the note's body diagram (core.domain.body.body_side)

    @property
    def side(self) -> Laterality | None:
        """The line's own side, else (no side recorded) the side its note's body diagram
        marks. "Not applicable" is a side the clinician chose: it stays."""
        if self.laterality in (None, Laterality.UNSPECIFIED):
            return self.body_side or self.laterality
        return self.laterality

    @property
    def field(self) -> str:
        return f"{'blocks' if self.kind == 'block' else 'untimed'}[{self.id}]"

    @property
    def distinct_modifier(self) -> str | None:
        return next((m for m in self.modifiers if m in DISTINCT_MODIFIERS), None)

    def overlaps(self, other: ServiceLine) -> bool:
        if None in (self.start, self.stop, other.start, other.stop):
            return False
        assert self.start and self.stop and other.start and other.stop
        return self.start < other.stop and other.start < self.stop


def note_lines(note: Note, packs: RulePacks, *, current: bool = True) -> list[ServiceLine]:
    marked = body_side(note.marks) if note.body_marks else None
    out = [
        ServiceLine(
            id=b.id, kind="block", code=b.code, info=packs.find_code(b.code), start=b.start,
            stop=b.stop, minutes=b.minutes, modifiers=b.modifiers, laterality=b.laterality,
            goal_ids=b.goal_ids, details=b.details, goal_connection=b.goal_connection,
            note_id=note.id, current=current, body_side=marked,
        )
        for b in note.ordered_blocks
    ]
    out.extend(
        ServiceLine(
            id=s.id, kind="untimed", code=s.code, info=packs.find_code(s.code), start=None,
            stop=None, minutes=s.minutes, modifiers=s.modifiers, laterality=s.laterality,
            goal_ids=s.goal_ids, details=s.details, goal_connection="", note_id=note.id,
            current=current, body_side=marked,
        )
        for s in sorted(note.untimed, key=lambda s: s.position)
    )
    return out


@dataclass(frozen=True, slots=True)
class PairHit:
    edit: PairEdit
    column1: ServiceLine
    column2: ServiceLine

    @property
    def overlapping(self) -> bool:
        return self.column1.overlaps(self.column2)

    @property
    def is_ncci(self) -> bool:
        return self.edit.payer is None


def pair_hits(
    lines: Iterable[ServiceLine], packs: RulePacks, payer: PayerRules, day: dt.date
) -> list[PairHit]:
    """Pair edits among one day's lines; each hit has at least one current line."""
    pool = list(lines)
    payer_pairs = [e for e in payer.payer_pairs if e.active_on(day)]
    hits: list[PairHit] = []
    for a in pool:
        for b in pool:
            if a.code == b.code or not (a.current or b.current):
                continue
            ncci = packs.ncci_edits(a.code, b.code, day)
            hits.extend(PairHit(edit, a, b) for edit in ncci if edit.indicator != 9)
            if ncci or packs.ncci_edits(b.code, a.code, day):
                continue
            hits.extend(
                PairHit(edit, a, b)
                for edit in payer_pairs
                if edit.column1 == a.code and edit.column2 == b.code
            )
    return hits


def distinct_modifier_allowed(line: ServiceLine, hits: Iterable[PairHit]) -> bool:
    """59/X may stay on ``line``: it is column 2 of an indicator-1 pair and no column-1 line of
    that code overlaps it in time."""
    allowed = False
    for hit in hits:
        if hit.column2.id != line.id or hit.edit.indicator != 1:
            continue
        if hit.overlapping:
            return False
        allowed = True
    return allowed
