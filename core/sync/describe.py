"""Readable accounts of sync conflicts, notices and a record's version history.

Contract: pure reads inside the caller's chart transaction; the strings carry record content
(names, values), so they are for the user's own screen, never for a log. "This device" is the
chart that reads; another device is named by the end of its id, and every time is the writing
device's clock (shown as written, UTC).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from core.domain.errors import NotFound
from core.storage import records
from core.storage import sync_store as store
from core.sync import merge

DECISIONS = frozenset({"draft", "sign_race", "delete_edit"})
_KIND_TITLES = {
    "draft": "Edited on two devices: choose a version",
    "sign_race": "Signed on two devices at once",
    "delete_edit": "Deleted on one device, edited on another: keep or delete",
    "fields": "Changed on two devices: merged automatically",
    "log_restored": "The sync server's log was restored",
    "refused": "A change from another device could not be applied here",
}


@dataclass(frozen=True)
class ConflictSummary:
    conflict_id: uuid.UUID
    kind: str
    record_id: uuid.UUID
    entity: str
    needs_decision: bool
    title: str
    record: str
    detected_at: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class HistoryEntry:
    version_id: uuid.UUID
    kind: str
    device: str
    at: str
    on_server: bool
    summary: str
    changed: tuple[str, ...]


def who(device: str, this_device: str) -> str:
    return "this device" if device == this_device else f"device …{device[-6:]}"


def _value(value: Any) -> str:
    if value is None:
        return "(empty)"
    text = str(value)
    return f'"{text[:60]}…"' if len(text) > 60 else f'"{text}"'


def _when(at: str) -> str:
    return at[:16].replace("T", " ") if at else "unknown time"


def _doc(conn: Connection, version: uuid.UUID) -> dict[str, Any] | None:
    text = store.payloads(conn, [version]).get(version)
    return json.loads(text) if text else None


def summarize(conn: Connection, c: dict[str, Any], this_device: str) -> ConflictSummary:
    """One open (or past) conflict or notice as a title, the record, and detail lines."""
    kind, heads = c["kind"], list(c["heads"] or ())
    detail: dict[str, Any] = {}
    if c["detail"] and str(c["detail"]).startswith("{"):
        detail = json.loads(c["detail"])
    lines: list[str] = []
    record = str(detail.get("record", ""))
    if kind == "log_restored":
        record = "All records"
        lines.append(str(detail.get("message", "")))
    else:
        if not record:
            current = (records.current_doc(conn, c["entity"], c["record_id"])
                       if c["entity"] in records.SPECS else {})
            if current.get("row") is None and heads:
                current = _doc(conn, heads[-1]) or current
            record = merge.describe(c["entity"], current)
        if kind == "refused":
            lines.append(str(detail.get("message", "")))
        meta = store.version_meta(conn, heads)
        kept = detail.get("kept_version")
        for clash in detail.get("clashes", []):
            if clash["kind"] == "field":
                lines.append(
                    f"{clash['field']}: kept {_value(clash['kept'])}, "
                    f"other value {_value(clash['other'])} (kept in history)"
                )
            elif clash["field"] != "record":
                lines.append(f"{clash['field']}: removed on one device, edited on the other")
        for version in heads:
            device, at = meta.get(version, ("", ""))
            doc = _doc(conn, version)
            state = "deleted it" if doc is not None and doc.get("row") is None else "edited it"
            mark = " (its values kept)" if kind == "fields" and str(version) == kept else ""
            lines.append(f"{who(device, this_device)} {state} at {_when(at)}{mark}")
    return ConflictSummary(
        c["id"],
        kind,
        c["record_id"],
        c["entity"],
        kind in DECISIONS,
        _KIND_TITLES.get(kind, kind),
        record,
        str(c["detected_at"])[:16],
        tuple(lines),
    )


def history(conn: Connection, record_id: uuid.UUID, this_device: str) -> list[HistoryEntry]:
    """Every version of a record, oldest first, with the fields each changed from its
    first parent (what a clinician asks: who changed what, when)."""
    rows = store.version_rows(conn, record_id)
    if not rows:
        raise NotFound("No sync history for that record in this chart.")
    meta = store.version_meta(conn, [r.version_id for r in rows])
    docs = {v: json.loads(p) for v, p in store.payloads(conn, [r.version_id for r in rows]).items()}
    ordered = sorted(rows, key=lambda r: (meta[r.version_id][1], str(r.version_id)))
    out = []
    for r in ordered:
        doc = docs[r.version_id]
        row = doc.get("row") or {}
        before = (docs[r.parents[0]].get("row") or {}) if r.parents else {}
        changed = tuple(
            k
            for k in sorted(set(row) | set(before))
            if row.get(k) != before.get(k) and k not in ("updated_at", "search_key")
        )
        device, at = meta[r.version_id]
        out.append(
            HistoryEntry(
                r.version_id,
                r.kind,
                who(device, this_device),
                _when(at),
                r.seq is not None,
                merge.describe(str(doc.get("entity", "")), doc),
                changed if doc.get("row") is not None else ("(deleted)",),
            )
        )
    return out
