"""``NoteFacts``: what every check needs, derived once per ``check_note`` call.

Internal to ``core.rules.checks`` and ``core.rules.modifiers``. Building it is the only
place that walks the context's history, so each check stays a cheap pass over small lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from core.domain.enums import NoteStatus, VisitStatus
from core.domain.visit import Note
from core.rules.context import NoteContext, PriorNote
from core.rules.lines import PairHit, ServiceLine, note_lines, pair_hits
from core.rules.packs import PayerRules, RulePacks
from core.rules.units import UnitResult, compute_units, note_minutes

_NOT_HELD = (VisitStatus.CANCELLED, VisitStatus.NO_SHOW)


@dataclass
class NoteFacts:
    note: Note
    ctx: NoteContext
    packs: RulePacks
    payer: PayerRules
    lines: list[ServiceLine]  # this note
    earlier: list[PriorNote] = field(default_factory=list)  # held visits before this day
    same_day: list[PriorNote] = field(default_factory=list)  # other notes of this day

    @cached_property
    def same_day_lines(self) -> list[ServiceLine]:
        return [
            line for p in self.same_day for line in note_lines(p.note, self.packs, current=False)
        ]

    @cached_property
    def units(self) -> UnitResult:
        minutes = note_minutes(self.note, self.packs, skip_unknown=True)
        return compute_units(minutes, self.payer.unit_method, packs=self.packs)

    @cached_property
    def hits(self) -> list[PairHit]:
        return pair_hits(
            [*self.lines, *self.same_day_lines], self.packs, self.payer, self.ctx.visit.date
        )

    @property
    def timed_lines(self) -> list[ServiceLine]:
        """Blocks whose code is timed (or unknown: treated as timed so nothing is missed)."""
        return [
            line for line in self.lines
            if line.kind == "block" and (line.info is None or line.info.timed)
        ]


def build_facts(
    note: Note, ctx: NoteContext, *, lines: list[ServiceLine] | None = None
) -> NoteFacts:
    """``lines``: ``note_lines(note, ctx.rules)`` when the caller has them already."""
    packs = ctx.rules
    day = ctx.visit.date
    earlier: list[PriorNote] = []
    same_day: list[PriorNote] = []
    for prior in ctx.history:
        if prior.note.id == note.id or prior.visit.status in _NOT_HELD:
            continue
        if NoteStatus(prior.note.status) is NoteStatus.VOIDED:
            continue  # set aside by the clinician: not a treatment day, no services
        if prior.visit.date < day:
            earlier.append(prior)
        elif prior.visit.date == day:
            same_day.append(prior)
    return NoteFacts(
        note=note, ctx=ctx, packs=packs, payer=ctx.payer_rules,
        lines=note_lines(note, packs) if lines is None else lines, earlier=earlier,
        same_day=same_day,
    )
