"""Applying pulled versions and reconciling each touched record with the merge rules.

Contract: ``apply_page`` runs inside one chart transaction together with the cursor update
(``core.sync.engine``). It decrypts and authenticates every new version (a failure raises and
nothing of the page is kept), stores it, then ``reconcile``s each touched record once, in the
order the page first touched them. ``reconcile`` is idempotent and is also run after a push
whose changes the server refused. Foreign keys are checked at commit, since a page may carry a
record before a record it refers to.

What ``reconcile`` does, by entity (rules in ``core.sync.merge``; docs/sync.md §5):

* **note with a signature**: the first signature the server accepted fixes the note. If this
  device has the note as a draft, the signed version is materialized (children first, then the
  signing UPDATE). If this device signed a *different* version (two devices signed at once), its
  own signed rows stay (the triggers freeze them) and a ``sign_race`` conflict tells the user.
  Addenda are the union of every addendum version. Edits that lost the race (refused by the
  server with ``note_signed``, or concurrent edits that this device's signature beat) become
  addendum *drafts*: their text is kept, synced, and shown to the clinician; never dropped.
* **keep-both entities** (draft notes, measure scores, payments): one head → materialize it;
  several heads with different content → the materialized record stays the local one and a
  ``draft`` conflict asks the clinician to choose or merge.
* **everything else**: three-way field merge of all heads against their common ancestor.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

import syncwire as wire
from core.domain.changes import Changes
from core.storage import records
from core.storage import sync_store as store
from core.sync import crypto, merge, wireids
from core.sync.config import SyncConfig
from core.sync.errors import MissingSyncKey, TamperedChange


@dataclass
class ApplyOutcome:
    applied: int = 0
    known: int = 0
    conflicts: int = 0
    notices: int = 0
    drafts: int = 0
    changed: dict[str, set[uuid.UUID]] = field(default_factory=dict)

    def touch(self, entity: str, record_id: uuid.UUID) -> None:
        self.changed.setdefault(entity, set()).add(record_id)

    @property
    def changes(self) -> Changes:
        return Changes({k: frozenset(v) for k, v in self.changed.items()})


class _Docs:
    """Parsed payloads of one record's versions, fetched on first use."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._cache: dict[uuid.UUID, dict[str, Any]] = {}

    def __getitem__(self, version_id: uuid.UUID) -> dict[str, Any]:
        if version_id not in self._cache:
            text = store.payloads(self._conn, [version_id])[version_id]
            self._cache[version_id] = json.loads(text)
        return self._cache[version_id]


def _open(
    cfg: SyncConfig, c: wire.PulledChange
) -> tuple[crypto.VersionBody, crypto.LocalIds]:
    """Decrypt a pulled change and name it by this chart's ids: those inside the ciphertext
    (schema 3, checked against the wire ids they were sealed under), or the wire ids
    themselves (older schemas)."""
    key = cfg.keys.get(c.key_id)
    if key is None:
        raise MissingSyncKey(f"Changes on the server use key {c.key_id}.")
    body = crypto.open_version(
        key, crypto.header_of(c), wire.b64decode(c.ciphertext), wire.b64decode(c.nonce)
    )
    ids = body.ids
    if ids is None:
        return body, crypto.LocalIds(c.change_id, c.record_id, c.version_id, tuple(c.parent_ids))
    id_key = cfg.id_key
    parents = {wireids.wire_id(id_key, "version", p) for p in ids.parent_ids} | set(
        ids.parent_ids
    )
    if not (
        wireids.matches(id_key, "change", ids.change_id, c.change_id)
        and wireids.matches(id_key, "record", ids.record_id, c.record_id)
        and wireids.matches(id_key, "version", ids.version_id, c.version_id)
        and set(c.parent_ids) <= parents
    ):
        raise TamperedChange(
            "A change from the sync server names a record other than the one it was sent as.",
            hint="Nothing was changed here. Tell your practice admin; the device that sent it "
            "may hold another practice's key.",
        )
    return body, ids


