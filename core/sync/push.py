"""Building push batches from the outbox and recording the server's answers.

Contract (docs/server.md "Client checklist", docs/sync.md §3):

* ``prepare_batch`` first returns the *open* batch, byte for byte, if one was built or sent
  but its answer never recorded (a lost acknowledgement): the server then replays the answer
  it stored. Otherwise it seals the next unacknowledged changes in outbox order (parents
  first), marks them sealed (frozen: no more draft coalescing) and stores the exact body
  *before* anything is sent, and returns it. The ciphertexts live only in that body, dropped
  once the answer is recorded; a change sent again in a later batch (the server did not store
  it) is sealed afresh.
* ``record_response`` runs in one transaction with the answer's effects: ``accepted`` and
  ``duplicate`` acknowledge; ``note_signed`` refuses the change for good (its text is rescued
  as an addendum draft by ``apply.reconcile`` once the winning signature is here);
  ``unknown_parent`` retries in a later, new batch (parents go first) unless the parent itself
  was refused, in which case the child is refused and rescued too; ``version_conflict`` and
  ``change_conflict`` (a restored backup or a bug) refuse the change and re-issue its content as
  a new version, so it is still never lost.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection

import syncwire as wire
from core.storage import sync_store as store
from core.sync import crypto, wireids
from core.sync.config import SyncConfig
from core.sync.errors import ProtocolError, TamperedChange

MAX_BATCH = 500
MAX_ATTEMPTS = 8
SIGNED_CHAIN = frozenset({"note_signed", "parent_signed"})


@dataclass(frozen=True)
class Batch:
    batch_id: uuid.UUID
    body: bytes
    size: int
    resend: bool = False
    # wire change id -> this chart's change id; None: read back from the body (a resend)
    local: dict[uuid.UUID, uuid.UUID] | None = None


@dataclass
class PushOutcome:
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    retry: int = 0
    stuck: int = 0
    reissued: int = 0  # refused as already used ids (a restored chart): content sent anew
    records: set[tuple[uuid.UUID, str]] = field(default_factory=set)

    @property
    def progressed(self) -> bool:
        return bool(self.accepted or self.duplicate or self.rejected)


@dataclass(frozen=True, slots=True)
class WireIds:
    """The ids a version goes out under (``core.sync.wireids``)."""

    change_id: uuid.UUID
    record_id: uuid.UUID
    version_id: uuid.UUID
    parent_ids: tuple[uuid.UUID, ...]

    @classmethod
    def legacy(cls, row: store.OutgoingRow) -> WireIds:
        """The chart's own ids: a version the server may already know by them."""
        return cls(row.change_id, row.record_id, row.version_id, row.parents)


def _header(
    row: store.OutgoingRow,
    key_id: str,
    schema: int = crypto.SCHEMA_VERSION,
    ids: WireIds | None = None,
) -> crypto.VersionHeader:
    ids = ids or WireIds.legacy(row)
    return crypto.VersionHeader(
        change_id=ids.change_id,
        record_id=ids.record_id,
        entity=row.entity,
        version_id=ids.version_id,
        parent_ids=ids.parent_ids,
        kind=row.kind,
        key_id=key_id,
        schema_version=schema,
    )


def stored_schema(cfg: SyncConfig, row: store.OutgoingRow) -> int:
    """The schema a stored ciphertext was sealed under (one sealed by an older app is schema
    1 or 2, under the chart's own ids): its AAD names it, so the only sure test is to open it."""
    assert row.ciphertext is not None and row.nonce is not None and row.key_id
    key = cfg.keys.get(row.key_id)
    if key is None:
        return 2
    for schema in (2, 1):
        try:
            crypto.open_version(
                key, _header(row, row.key_id, schema), bytes(row.ciphertext), bytes(row.nonce)
            )
            return schema
        except TamperedChange:
            continue
    return 2


def seal_row(
    cfg: SyncConfig, row: store.OutgoingRow, ids: WireIds | None = None
) -> tuple[bytes, bytes, str, bool]:
    """(ciphertext, nonce, key id, newly sealed) of an outbox row; sealed once, then reused.
    A ciphertext stored by an older app is reused as it is, under the chart's own ids."""
    if row.ciphertext is not None and row.nonce is not None and row.key_id:
        return bytes(row.ciphertext), bytes(row.nonce), row.key_id, False
    key_id = cfg.key_id or ""
    body = crypto.VersionBody(
        payload=row.payload,
        created_at=row.created_at.isoformat(),
        device=row.device,
        ids=crypto.LocalIds(row.change_id, row.record_id, row.version_id, row.parents),
    )
    ciphertext, nonce = crypto.seal_version(cfg.key, _header(row, key_id, ids=ids), body)
    return ciphertext, nonce, key_id, True


