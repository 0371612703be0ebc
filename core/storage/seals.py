"""Keyed tamper seals: the audit head and every signed note, under a key only this chart has.

The audit chain (``audit.py``) and a note's ``content_hash`` are plain SHA-256: anyone who can
write the database can rewrite a note, recompute its hash and rebuild the chain after it, and
``verify`` would pass. Here both are sealed with HMAC-SHA256 under a key derived from the chart
key (``KeyHolder.subkey``), so a rewrite made without the chart key — a copied file edited by a
tool, a row changed by another program that was handed only the file — is caught:

- **audit head seal**: meta ``audit_seal`` = ``seq:hash:mac`` of the last audit row, rewritten in
  the same transaction as every audited change (``UnitOfWork.commit``). A row appended, altered or
  removed without the key leaves a head the seal does not match.
- **note seals**: ``note_seals`` holds, per signed note, its content hash and a MAC of
  (note id, hash); written when a note is signed here or stored signed by sync, and once for the
  notes a chart held before seals existed (``backfill``, at open).
- **anchors**: the sealed head is copied off the chart — into every backup's manifest — so a
  rewrite by someone who *does* hold the key (the chart's own user) is still caught by a second
  copy: the anchored row must still be in the chain with the same hash (``anchor_problems``).

Why hand-written: the stdlib's ``hmac`` is the primitive; what is sealed and when is ours.
Limits (docs/security.md): the key holder can re-seal a rewrite; only the anchors kept elsewhere
catch that, and only back to the newest anchor that predates the rewrite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, text

from core.storage.engine import KeyHolder
from core.storage.tables import audit_events, meta, note_seals, notes

AUDIT_SEAL = "audit_seal"
RESTORE_POINTS = "restore_points"  # JSON [[restored_at, head seq of the backup restored], …]
SEALS_COMPLETE = "note_seals_complete"  # set once every signed note held at open was sealed

_HEAD = select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()).limit(1)
_SET = text("INSERT OR REPLACE INTO meta(key, value) VALUES (:k, :v)")


def _mac(keys: KeyHolder, label: bytes, *parts: str) -> str:
    key = keys.subkey(label)
    return hmac.new(key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The sealed head of the audit chain: its last row's number and hash, and their MAC."""

    seq: int
    hash: str
    mac: str

    def as_text(self) -> str:
        return f"{self.seq}:{self.hash}:{self.mac}"

    @classmethod
    def parse(cls, value: str | None) -> AuditHead | None:
        try:
            seq, digest, mac = str(value).split(":")
            return cls(int(seq), digest, mac)
        except (ValueError, TypeError):
            return None


def audit_mac(keys: KeyHolder, chart_id: str, seq: int, digest: str) -> str:
    return _mac(keys, b"audit-head", chart_id, str(seq), digest)


def note_mac(keys: KeyHolder, chart_id: str, note_id: uuid.UUID, content_hash: str) -> str:
    return _mac(keys, b"note", chart_id, note_id.hex, content_hash)


def current_head(conn: Connection, keys: KeyHolder, chart_id: str) -> AuditHead | None:
    """The chain's head as it is now, sealed (None for an empty chain)."""
    row = conn.execute(_HEAD).first()
    if row is None:
        return None
    return AuditHead(int(row.seq), str(row.hash), audit_mac(keys, chart_id, row.seq, row.hash))


def seal_audit_head(conn: Connection, keys: KeyHolder, chart_id: str) -> None:
    """Rewrite the head seal in the caller's transaction (after its last audit row)."""
    head = current_head(conn, keys, chart_id)
    if head is not None:
        conn.execute(_SET, {"k": AUDIT_SEAL, "v": head.as_text()})


def seal_notes(
    conn: Connection, keys: KeyHolder, chart_id: str, note_ids: Iterable[uuid.UUID]
) -> int:
    """Seal those of ``note_ids`` that are signed and not sealed yet; returns how many.

    A seal is written once: a signed note cannot change, so a later mismatch is tampering,
    never something to re-seal."""
    ids = list(note_ids)
    if not ids:
        return 0
    rows = conn.execute(
        select(notes.c.id, notes.c.content_hash)
        .outerjoin(note_seals, note_seals.c.note_id == notes.c.id)
        .where(notes.c.id.in_(ids), notes.c.status == "signed", note_seals.c.note_id.is_(None))
    ).all()
    return _insert(conn, keys, chart_id, rows)


def backfill(conn: Connection, keys: KeyHolder, chart_id: str) -> int:
    """Once per chart: seal every signed note that has no seal (charts signed before r0011)."""
    if conn.execute(select(meta.c.value).where(meta.c.key == SEALS_COMPLETE)).scalar():
        return 0
    rows = conn.execute(
        select(notes.c.id, notes.c.content_hash)
        .outerjoin(note_seals, note_seals.c.note_id == notes.c.id)
        .where(notes.c.status == "signed", note_seals.c.note_id.is_(None))
    ).all()
    done = _insert(conn, keys, chart_id, rows)
    conn.execute(_SET, {"k": SEALS_COMPLETE, "v": dt.datetime.now(dt.UTC).isoformat()})
    return done