def apply_page(
    conn: Connection, cfg: SyncConfig, changes: Sequence[wire.PulledChange], out: ApplyOutcome
) -> None:
    store.defer_foreign_keys(conn)
    known = store.known_by_wire(conn, [c.version_id for c in changes])
    seen = [c for c in changes if c.version_id in known]
    # ours: maybe a lost ack
    store.ack_if_local(conn, [(known[c.version_id][1], c.seq) for c in seen])
    if cfg.resync:  # re-checking a restored log: what it shows again needs no re-sending
        store.confirm_on_server(conn, [known[c.version_id][0] for c in seen])
    out.known += len(seen)
    new = [c for c in changes if c.version_id not in known]
    if not new:
        return
    opened = [(c, _open(cfg, c)) for c in new]
    # Stored here already under no wire id (or another one): the same version, not a new one.
    here = store.known_versions(conn, [ids.version_id for _c, (_b, ids) in opened])
    if here:
        again = [(c, ids) for c, (_b, ids) in opened if ids.version_id in here]
        store.ack_if_local(conn, [(ids.change_id, c.seq) for c, ids in again])
        store.assign_wire_ids(conn, [(ids.version_id, c.version_id, c.record_id)
                                     for c, ids in again])  # a first mapping is kept
        if cfg.resync:
            store.confirm_on_server(conn, [ids.version_id for _c, ids in again])
        out.known += len(again)
        opened = [(c, bi) for c, bi in opened if bi[1].version_id not in here]
        if not opened:
            return
    before = store.records_with_versions(conn, list({ids.record_id for _c, (_b, ids) in opened}))
    rows: list[dict[str, Any]] = []
    touched: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for c, (body, ids) in opened:
        rows.append(
            {
                "version_id": ids.version_id,
                "change_id": ids.change_id,
                "record_id": ids.record_id,
                "entity": c.entity,
                "kind": c.kind,
                "parents": ids.parent_ids,
                "payload": body.payload,
                "device": body.device,
                "created_at": _parse_time(body.created_at),
                "seq": c.seq,
                "wire_id": c.version_id,
                "wire_record": c.record_id,
            }
        )
        touched.setdefault(ids.record_id, []).append(rows[-1])
    store.insert_remote_versions(conn, rows)
    out.applied += len(rows)
    # Entity by entity in dependency order (a visit before the note whose signature freezes
    # it), page order within one. Records never seen here that arrive as one version are
    # written in one batch per entity; the others are reconciled one by one.
    order = {entity: i for i, entity in enumerate(records.SPECS)}
    by_entity: dict[str, list[tuple[uuid.UUID, list[dict[str, Any]]]]] = {}
    for record_id, versions in touched.items():
        by_entity.setdefault(versions[0]["entity"], []).append((record_id, versions))
    for entity in sorted(by_entity, key=lambda e: order.get(e, len(order))):
        if entity not in records.SPECS:
            continue  # a record type from a newer app: kept in history, shown after an upgrade
        fresh: list[tuple[uuid.UUID, dict[str, Any]]] = []
        held: list[uuid.UUID] = []
        for record_id, versions in by_entity[entity]:
            first = versions[0]
            if record_id not in before and len(versions) == 1 and not first["parents"]:
                fresh.append((record_id, first))
            else:
                held.append(record_id)
        if held:
            _reconcile_many(conn, cfg, entity, held, out)
        if fresh:
            _fresh(conn, entity, fresh, out)


def _reconcile_many(
    conn: Connection, cfg: SyncConfig, entity: str, record_ids: Sequence[uuid.UUID],
    out: ApplyOutcome,
) -> None:
    """``reconcile`` of several records of one entity. The common case — one head after the
    page (an edit on top of what this device has), no signature in play — is settled for
    all of them at once: one read of their versions, one of the heads' payloads, one
    ``records.write`` (one current-state read per table), one heads write and one conflict
    update. The others (several heads, a signed note, a refused edit) go one by one."""
    rows_of = store.version_rows_many(conn, record_ids)
    linear: dict[uuid.UUID, uuid.UUID] = {}
    for record_id in record_ids:
        rows = rows_of.get(record_id, [])
        graph = merge.Graph(
            merge.Node(r.version_id, r.parents, r.kind, r.device, r.seq, r.rejected) for r in rows
        )
        tips = graph.heads()
        signed = entity == "note" and (
            graph.winning_sign() is not None or any(r.rejected and not r.salvaged for r in rows)
        )
        if len(tips) == 1 and not signed:
            linear[record_id] = tips[0]
        else:
            reconcile(conn, cfg, record_id, entity, out)
    if not linear:
        return
    texts = store.payloads(conn, linear.values())
    docs = {rid: json.loads(texts[head]) for rid, head in linear.items()}
    written = records.write(conn, [(entity, rid, doc) for rid, doc in docs.items()])
    for _entity, record_id in written.changed:
        out.touch(entity, record_id)
    heads = {rid: (head,) for rid, head in linear.items()}
    _refused(conn, written, heads, docs, out)
    store.set_heads_many(conn, [(rid, entity, heads[rid]) for rid in linear])
    # one head again: a draft choice or a delete-against-edit is settled
    for record_id in store.close_conflicts_many(
        conn, list(linear), "superseded", ("draft", "delete_edit")
    ):
        out.touch("sync_conflict", record_id)


