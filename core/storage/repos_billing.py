"""Billing repositories: fee schedule, payments, packages, practice assets, bulk billing reads.

Contract:
- Built from an open unit of work's connection: ``BillingRepos(uow.conn)``; every read and write
  joins the caller's transaction (the caller commits). The tables are r0003's; amounts are cents.
- ``BillingReads`` loads what a superbill or a ledger needs in a handful of queries whatever the
  number of visits (``notes_for_visits`` is 4 queries for any number of notes), returning plain
  domain objects, never live rows.
- ``superbill_events`` reads the audit rows of superbill exports, prints and overrides.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from core.domain.billing import (
    FeeScheduleEntry,
    Package,
    PackageUse,
    Payment,
    PaymentKind,
    PaymentMethod,
)
from core.domain.enums import NoteStatus, VisitStatus
from core.domain.visit import Addendum, Note, TimedBlock, UntimedService, Visit
from core.storage import tables as t
from core.storage.mapper import from_row, to_row, upsert

_CHUNK = 500  # SQLite host-parameter budget per IN (...)


def _chunks(ids: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


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
        upsert(self.conn, t.fee_schedule, [to_row(entry, t.fee_schedule)])

    def delete(self, entry_id: uuid.UUID) -> int:
        stmt = delete(t.fee_schedule).where(t.fee_schedule.c.id == entry_id)
        return self.conn.execute(stmt).rowcount


class PaymentRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def for_patient(self, patient_id: uuid.UUID) -> list[Payment]:
        stmt = (
            select(t.payments)
            .where(t.payments.c.patient_id == patient_id)
            .order_by(t.payments.c.date, t.payments.c.created_at, t.payments.c.id)
        )
        return [
            from_row(
                Payment, dict(r), kind=PaymentKind(r["kind"]), method=PaymentMethod(r["method"])
            )
            for r in self.conn.execute(stmt).mappings()
        ]

    def save(self, payment: Payment) -> None:
        upsert(self.conn, t.payments, [to_row(payment, t.payments)])


class PackageRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def for_patient(self, patient_id: uuid.UUID) -> list[Package]:
        stmt = (
            select(t.packages)
            .where(t.packages.c.patient_id == patient_id)
            .order_by(t.packages.c.purchased_on, t.packages.c.id)
        )
        return [from_row(Package, dict(r)) for r in self.conn.execute(stmt).mappings()]

    def save(self, package: Package) -> None:
        upsert(self.conn, t.packages, [to_row(package, t.packages)])

    def uses_for_patient(self, patient_id: uuid.UUID) -> list[PackageUse]:
        u, p = t.package_uses, t.packages
        stmt = (
            select(u)
            .join(p, p.c.id == u.c.package_id)
            .where(p.c.patient_id == patient_id)
            .order_by(u.c.used_on, u.c.id)
        )
        return [from_row(PackageUse, dict(r)) for r in self.conn.execute(stmt).mappings()]

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
        v = t.visits
        stmt = select(v).where(v.c.patient_id == patient_id)
        if date_from:
            stmt = stmt.where(v.c.date >= date_from)
        if date_to:
            stmt = stmt.where(v.c.date <= date_to)
        stmt = stmt.order_by(v.c.date, v.c.start_time, v.c.id)
        return [from_row(Visit, dict(r)) for r in self.conn.execute(stmt).mappings()]

    def notes_for_visits(self, visit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Note]:
        """Full notes (blocks, untimed services, addenda) keyed by visit id."""
        out: dict[uuid.UUID, Note] = {}
        for chunk in _chunks(list(visit_ids)):
            rows = self.conn.execute(select(t.notes).where(t.notes.c.visit_id.in_(chunk)))
            notes = {r["id"]: dict(r) for r in rows.mappings()}
            kids = self._children(list(notes))
            for note_id, row in notes.items():
                blocks, untimed, addenda = kids[note_id]
                out[row["visit_id"]] = from_row(
                    Note, row, blocks=blocks, untimed=untimed, addenda=addenda,
                    acknowledged=list(row["acknowledged"] or []),
                )
        return out

    def _children(self, note_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[list[Any], ...]]:
        kids: dict[uuid.UUID, tuple[list[Any], ...]] = defaultdict(lambda: ([], [], []))
        specs = (
            (t.timed_blocks, TimedBlock, 0, t.timed_blocks.c.position),
            (t.untimed_services, UntimedService, 1, t.untimed_services.c.position),
            (t.addenda, Addendum, 2, t.addenda.c.created_at),
        )
        for table, cls, slot, order in specs:
            stmt = select(table).where(table.c.note_id.in_(note_ids)).order_by(order)
            for r in self.conn.execute(stmt).mappings():
                kids[r["note_id"]][slot].append(from_row(cls, dict(r)))
        return kids

    def billed_minutes(
        self, patient_id: uuid.UUID, date_to: dt.date | None = None
    ) -> list[BilledVisit]:
        """Every held visit with a signed note up to ``date_to``: 3 joined queries (no IN lists,
        no full notes), whatever the number of visits.

        Minutes follow ``core.rules.units.note_minutes``: blocks by (start, position) with
        missing or reversed times as 0, then untimed services by position.
        """
        v, n, b, u = t.visits, t.notes, t.timed_blocks, t.untimed_services

        def billed(*columns: Any) -> Any:
            stmt = (
                select(*columns)
                .select_from(v)
                .join(n, n.c.visit_id == v.c.id)
                .where(v.c.patient_id == patient_id)
                .where(n.c.status == NoteStatus.SIGNED.value)
                .where(v.c.status.not_in([VisitStatus.NO_SHOW.value, VisitStatus.CANCELLED.value]))
            )
            return stmt.where(v.c.date <= date_to) if date_to else stmt

        visits = list(self.conn.execute(
            billed(v.c.id, v.c.episode_id, v.c.date).order_by(v.c.date, v.c.start_time, v.c.id)
        ))
        blocks: dict[uuid.UUID, list[tuple[Any, ...]]] = defaultdict(list)
        untimed: dict[uuid.UUID, list[tuple[Any, ...]]] = defaultdict(list)
        stmt = billed(v.c.id, b.c.code, b.c.start, b.c.stop, b.c.position).join(
            b, b.c.note_id == n.c.id)
        for br in self.conn.execute(stmt):
            minutes = 0
            if br.start is not None and br.stop is not None:
                span = (br.stop.hour - br.start.hour) * 60 + br.stop.minute - br.start.minute
                minutes = max(span, 0)
            blocks[br.id].append((br.start or dt.time.max, br.position, br.code, minutes))
        stmt = billed(v.c.id, u.c.code, u.c.minutes, u.c.position).join(u, u.c.note_id == n.c.id)
        for ur in self.conn.execute(stmt):
            untimed[ur.id].append((ur.position, ur.code, max(ur.minutes or 0, 0)))
        out = []
        for r in visits:
            timed = sorted(blocks[r.id], key=lambda x: x[:2])
            pairs = [(code, m) for _s, _p, code, m in timed]
            pairs += [(code, m) for _p, code, m in sorted(untimed[r.id])]
            out.append(BilledVisit(r.id, r.episode_id, r.date, tuple(pairs)))
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
