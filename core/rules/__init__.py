"""Billing rules: units, note checks, claim modifiers, signing snapshots. Pure functions over
``core.domain`` objects and the data packs in ``resources/rules``; no Qt, no SQL, no I/O
beyond reading the packs. See docs/rules.md.

The names below load on first use (PEP 562): ``import core.rules.units`` — what
``chartside units`` needs — no longer imports every check (~60 ms at start-up, issue 24).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.rules.checks import audit_notes, check_note
    from core.rules.context import NoteContext, PriorNote, domain_profile
    from core.rules.findings import CATALOG, Finding, Severity, blocking, needing_attention
    from core.rules.modifiers import modifiers_for
    from core.rules.packs import RulePacks, default_packs
    from core.rules.snapshot import canonical_note_json, snapshot_hash, verify_snapshot
    from core.rules.units import (
        TieGroup,
        UnitResult,
        chart_units,
        compute_units,
        units_for_note,
    )

_WHERE = {
    "audit_notes": "checks", "check_note": "checks",
    "NoteContext": "context", "PriorNote": "context", "domain_profile": "context",
    "CATALOG": "findings", "Finding": "findings", "Severity": "findings",
    "blocking": "findings", "needing_attention": "findings",
    "modifiers_for": "modifiers",
    "RulePacks": "packs", "default_packs": "packs",
    "canonical_note_json": "snapshot", "snapshot_hash": "snapshot",
    "verify_snapshot": "snapshot",
    "TieGroup": "units", "UnitResult": "units", "chart_units": "units",
    "compute_units": "units", "units_for_note": "units",
}

__all__ = [
    "CATALOG", "Finding", "NoteContext", "PriorNote", "RulePacks", "Severity", "TieGroup",
    "UnitResult", "audit_notes", "blocking", "canonical_note_json", "chart_units",
    "check_note", "compute_units", "default_packs", "domain_profile", "modifiers_for",
    "needing_attention", "snapshot_hash", "units_for_note", "verify_snapshot",
]
assert sorted(__all__) == sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'core.rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"core.rules.{module}"), name)
    globals()[name] = value
    return value
