"""Read-only repository for the whole-chart JSON export (``uow.export``).

Contract:
- Reads only, inside the caller's unit of work (one SQLite read snapshot for the whole export).
- The chart is read a batch of patients at a time (``patient_batches``: patients in list
  order, each batch holding at most ``max_visits`` visits unless one patient has more), so a
  caller that writes each batch before reading the next holds one batch in memory, whatever
  the size of the chart.
- Per batch a fixed number of statements (patients, episodes with diagnoses and goals, visits,
  notes with blocks, untimed services and addenda, payments, packages, package uses, measure
  scores), each chunked under SQLite's host-parameter budget: never one per visit.
- Returns plain domain objects, as the other repositories build them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from core.domain.billing import FeeScheduleEntry, Package, PackageUse, Payment
from core.domain.books import ClockEntry, MileageEntry
from core.domain.episode import Episode
from core.domain.measures import MeasureScore
from core.domain.patient import Patient
from core.domain.visit import Note, Visit
from core.storage import audit
from core.storage import tables as t
from core.storage.mapper import from_row
from core.storage.repos import EpisodeRepo, assemble_notes
from core.storage.repos_billing import BillingRepos
from core.storage.repos_books import BooksRepos
from core.storage.repos_measures import _score

_CHUNK = 500  # SQLite host-parameter budget per IN (...)


def _dicts(result: Any) -> list[dict[str, Any]]:
    """Rows as plain dicts: zipping the column names once is several times cheaper than
    ``dict(RowMapping)``, which rebuilds the key view per row."""
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


@dataclass(slots=True)
class PatientRecords:
    """One patient with everything the export carries for them."""

    patient: Patient
    payments: list[Payment] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    package_uses: list[PackageUse] = field(default_factory=list)
    measure_scores: list[MeasureScore] = field(default_factory=list)
    # (episode, its visits by date and start time, each with its note or None)
    episodes: list[tuple[Episode, list[tuple[Visit, Note | None]]]] = field(
        default_factory=list)


class ExportReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._billing = BillingRepos(conn)
        self._books = BooksRepos(conn)
        self._episodes = EpisodeRepo(conn)

    # -- chart-wide lists (small) -------------------------------------------------------------

    def fees(self) -> list[FeeScheduleEntry]:
        return self._billing.fees.list()

    def mileage(self) -> list[MileageEntry]:
        return self._books.mileage.list(dt.date.min, dt.date.max)

    def clock_entries(self, clinician_ids: Iterable[uuid.UUID]) -> list[ClockEntry]:
        """Every clock entry, clinician by clinician (in the order given), each by start."""
        return [e for c in clinician_ids
                for e in self._books.clock.between(c, dt.datetime.min, None)]

    def verify_audit(self) -> audit.AuditReport:
        return audit.verify(self.conn)

    # -- patients, a batch at a time ----------------------------------------------------------

    def patient_batches(self, max_visits: int = 1000) -> list[list[uuid.UUID]]:
        """Every patient id in list order (last name, first name, birth date; id on ties), cut
        into consecutive batches of at most ``max_visits`` visits (a patient with more is a
        batch alone). One statement."""
        p, v = t.patients, t.visits
        stmt = (select(p.c.id, func.count(v.c.id))
                .select_from(p.outerjoin(v, v.c.patient_id == p.c.id))
                .group_by(p.c.id).order_by(p.c.search_key, p.c.id))
        batches: list[list[uuid.UUID]] = []
        current: list[uuid.UUID] = []
        visits = 0
        for pid, count in self.conn.execute(stmt):
            if current and (visits + count > max_visits or len(current) >= _CHUNK):
                batches.append(current)
                current, visits = [], 0
            current.append(pid)
            visits += int(count)
        if current:
            batches.append(current)
        return batches

    def patients(self, ids: Sequence[uuid.UUID]) -> list[PatientRecords]:
        """The patients ``ids`` (in that order; ids not in the chart are skipped) with their
        episodes, visits, notes and books."""
        by_id: dict[uuid.UUID, PatientRecords] = {}
        for chunk in _chunks(ids):
            stmt = select(t.patients).where(t.patients.c.id.in_(chunk))
            for r in _dicts(self.conn.execute(stmt)):
                by_id[r["id"]] = PatientRecords(from_row(Patient, r))
        present = [pid for pid in ids if pid in by_id]
        visits = self._visits_by_episode(present)
        for pid, episodes in self._episodes.for_patients(present).items():
            by_id[pid].episodes = [(e, visits.get(e.id, [])) for e in episodes]
        for pid, payments in self._billing.payments.for_patients(present).items():
            by_id[pid].payments = payments
        for pid, packages in self._billing.packages.for_patients(present).items():
            by_id[pid].packages = packages
        for pid, uses in self._billing.packages.uses_for_patients(present).items():
            by_id[pid].package_uses = uses
        for pid, scores in self._scores(present).items():
            by_id[pid].measure_scores = scores
        return [by_id[pid] for pid in present]

    def _visits_by_episode(
        self, patient_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[Visit, Note | None]]]:
        v, n = t.visits, t.notes
        out: dict[uuid.UUID, list[tuple[Visit, Note | None]]] = {}
        for chunk in _chunks(patient_ids):
            stmt = (select(n).join(v, v.c.id == n.c.visit_id)
                    .where(v.c.patient_id.in_(chunk)))
            rows = _dicts(self.conn.execute(stmt))
            notes = {note.visit_id: note for note in assemble_notes(self.conn, rows)}
            stmt = (select(v).where(v.c.patient_id.in_(chunk))
                    .order_by(v.c.date, v.c.start_time, v.c.id))
            for r in _dicts(self.conn.execute(stmt)):
                visit = from_row(Visit, r)
                out.setdefault(visit.episode_id, []).append((visit, notes.get(visit.id)))
        return out

    def _scores(self, patient_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[MeasureScore]]:
        ms = t.measure_scores
        stmt = select(ms).order_by(ms.c.date, ms.c.created_at, ms.c.id)
        out: dict[uuid.UUID, list[MeasureScore]] = {}
        for chunk in _chunks(patient_ids):
            rows: Any = self.conn.execute(stmt.where(ms.c.patient_id.in_(chunk))).mappings()
            for r in rows:
                out.setdefault(r["patient_id"], []).append(_score(r))
        return out
