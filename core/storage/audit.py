"""Hash-chained audit log: ``h_i = SHA-256(h_{i-1} || canonical(row_i))``.

One row per view, create, update, sign, addendum, export, print, unlock and failed unlock.
Rows carry who (actor id), which device, what kind of record and its id, the action and a
non-identifying detail (field names, counts) — never names, dates of birth or note text.
The verifier recomputes the chain and names the first row whose link is broken; a deleted row
shows up as a broken link at the next one. Limits: a truncated tail is only caught against an
anchored head (the sync server keeps one later); see docs/security.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from core.storage.tables import audit_events

GENESIS = "0" * 64

ACTIONS = frozenset(
    {
        "create",
        "update",
        "delete",
        "view",
        "sign",
        "addendum",
        "export",
        "print",
        "unlock",
        "unlock_failed",
        "emergency_access",
        "lock",
        "change_passphrase",
        "migrate",
        "override",
        "backup",
        "restore",
        "repair",
        "check_integrity",
    }
)


# Built once: constructing the statements per event cost more than running them.
_HEAD = select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()).limit(1)
_INSERT = insert(audit_events)


def canonical(row: dict[str, Any]) -> bytes:
    fields = ("seq", "at", "actor", "device", "action", "entity", "entity_id", "detail")
    return json.dumps({k: row[k] for k in fields}, sort_keys=True, separators=(",", ":")).encode()


def link(prev_hash: str, row: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(row)).hexdigest()


def append(
    conn: Connection,
    *,
    actor: str,
    device: str,
    action: str,
    entity: str,
    entity_id: str = "",
    detail: str = "",
    at: dt.datetime | None = None,
) -> int:
    """Append one event in the caller's transaction; returns its sequence number."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    head = conn.execute(_HEAD).first()
    seq = (head.seq + 1) if head else 1
    prev = head.hash if head else GENESIS
    row = {
        "seq": seq,
        "at": (at or dt.datetime.now(dt.UTC)).isoformat(timespec="microseconds"),
        "actor": actor,
        "device": device,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": detail,
    }
    conn.execute(_INSERT, {**row, "prev_hash": prev, "hash": link(prev, row)})
    return seq


@dataclass(frozen=True, slots=True)
class AuditReport:
    rows: int
    first_broken_seq: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify(conn: Connection) -> AuditReport:
    """Walk the chain in order; report the first row whose stored link does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for r in conn.execute(select(audit_events).order_by(audit_events.c.seq)).mappings():
        count += 1
        row = dict(r)
        if row["seq"] != expected_seq:
            return AuditReport(count, expected_seq, f"row {expected_seq} is missing")
        if row["prev_hash"] != prev:
            return AuditReport(count, row["seq"], "link to the previous row is broken")
        if row["hash"] != link(prev, row):
            return AuditReport(count, row["seq"], "row content does not match its hash")
        prev = row["hash"]
        expected_seq += 1
    return AuditReport(count, None)


def recent(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(audit_events).order_by(audit_events.c.seq.desc()).limit(limit)
    ).mappings()
    return [dict(r) for r in rows]
