"""Billing repositories: fee schedule, payments, packages, practice assets, bulk billing reads.

Contract:
- Reached as ``uow.billing`` (built on the unit of work's connection); every read and write
  joins the caller's transaction (the caller commits). The tables are r0003's; amounts are cents.
- ``BillingReads`` loads what a superbill or a ledger needs in a handful of queries whatever the
  number of visits (``notes_for_visits`` is 4 queries for any number of notes), returning plain
  domain objects, never live rows.
- Per-patient reads have a bulk form keyed by patient (``*_for_patients``,
  ``billed_minutes_of``) with the same rows in the same order per patient; the single-patient
  form is the bulk one with one id, so the two cannot drift. Ids are chunked under SQLite's
  host-parameter budget (500 patients per statement).
- ``superbill_events`` reads the audit rows of superbill exports, prints and overrides.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, delete, func, insert, or_, select, type_coerce

from core.domain.billing import (
    FeeScheduleEntry,
    Package,
    PackageUse,
    Payment,
    PaymentKind,
    PaymentMethod,
)
from core.domain.enums import NoteStatus, VisitStatus
from core.domain.visit import Note, Visit
from core.storage import tables as t
from core.storage.mapper import from_row, replace_children_many, row_builder, to_row, upsert
from core.storage.repos import assemble_notes

_CHUNK = 500  # SQLite host-parameter budget per IN (...)
_NOT_HELD = (VisitStatus.NO_SHOW.value, VisitStatus.CANCELLED.value)


def _chunks(ids: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _by_patient(
    conn: Connection, stmt: Any, patient_col: Any, patient_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    """Rows of ``stmt`` (already ordered) for the patients, grouped by patient in that order."""
    out: dict[uuid.UUID, list[Any]] = {}
    for chunk in _chunks(list(dict.fromkeys(patient_ids))):
        for r in conn.execute(stmt.where(patient_col.in_(chunk))).mappings():
            out.setdefault(r[patient_col.name], []).append(r)
    return out


class FeeRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def list(self, code: str | None = None) -> list[FeeScheduleEntry]:
        fs = t.fee_schedule
        stmt = select(fs).order_by(fs.c.code, fs.c.effective_from)
        if code:
            stmt = stmt.where(t.fee_schedule.c.code == code)
        return [from_row(FeeScheduleEntry, dict(r)) for r in self.conn.execute(stmt).mappings()]

    def save(self, entry: FeeScheduleEntry) -> None:
        self.save_many([entry])

    def save_many(self, entries: Sequence[FeeScheduleEntry]) -> None:
        upsert(self.conn, t.fee_schedule, [to_row(e, t.fee_schedule) for e in entries])

    def delete(self, entry_id: uuid.UUID) -> int:
        stmt = delete(t.fee_schedule).where(t.fee_schedule.c.id == entry_id)
        return self.conn.execute(stmt).rowcount


class PaymentRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def for_patient(self, patient_id: uuid.UUID) -> list[Payment]:
        return self.for_patients([patient_id]).get(patient_id, [])

    def for_patients(self, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Payment]]:
        """Payments per patient, each list by date, creation time, id (patients without any
        are absent)."""
        p = t.payments
        stmt = select(p).order_by(p.c.date, p.c.created_at, p.c.id)
        return {
            pid: [
                from_row(
                    Payment, dict(r), kind=PaymentKind(r["kind"]),
                    method=PaymentMethod(r["method"]),
                )
                for r in rows
            ]
            for pid, rows in _by_patient(self.conn, stmt, p.c.patient_id, patient_ids).items()
        }

    def save(self, payment: Payment) -> None:
        self.save_many([payment])

    def save_many(self, payments: Sequence[Payment]) -> None:
        upsert(self.conn, t.payments, [to_row(p, t.payments) for p in payments])


class PackageRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def for_patient(self, patient_id: uuid.UUID) -> list[Package]:
        return self.for_patients([patient_id]).get(patient_id, [])

    def for_patients(self, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Package]]:
        """Packages per patient, each list by purchase date, id."""
        p = t.packages
        stmt = select(p).order_by(p.c.purchased_on, p.c.id)
        return {
            pid: [from_row(Package, dict(r)) for r in rows]
            for pid, rows in _by_patient(self.conn, stmt, p.c.patient_id, patient_ids).items()
        }

    def save(self, package: Package) -> None:
        self.save_many([package])

    def save_many(self, packages: Sequence[Package]) -> None:
        upsert(self.conn, t.packages, [to_row(p, t.packages) for p in packages])

    def replace_uses(self, package_ids: Sequence[uuid.UUID], uses: Sequence[PackageUse]) -> None:
        """Make the uses of ``package_ids`` exactly ``uses`` (a whole package as synced)."""
        replace_children_many(self.conn, t.package_uses, "package_id", package_ids,
                              [to_row(u, t.package_uses) for u in uses])

    def uses_for_patient(self, patient_id: uuid.UUID) -> list[PackageUse]:
        return self.uses_for_patients([patient_id]).get(patient_id, [])

    def uses_for_patients(
        self, patient_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, list[PackageUse]]:
        """Uses of each patient's packages, each list by date used, id."""
        u, p = t.package_uses, t.packages
        owner = p.c.patient_id.label("owner_id")
        stmt = select(u, owner).join(p, p.c.id == u.c.package_id).order_by(u.c.used_on, u.c.id)
        out: dict[uuid.UUID, list[PackageUse]] = {}
        for chunk in _chunks(list(dict.fromkeys(patient_ids))):
            for r in self.conn.execute(stmt.where(p.c.patient_id.in_(chunk))).mappings():
                out.setdefault(r["owner_id"], []).append(from_row(PackageUse, dict(r)))
        return out

    def add_uses(self, uses: Iterable[PackageUse]) -> None:
        rows = [to_row(use, t.package_uses) for use in uses]
        if rows:
            self.conn.execute(insert(t.package_uses), rows)