def _insert(conn: Connection, keys: KeyHolder, chart_id: str, rows: Iterable[object]) -> int:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    values = [
        {
            "note_id": r.id,  # type: ignore[attr-defined]
            "content_hash": r.content_hash or "",  # type: ignore[attr-defined]
            "mac": note_mac(keys, chart_id, r.id, r.content_hash or ""),  # type: ignore[attr-defined]
            "sealed_at": now,
        }
        for r in rows
    ]
    if values:
        conn.execute(insert(note_seals), values)
    return len(values)


# -- checking -------------------------------------------------------------------------------------


def audit_seal_problems(
    conn: Connection, keys: KeyHolder, chart_id: str, *, required: bool = True
) -> list[str]:
    """The stored head seal against the chain's actual head and the key. ``required=False``
    (a backup, which may predate seals): a missing seal is not a problem, a wrong one is."""
    stored = conn.execute(select(meta.c.value).where(meta.c.key == AUDIT_SEAL)).scalar()
    if stored is None and not required:
        return []
    head = conn.execute(_HEAD).first()
    if head is None:
        return [] if stored is None else ["the audit log is empty but its seal names a head"]
    seal = AuditHead.parse(stored)
    if seal is None:
        return ["the audit log's head is not sealed (the seal is missing or unreadable)"]
    if not hmac.compare_digest(seal.mac, audit_mac(keys, chart_id, seal.seq, seal.hash)):
        return ["the audit log's seal was not made with this chart's key"]
    if seal.seq != head.seq or seal.hash != head.hash:
        if head.seq > seal.seq:
            return [f"audit rows after {seal.seq} were added without the chart key"]
        return [f"the audit log no longer ends at its sealed row {seal.seq}"]
    return []


def note_seal_problems(conn: Connection, keys: KeyHolder, chart_id: str) -> list[str]:
    """Every signed note against its seal: missing, altered hash, or a MAC the key did not make."""
    complete = conn.execute(select(meta.c.value).where(meta.c.key == SEALS_COMPLETE)).scalar()
    sealed = {
        r.note_id: (r.content_hash, r.mac)
        for r in conn.execute(select(note_seals.c.note_id, note_seals.c.content_hash,
                                     note_seals.c.mac))
    }
    problems: list[str] = []
    for r in conn.execute(
        select(notes.c.id, notes.c.content_hash).where(notes.c.status == "signed")
    ):
        seal = sealed.get(r.id)
        if seal is None:
            if complete:
                problems.append(f"signed note {r.id} has no seal")
            continue
        if not hmac.compare_digest(seal[1], note_mac(keys, chart_id, r.id, seal[0])):
            problems.append(f"signed note {r.id}: its seal was not made with this chart's key")
        elif seal[0] != (r.content_hash or ""):
            problems.append(f"signed note {r.id}: its hash differs from the one sealed")
    return problems


def anchor_problems(conn: Connection, anchors: Iterable[tuple[str, AuditHead]]) -> list[str]:
    """Each anchored head (where it came from, the head) must still be a row of the chain with
    the same hash: a chain rewritten or cut back before an anchor is caught by it."""
    problems = []
    for source, head in anchors:
        row = conn.execute(
            select(audit_events.c.hash).where(audit_events.c.seq == head.seq)
        ).scalar()
        if row is None:
            problems.append(f"the audit log is shorter than {source} recorded (row {head.seq})")
        elif row != head.hash:
            problems.append(f"audit row {head.seq} differs from the copy in {source}")
    return problems


def add_restore_point(conn: Connection, at: dt.datetime, backup_head_seq: int) -> None:
    """After a restore the chain continues from the backup's head: anchors taken before the
    restore past that row belong to the abandoned timeline (``applicable_anchor``)."""
    points = restore_points(conn)
    points.append((at, backup_head_seq))
    value = json.dumps([[a.isoformat(), seq] for a, seq in points])
    conn.execute(_SET, {"k": RESTORE_POINTS, "v": value})


def restore_points(conn: Connection) -> list[tuple[dt.datetime, int]]:
    raw = conn.execute(select(meta.c.value).where(meta.c.key == RESTORE_POINTS)).scalar()
    try:
        return [(dt.datetime.fromisoformat(a), int(seq)) for a, seq in json.loads(raw or "[]")]
    except (ValueError, TypeError):
        return []


def applicable_anchor(
    taken_at: dt.datetime, head: AuditHead, points: Iterable[tuple[dt.datetime, int]]
) -> bool:
    """Whether an anchor taken at ``taken_at`` still describes this chart's timeline: not when a
    later restore went back to a row before it."""
    return all(not (at > taken_at and seq < head.seq) for at, seq in points)


def anchor_is_genuine(keys: KeyHolder, chart_id: str, head: AuditHead) -> bool:
    return hmac.compare_digest(head.mac, audit_mac(keys, chart_id, head.seq, head.hash))
