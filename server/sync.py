"""Push and pull: the append-only, per-account change log and its commit-ordered cursor.

Push (one write transaction, retried as a whole on serialization failures):

1. ``(device_id, batch_id)`` already answered → return the stored response bytes unchanged
   (409 ``batch_conflict`` if the same batch id now carries a different body).
2. Classify each change in request order (statuses in ``server.protocol.ChangeStatus``):
   known ``change_id`` → ``duplicate`` (same content) or ``change_conflict``; known
   ``version_id`` → ``version_conflict``; record already signed and kind is not ``addendum``
   → ``note_signed``; a parent that is not a stored version of the same record (or an earlier
   accepted change of this batch) → ``unknown_parent``; otherwise ``accepted``.
3. ``UPDATE account_counter SET last_seq = last_seq + n ... RETURNING last_seq`` hands the
   accepted changes seqs ``last-n+1 .. last``. The row lock it takes is held to commit, so
   seq ranges are handed out in commit order and never skip (docs/server.md §3).
4. ``INSERT ... ON CONFLICT DO NOTHING`` into ``change_log``; store the response bytes.

Invariants: the log of an account is causally closed (every parent has a smaller seq);
``seq`` is gapless from 1; a change is never dropped without a per-change status saying why.

Pull reads ``seq > after`` in one snapshot and answers with the log's epoch. 409
``resync_required`` when the cursor is not a position of *this* log: the ``epoch`` the client
names is not the current one (restored from a backup, migrated, or another server), the
change at ``seq = after`` is not the ``at`` the client names (a log rebuilt without a new
epoch), or the cursor is past the log's end.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from server.accounts import DeviceContext, ms_to_datetime
from server.db import (
    AdmissionLock,
    advisory_key,
    now_ms,
    read_transaction,
    write_transaction,
)
from server.errors import ApiError
from server.tables import account_counter, change_log, log_epoch, push_batch, signed_record
from syncwire import (
    DEFAULT_READABLE_SCHEMA,
    KIND_ADDENDUM,
    KIND_SIGN,
    MAX_PULL_BYTES,
    Change,
    ChangeResult,
    ChangeStatus,
    ErrorCode,
    PulledChange,
    PullResponse,
    PushRequest,
    PushResponse,
    b64decode,
    b64encode,
)

T = TypeVar("T")
_IN_CHUNK = 500


@dataclass(frozen=True)
class PushOutcome:
    body: bytes
    replayed: bool


@dataclass(frozen=True)
class _Verdict:
    """How one change of a batch is answered; ``dup_of`` points at an earlier accepted index."""

    status: ChangeStatus
    seq: int | None = None
    dup_of: int | None = None
    detail: str | None = None


_CONFLICT = _Verdict(
    ChangeStatus.CHANGE_CONFLICT, detail="change_id is already stored with different content"
)
_VERSION_TAKEN = "version_id is already stored"
_SIGNED = "record is signed; only addenda follow"


def change_digest(change: Change) -> bytes:
    """SHA-256 over the stored fields of a change, in a fixed canonical form."""
    canonical = [
        str(change.change_id),
        str(change.record_id),
        change.entity,
        str(change.version_id),
        [str(p) for p in change.parent_ids],
        change.kind,
        change.key_id,
        change.schema_version,
        change.nonce,
        hashlib.sha256(b64decode(change.ciphertext)).hexdigest(),
    ]
    return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).digest()


def _request_digest(request: PushRequest, digests: list[bytes]) -> bytes:
    h = hashlib.sha256(f"{request.device_id}:{request.batch_id}:".encode())
    for digest in digests:
        h.update(digest)
    return h.digest()


def _chunks(items: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == _IN_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_ignoring_conflicts(
    conn: Connection, table: Table, keys: list[str], rows: list[dict[str, Any]]
) -> None:
    factory = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(factory(table).on_conflict_do_nothing(index_elements=keys), rows)


def push(
    engine: Engine, ctx: DeviceContext, request: PushRequest, lock: AdmissionLock
) -> PushOutcome:
    """Store a batch idempotently; see the module docstring for the rules."""
    digests = [change_digest(change) for change in request.changes]
    request_digest = _request_digest(request, digests)
    key = advisory_key(ctx.account_id) if lock.enabled else None
    with lock.hold(ctx.account_id):
        for attempt in range(3):
            try:
                return write_transaction(
                    engine,
                    lambda conn: _push_tx(conn, ctx, request, digests, request_digest),
                    advisory_key=key,
                )
            except IntegrityError:
                # A concurrent identical batch or change won the race: the next attempt sees
                # it and answers from the stored state.
                if attempt == 2:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


def _push_tx(
    conn: Connection,
    ctx: DeviceContext,
    request: PushRequest,
    digests: list[bytes],
    request_digest: bytes,
) -> PushOutcome:
    stored = conn.execute(
        select(push_batch.c.request_digest, push_batch.c.response).where(
            push_batch.c.device_id == ctx.device_id, push_batch.c.batch_id == request.batch_id
        )
    ).first()
    if stored is not None:
        if bytes(stored.request_digest) != request_digest:
            raise ApiError(
                409, ErrorCode.BATCH_CONFLICT, "this batch_id was used for a different batch"
            )
        return PushOutcome(bytes(stored.response), replayed=True)

    changes = request.changes
    account = ctx.account_id
    state = _load_state(conn, account, changes)
    verdicts, accepted = _classify(changes, digests, state)

    seq_of: dict[int, int] = {}
    if accepted:
        last = conn.execute(
            update(account_counter)
            .where(account_counter.c.account_id == account)
            .values(last_seq=account_counter.c.last_seq + len(accepted))
            .returning(account_counter.c.last_seq)
        ).scalar_one()
        first = last - len(accepted) + 1
        seq_of = {i: first + k for k, i in enumerate(accepted)}
        _store_changes(conn, ctx, request, digests, seq_of)

    results = []
    for i, (change, verdict) in enumerate(zip(changes, verdicts, strict=True)):
        seq = verdict.seq
        if verdict.status is ChangeStatus.ACCEPTED:
            seq = seq_of[i]
        elif verdict.dup_of is not None:
            seq = seq_of[verdict.dup_of]
        results.append(
            ChangeResult(
                change_id=change.change_id, status=verdict.status, seq=seq, detail=verdict.detail
            )
        )
    body = PushResponse(batch_id=request.batch_id, results=results).model_dump_json().encode()
    conn.execute(
        push_batch.insert().values(
            device_id=ctx.device_id,
            batch_id=request.batch_id,
            account_id=account,
            request_digest=request_digest,
            response=body,
            created_at=now_ms(),
        )
    )
    return PushOutcome(body, replayed=False)


@dataclass
class _LogState:
    """What the log already holds about the ids a batch mentions (read in the push's tx)."""

    existing: dict[uuid.UUID, tuple[bytes, int]]  # change_id -> (digest, seq)
    known: dict[uuid.UUID, uuid.UUID]  # version_id -> record_id
    signed: set[uuid.UUID]  # record ids with a sign version


def _load_state(conn: Connection, account: uuid.UUID, changes: list[Change]) -> _LogState:
    state = _LogState({}, {}, set())
    for ids in _chunks({c.change_id for c in changes}):
        rows = conn.execute(
            select(change_log.c.change_id, change_log.c.digest, change_log.c.seq).where(
                change_log.c.account_id == account, change_log.c.change_id.in_(ids)
            )
        )
        state.existing.update((r.change_id, (bytes(r.digest), r.seq)) for r in rows)
    wanted = {c.version_id for c in changes} | {p for c in changes for p in c.parent_ids}
    for ids in _chunks(wanted):
        rows = conn.execute(
            select(change_log.c.version_id, change_log.c.record_id).where(
                change_log.c.account_id == account, change_log.c.version_id.in_(ids)
            )
        )
        state.known.update((r.version_id, r.record_id) for r in rows)
    for ids in _chunks({c.record_id for c in changes}):
        rows = conn.execute(
            select(signed_record.c.record_id).where(
                signed_record.c.account_id == account, signed_record.c.record_id.in_(ids)
            )
        )
        state.signed.update(r.record_id for r in rows)
    return state


def _classify(
    changes: list[Change], digests: list[bytes], state: _LogState
) -> tuple[list[_Verdict], list[int]]:
    """A verdict per change, in order, and the indexes of the accepted ones.

    Updates ``state`` as changes are accepted, so a later change of the batch may name an
    earlier one as its parent, and a sign earlier in the batch closes its record.
    """
    verdicts: list[_Verdict] = []
    accepted: list[int] = []
    in_batch: dict[uuid.UUID, int] = {}
    known, signed = state.known, state.signed
    for i, change in enumerate(changes):
        digest = digests[i]
        if change.change_id in state.existing:
            old_digest, old_seq = state.existing[change.change_id]
            same = old_digest == digest
            verdicts.append(_Verdict(ChangeStatus.DUPLICATE, seq=old_seq) if same else _CONFLICT)
        elif change.change_id in in_batch:
            j = in_batch[change.change_id]
            same = digests[j] == digest
            verdicts.append(_Verdict(ChangeStatus.DUPLICATE, dup_of=j) if same else _CONFLICT)
        elif change.version_id in known:
            verdicts.append(_Verdict(ChangeStatus.VERSION_CONFLICT, detail=_VERSION_TAKEN))
        elif change.record_id in signed and change.kind != KIND_ADDENDUM:
            verdicts.append(_Verdict(ChangeStatus.NOTE_SIGNED, detail=_SIGNED))
        elif missing := [p for p in change.parent_ids if known.get(p) != change.record_id]:
            detail = "unknown parent version(s) of this record: " + ", ".join(map(str, missing))
            verdicts.append(_Verdict(ChangeStatus.UNKNOWN_PARENT, detail=detail))
        else:
            verdicts.append(_Verdict(ChangeStatus.ACCEPTED))
            accepted.append(i)
            in_batch[change.change_id] = i
            known[change.version_id] = change.record_id
            if change.kind == KIND_SIGN:
                signed.add(change.record_id)
    return verdicts, accepted


def _store_changes(
    conn: Connection,
    ctx: DeviceContext,
    request: PushRequest,
    digests: list[bytes],
    seq_of: dict[int, int],
) -> None:
    received = now_ms()
    rows = []
    signs = []
    for i, seq in seq_of.items():
        change = request.changes[i]
        rows.append(
            {
                "account_id": ctx.account_id,
                "seq": seq,
                "change_id": change.change_id,
                "device_id": ctx.device_id,
                "batch_id": request.batch_id,
                "record_id": change.record_id,
                "entity": change.entity,
                "version_id": change.version_id,
                "parent_ids": json.dumps([str(p) for p in change.parent_ids]),
                "kind": change.kind,
                "key_id": change.key_id,
                "schema_version": change.schema_version,
                "nonce": b64decode(change.nonce),
                "ciphertext": b64decode(change.ciphertext),
                "digest": digests[i],
                "received_at": received,
            }
        )
        if change.kind == KIND_SIGN:
            signs.append(
                {
                    "account_id": ctx.account_id,
                    "record_id": change.record_id,
                    "version_id": change.version_id,
                    "seq": seq,
                }
            )
    _insert_ignoring_conflicts(conn, change_log, ["account_id", "change_id"], rows)
    if signs:
        _insert_ignoring_conflicts(conn, signed_record, ["account_id", "record_id"], signs)


def _resync(why: str) -> ApiError:
    return ApiError(409, ErrorCode.RESYNC_REQUIRED, f"{why}; pull again from 0 and merge")


def pull(
    engine: Engine,
    ctx: DeviceContext,
    after: int,
    limit: int,
    *,
    epoch: uuid.UUID | None = None,
    at: uuid.UUID | None = None,
    readable: int = DEFAULT_READABLE_SCHEMA,
) -> bytes:
    """JSON bytes of a ``PullResponse``: up to ``limit`` changes with ``seq > after``.

    ``epoch`` and ``at`` (both optional, for old clients) identify the log the cursor came
    from: the epoch of the last page and the change id at ``seq = after``. ``readable``: the
    highest schema the caller's app reads; a page holding a higher one is refused (409
    ``upgrade_required``) before anything is sent, so an older app never files a change it
    cannot read (schema 3 names records by opaque ids it would take for its own)."""

    def tx(conn: Connection) -> bytes:
        state = conn.execute(
            select(account_counter.c.last_seq, log_epoch.c.epoch)
            .select_from(account_counter)
            .join(log_epoch, log_epoch.c.account_id == account_counter.c.account_id)
            .where(account_counter.c.account_id == ctx.account_id)
        ).one()
        last_seq, current = state.last_seq, state.epoch
        if epoch is not None and epoch != current:
            raise _resync("this account's log has a new epoch (restored, migrated or replaced)")
        if after > last_seq:
            raise _resync(f"cursor {after} is past the end of this account's log ({last_seq})")
        if at is not None and after > 0:
            found = conn.execute(
                select(change_log.c.change_id).where(
                    change_log.c.account_id == ctx.account_id, change_log.c.seq == after
                )
            ).scalar_one_or_none()
            if found != at:
                raise _resync(f"the change at cursor {after} is not the one this device saw")
        # Sizes first (no ciphertext read), then only the rows that fit MAX_PULL_BYTES.
        sizes = conn.execute(
            select(change_log.c.seq, func.length(change_log.c.ciphertext))
            .where(change_log.c.account_id == ctx.account_id, change_log.c.seq > after)
            .order_by(change_log.c.seq)
            .limit(limit)
        ).all()
        last, total = after, 0
        for seq, size in sizes:
            if total and total + int(size) > MAX_PULL_BYTES:
                break
            last, total = seq, total + int(size)
        rows = conn.execute(
            select(change_log)
            .where(
                change_log.c.account_id == ctx.account_id,
                change_log.c.seq > after,
                change_log.c.seq <= last,
            )
            .order_by(change_log.c.seq)
        ).all()
        if any(row.schema_version > readable for row in rows):
            raise ApiError(
                409, ErrorCode.UPGRADE_REQUIRED,
                f"this practice's log holds changes of schema "
                f"{max(row.schema_version for row in rows)}; this app reads up to {readable}",
            )
        changes = [
            PulledChange.model_construct(
                change_id=row.change_id,
                record_id=row.record_id,
                entity=row.entity,
                version_id=row.version_id,
                parent_ids=[uuid.UUID(p) for p in json.loads(row.parent_ids)],
                kind=row.kind,
                ciphertext=b64encode(row.ciphertext),
                nonce=b64encode(row.nonce),
                key_id=row.key_id,
                schema_version=row.schema_version,
                seq=row.seq,
                device_id=row.device_id,
                received_at=ms_to_datetime(row.received_at),
            )
            for row in rows
        ]
        next_after = changes[-1].seq if changes else after
        response = PullResponse.model_construct(
            changes=changes,
            next_after=next_after,
            has_more=next_after < last_seq,
            last_seq=last_seq,
            epoch=current,
        )
        return response.model_dump_json().encode()

    return read_transaction(engine, tx)
