"""Note checks: ``check_note(note, context) -> list[Finding]`` and the whole-chart audit.

Contract:
- Pure: reads the note, the ``NoteContext`` and the cached rules packs; changes nothing.
- Never raises for a bad draft (unknown codes, missing times…): problems become findings.
- Findings come in a stable order: by check (the order of ``CHECKS``), then note order.
- Acknowledged warnings (``note.acknowledged``) come back with ``acknowledged=True``; blocks
  can never be acknowledged. ``sign_note`` refuses while ``blocking(findings)`` or
  ``unacknowledged_warnings(findings)`` is non-empty.
- Thread-safe; cheap enough to run on every edit (< 2 ms for a typical note).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator

from core.domain.visit import Note
from core.rules.checks import (
    authorship,
    claim_gate,
    codes,
    day,
    forms,
    goals,
    laterality,
    pairs,
    payer,
    plan,
    sections,
    timing,
)
from core.rules.checks.facts import NoteFacts, build_facts
from core.rules.context import NoteContext
from core.rules.findings import Finding, apply_acknowledgements

Check = Callable[[NoteFacts], Iterator[Finding]]

CHECKS: tuple[Check, ...] = (
    sections.check_required_sections,
    codes.check_catalog,
    codes.check_unlisted_description,
    timing.check_times,
    timing.check_overlaps,
    timing.check_visit_length,
    timing.check_total_time,
    day.check_block_in_visit,
    day.check_block_length,
    day.check_total_vs_visit,
    day.check_day_overlaps,
    goals.check_goal_links,
    laterality.check_laterality,
    laterality.check_unspecified_diagnoses,
    payer.check_bilateral_against_plan,
    payer.check_modifier_50,
    forms.check_97110_targets,
    forms.check_97110_progression,
    forms.check_97530,
    codes.check_add_ons,
    codes.check_evaluations,
    codes.check_payer_codes,
    pairs.check_pairs,
    pairs.check_chosen_modifiers,
    plan.check_progress_report,
    plan.check_certification,
    plan.check_claim_modifiers,
    payer.check_supervision,
    payer.check_massage_therapist_payer,
    claim_gate.check_diagnosis_present,
    claim_gate.check_initial_encounter,
    claim_gate.check_evaluation_plan,
    claim_gate.check_outcome_measure,
    plan.check_kx,
    day.check_day_units,
    day.check_kx_fee_schedule,
    authorship.check_authorship,
)


def check_note(note: Note, context: NoteContext) -> list[Finding]:
    """Every finding for ``note`` in ``context`` (see the module docstring)."""
    facts = build_facts(note, context)
    found = [finding for check in CHECKS for finding in check(facts)]
    return apply_acknowledgements(found, note.acknowledged)


def audit_notes(items: Iterable[tuple[Note, NoteContext]]) -> dict[uuid.UUID, list[Finding]]:
    """``check_note`` over many notes (a whole chart); keyed by note id, in input order."""
    return {note.id: check_note(note, context) for note, context in items}


__all__ = ["CHECKS", "audit_notes", "check_note"]
