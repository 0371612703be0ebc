"""Billing rules: units, note checks, claim modifiers, signing snapshots. Pure functions over
``core.domain`` objects and the data packs in ``resources/rules``; no Qt, no SQL, no I/O
beyond reading the packs. See docs/rules.md.
"""

from core.rules.checks import audit_notes, check_note
from core.rules.context import NoteContext, PriorNote, domain_profile
from core.rules.findings import CATALOG, Finding, Severity, blocking, needing_attention
from core.rules.modifiers import modifiers_for
from core.rules.packs import RulePacks, default_packs
from core.rules.snapshot import canonical_note_json, snapshot_hash, verify_snapshot
from core.rules.units import TieGroup, UnitResult, chart_units, compute_units, units_for_note

__all__ = [
    "CATALOG", "Finding", "NoteContext", "PriorNote", "RulePacks", "Severity", "TieGroup",
    "UnitResult", "audit_notes", "blocking", "canonical_note_json", "chart_units",
    "check_note", "compute_units", "default_packs", "domain_profile", "modifiers_for",
    "needing_attention", "snapshot_hash", "units_for_note", "verify_snapshot",
]
