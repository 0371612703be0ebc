"""What the clinician does about sync conflicts and rescued text (inside one chart transaction).

Contract:

* ``conflict_detail`` returns both sides of an open conflict as plain strings for a
  side-by-side view (notes: the four SOAP sections and the timed services).
* ``resolve`` ends a ``draft`` or ``delete_edit`` conflict (a delete against a concurrent edit:
  ``local`` keeps the edited record, ``remote`` lets the delete hold) by writing a **merge
  version** whose parents are every current head, so the graph has one head again on every
  device (a notice, ``fields`` or ``log_restored``, is only acknowledged): ``local`` keeps this
  device's record, ``remote`` materializes the other version first, ``merged`` writes the
  clinician's merged section text into the draft first. A ``sign_race`` conflict can only be
  acknowledged (both signed copies stay in history; this device's signed rows are frozen).
* ``file_draft`` turns a rescued addendum draft into a real addendum of its signed note (an
  ordinary ``addendum`` version) and records the draft as filed; ``dismiss_draft`` keeps the
  draft's text but marks it dismissed. Both status changes are synced versions of the draft.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection

from core.domain.errors import InvalidInput, NotFound
from core.storage import records
from core.storage import sync_store as store
from core.sync import merge

Choice = Literal["local", "remote", "merged"]
_HIDDEN = frozenset({"id", "search_key", "snapshot", "content_hash", "acknowledged"})


@dataclass(frozen=True)
class VersionView:
    version_id: uuid.UUID
    device: str
    created_at: str
    fields: dict[str, str]


@dataclass(frozen=True)
class ConflictDetail:
    conflict_id: uuid.UUID
    record_id: uuid.UUID
    entity: str
    kind: str
    local: VersionView | None
    others: list[VersionView]


def _view(version_id: uuid.UUID, doc: dict[str, Any], device: str, created: str) -> VersionView:
    row = doc.get("row") or {}
    if doc.get("entity") == "note":
        fields = {s: str(row.get(s) or "") for s in merge.NOTE_TEXT}
        blocks = doc.get("children", {}).get("timed_blocks", [])
        fields["timed services"] = ", ".join(merge._block_line(b) for b in blocks)
        fields["status"] = str(row.get("status", ""))
    elif row:
        fields = {k: "" if v is None else str(v) for k, v in row.items() if k not in _HIDDEN}
    else:
        fields = {"(deleted)": ""}
    return VersionView(version_id, device, created, fields)


def conflict_detail(conn: Connection, conflict_id: uuid.UUID) -> ConflictDetail:
    c = store.conflict(conn, conflict_id)
    if c is None:
        raise NotFound("That sync conflict no longer exists.")
    meta = {r.version_id: r for r in store.version_rows(conn, c["record_id"])}
    texts = store.payloads(conn, c["heads"])
    views = {
        v: _view(v, json.loads(texts[v]), meta[v].device if v in meta else "", "")
        for v in c["heads"]
        if v in texts
    }
    local = views.pop(c["local_head"], None) if c["local_head"] else None
    return ConflictDetail(
        c["id"], c["record_id"], c["entity"], c["kind"], local, list(views.values())
    )


def resolve(
    conn: Connection,
    device: str,
    conflict_id: uuid.UUID,
    choice: Choice,
    *,
    merged: dict[str, str] | None = None,
    keep: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Resolve one conflict; returns the merge version written (None when none was needed)."""
    c = store.conflict(conn, conflict_id)
    if c is None or c["resolved_at"] is not None:
        raise NotFound("That sync conflict is already resolved.")
    record_id, entity = c["record_id"], c["entity"]
    if c["kind"] == "sign_race":
        if choice != "local":
            raise InvalidInput(
                "A signed note cannot change here; acknowledge the other "
                "signature instead (both stay in the note's history)."
            )
        store.close_conflicts(conn, record_id, "noted", kind="sign_race")
        return None
    if c["kind"] in store.NOTICE_KINDS:
        if choice != "local":
            raise InvalidInput(
                "That change was merged automatically; acknowledge the notice (both values "
                "stay in the record's history)."
            )
        store.close_one(conn, conflict_id, "seen")
        return None
    if c["kind"] not in ("draft", "delete_edit"):
        raise InvalidInput("That conflict cannot be resolved here.")
    rows = store.version_rows(conn, record_id)
    graph = merge.Graph(
        merge.Node(r.version_id, r.parents, r.kind, r.device, r.seq, r.rejected) for r in rows
    )
    heads = graph.heads()
    state = store.note_state(conn, record_id) if entity == "note" else None
    if len(heads) < 2 or (state is not None and state[0] == "signed"):
        store.close_conflicts(conn, record_id, "superseded", kind=c["kind"])
        return None
    local = store.get_heads(conn, record_id)
    if c["kind"] == "delete_edit":
        # "local": keep the edited record; "remote": the delete holds.
        local = (c["local_head"],)
    if choice == "remote":
        other = keep or next((h for h in heads if h not in local), None)
        if other is None or other not in heads:
            raise InvalidInput("Choose one of the versions in conflict.")
        doc = json.loads(store.payloads(conn, [other])[other])
        written = records.write(conn, [(entity, record_id, doc)])
        if written.refused:
            raise InvalidInput(
                f"The other version cannot be kept on this device: {written.refused[0].reason}"
            )
    elif choice == "merged":
        if entity != "note" or not merged:
            raise InvalidInput("Merged text applies to a note's sections.")
        records.set_note_sections(conn, record_id, merged)
    payload = records.canonical(records.current_doc(conn, entity, record_id))
    version = store.insert_local_version(
        conn,
        record_id=record_id,
        entity=entity,
        kind="merge",
        parents=heads,
        payload=payload,
        device=device,
    )
    store.close_conflicts(conn, record_id, choice, merge_version=version, kind=c["kind"])
    return version


def _draft(conn: Connection, draft_id: uuid.UUID) -> dict[str, Any]:
    found = [d for d in store.addendum_drafts(conn, status=None) if d["id"] == draft_id]
    if not found:
        raise NotFound("That addendum draft does not exist.")
    return found[0]


def draft_note(conn: Connection, draft_id: uuid.UUID) -> tuple[uuid.UUID, str]:
    d = _draft(conn, draft_id)
    if d["status"] != "open":
        raise InvalidInput(f"That addendum draft is already {d['status']}.")
    return d["note_id"], d["text"]


def set_draft(
    conn: Connection,
    device: str,
    draft_id: uuid.UUID,
    status: str,
    addendum_id: uuid.UUID | None = None,
) -> None:
    store.set_draft_status(conn, draft_id, status, addendum_id)
    payload = records.canonical(records.current_doc(conn, "addendum_draft", draft_id))
    store.insert_local_version(
        conn,
        record_id=draft_id,
        entity="addendum_draft",
        kind="edit",
        parents=store.get_heads(conn, draft_id),
        payload=payload,
        device=device,
    )
