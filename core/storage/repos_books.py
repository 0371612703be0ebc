"""The practice's books in SQL: mileage and clock repositories, and the aggregate reads behind
the compliance dashboard and the reports.

Contract:
- Reached as ``uow.books`` (the unit of work builds it on its connection); every statement joins
  the caller's transaction, nothing commits here. Tables are r0003's ``mileage_entries`` and
  ``clock_entries``; no migration is needed.
- Reads return domain objects (``MileageEntry``, ``ClockEntry``, ``Episode`` without its
  diagnoses and goals) or small frozen rows; never live rows.
- ``BooksReads`` does the dashboard and report work in a fixed number of statements whatever the
  chart's size: drafts through ``ix_notes_status_visit``, date ranges through ``ix_visits_date``,
  per-episode history through ``ix_visits_episode_id``; id lists are chunked under SQLite's
  host-parameter budget. Patient reads return first and last names only (never addresses).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, and_, delete, func, or_, select, type_coerce, union

from core.domain.books import ClockEntry, ClockKind, MileageEntry
from core.domain.enums import NoteStatus, NoteType, VisitStatus
from core.domain.episode import Episode
from core.domain.errors import NotFound
from core.domain.visit import Note, TimedBlock
from core.storage import tables as t
from core.storage.mapper import from_row, to_row, upsert

_CHUNK = 500
_NOT_HELD = (VisitStatus.NO_SHOW.value, VisitStatus.CANCELLED.value)


def _chunks(ids: Iterable[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    items = list(ids)
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class MileageRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def save(self, entry: MileageEntry) -> None:
        self.save_many([entry])

    def save_many(self, entries: Sequence[MileageEntry]) -> None:
        upsert(self.conn, t.mileage_entries, [to_row(e, t.mileage_entries) for e in entries])

    def get(self, ident: uuid.UUID) -> MileageEntry:
        row = self.conn.execute(
            select(t.mileage_entries).where(t.mileage_entries.c.id == ident)
        ).mappings().first()
        if row is None:
            raise NotFound(f"No mileage entry with id {ident} in this chart.")
        return from_row(MileageEntry, row)

    def delete(self, ident: uuid.UUID) -> int:
        stmt = delete(t.mileage_entries).where(t.mileage_entries.c.id == ident)
        return self.conn.execute(stmt).rowcount

    def list(
        self, date_from: dt.date, date_to: dt.date, clinician_id: uuid.UUID | None = None
    ) -> list[MileageEntry]:
        m = t.mileage_entries
        stmt = select(m).where(m.c.date >= date_from, m.c.date <= date_to)
        if clinician_id is not None:
            stmt = stmt.where(m.c.clinician_id == clinician_id)
        stmt = stmt.order_by(m.c.date, m.c.id)
        return [from_row(MileageEntry, r) for r in self.conn.execute(stmt).mappings()]


def _clock(row: Any) -> ClockEntry:
    return from_row(ClockEntry, row, kind=ClockKind(row["kind"]))


class ClockRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def save(self, entry: ClockEntry) -> None:
        self.save_many([entry])

    def save_many(self, entries: Sequence[ClockEntry]) -> None:
        upsert(self.conn, t.clock_entries,
               [to_row(e, t.clock_entries, kind=e.kind.value) for e in entries])

    def get(self, ident: uuid.UUID) -> ClockEntry:
        row = self.conn.execute(
            select(t.clock_entries).where(t.clock_entries.c.id == ident)
        ).mappings().first()
        if row is None:
            raise NotFound(f"No clock entry with id {ident} in this chart.")
        return _clock(row)

    def delete(self, ident: uuid.UUID) -> int:
        return self.conn.execute(
            delete(t.clock_entries).where(t.clock_entries.c.id == ident)).rowcount

    def open_for(self, clinician_id: uuid.UUID) -> list[ClockEntry]:
        c = t.clock_entries
        stmt = select(c).where(c.c.clinician_id == clinician_id, c.c.ended_at.is_(None))
        return [_clock(r) for r in self.conn.execute(stmt.order_by(c.c.started_at)).mappings()]

    def between(
        self, clinician_id: uuid.UUID, start: dt.datetime, end: dt.datetime | None
    ) -> list[ClockEntry]:
        """Entries of the clinician that intersect [start, end) (``end`` None: open-ended)."""
        c = t.clock_entries
        stmt = select(c).where(
            c.c.clinician_id == clinician_id,
            or_(c.c.ended_at.is_(None), c.c.ended_at > start),
        )
        if end is not None:
            stmt = stmt.where(c.c.started_at < end)
        return [_clock(r) for r in self.conn.execute(stmt.order_by(c.c.started_at)).mappings()]

    def unsigned_by_day(
        self, clinician_id: uuid.UUID, date_from: dt.date, date_to: dt.date
    ) -> dict[dt.date, int]:
        """Draft notes per visit date for the clinician's visits in the range."""
        v, n = t.visits, t.notes
        stmt = (
            select(v.c.date, func.count())
            .select_from(n.join(v, v.c.id == n.c.visit_id))
            .where(n.c.status == NoteStatus.DRAFT.value, v.c.clinician_id == clinician_id,
                   v.c.date >= date_from, v.c.date <= date_to)
            .group_by(v.c.date)
        )
        return {day: int(count) for day, count in self.conn.execute(stmt)}


