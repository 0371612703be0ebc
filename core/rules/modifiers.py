"""The claim modifiers each service line of a note will carry (for the superbill).

Contract: ``modifiers_for(note, context) -> {line id: modifiers}`` for every timed block and
untimed service, in claim order: 59/X (only where ``core.rules.lines`` allows it), CQ/CO
(assistant, when the payer uses them), GP/GO/GN (when the payer requires them), KX (over the
threshold), then the clinician's RT/LT/50. Modifiers the rules compute (GP…, CQ/CO, KX) are
never taken from what was typed on the block. Pure; raises nothing for a draft.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from core.domain.enums import Discipline
from core.domain.visit import Note
from core.rules.checks.facts import build_facts
from core.rules.context import NoteContext
from core.rules.kx import kx_status
from core.rules.lines import ServiceLine, distinct_modifier_allowed

_ASSISTANT = {Discipline.PT: "CQ", Discipline.OT: "CO"}
_ANATOMIC = ("RT", "LT", "50")


def modifiers_for(
    note: Note,
    context: NoteContext,
    *,
    units: Mapping[str, int] | None = None,
    lines: list[ServiceLine] | None = None,
) -> dict[uuid.UUID, tuple[str, ...]]:
    """``units``: the visit's billed units per code when the caller has priced them already
    (the ledger's share of the day: the KX estimate then uses them instead of charting the
    note again); ``lines``: ``note_lines(note)`` when the caller has built them."""
    facts = build_facts(note, context, lines=lines)
    payer = facts.payer
    discipline = context.discipline
    clinician = context.clinician
    common: list[str] = []
    if clinician and clinician.is_assistant and payer.assistant_modifiers:
        mod = _ASSISTANT.get(Discipline(clinician.discipline))
        if mod:
            common.append(mod)
    if payer.requires_discipline_modifier and discipline is not None and discipline.modifier:
        common.append(discipline.modifier)
    # facts.units only when KX can apply: it computes the note's units
    status = None
    if payer.uses_kx_threshold:
        status = kx_status(context, facts.units.units if units is None else units)
    if status is not None and status.applies:
        common.append("KX")
    out: dict[uuid.UUID, tuple[str, ...]] = {}
    for line in facts.lines:
        mods: list[str] = []
        chosen = line.distinct_modifier
        if chosen and distinct_modifier_allowed(line, facts.hits):
            mods.append(chosen)
        mods.extend(common)
        mods.extend(m for m in line.modifiers if m in _ANATOMIC and m not in mods)
        out[line.id] = tuple(mods)
    return out
