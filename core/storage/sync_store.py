"""The sync client's own SQL: meta settings, versions, heads, the outbox and its batches,
conflicts and addendum drafts.

Contract: every function takes the caller's ``Connection`` and runs inside the caller's
transaction (``ChartSession.uow()``), so a pulled page, the records it changes and the new
cursor commit together, and a batch's ciphertexts are stored before the batch is sent. Nothing
here decides merge policy (``core.sync.apply`` does); nothing here touches the network.

Domain records are not written here: a pulled version reaches the domain tables through
``core.storage.records`` (domain objects built with validation, saved by the repositories),
the one write path local edits use too. The hot per-version statements of a pull use the
driver connection of the same transaction with the sync tables' stored forms (UUIDs as 32 hex
digits, id lists as JSON); everything else goes through SQLAlchemy Core.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from core.domain.ids import new_id
from core.storage import outbox
from core.storage import tables as t
from core.storage.types import uuid_from_hex


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _ts(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _ids(values: Iterable[uuid.UUID]) -> str:
    return json.dumps([str(v) for v in values])


def _db(conn: Connection) -> Any:
    """The driver connection under ``conn``: same transaction, no ORM cost."""
    return conn.connection.driver_connection


def _all(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    return list(_db(conn).execute(sql, tuple(params)).fetchall())


def _marks(n: int) -> str:
    return ", ".join("?" * n)


# -- meta (small settings in the encrypted chart) and plumbing --------------------------------


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar_one_or_none()


def meta_with_prefix(conn: Connection, prefix: str) -> dict[str, str]:
    rows = conn.execute(select(t.meta.c.key, t.meta.c.value).where(t.meta.c.key.like(prefix + "%")))
    return {k: v for k, v in rows}


def set_meta(conn: Connection, key: str, value: str | None) -> None:
    conn.execute(delete(t.meta).where(t.meta.c.key == key))
    if value is not None:
        conn.execute(insert(t.meta).values(key=key, value=value))


def defer_foreign_keys(conn: Connection) -> None:
    """Check foreign keys at commit: a page may carry a record before one it references."""
    _db(conn).execute("PRAGMA defer_foreign_keys = ON")


def set_foreign_keys(engine: Engine, *, enabled: bool) -> None:
    """Switch foreign-key enforcement on the chart's one pooled connection (outside any
    transaction: SQLite ignores the pragma inside one)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")  # type: ignore[union-attr]
    finally:
        raw.close()


def holds_records(conn: Connection) -> bool:
    """Whether the chart holds any synced record (each write leaves a version)."""
    return bool(_all(conn, "SELECT 1 FROM record_versions LIMIT 1"))


# -- versions and heads -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionRow:
    version_id: uuid.UUID
    change_id: uuid.UUID
    kind: str
    parents: tuple[uuid.UUID, ...]
    device: str
    seq: int | None  # the server's position (pulled, or acknowledged)
    local: bool  # created on this device (has an outbox row)
    rejected: bool  # refused by the server for good
    salvaged: bool


_VERSION_ROWS = """
    SELECT v.version_id, v.change_id, v.kind, v.parent_ids, v.device_id, v.server_seq,
           o.acked_seq, o.change_id, s.status, s.salvaged, v.record_id
    FROM record_versions v
    LEFT JOIN sync_outbox o ON o.change_id = v.change_id
    LEFT JOIN sync_change_state s ON s.change_id = v.change_id
    WHERE v.record_id IN """


def version_rows(conn: Connection, record_id: uuid.UUID) -> list[VersionRow]:
    return version_rows_many(conn, [record_id]).get(record_id, [])


def version_rows_many(
    conn: Connection, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[VersionRow]]:
    """``version_rows`` of many records: one query per 500 records."""
    out: dict[uuid.UUID, list[VersionRow]] = {}
    ids = {r.hex: r for r in record_ids}
    keys = list(ids)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for r in _all(conn, _VERSION_ROWS + f"({_marks(len(chunk))})", chunk):
            out.setdefault(ids[r[10]], []).append(_version_row(r))
    return out


def _version_row(r: Sequence[Any]) -> VersionRow:
    return VersionRow(
        uuid.UUID(r[0]),
        uuid.UUID(r[1]),
        r[2],
        tuple(uuid.UUID(p) for p in json.loads(r[3] or "[]")),
        r[4],
        r[5] if r[5] is not None else r[6],
        r[7] is not None,
        r[8] == "rejected",
        bool(r[9]),
    )


