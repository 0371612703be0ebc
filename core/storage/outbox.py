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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update

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
    "claim": RecordSpec(t.claims),  # issue 18: a claim sent on one device is sent everywhere
    "claim_batch": RecordSpec(t.claim_batches),
    "remittance": RecordSpec(t.remittance_items),
    "estimate": RecordSpec(t.estimates),  # issue 18: a good-faith estimate, with its PDF
    # issue 20: supplies. Movements are only ever inserted; on hand is derived on each device. A
    # note's template usage has an id derived from (note, item): the same on every device.
    "inventory_location": RecordSpec(t.inventory_locations),
    "inventory_item": RecordSpec(t.inventory_items),
    "stock_movement": RecordSpec(t.stock_movements),
    "usage_template": RecordSpec(t.usage_templates),
    # issue 19: the schedule (a series before the occurrences moved out of it)
    "appointment_series": RecordSpec(t.appointment_series),
    "appointment": RecordSpec(t.appointments),
    "working_hours": RecordSpec(t.working_hours),
    "schedule_block": RecordSpec(t.schedule_blocks),
    "waitlist_entry": RecordSpec(t.waitlist),
    "appointment_reminder": RecordSpec(t.appointment_reminders),  # sent once, on any device
    "appointment_fee": RecordSpec(t.appointment_fees),  # id from the appointment: posted once
}
NOT_SYNCED = frozenset({"chart", "superbill", "report", "audit", "recording"})
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


_CHUNK = 500  # SQLite host-parameter budget per IN (...)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _rows_of(
    conn: Connection, table: Table, column: str, idents: Sequence[uuid.UUID]
) -> dict[str, list[dict[str, Any]]]:
    """Rows whose ``column`` is one of ``idents``, by the id's hex, each list in rowid order."""
    # Driver-level SQL returns values exactly as stored, so the payload can be re-applied
    # verbatim on another device.
    out: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks([i.hex for i in idents]):
        marks = ", ".join("?" * len(chunk))
        cursor = conn.exec_driver_sql(
            f'SELECT * FROM "{table.name}" WHERE "{column}" IN ({marks}) ORDER BY rowid',
            tuple(chunk),
        )
        names = [d[0] for d in cursor.cursor.description] if cursor.cursor else []
        at = names.index(column) if names else 0
        for row in cursor:
            out.setdefault(row[at], []).append(
                {n: _raw_value(v) for n, v in zip(names, row, strict=True)})
    return out


def record_payloads(
    conn: Connection,
    entity: str,
    idents: Sequence[uuid.UUID],
    *,
    spec: RecordSpec | None = None,
) -> dict[uuid.UUID, str]:
    """``record_payload`` of several records of one entity: one query per table and 500 ids
    (``spec``: for a table of the sync client's own that is not in ``RECORDS``)."""
    spec = spec or RECORDS[entity]
    rows = _rows_of(conn, spec.table, "id", idents)
    children = [(table.name, _rows_of(conn, table, col, idents)) for table, col in spec.children]
    out = {}
    for ident in idents:
        own = rows.get(ident.hex)
        doc = {
            "entity": entity,
            "row": own[0] if own else None,
            "children": {name: kids.get(ident.hex, []) for name, kids in children},
        }
        out[ident] = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return out


def record_payload(conn: Connection, entity: str, ident: uuid.UUID) -> str:
    """Canonical JSON of the record as stored: ``{"row": {...} | null, "children": {...}}``."""
    return record_payloads(conn, entity, [ident])[ident]


def heads(conn: Connection, record_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    return _heads_of(conn, [record_id]).get(record_id, ())


def _heads_of(
    conn: Connection, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, ...]]:
    h = t.record_heads
    out: dict[uuid.UUID, tuple[uuid.UUID, ...]] = {}
    for chunk in _chunks(record_ids):
        stmt = select(h.c.record_id, h.c.heads).where(h.c.record_id.in_(chunk))
        out.update({rid: tuple(value or ()) for rid, value in conn.execute(stmt)})
    return out