def _fresh(
    conn: Connection,
    entity: str,
    fresh: Sequence[tuple[uuid.UUID, dict[str, Any]]],
    out: ApplyOutcome,
) -> None:
    """Records this device has never seen, each arriving as one version: write them all."""
    docs = {rid: json.loads(v["payload"]) for rid, v in fresh}
    written = records.write(conn, [(entity, rid, doc) for rid, doc in docs.items()], fresh=True)
    for _entity, record_id in written.changed:
        out.touch(entity, record_id)
    heads = {rid: (v["version_id"],) for rid, v in fresh}
    _refused(conn, written, heads, docs, out)
    store.set_heads_many(conn, [(rid, entity, heads[rid]) for rid, _v in fresh])


def _refused(
    conn: Connection,
    written: records.Written,
    heads: Mapping[uuid.UUID, tuple[uuid.UUID, ...]],
    docs: Mapping[uuid.UUID, dict[str, Any]],
    out: ApplyOutcome,
) -> None:
    """Tell the user about versions this chart's domain refused (kept in history, unapplied)."""
    for r in written.refused:
        these = heads.get(r.record_id, ())
        if store.noted_before(conn, r.record_id, these, kinds=("refused",)):
            continue
        store.add_notice(
            conn,
            kind="refused",
            record_id=r.record_id,
            entity=r.entity,
            heads=these,
            detail=json.dumps({
                "record": merge.describe(r.entity, docs.get(r.record_id)),
                "message": f"Not applied on this device: {r.reason}",
            }),
        )
        out.notices += 1
        out.touch("sync_conflict", r.record_id)


def _materialize(
    conn: Connection,
    entity: str,
    record_id: uuid.UUID,
    doc: dict[str, Any],
    heads: Sequence[uuid.UUID],
    out: ApplyOutcome,
) -> bool:
    """Write one record through the one write path; True when its stored rows changed."""
    written = records.write(conn, [(entity, record_id, doc)])
    _refused(conn, written, {record_id: tuple(heads)}, {record_id: doc}, out)
    return bool(written.changed)