def version_meta(
    conn: Connection, version_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    """version id → (device that wrote it, when: ISO time as that device's clock had it)."""
    ids = [v.hex for v in version_ids]
    out: dict[uuid.UUID, tuple[str, str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        sql = "SELECT version_id, device_id, created_at FROM record_versions WHERE version_id IN "
        out.update(
            {
                uuid.UUID(v): (d, str(c))
                for v, d, c in _all(conn, sql + f"({_marks(len(chunk))})", chunk)
            }
        )
    return out


def payloads(conn: Connection, version_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = [v.hex for v in version_ids]
    out: dict[uuid.UUID, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        sql = "SELECT version_id, payload FROM record_versions WHERE version_id IN "
        sql += f"({_marks(len(chunk))})"
        out.update({uuid.UUID(v): p for v, p in _all(conn, sql, chunk)})
    return out


def _existing(conn: Connection, table: str, column: str, values: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(values), 500):
        chunk = list(values[i : i + 500])
        sql = f"SELECT DISTINCT {column} FROM {table} WHERE {column} IN ({_marks(len(chunk))})"
        found |= {r[0] for r in _all(conn, sql, chunk)}
    return found


def known_versions(conn: Connection, version_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    found = _existing(conn, "record_versions", "version_id", [v.hex for v in version_ids])
    return {uuid.UUID(v) for v in found}


def _rows_in(conn: Connection, sql: str, ids: Sequence[uuid.UUID]) -> list[Any]:
    """Rows of ``sql`` (ending in ``IN``) for ``ids``, 500 bound values per statement."""
    values = [i.hex for i in ids]
    rows: list[Any] = []
    for i in range(0, len(values), 500):
        chunk = values[i : i + 500]
        rows += _all(conn, f"{sql} ({_marks(len(chunk))})", chunk)
    return rows


def known_by_wire(
    conn: Connection, wire_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]]:
    """wire id → (version id, change id) of the versions stored here under those wire ids."""
    rows = _rows_in(conn, "SELECT w.wire_id, v.version_id, v.change_id FROM record_wire_ids w "
                          "JOIN record_versions v ON v.version_id = w.version_id "
                          "WHERE w.wire_id IN", wire_ids)
    return {uuid_from_hex(w): (uuid_from_hex(v), uuid_from_hex(c)) for w, v, c in rows}


def wire_ids_of(
    conn: Connection, version_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """version id → its wire id, for the versions that have one."""
    rows = _rows_in(conn, "SELECT version_id, wire_id FROM record_wire_ids "
                          "WHERE version_id IN", version_ids)
    return {uuid_from_hex(v): uuid_from_hex(w) for v, w in rows}


def wire_records_of(
    conn: Connection, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """record id → the id the server knows it by, for the records it already knows. Should a
    record be known by two (a derived id sent keyed by an earlier build of schema 3), its own
    id wins: that is how every device names it now (``wireids.record_wire_id``)."""
    out: dict[uuid.UUID, uuid.UUID] = {}
    for record, wire in _rows_in(
        conn, "SELECT DISTINCT v.record_id, w.wire_record FROM record_versions v "
              "JOIN record_wire_ids w ON w.version_id = v.version_id WHERE v.record_id IN",
        record_ids,
    ):
        rid = uuid_from_hex(record)
        if rid not in out or record == wire:
            out[rid] = uuid_from_hex(wire)
    return out


def assign_wire_ids(
    conn: Connection, assigned: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]
) -> None:
    """(version id, wire id, wire record id), stored when a version is first sealed or
    pulled; a version keeps its first."""
    _db(conn).executemany(
        "INSERT OR IGNORE INTO record_wire_ids (version_id, wire_id, wire_record) "
        "VALUES (?, ?, ?)",
        [(v.hex, w.hex, wr.hex) for v, w, wr in assigned],
    )


def forget_wire_ids(conn: Connection) -> None:
    """Joining another practice's log: every id is derived afresh under its key, and a batch
    built for the old log (its key, its ids) is never sent to the new one: its changes are
    sealed afresh."""
    db = _db(conn)
    db.execute("DELETE FROM record_wire_ids")
    db.execute("DELETE FROM sync_batches WHERE recorded_at IS NULL")
    db.execute("UPDATE sync_outbox SET key_id = NULL, ciphertext = NULL, nonce = NULL "
               "WHERE acked_seq IS NULL")


def records_with_versions(conn: Connection, record_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    found = _existing(conn, "record_versions", "record_id", [r.hex for r in record_ids])
    return {uuid.UUID(v) for v in found}


def insert_remote_versions(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Store pulled versions (keys: version_id, change_id, record_id, entity, kind, parents,
    payload, device, created_at, seq, wire_id, wire_record) in two statements."""
    _db(conn).executemany(
        "INSERT INTO record_versions (version_id, change_id, record_id, entity, kind, "
        "parent_ids, payload, device_id, created_at, server_seq) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (
                r["version_id"].hex,
                r["change_id"].hex,
                r["record_id"].hex,
                r["entity"],
                r["kind"],
                _ids(r["parents"]),
                r["payload"],
                r["device"][:64],
                _ts(r["created_at"]),
                r["seq"],
            )
            for r in rows
        ],
    )
    assign_wire_ids(conn, [(r["version_id"], r["wire_id"], r["wire_record"]) for r in rows])


def insert_local_version(
    conn: Connection,
    *,
    record_id: uuid.UUID,
    entity: str,
    kind: str,
    parents: Sequence[uuid.UUID],
    payload: str,
    device: str,
    make_head: bool = True,
) -> uuid.UUID:
    """A version made by the sync client itself (merge, addendum draft, re-issued content),
    queued in the outbox like any other write, and (``make_head``) the record's only head."""
    version_id, change_id, now = new_id(), new_id(), _now()
    conn.execute(
        insert(t.record_versions).values(
            version_id=version_id,
            change_id=change_id,
            record_id=record_id,
            entity=entity,
            kind=kind,
            parent_ids=tuple(parents),
            payload=payload,
            device_id=device,
            created_at=now,
        )
    )
    conn.execute(
        insert(t.sync_outbox).values(change_id=change_id, version_id=version_id, created_at=now)
    )
    if make_head:
        set_heads(conn, record_id, entity, (version_id,))
    return version_id


def get_heads(conn: Connection, record_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    rows = _all(conn, "SELECT heads FROM record_heads WHERE record_id = ?", (record_id.hex,))
    return tuple(uuid.UUID(v) for v in json.loads(rows[0][0])) if rows else ()


def set_heads(
    conn: Connection, record_id: uuid.UUID, entity: str, heads: Sequence[uuid.UUID]
) -> None:
    set_heads_many(conn, [(record_id, entity, tuple(heads))])


def set_heads_many(
    conn: Connection, new_heads: Sequence[tuple[uuid.UUID, str, tuple[uuid.UUID, ...]]]
) -> None:
    """Make each ``(record_id, entity, heads)`` the record's heads (one ``executemany``)."""
    if new_heads:
        outbox.set_heads(conn, new_heads)


# -- the stored state of notes (written by ``core.storage.records``) ----------------------


def note_state(conn: Connection, note_id: uuid.UUID) -> tuple[str, str | None] | None:
    """(status, content_hash) of a note as stored here, or None."""
    rows = _all(conn, 'SELECT "status", "content_hash" FROM "notes" WHERE "id" = ?', (note_id.hex,))
    return (str(rows[0][0]), rows[0][1]) if rows else None


def addendum_ids(conn: Connection, note_id: uuid.UUID) -> set[str]:
    return {
        r[0] for r in _all(conn, 'SELECT "id" FROM "addenda" WHERE "note_id" = ?', (note_id.hex,))
    }


# -- outbox and batches -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutgoingRow:
    change_id: uuid.UUID
    version_id: uuid.UUID
    record_id: uuid.UUID
    entity: str
    kind: str
    parents: tuple[uuid.UUID, ...]
    payload: str
    device: str
    created_at: dt.datetime
    ciphertext: bytes | None
    nonce: bytes | None
    key_id: str | None
    wire_id: uuid.UUID | None = None  # set once sealed (or the server knows it: legacy)
    wire_record: uuid.UUID | None = None


_OUTGOING = """
    SELECT o.change_id, v.version_id, v.record_id, v.entity, v.kind, v.parent_ids, v.payload,
           v.device_id, v.created_at, o.ciphertext, o.nonce, o.key_id, w.wire_id, w.wire_record
    FROM sync_outbox o JOIN record_versions v ON v.version_id = o.version_id
    LEFT JOIN record_wire_ids w ON w.version_id = o.version_id
    LEFT JOIN sync_change_state s ON s.change_id = o.change_id"""


def _outgoing(r: Sequence[Any]) -> OutgoingRow:
    return OutgoingRow(
        uuid_from_hex(r[0]),
        uuid_from_hex(r[1]),
        uuid_from_hex(r[2]),
        r[3],
        r[4],
        tuple(uuid.UUID(p) for p in json.loads(r[5] or "[]")),
        r[6],
        r[7],
        dt.datetime.fromisoformat(r[8]),
        r[9],
        r[10],
        r[11],
        uuid_from_hex(r[12]) if r[12] else None,
        uuid_from_hex(r[13]) if r[13] else None,
    )


def pending_rows(conn: Connection, limit: int) -> list[OutgoingRow]:
    """Unacknowledged outbox changes not refused for good, in the order they were written
    (parents before children). Only called when no batch is open."""
    sql = (
        _OUTGOING + " WHERE o.acked_seq IS NULL AND (s.status IS NULL OR s.status = 'retry')"
        " ORDER BY o.rowid LIMIT ?"
    )
    return [_outgoing(r) for r in _all(conn, sql, (limit,))]


def outgoing(conn: Connection, change_id: uuid.UUID) -> OutgoingRow | None:
    rows = _all(conn, _OUTGOING + " WHERE o.change_id = ?", (change_id.hex,))
    return _outgoing(rows[0]) if rows else None


def store_ciphertexts(
    conn: Connection, sealed: Sequence[tuple[uuid.UUID, bytes, bytes, str]]
) -> None:
    """(change id, ciphertext, nonce, key id) — frozen from now on: no more draft coalescing."""
    _db(conn).executemany(
        "UPDATE sync_outbox SET ciphertext = ?, nonce = ?, key_id = ? WHERE change_id = ?",
        [(ct, nonce, key_id, cid.hex) for cid, ct, nonce, key_id in sealed],
    )


def mark_sealed(conn: Connection, sealed: Sequence[tuple[uuid.UUID, str]]) -> None:
    """(change id, key id): sealed into a batch, so frozen from now on (no more draft
    coalescing). The ciphertext itself lives only in the open batch's stored body, which a
    retry resends byte for byte; a change that goes out in a later batch was not stored by the
    server, so sealing it afresh is safe. Keeping a second copy per change grew the chart by
    about half after the first push."""
    _db(conn).executemany(
        "UPDATE sync_outbox SET key_id = ? WHERE change_id = ?",
        [(key_id, cid.hex) for cid, key_id in sealed],
    )


def open_batch(conn: Connection) -> tuple[uuid.UUID, bytes] | None:
    """The batch that was built (and maybe sent) but whose answer is not recorded yet."""
    b = t.sync_batches
    row = conn.execute(
        select(b.c.batch_id, b.c.body)
        .where(b.c.recorded_at.is_(None))
        .order_by(b.c.created_at)
        .limit(1)
    ).first()
    return (row.batch_id, bytes(row.body)) if row else None


def create_batch(conn: Connection, batch_id: uuid.UUID, body: bytes) -> None:
    conn.execute(
        insert(t.sync_batches).values(batch_id=batch_id, created_at=_now(), body=body, sends=0)
    )


def count_send(conn: Connection, batch_id: uuid.UUID) -> None:
    b = t.sync_batches
    conn.execute(update(b).where(b.c.batch_id == batch_id).values(sends=b.c.sends + 1))


def record_batch(conn: Connection, batch_id: uuid.UUID, response: bytes) -> None:
    """Keep the answer; drop the body (nothing needs its ciphertexts any more)."""
    b = t.sync_batches
    conn.execute(
        update(b)
        .where(b.c.batch_id == batch_id)
        .values(response=response, recorded_at=_now(), body=None)
    )


def acknowledge(conn: Connection, acks: Sequence[tuple[uuid.UUID, int]]) -> None:
    """Mark changes stored by the server at ``seq`` (idempotent)."""
    db = _db(conn)
    db.executemany(
        "UPDATE sync_outbox SET acked_seq = ?, ciphertext = NULL, nonce = NULL "
        "WHERE change_id = ? AND acked_seq IS NULL",
        [(seq, cid.hex) for cid, seq in acks],
    )
    db.executemany("DELETE FROM sync_change_state WHERE change_id = ?", [(c.hex,) for c, _ in acks])


def ack_if_local(conn: Connection, acks: Sequence[tuple[uuid.UUID, int]]) -> None:
    """Pulled changes this device made: their acknowledgement may have been lost."""
    if acks:
        acknowledge(conn, acks)  # a no-op for changes with no outbox row


def _set_state(conn: Connection, change_id: uuid.UUID, **values: Any) -> None:
    from sqlalchemy.dialects.sqlite import insert as upsert

    values["updated_at"] = _now()
    stmt = upsert(t.sync_change_state).values(change_id=change_id, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=["change_id"], set_=values))


def mark_retry(conn: Connection, change_id: uuid.UUID, detail: str, max_attempts: int) -> bool:
    """Send again in a later batch; False (and state ``stuck``) after ``max_attempts``."""
    s = t.sync_change_state
    attempts = (
        conn.execute(select(s.c.attempts).where(s.c.change_id == change_id)).scalar() or 0
    ) + 1
    status = "retry" if attempts < max_attempts else "stuck"
    _set_state(conn, change_id, status=status, detail=detail, attempts=attempts, batch_id=None)
    return status == "retry"


def mark_rejected(conn: Connection, change_id: uuid.UUID, detail: str) -> None:
    _set_state(conn, change_id, status="rejected", detail=detail, batch_id=None)


def mark_salvaged(conn: Connection, change_ids: Iterable[uuid.UUID]) -> None:
    s = t.sync_change_state
    for cid in change_ids:
        conn.execute(update(s).where(s.c.change_id == cid).values(salvaged=True))


def version_changes(
    conn: Connection, version_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID, str]]:
    """version id → (change id, record id, entity)."""
    v, ids = t.record_versions, list(version_ids)
    if not ids:
        return {}
    stmt = select(v.c.version_id, v.c.change_id, v.c.record_id, v.c.entity)
    rows = conn.execute(stmt.where(v.c.version_id.in_(ids)))
    return {r.version_id: (r.change_id, r.record_id, r.entity) for r in rows}


def rejected_changes(conn: Connection, change_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """change id → why the server refused it, for those refused for good."""
    s, ids = t.sync_change_state, list(change_ids)
    if not ids:
        return {}
    rows = conn.execute(
        select(s.c.change_id, s.c.detail).where(s.c.change_id.in_(ids), s.c.status == "rejected")
    )
    return {r.change_id: r.detail for r in rows}


def unack_all(conn: Connection) -> int:
    """After the server lost history: every local change goes out again (same bytes)."""
    o = t.sync_outbox
    return int(
        conn.execute(update(o).where(o.c.acked_seq.is_not(None)).values(acked_seq=None)).rowcount
        or 0
    )


def start_recheck(conn: Connection) -> tuple[int, int]:
    """The server's log went back in time or was replaced: nothing is known to be on it any
    more. Own changes become unacknowledged (pushed again unless the new log has them);
    versions pulled from other devices are marked ``unconfirmed`` until the new log shows
    them. Returns (own, pulled) counts."""
    own = unack_all(conn)
    db = _db(conn)
    now = _ts(_now())
    cur = db.execute(
        "INSERT OR IGNORE INTO sync_change_state (change_id, status, detail, attempts, "
        "salvaged, updated_at) SELECT v.change_id, 'unconfirmed', '', 0, 0, ? "
        "FROM record_versions v LEFT JOIN sync_outbox o ON o.change_id = v.change_id "
        "WHERE o.change_id IS NULL",
        (now,),
    )
    return own, int(cur.rowcount or 0)


def confirm_on_server(conn: Connection, version_ids: Sequence[uuid.UUID]) -> None:
    """Pulled again from the new log: these versions are on the server."""
    _db(conn).executemany(
        "DELETE FROM sync_change_state WHERE status = 'unconfirmed' AND change_id = "
        "(SELECT change_id FROM record_versions WHERE version_id = ?)",
        [(v.hex,) for v in version_ids],
    )


def relay_unconfirmed(conn: Connection) -> int:
    """Queue every version pulled from another device that the new log lacks, in the order
    the old log had them (causal: parents first); same change and version ids, sealed afresh
    under this device's key by the next push."""
    db = _db(conn)
    rows = _all(
        conn,
        "SELECT v.change_id, v.version_id FROM sync_change_state s "
        "JOIN record_versions v ON v.change_id = s.change_id "
        "WHERE s.status = 'unconfirmed' ORDER BY v.server_seq, v.rowid",
    )
    now = _ts(_now())
    db.executemany(
        "INSERT OR IGNORE INTO sync_outbox (change_id, version_id, created_at) VALUES (?, ?, ?)",
        [(c, v, now) for c, v in rows],
    )
    db.execute("DELETE FROM sync_change_state WHERE status = 'unconfirmed'")
    return len(rows)


# -- conflicts and addendum drafts --------------------------------------------------------------


def open_conflict(conn: Connection, record_id: uuid.UUID, kind: str) -> dict[str, Any] | None:
    c = t.sync_conflicts
    row = (
        conn.execute(
            select(c).where(c.c.record_id == record_id, c.c.kind == kind, c.c.resolved_at.is_(None))
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def upsert_conflict(
    conn: Connection,
    *,
    record_id: uuid.UUID,
    entity: str,
    kind: str,
    local_head: uuid.UUID | None,
    heads: Sequence[uuid.UUID],
    detail: str = "",
    resolved: str | None = None,
    always_new: bool = False,
) -> bool:
    """Open (or refresh) the conflict of ``kind`` on a record; True when it is new.
    ``always_new``: a notice of its own even when one is open (each merge is told)."""
    c = t.sync_conflicts
    existing = None if always_new else open_conflict(conn, record_id, kind)
    if existing and resolved is None:
        conn.execute(
            update(c)
            .where(c.c.id == existing["id"])
            .values(local_head=local_head, heads=tuple(heads), detail=detail)
        )
        return False
    now = _now()
    conn.execute(
        insert(c).values(
            id=new_id(),
            record_id=record_id,
            entity=entity,
            kind=kind,
            local_head=local_head,
            heads=tuple(heads),
            detail=detail,
            detected_at=now,
            resolved_at=now if resolved else None,
            resolution=resolved,
        )
    )
    return True


NOTICE_KINDS = ("fields", "log_restored", "refused")
"""Conflict rows that need no decision, only to be seen: automatic resolutions and events."""


def add_notice(
    conn: Connection,
    *,
    kind: str,
    detail: str,
    record_id: uuid.UUID | None = None,
    entity: str = "sync_log",
    heads: Sequence[uuid.UUID] = (),
    local_head: uuid.UUID | None = None,
) -> uuid.UUID:
    """A notice the user sees until it is acknowledged (``detail``: JSON, values included:
    the chart is encrypted, and a notice without the values would hide what was lost)."""
    ident = new_id()
    conn.execute(
        insert(t.sync_conflicts).values(
            id=ident,
            record_id=record_id or ident,
            entity=entity,
            kind=kind,
            local_head=local_head,
            heads=tuple(heads),
            detail=detail,
            detected_at=_now(),
        )
    )
    return ident


def noted_before(
    conn: Connection,
    record_id: uuid.UUID,
    heads: Sequence[uuid.UUID],
    *,
    kinds: Sequence[str] = ("fields", "delete_edit"),
) -> bool:
    """Whether a conflict or notice of one of ``kinds`` was raised on exactly these heads."""
    c = t.sync_conflicts
    stmt = select(c.c.heads).where(c.c.record_id == record_id, c.c.kind.in_(list(kinds)))
    return any(tuple(h) == tuple(heads) for (h,) in conn.execute(stmt))


def close_conflicts(
    conn: Connection,
    record_id: uuid.UUID,
    resolution: str,
    merge_version: uuid.UUID | None = None,
    kind: str | None = None,
) -> int:
    sql = (
        "UPDATE sync_conflicts SET resolved_at = ?, resolution = ?, merge_version_id = ? "
        "WHERE record_id = ? AND resolved_at IS NULL" + (" AND kind = ?" if kind else "")
    )
    params = [
        _ts(_now()),
        resolution,
        merge_version.hex if merge_version else None,
        record_id.hex,
    ] + ([kind] if kind else [])
    return int(_db(conn).execute(sql, params).rowcount or 0)


def close_conflicts_many(
    conn: Connection, record_ids: Sequence[uuid.UUID], resolution: str, kinds: Sequence[str]
) -> set[uuid.UUID]:
    """Close the open conflicts of ``kinds`` on any of ``record_ids``; returns the records
    that had one (two statements per 500 records)."""
    c = t.sync_conflicts
    closed: set[uuid.UUID] = set()
    now = _now()
    for i in range(0, len(record_ids), 500):
        where = (c.c.record_id.in_(list(record_ids[i : i + 500])), c.c.kind.in_(list(kinds)),
                 c.c.resolved_at.is_(None))
        found = set(conn.execute(select(c.c.record_id).where(*where)).scalars())
        if found:
            conn.execute(update(c).where(*where).values(resolved_at=now, resolution=resolution))
            closed |= found
    return closed


def close_one(conn: Connection, conflict_id: uuid.UUID, resolution: str) -> None:
    c = t.sync_conflicts
    conn.execute(
        update(c).where(c.c.id == conflict_id).values(resolved_at=_now(), resolution=resolution)
    )


def conflicts(conn: Connection, *, open_only: bool = True) -> list[dict[str, Any]]:
    c = t.sync_conflicts
    stmt = select(c).order_by(c.c.detected_at)
    if open_only:
        stmt = stmt.where(c.c.resolved_at.is_(None))
    return [dict(r) for r in conn.execute(stmt).mappings()]


def conflict(conn: Connection, conflict_id: uuid.UUID) -> dict[str, Any] | None:
    row = (
        conn.execute(select(t.sync_conflicts).where(t.sync_conflicts.c.id == conflict_id))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def draft_exists(conn: Connection, source_version: uuid.UUID) -> bool:
    return bool(
        _all(
            conn,
            "SELECT 1 FROM sync_addendum_drafts WHERE source_version_id = ?",
            (source_version.hex,),
        )
    )


def new_addendum_draft(
    conn: Connection, *, note_id: uuid.UUID, source_version: uuid.UUID, reason: str, text_value: str
) -> uuid.UUID:
    ident = new_id()
    conn.execute(
        insert(t.sync_addendum_drafts).values(
            id=ident,
            note_id=note_id,
            source_version_id=source_version,
            reason=reason,
            text=text_value,
            status="open",
            created_at=_now(),
        )
    )
    return ident


def addendum_drafts(conn: Connection, *, status: str | None = "open") -> list[dict[str, Any]]:
    d = t.sync_addendum_drafts
    stmt = select(d).order_by(d.c.created_at)
    if status:
        stmt = stmt.where(d.c.status == status)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def set_draft_status(
    conn: Connection, draft_id: uuid.UUID, status: str, addendum_id: uuid.UUID | None = None
) -> None:
    d = t.sync_addendum_drafts
    conn.execute(update(d).where(d.c.id == draft_id).values(status=status, addendum_id=addendum_id))


def counts(conn: Connection) -> dict[str, int]:
    """Numbers for the status bar: pending, stuck, rejected, conflicts (a decision is
    needed), addendum_drafts, notices (automatic resolutions and events to acknowledge)."""
    [row] = _all(
        conn,
        """
        SELECT
          (SELECT count(*) FROM sync_outbox o LEFT JOIN sync_change_state s
             ON s.change_id = o.change_id
           WHERE o.acked_seq IS NULL AND (s.status IS NULL OR s.status = 'retry')),
          (SELECT count(*) FROM sync_change_state WHERE status = 'stuck'),
          (SELECT count(*) FROM sync_change_state WHERE status = 'rejected'),
          (SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL
             AND kind IN ('draft', 'sign_race', 'delete_edit')),
          (SELECT count(*) FROM sync_addendum_drafts WHERE status = 'open'),
          (SELECT count(*) FROM sync_conflicts WHERE resolved_at IS NULL
             AND kind NOT IN ('draft', 'sign_race', 'delete_edit'))""",
    )
    return dict(
        zip(
            ("pending", "stuck", "rejected", "conflicts", "addendum_drafts", "notices"),
            (int(v) for v in row),
            strict=True,
        )
    )
