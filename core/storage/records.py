"""Whole synced records written through the domain and the repositories (one write path).

A synced record travels as a *document*: ``{"entity", "row", "children"}`` with the rows as the
database stores them (``outbox.record_payloads`` reads them). ``write`` makes the stored record
equal its document the way a local edit would: each row is decoded by its columns' own types
(``mapper.from_stored``), the domain object is built through its constructor (so its
validation runs: a visit ending before it starts, a refund with a positive amount, a trip
without a purpose are refused), and the repository's ``save_many`` writes it with
``mapper.upsert`` (one ``executemany`` per table for the whole batch). The signed-note
triggers judge every write exactly as they judge ``NoteRepo.save``.

Contract:
- ``write`` runs in the caller's transaction (foreign keys deferred by the caller: a page may
  carry a visit before its patient). Documents are applied in dependency order (practice …
  visit, note, …), whatever order they came in, so a visit is written before the note that
  freezes it is signed.
- The current state of the records is read once per entity and batch; a record whose stored
  document already equals its target is not written (and not reported as changed).
- A document the domain refuses is not written; it comes back in ``Written.refused`` with the
  reason (the caller keeps the version and tells the user). Nothing else of the batch is lost.
- Notes: a note signed here is never written again; only addenda it lacks are added
  (append-only rows). A note is never deleted. Other records: ``row: null`` deletes the record
  and its child rows.
- ``addendum_draft`` (the sync client's own rescued text, not a domain record) is written with
  the same decoding and ``mapper.upsert``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select

from core.domain.billing import FeeScheduleEntry, Package, PackageUse, Payment
from core.domain.books import ClockEntry, MileageEntry
from core.domain.claims import Claim, ClaimBatch, RemittanceItem
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.errors import ChartsideError
from core.domain.estimates import EstimateLine, GoodFaithEstimate
from core.domain.inventory import Item, Location, Movement, UsageTemplate
from core.domain.measures import MeasureScore
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice
from core.domain.reminders import Reminder
from core.domain.schedule import (
    Appointment,
    AppointmentFee,
    Block,
    Series,
    WaitlistEntry,
    WorkingHours,
)
from core.domain.visit import Addendum, Note, TimedBlock, UntimedService, Visit
from core.storage import outbox
from core.storage import tables as t
from core.storage.mapper import build, delete_where_in, from_stored, upsert
from core.storage.repos import (
    ClinicianRepo,
    EpisodeRepo,
    NoteRepo,
    PatientRepo,
    PayerRepo,
    PracticeRepo,
    VisitRepo,
)
from core.storage.repos_billing import FeeRepo, PackageRepo, PaymentRepo
from core.storage.repos_books import ClockRepo, MileageRepo
from core.storage.repos_claims import ClaimRepo
from core.storage.repos_inventory import InventoryRepo
from core.storage.repos_measures import MeasureScoreRepo
from core.storage.repos_reminders import ReminderRepo
from core.storage.repos_schedule import ScheduleRepo
from core.storage.triggers import VISIT_FROZEN

Doc = dict[str, Any]

SPECS: dict[str, outbox.RecordSpec] = {
    **outbox.RECORDS,
    "addendum_draft": outbox.RecordSpec(t.sync_addendum_drafts),
}
"""Every entity written here: the domain records plus the sync client's addendum drafts, in
dependency order (the order ``write`` applies them in)."""


class NoWritePath(Exception):
    """A synced entity without a line in ``SHAPES`` (a programming error)."""


class Refused(Exception):
    """A document the domain (or its shape) refuses; ``str(exc)`` says why."""


@dataclass(frozen=True, slots=True)
class RefusedRecord:
    entity: str
    record_id: uuid.UUID
    reason: str


@dataclass
class Written:
    changed: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    refused: list[RefusedRecord] = field(default_factory=list)


def canonical(doc: Mapping[str, Any]) -> str:
    """The text ``outbox.record_payloads`` gives for a document (compare, store as payload)."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def current_docs(
    conn: Connection, entity: str, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The records as stored here, as document text (one query per table and 500 records)."""
    return outbox.record_payloads(conn, entity, record_ids, spec=SPECS[entity])


def current_doc(conn: Connection, entity: str, record_id: uuid.UUID) -> Doc:
    parsed: Doc = json.loads(current_docs(conn, entity, [record_id])[record_id])
    return parsed


# -- decoding ---------------------------------------------------------------------------------


def _decoded(conn: Connection, table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    return from_stored(table, conn.dialect, row)


def _kids(conn: Connection, doc: Doc, table: Table) -> list[dict[str, Any]]:
    rows = (doc.get("children") or {}).get(table.name) or []
    if not isinstance(rows, list):
        raise Refused(f"{table.name} is not a list of rows")
    return [_decoded(conn, table, r) for r in rows]


def _make(cls: type[Any], row: Mapping[str, Any], **extra: Any) -> Any:
    try:
        return build(cls, row, **extra)
    except ChartsideError as exc:
        raise Refused(exc.message) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise Refused(f"{cls.__name__}: {exc}") from exc


# -- per entity: document -> domain aggregate, and a bulk save through the repository ---------

Builder = Callable[[Connection, dict[str, Any], Doc], Any]
Saver = Callable[[Connection, list[Any]], None]


def _plain(cls: type[Any]) -> Builder:
    return lambda conn, row, doc: _make(cls, row)


def _episode(conn: Connection, row: dict[str, Any], doc: Doc) -> Episode:
    return _make(  # type: ignore[no-any-return]
        Episode,
        row,
        diagnoses=[_make(Diagnosis, d) for d in _kids(conn, doc, t.diagnoses)],
        goals=[_make(Goal, g) for g in _kids(conn, doc, t.goals)],
    )


def _package(conn: Connection, row: dict[str, Any], doc: Doc) -> tuple[Package, list[PackageUse]]:
    return _make(Package, row), [_make(PackageUse, u) for u in _kids(conn, doc, t.package_uses)]


def _measure(conn: Connection, row: dict[str, Any], doc: Doc) -> MeasureScore:
    return _make(  # type: ignore[no-any-return]
        MeasureScore, row, responses=tuple(row.get("responses") or ())
    )


def _save_packages(conn: Connection, items: list[tuple[Package, list[PackageUse]]]) -> None:
    repo = PackageRepo(conn)
    repo.save_many([p for p, _uses in items])
    repo.replace_uses([p.id for p, _uses in items], [u for _p, uses in items for u in uses])


def _save_batches(conn: Connection, batches: list[ClaimBatch]) -> None:
    repo = ClaimRepo(conn)
    for batch in batches:
        repo.save_batch(batch)


def _estimate(conn: Connection, row: dict[str, Any], doc: Doc) -> GoodFaithEstimate:
    return _make(  # type: ignore[no-any-return]
        GoodFaithEstimate, row, lines=[_make(EstimateLine, ln) for ln in row.get("lines") or []])


def _save_estimates(conn: Connection, estimates: list[GoodFaithEstimate]) -> None:
    repo = ClaimRepo(conn)
    for estimate in estimates:
        repo.save_estimate(estimate)


def _save_drafts(conn: Connection, rows: list[dict[str, Any]]) -> None:
    upsert(conn, t.sync_addendum_drafts, rows)


SHAPES: dict[str, tuple[Builder, Saver]] = {
    "practice": (_plain(Practice), lambda c, xs: PracticeRepo(c).save_many(xs)),
    "clinician": (_plain(Clinician), lambda c, xs: ClinicianRepo(c).save_many(xs)),
    "payer_profile": (_plain(PayerProfile), lambda c, xs: PayerRepo(c).save_many(xs)),
    "patient": (_plain(Patient), lambda c, xs: PatientRepo(c).save_many(xs)),
    "episode": (_episode, lambda c, xs: EpisodeRepo(c).save_many(xs)),
    "visit": (_plain(Visit), lambda c, xs: VisitRepo(c).save_many(xs)),
    "fee": (_plain(FeeScheduleEntry), lambda c, xs: FeeRepo(c).save_many(xs)),
    "payment": (_plain(Payment), lambda c, xs: PaymentRepo(c).save_many(xs)),
    "package": (_package, _save_packages),
    "measure_score": (_measure, lambda c, xs: MeasureScoreRepo(c).save_many(xs)),
    "mileage": (_plain(MileageEntry), lambda c, xs: MileageRepo(c).save_many(xs)),
    "clock": (_plain(ClockEntry), lambda c, xs: ClockRepo(c).save_many(xs)),
    "claim": (_plain(Claim), lambda c, xs: ClaimRepo(c).save(xs)),
    "claim_batch": (_plain(ClaimBatch), _save_batches),
    "remittance": (_plain(RemittanceItem), lambda c, xs: ClaimRepo(c).save_remittances(xs)),
    "estimate": (_estimate, _save_estimates),
    "inventory_location": (_plain(Location), lambda c, xs: InventoryRepo(c).save_locations(xs)),
    "inventory_item": (_plain(Item), lambda c, xs: InventoryRepo(c).save_items(xs)),
    "stock_movement": (_plain(Movement), lambda c, xs: InventoryRepo(c).save_many(xs)),
    "usage_template": (_plain(UsageTemplate), lambda c, xs: InventoryRepo(c).save_templates(xs)),
    "appointment_series": (_plain(Series), lambda c, xs: ScheduleRepo(c).save_series(xs)),
    "appointment": (_plain(Appointment), lambda c, xs: ScheduleRepo(c).save_appointments(xs)),
    "working_hours": (_plain(WorkingHours), lambda c, xs: ScheduleRepo(c).save_hours(xs)),
    "schedule_block": (_plain(Block), lambda c, xs: ScheduleRepo(c).save_blocks(xs)),
    "waitlist_entry": (_plain(WaitlistEntry), lambda c, xs: ScheduleRepo(c).save_waitlist(xs)),
    "appointment_reminder": (_plain(Reminder), lambda c, xs: ReminderRepo(c).save_many(xs)),
    "appointment_fee": (_plain(AppointmentFee), lambda c, xs: ScheduleRepo(c).save_fees(xs)),
    "addendum_draft": (lambda conn, row, doc: row, _save_drafts),
}
"""How each synced entity becomes a domain aggregate and is saved. A record type added to
``outbox.RECORDS`` needs its line here (a test in tests/sync holds the two lists together)."""


def note_of(conn: Connection, doc: Doc, row: dict[str, Any] | None = None) -> Note:
    """The full ``Note`` (blocks, untimed services, addenda) a note document describes
    (``row``: its row already decoded)."""
    if row is None:
        row = _decoded(conn, t.notes, doc.get("row") or {})
    return _make(  # type: ignore[no-any-return]
        Note,
        row,
        blocks=[_make(TimedBlock, b) for b in _kids(conn, doc, t.timed_blocks)],
        untimed=[_make(UntimedService, u) for u in _kids(conn, doc, t.untimed_services)],
        addenda=addenda_of(conn, (doc.get("children") or {}).get("addenda") or []),
        acknowledged=list(row.get("acknowledged") or []),
    )


def addenda_of(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Addendum]:
    return [_make(Addendum, _decoded(conn, t.addenda, r)) for r in rows]


# -- writing ----------------------------------------------------------------------------------


def write(
    conn: Connection,
    items: Sequence[tuple[str, uuid.UUID, Doc]],
    *,
    fresh: bool = False,
) -> Written:
    """Make each record's stored rows equal its document (the last one given per record).

    ``fresh``: none of these records is stored here yet (a first pull), so the current state
    is not read. Returns the records that changed and those the domain refused.
    """
    out = Written()
    grouped: dict[str, dict[uuid.UUID, Doc]] = {}
    for entity, record_id, doc in items:
        if entity not in SPECS:
            continue  # a record type of a newer app: kept in history only
        grouped.setdefault(entity, {})[record_id] = doc
    for entity in SPECS:
        docs = grouped.get(entity)
        if not docs:
            continue
        current: dict[uuid.UUID, str] = {} if fresh else current_docs(conn, entity, list(docs))
        todo = {
            rid: doc
            for rid, doc in docs.items()
            if fresh or current.get(rid) != canonical(doc)
        }
        if not todo:
            continue
        if entity == "note":
            _write_notes(conn, todo, current, out)
        else:
            if entity == "visit":
                _keep_signed_visits(conn, todo, current, out)
            _write_entity(conn, entity, todo, out)
    return out


def _keep_signed_visits(
    conn: Connection, docs: dict[uuid.UUID, Doc], current: dict[uuid.UUID, str], out: Written
) -> None:
    """Refuse (and drop from ``docs``) a change to what a signed note fixes about its visit:
    the triggers would abort the whole page; this way only that version waits, shown."""
    stored = [rid for rid in docs if rid in current]
    if not stored:
        return
    n = t.notes
    signed: set[uuid.UUID] = set()
    for i in range(0, len(stored), 500):
        stmt = select(n.c.visit_id).where(
            n.c.visit_id.in_(stored[i : i + 500]), n.c.status == "signed"
        )
        signed.update(conn.execute(stmt).scalars())
    for rid in signed:
        before = json.loads(current[rid]).get("row") or {}
        after = docs[rid].get("row")
        if after is None or any(before.get(c) != after.get(c) for c in VISIT_FROZEN):
            del docs[rid]
            out.refused.append(RefusedRecord(
                "visit", rid, "the visit of a signed note cannot change its date, times, "
                "place or people (add an addendum to the note instead)"))


def _own_row(conn: Connection, entity: str, record_id: uuid.UUID, doc: Doc) -> dict[str, Any]:
    row = doc.get("row")
    if not isinstance(row, dict):
        raise Refused("the version has no row")
    decoded = _decoded(conn, SPECS[entity].table, row)
    if decoded.get("id") != record_id:
        raise Refused("the version's row does not belong to its record")
    return decoded


def _write_entity(conn: Connection, entity: str, docs: dict[uuid.UUID, Doc], out: Written) -> None:
    if entity not in SHAPES:
        raise NoWritePath(f"synced entity {entity!r} has no write path in core.storage.records")
    builder, saver = SHAPES[entity]
    spec = SPECS[entity]
    made: list[Any] = []
    gone: list[uuid.UUID] = []
    for record_id, doc in docs.items():
        if doc.get("row") is None:
            gone.append(record_id)
            out.changed.append((entity, record_id))
            continue
        try:
            made.append(builder(conn, _own_row(conn, entity, record_id, doc), doc))
        except Refused as exc:
            out.refused.append(RefusedRecord(entity, record_id, str(exc)))
            continue
        out.changed.append((entity, record_id))
    if gone:
        for table, column in spec.children:
            delete_where_in(conn, table, column, gone)
        delete_where_in(conn, spec.table, "id", gone)
    if made:
        saver(conn, made)


def _write_notes(
    conn: Connection, docs: dict[uuid.UUID, Doc], current: dict[uuid.UUID, str], out: Written
) -> None:
    notes: list[Note] = []
    addenda: list[Addendum] = []
    for record_id, doc in docs.items():
        stored: Doc | None = json.loads(current[record_id]) if record_id in current else None
        stored_row = (stored or {}).get("row") or {}
        have = {a["id"] for a in ((stored or {}).get("children") or {}).get("addenda", [])}
        try:
            if doc.get("row") is None:
                continue  # notes are never deleted
            row = _own_row(conn, "note", record_id, doc)
            new = [
                a for a in (doc.get("children") or {}).get("addenda") or []
                if a.get("id") not in have
            ]
            more = addenda_of(conn, new)
            if stored_row.get("status") == "signed":
                # Signed here: frozen (the triggers would refuse); only addenda are added.
                if more:
                    addenda += more
                    out.changed.append(("note", record_id))
                continue
            notes.append(note_of(conn, {**doc, "children": {
                **(doc.get("children") or {}), "addenda": []}}, row))
        except Refused as exc:
            out.refused.append(RefusedRecord("note", record_id, str(exc)))
            continue
        addenda += more
        out.changed.append(("note", record_id))
    repo = NoteRepo(conn)
    if notes:
        repo.save_many(notes)
    if addenda:
        repo.add_addenda(addenda)


def add_addenda(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Add the addenda (stored-row form) a chart lacks; returns how many were added. Addenda
    are append-only and keyed by id, so this is a union; one the domain refuses is skipped."""
    wanted: dict[uuid.UUID, Addendum] = {}
    for row in rows:
        try:
            [addendum] = addenda_of(conn, [row])
        except Refused:
            continue
        wanted[addendum.id] = addendum
    if not wanted:
        return 0
    repo = NoteRepo(conn)
    have = repo.addendum_ids(list({a.note_id for a in wanted.values()}))
    missing = [a for ident, a in wanted.items() if ident not in have]
    repo.add_addenda(missing)
    return len(missing)


def set_note_sections(conn: Connection, note_id: uuid.UUID, sections: Mapping[str, str]) -> None:
    """Write merged section text into a draft note through the domain (a signed note refuses)."""
    repo = NoteRepo(conn)
    note = repo.get(note_id)
    for section, text in sections.items():
        if section in ("subjective", "objective", "assessment", "plan"):
            note.set_section(section, text)
    note.updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    repo.save(note)