@dataclass(frozen=True, slots=True)
class DraftNoteRow:
    note_id: uuid.UUID
    note_type: NoteType
    visit_id: uuid.UUID
    date: dt.date
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    clinician_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class EpisodeVisit:
    """One visit of an episode, with its note's id, type and status (None: no note)."""

    id: uuid.UUID
    episode_id: uuid.UUID
    clinician_id: uuid.UUID
    date: dt.date
    start_time: dt.time | None
    status: VisitStatus
    note_id: uuid.UUID | None
    note_type: NoteType | None
    note_status: NoteStatus | None


@dataclass(frozen=True, slots=True)
class VisitMinutes:
    """A held visit with a signed note and its (code, minutes) in note order (as
    ``core.rules.units.note_minutes`` orders them: blocks by start then position, then untimed)."""

    visit_id: uuid.UUID
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    clinician_id: uuid.UUID
    date: dt.date
    minutes: tuple[tuple[str, int], ...]


class BooksReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- names --------------------------------------------------------------------------------
    def patient_names(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
        p = t.patients
        out: dict[uuid.UUID, tuple[str, str]] = {}
        for chunk in _chunks(set(ids)):
            stmt = select(p.c.id, p.c.first_name, p.c.last_name).where(p.c.id.in_(chunk))
            out.update({r.id: (r.first_name, r.last_name) for r in self.conn.execute(stmt)})
        return out

    def clinician_names(self) -> dict[uuid.UUID, str]:
        c = t.clinicians
        rows = self.conn.execute(select(c.c.id, c.c.first_name, c.c.last_name, c.c.credentials))
        return {r.id: f"{r.first_name} {r.last_name}" + (f", {r.credentials}" if r.credentials
                                                         else "") for r in rows}

    def visit_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.visits)).scalar_one())

    # -- dashboard ----------------------------------------------------------------------------
    def draft_notes(self, up_to: dt.date) -> list[DraftNoteRow]:
        """Every draft note whose visit is dated on or before ``up_to``, oldest first."""
        v, n = t.visits, t.notes
        stmt = (
            select(n.c.id.label("note_id"), n.c.note_type, n.c.visit_id, v.c.date, v.c.patient_id,
                   v.c.episode_id, v.c.clinician_id)
            .select_from(n.join(v, v.c.id == n.c.visit_id))
            .where(n.c.status == NoteStatus.DRAFT.value, v.c.date <= up_to)
            .order_by(v.c.date, v.c.id)
        )
        return [DraftNoteRow(**r) for r in self.conn.execute(stmt).mappings()]

    def active_episodes(self, today: dt.date) -> list[Episode]:
        """Episodes not discharged on or before ``today`` (without diagnoses and goals)."""
        e = t.episodes
        stmt = select(e).where(or_(e.c.discharged_on.is_(None), e.c.discharged_on > today))
        return [from_row(Episode, r, diagnoses=[], goals=[])
                for r in self.conn.execute(stmt.order_by(e.c.start_date, e.c.id)).mappings()]

    def episodes(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Episode]:
        """Episodes by id, without diagnoses and goals (pricing needs the payer only)."""
        e = t.episodes
        out: dict[uuid.UUID, Episode] = {}
        for chunk in _chunks(set(ids)):
            for r in self.conn.execute(select(e).where(e.c.id.in_(chunk))).mappings():
                out[r["id"]] = from_row(Episode, r, diagnoses=[], goals=[])
        return out

    def episode_visits(
        self, episodes: Sequence[Episode]
    ) -> dict[uuid.UUID, list[EpisodeVisit]]:
        """Every visit of the episodes with its note's id/type/status, oldest first.

        Episode and clinician ids come back as text and are mapped through the known ids:
        decoding four UUIDs per row was most of the cost of this read on a large chart.
        """
        v, n = t.visits, t.notes
        known = {e.id.hex: e.id for e in episodes}
        clinicians: dict[str, uuid.UUID] = {}
        out: dict[uuid.UUID, list[EpisodeVisit]] = defaultdict(list)
        for chunk in _chunks(e.id for e in episodes):
            stmt = (
                select(v.c.id, type_coerce(v.c.episode_id, String),
                       type_coerce(v.c.clinician_id, String), v.c.date, v.c.start_time,
                       v.c.status, n.c.id, n.c.note_type, n.c.status)
                .select_from(v.outerjoin(n, n.c.visit_id == v.c.id))
                .where(v.c.episode_id.in_(chunk))
                .order_by(v.c.episode_id, v.c.date, v.c.start_time, v.c.id)
            )
            for vid, eid, cid, day, start, status, nid, ntype, nstatus in self.conn.execute(stmt):
                who = clinicians.get(cid) or clinicians.setdefault(cid, uuid.UUID(hex=cid))
                out[known[eid]].append(
                    EpisodeVisit(vid, known[eid], who, day, start, status, nid, ntype, nstatus))
        return out

    def latest_notes(self, visit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Note]:
        """Notes of the visits with their text, acknowledgements and 97110 blocks only (what
        the identical-documentation rules compare), keyed by visit id."""
        n, b = t.notes, t.timed_blocks
        out: dict[uuid.UUID, Note] = {}
        for chunk in _chunks(visit_ids):
            notes = {r["id"]: r for r in self.conn.execute(
                select(n.c.id, n.c.visit_id, n.c.note_type, n.c.status, n.c.subjective,
                       n.c.objective, n.c.assessment, n.c.plan, n.c.acknowledged)
                .where(n.c.visit_id.in_(chunk))).mappings()}
            blocks: dict[uuid.UUID, list[TimedBlock]] = defaultdict(list)
            for r in self.conn.execute(
                select(b).where(b.c.note_id.in_(list(notes)), b.c.code == "97110")
                .order_by(b.c.position)
            ).mappings():
                blocks[r["note_id"]].append(from_row(TimedBlock, r))
            for nid, r in notes.items():
                out[r["visit_id"]] = from_row(Note, r, blocks=blocks[nid], untimed=[],
                                              addenda=[], acknowledged=list(r["acknowledged"]
                                                                            or []))
        return out

    def signed_minutes(
        self, date_from: dt.date, date_to: dt.date,
        patient_ids: Sequence[uuid.UUID] | None = None,
    ) -> list[VisitMinutes]:
        """Held visits with a signed note dated in the range (optionally of some patients),
        with their services' minutes: three statements (chunked by patient when given)."""
        v, n, b, u = t.visits, t.notes, t.timed_blocks, t.untimed_services
        # trim(): an expression, so SQLite drives the plan from the visits' patient/date indexes
        # instead of ix_notes_status_visit (nearly every note is signed: that index selects little).
        where = [func.trim(n.c.status) == NoteStatus.SIGNED.value, v.c.status.not_in(_NOT_HELD),
                 v.c.date >= date_from, v.c.date <= date_to]
        groups: list[list[Any]] = [where]
        if patient_ids is not None:
            groups = [[*where, v.c.patient_id.in_(c)] for c in _chunks(patient_ids)]
        joined = n.join(v, v.c.id == n.c.visit_id)
        note_key = type_coerce(n.c.id, String)  # a join key only: no UUID decoding per row
        ids: dict[str, uuid.UUID] = {}

        def uid(text: str) -> uuid.UUID:
            return ids.get(text) or ids.setdefault(text, uuid.UUID(hex=text))

        visits: list[Any] = []
        blocks: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        untimed: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for cond in groups:
            visits += self.conn.execute(
                select(v.c.id, type_coerce(v.c.patient_id, String),
                       type_coerce(v.c.episode_id, String), type_coerce(v.c.clinician_id, String),
                       v.c.date, v.c.start_time, note_key)
                .select_from(joined).where(and_(*cond))
            ).all()
            for key, code, start, stop, position in self.conn.execute(
                select(type_coerce(b.c.note_id, String), b.c.code, b.c.start, b.c.stop,
                       b.c.position)
                .select_from(b.join(joined, n.c.id == b.c.note_id)).where(and_(*cond))
            ):
                minutes = 0
                if start is not None and stop is not None:
                    span = (stop.hour - start.hour) * 60 + stop.minute - start.minute
                    minutes = max(span, 0)
                blocks[key].append((start or dt.time.max, position, code, minutes))
            for key, code, minutes, position in self.conn.execute(
                select(type_coerce(u.c.note_id, String), u.c.code, u.c.minutes, u.c.position)
                .select_from(u.join(joined, n.c.id == u.c.note_id)).where(and_(*cond))
            ):
                untimed[key].append((position, code, max(minutes or 0, 0)))
        visits.sort(key=lambda r: (r[4], r[5] or dt.time.min, str(r[0])))
        out = []
        for vid, pid, eid, cid, day, _start, key in visits:
            pairs = [(c, m) for _s, _p, c, m in sorted(blocks[key], key=lambda x: x[:2])]
            pairs += [(c, m) for _p, c, m in sorted(untimed[key])]
            out.append(VisitMinutes(vid, uid(pid), uid(eid), uid(cid), day, tuple(pairs)))
        return out

    # -- reports ------------------------------------------------------------------------------
    def visit_counts(
        self, date_from: dt.date, date_to: dt.date
    ) -> list[tuple[str, uuid.UUID, VisitStatus, int]]:
        """(``"YYYY-MM"``, clinician id, status, count) over visits dated in the range."""
        v = t.visits
        month = func.substr(v.c.date, 1, 7)
        stmt = (
            select(month.label("month"), v.c.clinician_id, v.c.status, func.count())
            .where(v.c.date >= date_from, v.c.date <= date_to)
            .group_by(month, v.c.clinician_id, v.c.status)
        )
        return [(str(m), cid, VisitStatus(s), int(k)) for m, cid, s, k in self.conn.execute(stmt)]

    def unbilled_visits(self, date_from: dt.date, date_to: dt.date) -> int:
        """Held visits dated in the range whose note is missing or unsigned (not charged yet)."""
        v, n = t.visits, t.notes
        stmt = (
            select(func.count())
            .select_from(v.outerjoin(n, n.c.visit_id == v.c.id))
            .where(v.c.date >= date_from, v.c.date <= date_to,
                   v.c.status == VisitStatus.COMPLETED.value,
                   or_(n.c.id.is_(None),
                       n.c.status.not_in((NoteStatus.SIGNED.value, NoteStatus.VOIDED.value))))
        )
        return int(self.conn.execute(stmt).scalar_one())

    def billing_patients(self) -> list[uuid.UUID]:
        """Patients with any visit, payment or cancellation/no-show fee (everyone who can have
        an account)."""
        stmt = union(select(t.visits.c.patient_id), select(t.payments.c.patient_id),
                     select(t.appointment_fees.c.patient_id))
        return sorted((r[0] for r in self.conn.execute(stmt)), key=str)


class BooksRepos:
    def __init__(self, conn: Connection) -> None:
        self.mileage = MileageRepo(conn)
        self.clock = ClockRepo(conn)
        self.reads = BooksReads(conn)
