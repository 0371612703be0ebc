"""Pure merge rules over record versions: the version graph, three-way field merge, rescued text.

No SQL and no I/O: ``core.sync.apply`` reads versions through ``core.storage.sync_store``,
asks these functions what the record should look like, and writes the answer back.

Rules (docs/sync.md §5):

* ``KEEP_BOTH`` entities (notes, measure scores, payments: clinical text and money) never merge
  automatically. Concurrent versions stay as separate heads and the clinician chooses.
* Every other entity (patient, practice, clinician, payer profile, episode with its diagnoses
  and goals, visits, fees, ...) merges field by field against the best common ancestor. When
  both sides changed the same field, the version with the later id (UUIDv7: creation time)
  wins *deterministically on every device*; the other value stays in the versions table and
  both values are reported (a notice). A delete against a concurrent edit keeps the edit for
  now and is reported as a conflict someone must decide (keep the record, or delete it).
* A signed note is fixed by its first accepted ``sign`` version; addenda (append-only, keyed by
  UUID) are the union over all addendum versions.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

KEEP_BOTH = frozenset({"note", "measure_score", "payment"})
NOTE_TEXT = ("subjective", "objective", "assessment", "plan")
_SIGN_META = frozenset(
    {"status", "signed_at", "signed_by", "content_hash", "snapshot", "updated_at", "acknowledged"}
)

Doc = dict[str, Any]
Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Node:
    """One version as the merge sees it (no payload)."""

    version_id: uuid.UUID
    parents: tuple[uuid.UUID, ...]
    kind: str
    device: str
    seq: int | None = None  # the server's position, once known
    rejected: bool = False  # refused by the server for good (never part of the shared graph)

    @property
    def key(self) -> str:
        return str(self.version_id)


class Graph:
    """The live (not rejected) versions of one record."""

    def __init__(self, nodes: Iterable[Node]) -> None:
        self.nodes = {n.version_id: n for n in nodes if not n.rejected}
        parented = {p for n in self.nodes.values() for p in n.parents}
        self._heads = sorted((v for v in self.nodes if v not in parented), key=str)

    def heads(self) -> list[uuid.UUID]:
        return list(self._heads)

    def ancestors(self, version: uuid.UUID) -> set[uuid.UUID]:
        seen: set[uuid.UUID] = set()
        stack = list(self.nodes[version].parents) if version in self.nodes else []
        while stack:
            v = stack.pop()
            if v in seen or v not in self.nodes:
                continue
            seen.add(v)
            stack.extend(self.nodes[v].parents)
        return seen

    def is_ancestor(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        return a in self.ancestors(b)

    def lineage(self, root: uuid.UUID) -> set[uuid.UUID]:
        """``root`` and every version that descends from it."""
        return {v for v in self.nodes if v == root or root in self.ancestors(v)}

    def common_ancestor(self, heads: Sequence[uuid.UUID]) -> uuid.UUID | None:
        """The best common ancestor: shared by all heads, not an ancestor of another such."""
        if not heads:
            return None
        common = set.intersection(*({h} | self.ancestors(h) for h in heads))
        best = [c for c in common if not any(c in self.ancestors(o) for o in common if o != c)]
        return max(best, key=str) if best else None

    def winning_sign(self) -> Node | None:
        """The sign that holds: the first one the server stored, else this device's own."""
        signs = [n for n in self.nodes.values() if n.kind == "sign"]
        known = [n for n in signs if n.seq is not None]
        if known:
            return min(known, key=lambda n: n.seq or 0)
        return min(signs, key=lambda n: n.key) if signs else None