def to_change(
    row: store.OutgoingRow,
    ciphertext: bytes,
    nonce: bytes,
    key_id: str,
    schema: int = crypto.SCHEMA_VERSION,
    ids: WireIds | None = None,
) -> wire.Change:
    ids = ids or WireIds.legacy(row)
    return wire.Change(
        change_id=ids.change_id,
        record_id=ids.record_id,
        entity=row.entity,
        version_id=ids.version_id,
        parent_ids=list(ids.parent_ids),
        kind=row.kind,
        ciphertext=wire.b64encode(ciphertext),
        nonce=wire.b64encode(nonce),
        key_id=key_id,
        schema_version=schema,
    )


def wire_ids(
    conn: Connection, cfg: SyncConfig, rows: list[store.OutgoingRow]
) -> tuple[list[WireIds], list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]]:
    """The wire ids of ``rows`` (in outbox order, parents first), and those to store: a
    version keeps the ids it was first sealed or pulled under; a record keeps the id the
    server knows it by (its own, if it was synced before schema 3); everything else gets
    its keyed id."""
    key = cfg.id_key
    records = store.wire_records_of(conn, [r.record_id for r in rows if r.wire_record is None])
    versions = store.wire_ids_of(conn, [p for r in rows for p in r.parents])
    out: list[WireIds] = []
    assigned: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = []
    for row in rows:
        if row.ciphertext is not None and row.key_id:  # sealed by an older app: its own ids
            out.append(WireIds.legacy(row))
            versions[row.version_id] = row.wire_id or row.version_id
            records.setdefault(row.record_id, row.wire_record or row.record_id)
            if row.wire_id is None:
                assigned.append((row.version_id, row.version_id, row.record_id))
            continue
        record = (
            row.wire_record
            or records.get(row.record_id)
            or wireids.record_wire_id(key, row.record_id)
        )
        records[row.record_id] = record
        version = row.wire_id or wireids.wire_id(key, "version", row.version_id)
        versions[row.version_id] = version
        if row.wire_id is None or row.wire_record is None:
            assigned.append((row.version_id, version, record))
        change = (
            row.change_id
            if version == row.version_id  # legacy: the log may already hold it by its own ids
            else wireids.wire_id(key, "change", row.change_id)
        )
        parents = tuple(
            versions.get(p) or wireids.wire_id(key, "version", p) for p in row.parents
        )
        out.append(WireIds(change, record, version, parents))
    return out, assigned


def prepare_batch(conn: Connection, cfg: SyncConfig, *, limit: int = MAX_BATCH) -> Batch | None:
    opened = store.open_batch(conn)
    if opened is not None:
        batch_id, body = opened
        return Batch(batch_id, body, body.count(b'"change_id"'), resend=True)
    rows = store.pending_rows(conn, limit)
    if not rows:
        return None
    ids, assigned = wire_ids(conn, cfg, rows)
    changes, sealed = [], []
    for row, wire_row in zip(rows, ids, strict=True):
        ciphertext, nonce, key_id, new = seal_row(cfg, row, wire_row)
        if new:
            sealed.append((row.change_id, ciphertext, nonce, key_id))
            changes.append(to_change(row, ciphertext, nonce, key_id, ids=wire_row))
        else:  # an older app's ciphertext: its own ids, its own schema
            changes.append(to_change(row, ciphertext, nonce, key_id, stored_schema(cfg, row)))
    # Frozen before anything is sent; the body below is what a retry resends byte for byte.
    store.mark_sealed(conn, [(change_id, key_id) for change_id, _c, _n, key_id in sealed])
    store.assign_wire_ids(conn, assigned)
    batch_id = uuid.uuid4()  # random: a UUIDv7 would tell the server when the batch was made
    request = wire.PushRequest(device_id=cfg.device_id, batch_id=batch_id, changes=changes)
    data = request.model_dump_json().encode()
    store.create_batch(conn, batch_id, data)
    local = {wire_row.change_id: row.change_id for row, wire_row in zip(rows, ids, strict=True)}
    return Batch(batch_id, data, len(rows), local=local)


