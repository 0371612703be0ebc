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

import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection

import syncwire as wire
from core.domain.ids import new_id
from core.storage import sync_store as store
from core.sync import crypto
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


def _header(
    row: store.OutgoingRow, key_id: str, schema: int = crypto.SCHEMA_VERSION
) -> crypto.VersionHeader:
    return crypto.VersionHeader(
        change_id=row.change_id,
        record_id=row.record_id,
        entity=row.entity,
        version_id=row.version_id,
        parent_ids=row.parents,
        kind=row.kind,
        key_id=key_id,
        schema_version=schema,
    )


def stored_schema(cfg: SyncConfig, row: store.OutgoingRow) -> int:
    """The schema a stored ciphertext was sealed under (one sealed by an older app is schema
    1, unpadded): its AAD names it, so the only sure test is to open it."""
    assert row.ciphertext is not None and row.nonce is not None and row.key_id
    key = cfg.keys.get(row.key_id)
    if key is None:
        return crypto.SCHEMA_VERSION
    for schema in (crypto.SCHEMA_VERSION, 1):
        try:
            crypto.open_version(
                key, _header(row, row.key_id, schema), bytes(row.ciphertext), bytes(row.nonce)
            )
            return schema
        except TamperedChange:
            continue
    return crypto.SCHEMA_VERSION


def seal_row(cfg: SyncConfig, row: store.OutgoingRow) -> tuple[bytes, bytes, str, bool]:
    """(ciphertext, nonce, key id, newly sealed) of an outbox row; sealed once, then reused."""
    if row.ciphertext is not None and row.nonce is not None and row.key_id:
        return bytes(row.ciphertext), bytes(row.nonce), row.key_id, False
    key_id = cfg.key_id or ""
    body = crypto.VersionBody(
        payload=row.payload, created_at=row.created_at.isoformat(), device=row.device
    )
    ciphertext, nonce = crypto.seal_version(cfg.key, _header(row, key_id), body)
    return ciphertext, nonce, key_id, True


def to_change(
    row: store.OutgoingRow,
    ciphertext: bytes,
    nonce: bytes,
    key_id: str,
    schema: int = crypto.SCHEMA_VERSION,
) -> wire.Change:
    return wire.Change(
        change_id=row.change_id,
        record_id=row.record_id,
        entity=row.entity,
        version_id=row.version_id,
        parent_ids=list(row.parents),
        kind=row.kind,
        ciphertext=wire.b64encode(ciphertext),
        nonce=wire.b64encode(nonce),
        key_id=key_id,
        schema_version=schema,
    )


def prepare_batch(conn: Connection, cfg: SyncConfig, *, limit: int = MAX_BATCH) -> Batch | None:
    opened = store.open_batch(conn)
    if opened is not None:
        batch_id, body = opened
        return Batch(batch_id, body, body.count(b'"change_id"'), resend=True)
    rows = store.pending_rows(conn, limit)
    if not rows:
        return None
    changes, sealed = [], []
    for row in rows:
        ciphertext, nonce, key_id, new = seal_row(cfg, row)
        if new:
            sealed.append((row.change_id, ciphertext, nonce, key_id))
        schema = crypto.SCHEMA_VERSION if new else stored_schema(cfg, row)
        changes.append(to_change(row, ciphertext, nonce, key_id, schema))
    # Frozen before anything is sent; the body below is what a retry resends byte for byte.
    store.mark_sealed(conn, [(change_id, key_id) for change_id, _c, _n, key_id in sealed])
    batch_id = new_id()
    request = wire.PushRequest(device_id=cfg.device_id, batch_id=batch_id, changes=changes)
    data = request.model_dump_json().encode()
    store.create_batch(conn, batch_id, data)
    return Batch(batch_id, data, len(rows))


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
    stored = [r for r in answer.results if r.status in wire.STORED_STATUSES]
    store.acknowledge(conn, [(r.change_id, int(r.seq or 0)) for r in stored])
    out.accepted = sum(r.status is wire.ChangeStatus.ACCEPTED for r in stored)
    out.duplicate = len(stored) - out.accepted
    for result in answer.results:
        status = result.status
        if status in wire.STORED_STATUSES:
            continue
        row = store.outgoing(conn, result.change_id)
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