class AssetRepo:
    """Small binary practice assets keyed by name ("logo")."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, name: str) -> tuple[str, bytes] | None:
        row = self.conn.execute(
            select(t.practice_assets.c.content_type, t.practice_assets.c.data).where(
                t.practice_assets.c.name == name
            )
        ).first()
        return (row.content_type, bytes(row.data)) if row else None

    def put(self, name: str, content_type: str, data: bytes) -> None:
        self.conn.execute(delete(t.practice_assets).where(t.practice_assets.c.name == name))
        self.conn.execute(
            insert(t.practice_assets).values(name=name, content_type=content_type, data=data)
        )

    def remove(self, name: str) -> None:
        self.conn.execute(delete(t.practice_assets).where(t.practice_assets.c.name == name))


@dataclass(frozen=True, slots=True)
class BilledVisit:
    """A held visit with a signed note, and the (code, minutes) of its services in note order."""

    visit_id: uuid.UUID
    episode_id: uuid.UUID
    date: dt.date
    minutes: tuple[tuple[str, int], ...]
    clinician_id: uuid.UUID | None = None  # None: not read (then read the visit)


def billed_from_notes(visits: Iterable[Visit], notes: Mapping[uuid.UUID, Note]
                      ) -> list[BilledVisit]:
    """What ``billed_minutes`` reads, from visits and full notes already read (the same rows
    in the same order when ``visits`` are in ``visits()`` order): held visits whose note is
    signed; blocks by (start, position) with missing or reversed times as 0, then untimed
    services by position. The claim-year scrub reads every note of the year in full anyway,
    so it derives these instead of reading the blocks a second time (tested equal)."""
    out = []
    for v in visits:
        note = notes.get(v.id)
        if note is None or not note.is_signed or VisitStatus(v.status).value in _NOT_HELD:
            continue
        timed = sorted(note.blocks, key=lambda b: (b.start or dt.time.max, b.position))
        pairs = [(b.code, _span(b.start, b.stop)) for b in timed]
        pairs += [(u.code, max(u.minutes or 0, 0))
                  for u in sorted(note.untimed, key=lambda u: u.position)]
        out.append(BilledVisit(v.id, v.episode_id, v.date, tuple(pairs), v.clinician_id))
    return out


def _span(start: dt.time | None, stop: dt.time | None) -> int:
    if start is None or stop is None:
        return 0
    return max((stop.hour - start.hour) * 60 + stop.minute - start.minute, 0)


class BillingReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def visits(
        self,
        patient_id: uuid.UUID,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
    ) -> list[Visit]:
        """The patient's visits (every status) in the inclusive range, oldest first."""
        return self.visits_of([patient_id], date_from, date_to).get(patient_id, [])

    def visits_of(
        self,
        patient_ids: Iterable[uuid.UUID],
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
    ) -> dict[uuid.UUID, list[Visit]]:
        """``visits`` of many patients, one statement per 500 (patients without a visit in the
        range are absent), each patient's oldest first (by date, start time, id)."""
        v = t.visits
        out: dict[uuid.UUID, list[Visit]] = {}
        for chunk in _chunks(list(dict.fromkeys(patient_ids))):
            stmt = select(v).where(v.c.patient_id.in_(chunk))
            if date_from:
                stmt = stmt.where(v.c.date >= date_from)
            if date_to:
                stmt = stmt.where(v.c.date <= date_to)
            result = self.conn.execute(stmt.order_by(v.c.date, v.c.start_time, v.c.id))
            build = row_builder(Visit, tuple(result.keys()))
            for values in result.all():
                visit = build(values)
                out.setdefault(visit.patient_id, []).append(visit)
        return out

    def notes_for_visits(self, visit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Note]:
        """Full notes (blocks, untimed services, addenda) keyed by visit id."""
        out: dict[uuid.UUID, Note] = {}
        for chunk in _chunks(list(visit_ids)):
            result = self.conn.execute(select(t.notes).where(t.notes.c.visit_id.in_(chunk)))
            keys = tuple(result.keys())
            rows = [dict(zip(keys, values, strict=True)) for values in result.all()]
            for note in assemble_notes(self.conn, rows):
                out[note.visit_id] = note
        return out

    def billed_minutes(
        self, patient_id: uuid.UUID, date_to: dt.date | None = None
    ) -> list[BilledVisit]:
        """Every held visit with a signed note up to ``date_to``, oldest first (by date, start
        time, id): 3 joined queries (no full notes), whatever the number of visits.

        Minutes follow ``core.rules.units.note_minutes``: blocks by (start, position) with
        missing or reversed times as 0, then untimed services by position.
        """
        return self.billed_minutes_of([patient_id], date_to).get(patient_id, [])

    def billed_minutes_of(
        self, patient_ids: Iterable[uuid.UUID], date_to: dt.date | None = None, *,
        outside: tuple[dt.date, dt.date] | None = None,
    ) -> dict[uuid.UUID, list[BilledVisit]]:
        """``billed_minutes`` of many patients: 3 queries per 500 patients (patients without a
        billed visit are absent). Join keys stay text: decoding a UUID per block row was most
        of the cost of this read on a large chart. ``outside=(first, last)``: only visits
        dated before ``first`` or after ``last`` (the caller has the others' full notes and
        derives theirs with ``billed_from_notes``)."""
        v, n, b, u = t.visits, t.notes, t.timed_blocks, t.untimed_services
        visit_key = type_coerce(v.c.id, String)
        ids: dict[str, uuid.UUID] = {}

        def uid(text: str) -> uuid.UUID:
            return ids.get(text) or ids.setdefault(text, uuid.UUID(hex=text))

        out: dict[uuid.UUID, list[BilledVisit]] = {}
        for chunk in _chunks(list(dict.fromkeys(patient_ids))):

            def billed(*columns: Any, chunk: Sequence[uuid.UUID] = chunk) -> Any:
                stmt = (
                    select(*columns)
                    .select_from(v)
                    .join(n, n.c.visit_id == v.c.id)
                    .where(v.c.patient_id.in_(chunk))
                    # trim(): an expression, so SQLite drives the plan from the visits'
                    # patient index, not ix_notes_status_visit (nearly every note is signed).
                    .where(func.trim(n.c.status) == NoteStatus.SIGNED.value)
                    .where(v.c.status.not_in(_NOT_HELD))
                )
                if outside is not None:
                    stmt = stmt.where(or_(v.c.date < outside[0], v.c.date > outside[1]))
                return stmt.where(v.c.date <= date_to) if date_to else stmt

            visits = self.conn.execute(
                billed(visit_key, type_coerce(v.c.patient_id, String),
                       type_coerce(v.c.episode_id, String), v.c.date,
                       type_coerce(v.c.clinician_id, String))
                .order_by(v.c.date, v.c.start_time, v.c.id)
            ).all()
            blocks: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
            untimed: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
            stmt = billed(visit_key, b.c.code, b.c.start, b.c.stop, b.c.position).join(
                b, b.c.note_id == n.c.id)
            for key, code, start, stop, position in self.conn.execute(stmt).all():
                blocks[key].append((start or dt.time.max, position, code, _span(start, stop)))
            stmt = billed(visit_key, u.c.code, u.c.minutes, u.c.position).join(
                u, u.c.note_id == n.c.id)
            for key, code, minutes, position in self.conn.execute(stmt).all():
                untimed[key].append((position, code, max(minutes or 0, 0)))
            for key, pid, eid, day, cid in visits:
                timed = sorted(blocks[key], key=lambda x: x[:2])
                pairs = [(code, m) for _s, _p, code, m in timed]
                pairs += [(code, m) for _p, code, m in sorted(untimed[key])]
                out.setdefault(uid(pid), []).append(
                    BilledVisit(uuid.UUID(hex=key), uid(eid), day, tuple(pairs), uid(cid)))
        return out

    def superbill_events(
        self, patient_id: uuid.UUID | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Audit rows (newest first) of superbill exports, prints and overrides."""
        a = t.audit_events
        stmt = select(a).where(a.c.entity == "superbill")
        if patient_id is not None:
            stmt = stmt.where(a.c.entity_id == str(patient_id))
        stmt = stmt.order_by(a.c.seq.desc()).limit(limit)
        return [dict(r) for r in self.conn.execute(stmt).mappings()]


class BillingRepos:
    """The billing repositories over one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self.fees = FeeRepo(conn)
        self.payments = PaymentRepo(conn)
        self.packages = PackageRepo(conn)
        self.assets = AssetRepo(conn)
        self.reads = BillingReads(conn)
