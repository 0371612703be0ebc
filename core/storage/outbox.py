"""Record versions and the sync outbox, written in the same transaction as every change.

At ``UnitOfWork.commit`` each record that the unit of work created, updated, signed or took an
addendum on is captured as an immutable *version*: the record's full current rows (the row
plus its child rows, e.g. a note with its blocks), as the database stores them, in canonical
JSON. A version names its parents (the record's previous heads), so concurrent edits on two
devices form a graph in which nothing is lost; ``core.sync`` encrypts and pushes the outbox.

Draft edits are frequent (the app saves as you type), so a new local version *replaces* the
payload of the record's current head when that head is a local draft version that has never
left this machine (no ciphertext yet): nobody else can have seen it. Sign and addendum versions
and anything already sent are never rewritten (a trigger enforces it).

``RECORDS`` maps each synced entity name (as used in ``uow.record``) to its table and child
tables. A write to an entity that is not listed raises ``UnsyncedEntity`` at commit: a
record type that silently never syncs would be lost data on the second device.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from core.domain.ids import new_id
from core.storage import tables as t


class UnsyncedEntity(Exception):
    """A write was recorded for an entity that has no entry in ``RECORDS`` (a programming error)."""


@dataclass(frozen=True, slots=True)
class RecordSpec:
    table: Table
    children: tuple[tuple[Table, str], ...] = ()


RECORDS: dict[str, RecordSpec] = {
    "practice": RecordSpec(t.practices),
    "clinician": RecordSpec(t.clinicians),
    "payer_profile": RecordSpec(t.payer_profiles),
    "patient": RecordSpec(t.patients),
    "episode": RecordSpec(t.episodes, ((t.diagnoses, "episode_id"), (t.goals, "episode_id"))),
    "visit": RecordSpec(t.visits),
    "note": RecordSpec(
        t.notes,
        ((t.timed_blocks, "note_id"), (t.untimed_services, "note_id"), (t.addenda, "note_id")),
    ),
    "fee": RecordSpec(t.fee_schedule),
    "payment": RecordSpec(t.payments),
    "package": RecordSpec(t.packages, ((t.package_uses, "package_id"),)),
    "measure_score": RecordSpec(t.measure_scores),
    "mileage": RecordSpec(t.mileage_entries),
    "clock": RecordSpec(t.clock_entries),
}
NOT_SYNCED = frozenset({"chart", "superbill", "report", "audit"})
WRITE_KINDS = {
    "create": "create",
    "update": "edit",
    "delete": "delete",
    "sign": "sign",
    "addendum": "addendum",
}
_PRECEDENCE = ["edit", "create", "delete", "addendum", "sign"]


def strongest(a: str | None, b: str) -> str:
    """The kind that describes both changes in one version (a sign beats an edit, …)."""
    if a is None:
        return b
    return max(a, b, key=_PRECEDENCE.index)


def _raw_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _rows(conn: Connection, table: Table, column: str, ident: uuid.UUID) -> list[dict[str, Any]]:
    # Driver-level SQL returns values exactly as stored, so the payload can be re-applied
    # verbatim on another device.
    cursor = conn.exec_driver_sql(
        f'SELECT * FROM "{table.name}" WHERE "{column}" = ? ORDER BY rowid', (ident.hex,)
    )
    names = [d[0] for d in cursor.cursor.description] if cursor.cursor else []
    return [{n: _raw_value(v) for n, v in zip(names, row, strict=True)} for row in cursor]


def record_payload(conn: Connection, entity: str, ident: uuid.UUID) -> str:
    """Canonical JSON of the record as stored: ``{"row": {...} | null, "children": {...}}``."""
    spec = RECORDS[entity]
    rows = _rows(conn, spec.table, "id", ident)
    doc = {
        "entity": entity,
        "row": rows[0] if rows else None,
        "children": {table.name: _rows(conn, table, col, ident) for table, col in spec.children},
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def heads(conn: Connection, record_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    value = conn.execute(
        select(t.record_heads.c.heads).where(t.record_heads.c.record_id == record_id)
    ).scalar_one_or_none()
    return tuple(value or ())


def capture(conn: Connection, device_id: str, pending: Iterable[tuple[str, uuid.UUID, str]]) -> int:
    """Write one version (and outbox entry) per pending ``(entity, record_id, kind)``.

    Returns the number of versions appended (coalesced drafts are not counted).
    """
    appended = 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for entity, record_id, kind in pending:
        if entity in NOT_SYNCED:
            continue
        if entity not in RECORDS:
            raise UnsyncedEntity(f"entity {entity!r} has no sync record spec")
        payload = record_payload(conn, entity, record_id)
        current = heads(conn, record_id)
        if kind not in ("sign", "addendum") and _coalesce(conn, current, payload, now):
            continue
        version_id = new_id()
        change_id = new_id()
        conn.execute(
            insert(t.record_versions).values(
                version_id=version_id,
                change_id=change_id,
                record_id=record_id,
                entity=entity,
                kind=kind,
                parent_ids=current,
                payload=payload,
                device_id=device_id,
                created_at=now,
            )
        )
        conn.execute(
            insert(t.sync_outbox).values(change_id=change_id, version_id=version_id, created_at=now)
        )
        _set_heads(conn, record_id, entity, (version_id,))
        appended += 1
    return appended


def _coalesce(
    conn: Connection, current: tuple[uuid.UUID, ...], payload: str, now: dt.datetime
) -> bool:
    """Fold this edit into the single head if that head is an unsent local draft version."""
    if len(current) != 1:
        return False
    v, o = t.record_versions, t.sync_outbox
    row = conn.execute(
        select(v.c.version_id, v.c.kind)
        .join(o, o.c.version_id == v.c.version_id)
        .where(
            v.c.version_id == current[0],
            o.c.ciphertext.is_(None),
            o.c.acked_seq.is_(None),
            v.c.server_seq.is_(None),
        )
    ).first()
    if row is None or row.kind in ("sign", "addendum"):
        return False
    conn.execute(
        update(v).where(v.c.version_id == row.version_id).values(payload=payload, created_at=now)
    )
    return True


def _set_heads(
    conn: Connection, record_id: uuid.UUID, entity: str, new_heads: tuple[uuid.UUID, ...]
) -> None:
    from sqlalchemy.dialects.sqlite import insert as upsert

    stmt = upsert(t.record_heads).values(record_id=record_id, entity=entity, heads=new_heads)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["record_id"], set_={"heads": stmt.excluded.heads}
        )
    )


def pending_count(conn: Connection) -> int:
    from sqlalchemy import func

    return int(
        conn.execute(
            select(func.count())
            .select_from(t.sync_outbox)
            .where(t.sync_outbox.c.acked_seq.is_(None))
        ).scalar_one()
    )