# -- three-way field merge -----------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    """One automatic decision of a field merge, with both values (shown to the user).

    ``kind`` ``field``: both sides changed ``field`` of ``where`` (the record's row when
    ``where`` is "", else ``table[row id]``); ``kept`` is the later version's value, ``other``
    the earlier one's, kept in history. ``kind`` ``deleted``: one side deleted ``where`` and
    the other edited it; the edit is kept (``kept``: the edited row) until someone decides.
    """

    kind: str
    where: str
    field: str
    kept: Any
    other: Any

    @property
    def label(self) -> str:
        return ".".join(p for p in (self.where, self.field) if p) or "record"


def _merge_row(
    base: Row | None, a: Row | None, b: Row | None, where: str, out: list[Clash]
) -> Row | None:
    if a is None or b is None:
        other = b if a is None else a
        if other is None:
            return None
        if other == base:
            return None  # deleted on one side, untouched on the other
        out.append(Clash("deleted", where, "", other, None))
        return other  # kept until someone decides: a delete never wins silently
    base = base or {}
    merged: Row = {}
    for k in sorted(set(a) | set(b)):
        av, bv, ov = a.get(k), b.get(k), base.get(k)
        if av == bv or bv == ov:
            merged[k] = av
        elif av == ov:
            merged[k] = bv
        else:
            merged[k] = bv  # b is the later version: deterministic on every device
            out.append(Clash("field", where, k, bv, av))
    return merged


def merge3(base: Doc | None, a: Doc, b: Doc) -> tuple[Doc, list[Clash]]:
    """Merge ``a`` and ``b`` (``b`` the later version) against ``base``; every automatic
    decision is returned with both values."""
    conflicts: list[Clash] = []
    base_row = base["row"] if base else None
    row = _merge_row(base_row, a["row"], b["row"], "", conflicts)
    children: dict[str, list[Row]] = {}
    tables = set(a["children"]) | set(b["children"])
    for table in sorted(tables):
        by_id = [
            {r["id"]: r for r in (d["children"].get(table, []) if d else [])} for d in (base, a, b)
        ]
        rows = []
        for ident in sorted(set(by_id[1]) | set(by_id[2])):
            merged = _merge_row(
                by_id[0].get(ident),
                by_id[1].get(ident),
                by_id[2].get(ident),
                f"{table}[{ident}]",
                conflicts,
            )
            if merged is not None:
                rows.append(merged)
        # a child removed on both sides, or on one side and untouched on the other, is gone
        children[table] = rows
    doc = {"entity": a["entity"], "row": row, "children": children}
    _derive(doc)
    return doc, conflicts


def merge_heads(base: Doc | None, heads: Sequence[Doc]) -> tuple[Doc, list[Clash]]:
    """Fold ``merge3`` over heads sorted by version id (the caller sorts)."""
    acc = heads[0]
    conflicts: list[Clash] = []
    for doc in heads[1:]:
        acc, found = merge3(base, acc, doc)
        conflicts += [c for c in found if c not in conflicts]
    return acc, conflicts


def _derive(doc: Doc) -> None:
    """Recompute stored values derived from other fields (a merged name needs its search key)."""
    row = doc.get("row")
    if doc.get("entity") == "patient" and row:
        row["search_key"] = (
            f"{row.get('last_name', '')} {row.get('first_name', '')} {row.get('date_of_birth', '')}"
        ).lower()


# -- notes -----------------------------------------------------------------------------------


def _strip_ids(rows: list[Row], drop: Iterable[str]) -> list[Row]:
    dropped = set(drop) | {"id"}
    return sorted(
        ({k: v for k, v in r.items() if k not in dropped} for r in rows),
        key=lambda r: json.dumps(r, sort_keys=True, default=str),
    )


def note_content(doc: Doc) -> Any:
    """What a clinician wrote in a note version, without signature metadata or addenda."""
    row = doc.get("row") or {}
    children = doc.get("children", {})
    return (
        {k: v for k, v in row.items() if k not in _SIGN_META},
        _strip_ids(children.get("timed_blocks", []), ("note_id",)),
        _strip_ids(children.get("untimed_services", []), ("note_id",)),
    )


def same_content(a: Doc, b: Doc) -> bool:
    if a.get("entity") == "note":
        return bool(note_content(a) == note_content(b))
    return a.get("row") == b.get("row") and a.get("children") == b.get("children")


def _block_line(block: Row) -> str:
    def hhmm(value: Any) -> str:
        return str(value)[:5] if value else "--:--"

    return f"{block.get('code', '?')} {hhmm(block.get('start'))}–{hhmm(block.get('stop'))}"


def rescued_text(lost: Doc, kept: Doc) -> str:
    """Addendum draft text for what ``lost`` says that the signed ``kept`` does not ("" if
    nothing clinical differs)."""
    if note_content(lost) == note_content(kept):
        return ""
    lost_row, kept_row = lost.get("row") or {}, kept.get("row") or {}
    parts = []
    for section in NOTE_TEXT:
        text = str(lost_row.get(section) or "")
        if text != str(kept_row.get(section) or ""):
            parts.append(
                f"{section.capitalize()}: {text}"
                if text
                else f"{section.capitalize()}: (cleared in this edit)"
            )
    lost_blocks = [_block_line(b) for b in lost.get("children", {}).get("timed_blocks", [])]
    kept_blocks = [_block_line(b) for b in kept.get("children", {}).get("timed_blocks", [])]
    if sorted(lost_blocks) != sorted(kept_blocks):
        parts.append("Timed services in this edit: " + (", ".join(lost_blocks) or "none"))
    if not parts:
        parts.append("Other fields (minutes, services) differed; compare the versions.")
    return "\n".join(parts)


def addenda_rows(docs: Iterable[Doc]) -> dict[str, Row]:
    """Union of the addendum rows carried by note versions, by id."""
    rows: dict[str, Row] = {}
    for doc in docs:
        for row in doc.get("children", {}).get("addenda", []):
            rows.setdefault(row["id"], row)
    return rows


# -- what a person reads -------------------------------------------------------------------

_ENTITY_NAMES = {
    "payer_profile": "Payer profile",
    "measure_score": "Outcome score",
    "addendum_draft": "Addendum draft",
    "clock": "Time clock entry",
    "mileage": "Mileage trip",
}
_SUMMARY_FIELDS = ("name", "code", "date", "purpose", "miles", "amount_cents", "start_date")


def describe(entity: str, doc: Doc | None) -> str:
    """A short, readable label of a record version, e.g. "Patient Brambleworth, Pat
    (1970-01-01)" or "Fee 97110 · 12500" (shown locally only: the chart is encrypted)."""
    title = _ENTITY_NAMES.get(entity, entity.replace("_", " ").capitalize())
    row = (doc or {}).get("row")
    if not row:
        return f"{title} (deleted)"
    if row.get("last_name") is not None:
        who = f"{row.get('last_name', '')}, {row.get('first_name', '')}".strip(", ")
        born = f" ({row['date_of_birth']})" if row.get("date_of_birth") else ""
        return f"{title} {who}{born}"
    parts = [str(row[k]) for k in _SUMMARY_FIELDS if row.get(k) not in (None, "")]
    if entity == "note":
        parts = [str(row.get("date") or ""), str(row.get("status") or "")]
    return f"{title} {' · '.join(p for p in parts if p)}".strip()