def local_changes(conn: Connection, body: bytes) -> dict[uuid.UUID, uuid.UUID]:
    """wire change id → this chart's change id, for the changes of a batch's request body."""
    try:
        sent = json.loads(body)["changes"]
        pairs = [(uuid.UUID(c["change_id"]), uuid.UUID(c["version_id"])) for c in sent]
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError("A stored push batch could not be read back.") from exc
    known = store.known_by_wire(conn, [v for _c, v in pairs])
    out = {change: known[version][1] for change, version in pairs if version in known}
    # versions sealed by an older app are known by their own ids, not yet by a wire id
    out.update((change, change) for change, version in pairs if version not in known)
    return out


def record_response(
    conn: Connection, cfg: SyncConfig, batch: Batch, response: bytes
) -> PushOutcome:
    try:
        answer = wire.PushResponse.model_validate_json(response)
    except ValueError as exc:
        raise ProtocolError("The sync server's answer to a push could not be read.") from exc
    if answer.batch_id != batch.batch_id:
        raise ProtocolError("The sync server answered a different batch.")
    out = PushOutcome()
    local = batch.local if batch.local is not None else local_changes(conn, batch.body)
    for r in answer.results:
        if r.change_id not in local:
            raise ProtocolError("The sync server answered for a change this device never sent.")
    stored = [r for r in answer.results if r.status in wire.STORED_STATUSES]
    store.acknowledge(conn, [(local[r.change_id], int(r.seq or 0)) for r in stored])
    out.accepted = sum(r.status is wire.ChangeStatus.ACCEPTED for r in stored)
    out.duplicate = len(stored) - out.accepted
    for result in answer.results:
        status = result.status
        if status in wire.STORED_STATUSES:
            continue
        row = store.outgoing(conn, local[result.change_id])
        if row is None:
            raise ProtocolError("The sync server answered for a change this device never sent.")
        out.records.add((row.record_id, row.entity))
        if status is wire.ChangeStatus.NOTE_SIGNED:
            store.mark_rejected(conn, row.change_id, status.value)
            out.rejected += 1
        elif status is wire.ChangeStatus.UNKNOWN_PARENT:
            _unknown_parent(conn, row, out)
        elif row.device != cfg.chart_device:
            # A version relayed after the log changed identity (another device's, sealed
            # afresh here) that someone else relayed first: the log has it, authenticated.
            store.acknowledge(conn, [(row.change_id, 0)])
            out.duplicate += 1
        else:  # version_conflict / change_conflict: a restored backup, or a bug
            _reissue(conn, row, status.value)
            out.rejected += 1
            out.reissued += 1
    store.record_batch(conn, batch.batch_id, response)
    return out


def _unknown_parent(conn: Connection, row: store.OutgoingRow, out: PushOutcome) -> None:
    parents = store.version_changes(conn, row.parents)
    refused = store.rejected_changes(conn, [change for change, _r, _e in parents.values()])
    if any(why in SIGNED_CHAIN for why in refused.values()):
        # Its parent lost to a signature: it did too; apply.reconcile rescues its text.
        store.mark_rejected(conn, row.change_id, "parent_signed")
        out.rejected += 1
    elif refused:
        _reissue(conn, row, "parent_rejected")
        out.rejected += 1
        out.reissued += 1
    elif store.mark_retry(conn, row.change_id, "unknown_parent", MAX_ATTEMPTS):
        out.retry += 1
    else:
        out.stuck += 1


def _reissue(conn: Connection, row: store.OutgoingRow, why: str) -> None:
    """Refuse a change for good but keep its content as a fresh version of the record."""
    store.mark_rejected(conn, row.change_id, why)
    store.insert_local_version(
        conn,
        record_id=row.record_id,
        entity=row.entity,
        kind=row.kind,
        parents=[p for p in row.parents if p not in _refused_versions(conn, row.parents)],
        payload=row.payload,
        device=row.device,
        make_head=False,
    )
    store.mark_salvaged(conn, [row.change_id])


def _refused_versions(conn: Connection, versions: tuple[uuid.UUID, ...]) -> set[uuid.UUID]:
    mapping = store.version_changes(conn, versions)
    refused = store.rejected_changes(conn, [c for c, _r, _e in mapping.values()])
    return {v for v, (c, _r, _e) in mapping.items() if c in refused}