def _parse_time(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.datetime(1970, 1, 1)
    return value.replace(tzinfo=None)


def reconcile(
    conn: Connection, cfg: SyncConfig, record_id: uuid.UUID, entity: str, out: ApplyOutcome
) -> None:
    """Bring one record's materialized rows, heads and conflicts in line with its versions."""
    if entity not in records.SPECS:
        return  # a record type from a newer app: kept in history, shown after an upgrade
    rows = store.version_rows(conn, record_id)
    graph = merge.Graph(
        merge.Node(r.version_id, r.parents, r.kind, r.device, r.seq, r.rejected) for r in rows
    )
    docs = _Docs(conn)
    if entity == "note" and (
        graph.winning_sign() or any(r.rejected and not r.salvaged for r in rows)
    ):
        _signed(conn, cfg, record_id, rows, graph, docs, out)
    elif entity in merge.KEEP_BOTH:
        _keep_both(conn, record_id, entity, graph, docs, out)
    else:
        _fields(conn, record_id, entity, graph, docs, out)


def _fields(
    conn: Connection,
    record_id: uuid.UUID,
    entity: str,
    graph: merge.Graph,
    docs: _Docs,
    out: ApplyOutcome,
) -> None:
    heads = graph.heads()
    if not heads:
        return
    found: list[merge.Clash] = []
    if len(heads) == 1:
        doc = docs[heads[0]]
    else:
        base = graph.common_ancestor(heads)
        doc, found = merge.merge_heads(docs[base] if base else None, [docs[h] for h in heads])
    if _materialize(conn, entity, record_id, doc, heads, out):
        out.touch(entity, record_id)
    store.set_heads(conn, record_id, entity, heads)
    removed = [c for c in found if c.kind == "deleted" and not c.where]
    if not removed and store.close_conflicts(conn, record_id, "superseded", kind="delete_edit"):
        out.touch("sync_conflict", record_id)  # settled: one head, or deleted on every side
    if len(heads) == 1 or not found or store.noted_before(conn, record_id, heads):
        return
    detail = _clash_detail(conn, entity, doc, heads, docs, found)
    if removed:
        # A delete against a concurrent edit: the edit stays for now, and someone decides.
        edited = next((h for h in heads if (docs[h].get("row") is not None)), heads[0])
        if store.upsert_conflict(
            conn,
            record_id=record_id,
            entity=entity,
            kind="delete_edit",
            local_head=edited,
            heads=heads,
            detail=detail,
        ):
            out.conflicts += 1
    rest = [c for c in found if c not in removed]
    if rest:
        store.upsert_conflict(
            conn,
            record_id=record_id,
            entity=entity,
            kind="fields",
            local_head=None,
            heads=heads,
            detail=detail if not removed else _clash_detail(conn, entity, doc, heads, docs, rest),
            resolved=None,
            always_new=True,
        )
        out.notices += 1
    out.touch("sync_conflict", record_id)


def _clash_detail(
    conn: Connection,
    entity: str,
    doc: dict[str, Any],
    heads: Sequence[uuid.UUID],
    docs: _Docs,
    clashes: Sequence[merge.Clash],
) -> str:
    """JSON for the notice: the record, each decision with both values, who wrote each head
    and when (values included: this stays in the encrypted chart)."""
    meta = store.version_meta(conn, heads)
    return json.dumps(
        {
            "record": merge.describe(entity, doc),
            "clashes": [
                {
                    "kind": c.kind,
                    "field": c.label,
                    "kept": c.kept,
                    "other": c.other,
                }
                for c in clashes
            ],
            "versions": [
                {
                    "version": str(h),
                    "device": meta.get(h, ("", ""))[0],
                    "at": meta.get(h, ("", ""))[1],
                    "deleted": docs[h].get("row") is None,
                }
                for h in heads
            ],
            "kept_version": str(heads[-1]),
        },
        default=str,
        sort_keys=True,
    )


def settle_open(conn: Connection, cfg: SyncConfig, out: ApplyOutcome) -> None:
    """Reconcile every record with an open ``draft`` or ``delete_edit`` conflict: a later local
    write may have settled it (the clinician edited the draft to match the other version, or
    edited or deleted the record again on top of both), which only a reconcile notices."""
    for c in store.conflicts(conn):
        if c["kind"] in ("draft", "delete_edit"):
            reconcile(conn, cfg, c["record_id"], c["entity"], out)


def _keep_both(
    conn: Connection,
    record_id: uuid.UUID,
    entity: str,
    graph: merge.Graph,
    docs: _Docs,
    out: ApplyOutcome,
) -> None:
    heads = graph.heads()
    if not heads:
        return
    local = [h for h in store.get_heads(conn, record_id) if h in graph.nodes]
    cur = next((h for h in local if h in heads), local[0] if local else None)
    if len(heads) == 1 or all(merge.same_content(docs[h], docs[heads[0]]) for h in heads[1:]):
        target = cur if cur in heads else heads[-1]
        if _materialize(conn, entity, record_id, docs[target], (target,), out):
            out.touch(entity, record_id)
        store.set_heads(conn, record_id, entity, heads)
        if store.close_conflicts(conn, record_id, "superseded", kind="draft"):
            out.touch("sync_conflict", record_id)
        return
    if cur in heads:
        keep = cur
    else:
        ahead = [h for h in heads if cur is not None and graph.is_ancestor(cur, h)]
        keep = min(ahead or heads, key=lambda h: (graph.nodes[h].seq or math.inf, str(h)))
        if _materialize(conn, entity, record_id, docs[keep], (keep,), out):
            out.touch(entity, record_id)
    assert keep is not None
    store.set_heads(conn, record_id, entity, (keep,))
    if store.upsert_conflict(
        conn, record_id=record_id, entity=entity, kind="draft", local_head=keep, heads=heads
    ):
        out.conflicts += 1
        out.touch("sync_conflict", record_id)


def _signed(
    conn: Connection,
    cfg: SyncConfig,
    record_id: uuid.UUID,
    rows: list[store.VersionRow],
    graph: merge.Graph,
    docs: _Docs,
    out: ApplyOutcome,
) -> None:
    winner = graph.winning_sign()
    if winner is None:
        return  # a refused edit waits here until the signature it lost to arrives
    lineage = graph.lineage(winner.version_id)
    parented = {p for v in lineage for p in graph.nodes[v].parents}
    lineage_heads = sorted((v for v in lineage if v not in parented), key=str)
    kept = docs[winner.version_id]
    state = store.note_state(conn, record_id)
    if state is None or state[0] != "signed":
        if _materialize(conn, "note", record_id, kept, (winner.version_id,), out):
            out.touch("note", record_id)
    elif state[1] != (kept.get("row") or {}).get("content_hash"):
        others = [
            r.version_id for r in rows if r.kind == "sign" and r.version_id != winner.version_id
        ]
        if store.upsert_conflict(
            conn,
            record_id=record_id,
            entity="note",
            kind="sign_race",
            local_head=others[0] if others else None,
            heads=[winner.version_id, *others],
            detail="signed twice",
        ):
            out.conflicts += 1
            out.touch("sync_conflict", record_id)
    if records.add_addenda(conn, list(merge.addenda_rows(docs[v] for v in lineage).values())):
        out.touch("note", record_id)
    store.set_heads(conn, record_id, "note", lineage_heads)
    if store.close_conflicts(conn, record_id, "superseded", kind="draft"):
        out.touch("sync_conflict", record_id)

    for head in graph.heads():
        node = graph.nodes[head]
        if head not in lineage and node.seq is not None and winner.device == cfg.chart_device:
            _rescue(conn, cfg, record_id, head, "concurrent_edit", docs[head], kept, out)
    refused = [r for r in rows if r.rejected and not r.salvaged]
    refused_parents = {p for r in refused for p in r.parents}
    for r in refused:
        if r.version_id in refused_parents or r.kind == "addendum":
            continue  # a later refused version carries its text; addenda are re-sent below
        reason = "sign_race" if r.kind == "sign" else "note_signed"
        _rescue(conn, cfg, record_id, r.version_id, reason, docs[r.version_id], kept, out)
    store.mark_salvaged(conn, [r.change_id for r in refused])

    carried = set(merge.addenda_rows(docs[v] for v in lineage))
    if store.addendum_ids(conn, record_id) - carried:
        # Addenda written here on a version the server refused: send them again on the
        # signature that holds (addenda are append-only rows keyed by id, so this is a union).
        payload = records.canonical(records.current_doc(conn, "note", record_id))
        store.insert_local_version(
            conn,
            record_id=record_id,
            entity="note",
            kind="addendum",
            parents=lineage_heads,
            payload=payload,
            device=cfg.chart_device,
        )


def _rescue(
    conn: Connection,
    cfg: SyncConfig,
    note_id: uuid.UUID,
    source: uuid.UUID,
    reason: str,
    lost: dict[str, Any],
    kept: dict[str, Any],
    out: ApplyOutcome,
) -> None:
    """Keep the text of a version that lost to a signature as an addendum draft (synced)."""
    if store.draft_exists(conn, source):
        return
    text = merge.rescued_text(lost, kept)
    if not text:
        return  # it said nothing the signed note does not
    draft_id = store.new_addendum_draft(
        conn, note_id=note_id, source_version=source, reason=reason, text_value=text
    )
    payload = records.canonical(records.current_doc(conn, "addendum_draft", draft_id))
    store.insert_local_version(
        conn,
        record_id=draft_id,
        entity="addendum_draft",
        kind="create",
        parents=(),
        payload=payload,
        device=cfg.chart_device,
    )
    out.drafts += 1
    out.touch("addendum_draft", draft_id)
    out.touch("note", note_id)