def capture(conn: Connection, device_id: str, pending: Iterable[tuple[str, uuid.UUID, str]]) -> int:
    """Write one version (and outbox entry) per pending ``(entity, record_id, kind)``.

    Returns the number of versions appended (coalesced drafts are not counted). Each record is
    independent of the others, so the payloads, heads and coalescible heads of the whole batch
    are read first (a few queries per entity, not several per record), then the writes go out
    as one ``executemany`` per table, in ``pending`` order.
    """
    items = []
    for entity, record_id, kind in pending:
        if entity in NOT_SYNCED:
            continue
        if entity not in RECORDS:
            raise UnsyncedEntity(f"entity {entity!r} has no sync record spec")
        items.append((entity, record_id, kind))
    if not items:
        return 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    by_entity: dict[str, list[uuid.UUID]] = {}
    for entity, record_id, _kind in items:
        by_entity.setdefault(entity, []).append(record_id)
    payloads: dict[uuid.UUID, str] = {}
    for entity, idents in by_entity.items():
        payloads.update(record_payloads(conn, entity, idents))
    current = _heads_of(conn, [record_id for _e, record_id, _k in items])
    foldable = _unsent_drafts(conn, [
        current[record_id][0] for _e, record_id, kind in items
        if kind not in ("sign", "addendum") and len(current.get(record_id, ())) == 1
    ])
    folded: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    for entity, record_id, kind in items:
        parents = current.get(record_id, ())
        if kind not in ("sign", "addendum") and len(parents) == 1 and parents[0] in foldable:
            # the single head is an unsent local draft version: fold this edit into it
            folded.append({"vid": parents[0], "folded": payloads[record_id]})
            continue
        versions.append({
            "version_id": new_id(), "change_id": new_id(), "record_id": record_id,
            "entity": entity, "kind": kind, "parent_ids": parents,
            "payload": payloads[record_id], "device_id": device_id, "created_at": now,
        })
    v = t.record_versions
    if folded:
        conn.execute(
            update(v).where(v.c.version_id == bindparam("vid"))
            .values(payload=bindparam("folded"), created_at=now),
            folded,
        )
    if versions:
        conn.execute(insert(v), versions)
        conn.execute(insert(t.sync_outbox), [
            {"change_id": x["change_id"], "version_id": x["version_id"], "created_at": now}
            for x in versions
        ])
        set_heads(conn, [(x["record_id"], x["entity"], (x["version_id"],)) for x in versions])
    return len(versions)


def _unsent_drafts(conn: Connection, version_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The versions among ``version_ids`` that are local drafts never sent (foldable)."""
    v, o = t.record_versions, t.sync_outbox
    out: set[uuid.UUID] = set()
    for chunk in _chunks(version_ids):
        rows = conn.execute(
            select(v.c.version_id, v.c.kind)
            .join(o, o.c.version_id == v.c.version_id)
            .where(
                v.c.version_id.in_(chunk),
                o.c.ciphertext.is_(None),
                o.c.key_id.is_(None),  # sealed into a batch: frozen
                o.c.acked_seq.is_(None),
                v.c.server_seq.is_(None),
            )
        )
        out.update(r.version_id for r in rows if r.kind not in ("sign", "addendum"))
    return out


def set_heads(
    conn: Connection, new_heads: Sequence[tuple[uuid.UUID, str, tuple[uuid.UUID, ...]]]
) -> None:
    """Make each ``(record_id, entity, heads)`` the record's heads (one ``executemany``)."""
    from sqlalchemy.dialects.sqlite import insert as upsert

    stmt = upsert(t.record_heads)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["record_id"], set_={"heads": stmt.excluded.heads}
        ),
        [{"record_id": r, "entity": e, "heads": h} for r, e, h in new_heads],
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
