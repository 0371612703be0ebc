"""Canonical JSON of a note at signing, its SHA-256, and tamper detection.

Contract:
- ``canonical_note_json(note, visit, ...)`` is deterministic: sorted keys, compact
  separators, UTF-8 text (``ensure_ascii=False``), ISO dates/times, UUIDs as strings, blocks
  in position order, untimed services in position order, acknowledgements sorted. Decimals
  become strings; NaN/infinity and values JSON cannot hold raise ``InvalidInput``.
- It holds the clinical content (S/O/A/P, blocks, untimed services, total treatment time,
  acknowledgements, the supplies used when the note keeps them, the body diagram's marks
  when there are any) and the visit (date, times,
  place; a home visit's address and a telehealth visit's modality when set). Workflow fields
  (status, hash, snapshot, addenda, updated_at) are not part of it. ``signed_by``/``signed_at`` and
  ``unit_method`` (units per the payer's method) are included when given.
- ``verify_snapshot(note, visit=None)`` is True only if the note carries a snapshot whose
  SHA-256 equals ``content_hash`` *and* the note's current content (and the visit, when
  given) still produce exactly that snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from core.domain.enums import UnitMethod
from core.domain.errors import InvalidInput
from core.domain.visit import Note, TimedBlock, UntimedService, Visit
from core.rules.units import units_for_note

SCHEMA = 1


def _plain(value: Any) -> Any:
    """Convert to JSON-native values, deterministically."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput("A note value is not a finite number.")
        return value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    raise InvalidInput(f"A note value of type {type(value).__name__} cannot be signed.")


def _block(b: TimedBlock) -> dict[str, Any]:
    return {
        "id": b.id, "code": b.code, "start": b.start, "stop": b.stop, "minutes": b.minutes,
        "goal_ids": list(b.goal_ids), "laterality": b.laterality, "details": b.details,
        "goal_connection": b.goal_connection, "modifiers": list(b.modifiers),
        "position": b.position,
    }


def _untimed(s: UntimedService) -> dict[str, Any]:
    return {
        "id": s.id, "code": s.code, "laterality": s.laterality, "goal_ids": list(s.goal_ids),
        "details": s.details, "modifiers": list(s.modifiers), "minutes": s.minutes,
        "position": s.position,
    }


def _note(note: Note) -> dict[str, Any]:
    acks = sorted(
        ({"finding_id": str(a["finding_id"]), "reason": str(a["reason"])}
         for a in note.acknowledged),
        key=lambda a: (a["finding_id"], a["reason"]),
    )
    return {
        "id": note.id, "visit_id": note.visit_id, "note_type": note.note_type,
        "subjective": note.subjective, "objective": note.objective,
        "assessment": note.assessment, "plan": note.plan,
        "total_treatment_minutes": note.total_treatment_minutes,
        "dictated_at": note.dictated_at,
        "blocks": [_block(b) for b in sorted(note.blocks, key=lambda b: (b.position, str(b.id)))],
        "untimed": [
            _untimed(s) for s in sorted(note.untimed, key=lambda s: (s.position, str(s.id)))
        ],
        "acknowledged": acks,
        # only when set, so a note signed before supplies were kept keeps its snapshot
        **({"supplies": _supplies(note.supplies)} if note.supplies is not None else {}),
        # only when marked, so a note signed before the body diagram keeps its snapshot
        **({"body_marks": [dict(m) for m in note.body_marks]} if note.body_marks else {}),
    }


def _supplies(stored: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(({"item_id": str(x["item_id"]), "quantity": str(x["quantity"])}
                   for x in stored), key=lambda x: x["item_id"])


def _visit(visit: Visit) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": visit.id, "patient_id": visit.patient_id, "episode_id": visit.episode_id,
        "clinician_id": visit.clinician_id, "date": visit.date,
        "start_time": visit.start_time, "end_time": visit.end_time,
        "place_of_service": visit.place_of_service,
    }
    # Only when set, so a note signed before visits had them keeps its snapshot byte for byte.
    if getattr(visit, "address", ""):
        doc["address"] = visit.address
    if getattr(visit, "telehealth_modality", None):
        doc["telehealth_modality"] = visit.telehealth_modality
    return doc


def _dumps(doc: Mapping[str, Any]) -> str:
    return json.dumps(
        _plain(doc), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def canonical_note_json(
    note: Note,
    visit: Visit,
    *,
    unit_method: UnitMethod | str | None = None,
    signed_by: uuid.UUID | None = None,
    signed_at: dt.datetime | None = None,
) -> str:
    """The note's canonical JSON text (see the module docstring)."""
    if visit.id != note.visit_id:
        raise InvalidInput("The note does not belong to this visit.")
    doc: dict[str, Any] = {"schema": SCHEMA, "note": _note(note), "visit": _visit(visit)}
    if unit_method is not None:
        result = units_for_note(note, unit_method)
        doc["units"] = {"method": result.method, "by_code": dict(result.units)}
    if signed_by is not None:
        doc["signed_by"] = signed_by
    if signed_at is not None:
        doc["signed_at"] = signed_at
    return _dumps(doc)


def snapshot_hash(text: str) -> str:
    """SHA-256 hex digest of the UTF-8 snapshot text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_snapshot(note: Note, visit: Visit | None = None) -> bool:
    """True when the snapshot is intact and still matches the note (and visit, if given)."""
    if not note.snapshot or not note.content_hash:
        return False
    if snapshot_hash(note.snapshot) != note.content_hash:
        return False
    try:
        frozen = json.loads(note.snapshot)
        doc: dict[str, Any] = {
            "schema": frozen["schema"],
            "note": _note(note),
            "visit": _visit(visit) if visit is not None else frozen["visit"],
        }
        if "units" in frozen:
            result = units_for_note(note, frozen["units"]["method"])
            doc["units"] = {"method": result.method, "by_code": dict(result.units)}
        if "signed_by" in frozen:
            doc["signed_by"] = note.signed_by
        if "signed_at" in frozen:
            doc["signed_at"] = note.signed_at
        return _dumps(doc) == note.snapshot
    except (ValueError, KeyError, TypeError, InvalidInput):
        return False
