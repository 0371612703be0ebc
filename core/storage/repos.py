"""Repositories: load and save whole aggregates. The only module (with migrations) that writes SQL.

Read paths for lists return small frozen row DTOs (``core.storage.rows``); ``get`` returns a full
domain aggregate that the caller may change and hand back to ``save``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Select, String, func, literal_column, select, type_coerce

from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.errors import NotFound
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice
from core.domain.visit import Addendum, Note, TimedBlock, UntimedService, Visit
from core.storage import search_index
from core.storage import tables as t
from core.storage.mapper import from_row, replace_children_many, row_builder, to_row, upsert
from core.storage.rows import NoteRow, PatientRow, VisitRow


def _one(conn: Connection, table: Any, ident: uuid.UUID, what: str) -> dict[str, Any]:
    row = conn.execute(select(table).where(table.c.id == ident)).mappings().first()
    if row is None:
        raise NotFound(f"No {what} with id {ident} in this chart.")
    return dict(row)


_CHUNK = 500  # SQLite host-parameter budget per IN (...)


def _chunks(ids: Sequence[uuid.UUID]) -> Iterable[Sequence[uuid.UUID]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def assemble_notes(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[Note]:
    """Full ``Note``s (blocks by position, untimed services by position, addenda by time) for
    note rows already read, in their order: 3 queries per 500 notes, whatever their size."""
    kids: dict[uuid.UUID, tuple[list[Any], ...]] = defaultdict(lambda: ([], [], []))
    specs = (
        (t.timed_blocks, TimedBlock, 0, t.timed_blocks.c.position),
        (t.untimed_services, UntimedService, 1, t.untimed_services.c.position),
        (t.addenda, Addendum, 2, t.addenda.c.created_at),
    )
    # The parent key is read as text and mapped back to the note's own UUID: decoding a UUID
    # per child row (and copying each row into a dict) was much of the cost of a large read.
    parents = {r["id"].hex: r["id"] for r in rows}
    for chunk in _chunks(list(parents.values())):
        for table, cls, slot, order in specs:
            cols = [type_coerce(c, String).label(c.name) if c.name == "note_id" else c
                    for c in table.c]
            stmt = select(*cols).where(table.c.note_id.in_(chunk)).order_by(order)
            result = conn.execute(stmt)
            keys = tuple(result.keys())
            at = keys.index("note_id")
            build = row_builder(cls, keys, ("note_id",))
            for values in result.all():
                note_id = parents[values[at]]
                kids[note_id][slot].append(build(values, note_id))
    out: list[Note] = []
    if not rows:
        return out
    keys = tuple(rows[0])
    build_note = row_builder(Note, keys, ("blocks", "untimed", "addenda", "acknowledged"))
    for row in rows:
        blocks, untimed, addenda = kids[row["id"]]
        acknowledged = list(row["acknowledged"] or [])
        if tuple(row) == keys:  # rows of one query: one generated builder
            out.append(build_note(tuple(row.values()), blocks, untimed, addenda, acknowledged))
        else:
            out.append(from_row(Note, row, blocks=blocks, untimed=untimed, addenda=addenda,
                                acknowledged=acknowledged))
    return out


def patient_search_key(p: Patient) -> str:
    return f"{p.last_name} {p.first_name} {p.date_of_birth.isoformat()}".lower()


def name_key(name: str) -> str:
    """A name compared as people mean it: case, accents, hyphens and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in letters if c.isalnum())


#: Above this many trigram matches a search walks the name index instead (``PatientRepo.search``):
#: reading a match costs ~2.5 µs, walking a name ~0.35 µs, so 5,000 matches (~13 ms at 50,000
#: patients, bench_scale) stay under the whole walk a miss used to cost (~17 ms).
INDEX_CAP = 5000
_FTS = sa.table(search_index.TABLE, sa.column("rowid"), sa.column(search_index.TABLE))

_US_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?$")


def search_terms(query: str) -> list[str]:
    """The words of a patient search, with birth dates typed the US way read as the ISO text
    the search key holds: ``4/12/1958``, ``04/12/1958``, ``04121958`` (and ``19580412``) →
    ``1958-04-12``; ``4-12-58`` → ``58-04-12`` (a two-digit year matches 1958 and 2058
    alike); ``4/12`` → ``-04-12``. Anything else (names, ``1958``, ISO) is kept as typed."""
    terms = []
    for word in query.lower().split():
        text = word
        if word.isdigit() and len(word) == 8:
            year_first = word[:2] in ("19", "20")  # no month starts with 19 or 20
            text = (f"{word[4:6]}/{word[6:]}/{word[:4]}" if year_first
                    else f"{word[:2]}/{word[2:4]}/{word[4:]}")
        m = _US_DATE.match(text)
        if m is not None and 1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 31:
            month_day = f"-{int(m[1]):02d}-{int(m[2]):02d}"
            word = f"{m[3]}{month_day}" if m[3] else month_day
        terms.append(word)
    return terms


class PracticeRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self) -> Practice | None:
        row = self.conn.execute(select(t.practices)).mappings().first()
        return from_row(Practice, row) if row else None

    def save(self, practice: Practice) -> None:
        self.save_many([practice])

    def save_many(self, practices: Sequence[Practice]) -> None:
        upsert(self.conn, t.practices, [to_row(p, t.practices) for p in practices])


class ClinicianRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ident: uuid.UUID) -> Clinician:
        return from_row(Clinician, _one(self.conn, t.clinicians, ident, "clinician"))

    def list(self) -> list[Clinician]:
        rows = self.conn.execute(select(t.clinicians).order_by(t.clinicians.c.last_name)).mappings()
        return [from_row(Clinician, r) for r in rows]

    def save(self, clinician: Clinician) -> None:
        self.save_many([clinician])

    def save_many(self, clinicians: Sequence[Clinician]) -> None:
        upsert(self.conn, t.clinicians, [to_row(c, t.clinicians) for c in clinicians])


class PayerRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ident: uuid.UUID) -> PayerProfile:
        return from_row(PayerProfile, _one(self.conn, t.payer_profiles, ident, "payer profile"))

    def list(self) -> list[PayerProfile]:
        rows = self.conn.execute(select(t.payer_profiles).order_by(t.payer_profiles.c.name))
        return [from_row(PayerProfile, r) for r in rows.mappings()]

    def save(self, payer: PayerProfile) -> None:
        self.save_many([payer])

    def save_many(self, payers: Sequence[PayerProfile]) -> None:
        upsert(self.conn, t.payer_profiles, [to_row(p, t.payer_profiles) for p in payers])


class PatientRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ident: uuid.UUID) -> Patient:
        return from_row(Patient, _one(self.conn, t.patients, ident, "patient"))

    def save(self, patient: Patient) -> None:
        self.save_many([patient])

    def save_many(self, patients: Sequence[Patient]) -> None:
        upsert(self.conn, t.patients, [
            to_row(p, t.patients, search_key=patient_search_key(p)) for p in patients])

    def count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(t.patients)).scalar_one())

    def all_ids(self) -> list[uuid.UUID]:
        """Every patient id, in list order (last name, first name, date of birth)."""
        stmt = select(t.patients.c.id).order_by(t.patients.c.search_key)
        return list(self.conn.execute(stmt).scalars())

    def same_person(self, first: str, last: str, born: dt.date) -> list[PatientRow]:
        """Patients born on ``born`` whose first and last names match ``first`` and ``last``
        ignoring case, accents and spacing."""
        stmt = select(
            t.patients.c.id,
            t.patients.c.first_name,
            t.patients.c.last_name,
            t.patients.c.date_of_birth,
            t.patients.c.active,
        ).where(t.patients.c.date_of_birth == born)
        want = (name_key(first), name_key(last))
        rows = [PatientRow(**r) for r in self.conn.execute(stmt).mappings()]
        return [r for r in rows if (name_key(r.first_name), name_key(r.last_name)) == want]

    def search(
        self, query: str = "", *, limit: int = 50, active_only: bool = False
    ) -> list[PatientRow]:
        """Patients whose "last first dob" contains every word of ``query`` (case-insensitive),
        in list order.

        Words of three characters or more are first counted in the trigram index
        (``core.storage.search_index``, at most ``INDEX_CAP`` + 1 entries read). Few matches
        (a rare name, a misspelling, a birth date): the search reads just those rows. Many:
        the name index is walked in list order as before, and with that many matches the first
        ``limit`` come early. Either way the work is bounded by the matches, not the chart.
        Every word is then checked with ``LIKE`` (the only filter when all words are short)."""
        match = self._match(query)
        if match is not None:
            found = self.conn.execute(select(func.count()).select_from(
                select(_FTS.c.rowid).where(_FTS.c[search_index.TABLE].op("MATCH")(match))
                .limit(INDEX_CAP + 1).subquery())).scalar_one()
            if found > INDEX_CAP:
                match = None
        stmt = self.search_statement(query, limit=limit, active_only=active_only, match=match)
        return [PatientRow(**r) for r in self.conn.execute(stmt).mappings()]

    @staticmethod
    def _match(query: str) -> str | None:
        """The FTS5 query of the words the trigram index can answer (three characters or
        more), each a quoted string (so FTS5 syntax in what was typed is only text)."""
        indexed = [w for w in search_terms(query) if len(w) >= 3]
        return " AND ".join('"' + w.replace('"', '""') + '"' for w in indexed) or None

    @classmethod
    def search_statement(
        cls, query: str, *, limit: int, active_only: bool, match: str | None = ""
    ) -> Select[Any]:
        """The search's statement; ``match``: the trigram lookup to read the rows from (""
        for the query's own, None for the name index walk)."""
        stmt = select(
            t.patients.c.id,
            t.patients.c.first_name,
            t.patients.c.last_name,
            t.patients.c.date_of_birth,
            t.patients.c.active,
        )
        match = cls._match(query) if match == "" else match
        if match is not None:
            stmt = stmt.where(literal_column("patients.rowid").in_(
                select(_FTS.c.rowid).where(_FTS.c[search_index.TABLE].op("MATCH")(match))))
        for word in search_terms(query):
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(t.patients.c.search_key.like(f"%{escaped}%", escape="\\"))
        if active_only:
            stmt = stmt.where(t.patients.c.active.is_(True))
        return stmt.order_by(t.patients.c.search_key).limit(limit)


class EpisodeRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ident: uuid.UUID) -> Episode:
        row = _one(self.conn, t.episodes, ident, "episode")
        return self._assemble(row)

    def _assemble(self, row: dict[str, Any]) -> Episode:
        ident = row["id"]
        dx = self.conn.execute(
            select(t.diagnoses)
            .where(t.diagnoses.c.episode_id == ident)
            .order_by(t.diagnoses.c.rank)
        ).mappings()
        goals = self.conn.execute(
            select(t.goals).where(t.goals.c.episode_id == ident).order_by(t.goals.c.id)
        ).mappings()
        return from_row(
            Episode,
            row,
            diagnoses=[from_row(Diagnosis, d) for d in dx],
            goals=[from_row(Goal, g) for g in goals],
        )

    def for_patient(self, patient_id: uuid.UUID) -> list[Episode]:
        rows = self.conn.execute(
            select(t.episodes)
            .where(t.episodes.c.patient_id == patient_id)
            .order_by(t.episodes.c.start_date.desc())
        ).mappings()
        return [self._assemble(dict(r)) for r in rows]

    def for_patients(self, patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Episode]]:
        """``for_patient`` of many patients (newest first, with diagnoses by rank and goals):
        3 queries per 500 patients (patients without an episode are absent)."""
        e, dx, g = t.episodes, t.diagnoses, t.goals
        out: dict[uuid.UUID, list[Episode]] = {}
        for chunk in _chunks(list(dict.fromkeys(patient_ids))):
            rows = [dict(r) for r in self.conn.execute(
                select(e).where(e.c.patient_id.in_(chunk)).order_by(e.c.start_date.desc())
            ).mappings()]
            kids: dict[uuid.UUID, tuple[list[Diagnosis], list[Goal]]] = defaultdict(
                lambda: ([], []))
            for ids in _chunks([r["id"] for r in rows]):
                for d in self.conn.execute(
                    select(dx).where(dx.c.episode_id.in_(ids)).order_by(dx.c.rank)
                ).mappings():
                    kids[d["episode_id"]][0].append(from_row(Diagnosis, d))
                for k in self.conn.execute(
                    select(g).where(g.c.episode_id.in_(ids)).order_by(g.c.id)
                ).mappings():
                    kids[k["episode_id"]][1].append(from_row(Goal, k))
            for row in rows:
                diagnoses, goals = kids[row["id"]]
                out.setdefault(row["patient_id"], []).append(
                    from_row(Episode, row, diagnoses=diagnoses, goals=goals))
        return out

    def save(self, episode: Episode) -> None:
        self.save_many([episode])

    def save_many(self, episodes: Sequence[Episode]) -> None:
        """Upsert the episodes and make their diagnoses and goals match (statements per
        table, not per episode)."""
        ids = [e.id for e in episodes]
        upsert(self.conn, t.episodes, [to_row(e, t.episodes) for e in episodes])
        replace_children_many(self.conn, t.diagnoses, "episode_id", ids, [
            to_row(d, t.diagnoses, episode_id=e.id) for e in episodes for d in e.diagnoses])
        replace_children_many(self.conn, t.goals, "episode_id", ids, [
            to_row(g, t.goals, episode_id=e.id) for e in episodes for g in e.goals])


class VisitRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ident: uuid.UUID) -> Visit:
        return from_row(Visit, _one(self.conn, t.visits, ident, "visit"))

    def get_many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Visit]:
        """Visits by id, one query per 500 (ids not in the chart are absent)."""
        out: dict[uuid.UUID, Visit] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            stmt = select(t.visits).where(t.visits.c.id.in_(chunk))
            out.update({r["id"]: from_row(Visit, r) for r in self.conn.execute(stmt).mappings()})
        return out

    def save(self, visit: Visit) -> None:
        self.save_many([visit])

    def save_many(self, visits: Sequence[Visit]) -> None:
        upsert(self.conn, t.visits, [to_row(v, t.visits) for v in visits])

    def rows(
        self,
        *,
        patient_id: uuid.UUID | None = None,
        episode_id: uuid.UUID | None = None,
        on: dt.date | None = None,
        limit: int | None = None,
    ) -> list[VisitRow]:
        """Visits newest first, each with its note's id, type and status (one query)."""
        v, n = t.visits, t.notes
        stmt = select(
            v.c.id,
            v.c.patient_id,
            v.c.episode_id,
            v.c.clinician_id,
            v.c.date,
            v.c.start_time,
            v.c.end_time,
            v.c.status,
            v.c.place_of_service,
            n.c.id.label("note_id"),
            n.c.note_type,
            n.c.status.label("note_status"),
        ).outerjoin(n, n.c.visit_id == v.c.id)
        if patient_id:
            stmt = stmt.where(v.c.patient_id == patient_id)
        if episode_id:
            stmt = stmt.where(v.c.episode_id == episode_id)
        if on:
            stmt = stmt.where(v.c.date == on)
        stmt = stmt.order_by(v.c.date.desc(), v.c.start_time.desc())
        if limit:
            stmt = stmt.limit(limit)
        return [VisitRow(**r) for r in self.conn.execute(stmt).mappings()]


class NoteRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, ident: uuid.UUID) -> Note:
        return self._assemble(_one(self.conn, t.notes, ident, "note"))

    def get_many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Note]:
        """Full notes by id (as ``get`` builds them): 4 queries per 500 notes (ids not in the
        chart are absent)."""
        out: dict[uuid.UUID, Note] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            stmt = select(t.notes).where(t.notes.c.id.in_(chunk))
            rows = [dict(r) for r in self.conn.execute(stmt).mappings()]
            out.update({n.id: n for n in assemble_notes(self.conn, rows)})
        return out

    def for_visit(self, visit_id: uuid.UUID) -> Note | None:
        row = self.conn.execute(select(t.notes).where(t.notes.c.visit_id == visit_id)).mappings()
        first = row.first()
        return self._assemble(dict(first)) if first else None

    def _assemble(self, row: dict[str, Any]) -> Note:
        ident = row["id"]
        blocks = self.conn.execute(
            select(t.timed_blocks)
            .where(t.timed_blocks.c.note_id == ident)
            .order_by(t.timed_blocks.c.position)
        ).mappings()
        untimed = self.conn.execute(
            select(t.untimed_services)
            .where(t.untimed_services.c.note_id == ident)
            .order_by(t.untimed_services.c.position)
        ).mappings()
        addenda = self.conn.execute(
            select(t.addenda).where(t.addenda.c.note_id == ident).order_by(t.addenda.c.created_at)
        ).mappings()
        return from_row(
            Note,
            row,
            blocks=[from_row(TimedBlock, b) for b in blocks],
            untimed=[from_row(UntimedService, u) for u in untimed],
            addenda=[from_row(Addendum, a) for a in addenda],
            acknowledged=list(row["acknowledged"] or []),
        )

    def save(self, note: Note) -> None:
        """Upsert the note and make its child rows match.

        A draft's row goes first (new children need their parent). When the note is being
        signed, its children are written while the stored row is still a draft and the
        signing UPDATE comes last, because from then on the triggers refuse any change.
        """
        self.save_many([note])

    def save_many(self, notes: Sequence[Note]) -> None:
        """``save`` of many notes in a few statements per table: every draft's row, then
        every note's children, then every signed row (the order ``save`` keeps for one).
        Addenda are not written here (``add_addenda``: they are append-only)."""
        ids = [n.id for n in notes]
        upsert(self.conn, t.notes, [to_row(n, t.notes) for n in notes if not n.is_signed])
        replace_children_many(self.conn, t.timed_blocks, "note_id", ids, [
            to_row(b, t.timed_blocks, note_id=n.id) for n in notes for b in n.blocks])
        replace_children_many(self.conn, t.untimed_services, "note_id", ids, [
            to_row(u, t.untimed_services, note_id=n.id) for n in notes for u in n.untimed])
        upsert(self.conn, t.notes, [to_row(n, t.notes) for n in notes if n.is_signed])

    def save_signed(self, note: Note) -> None:
        """Store the signature of a note read in this transaction whose content has not
        changed since: only the note row is written (its child rows are already what they
        hold, and from now on the triggers refuse any change to them)."""
        if not note.is_signed:
            raise ValueError("save_signed is for a note that has just been signed")
        upsert(self.conn, t.notes, [to_row(note, t.notes)])

    def add_addendum(self, addendum: Addendum) -> None:
        self.add_addenda([addendum])

    def add_addenda(self, addenda: Sequence[Addendum]) -> None:
        """Insert addenda (append-only rows: an id already stored is refused by the key)."""
        if addenda:
            self.conn.execute(t.addenda.insert(), [to_row(a, t.addenda) for a in addenda])

    def addendum_ids(self, note_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """The ids of the addenda stored for ``note_ids``."""
        out: set[uuid.UUID] = set()
        for chunk in _chunks(list(note_ids)):
            stmt = select(t.addenda.c.id).where(t.addenda.c.note_id.in_(chunk))
            out.update(self.conn.execute(stmt).scalars())
        return out

    def rows(
        self, *, status: str | None = None, patient_id: uuid.UUID | None = None
    ) -> list[NoteRow]:
        n, v = t.notes, t.visits
        stmt = select(
            n.c.id,
            n.c.visit_id,
            n.c.note_type,
            n.c.status,
            v.c.date,
            v.c.patient_id,
            n.c.signed_at,
        ).join(v, v.c.id == n.c.visit_id)
        if status:
            stmt = stmt.where(n.c.status == status)
        if patient_id:
            stmt = stmt.where(v.c.patient_id == patient_id)
        stmt = stmt.order_by(v.c.date.desc())
        return [NoteRow(**r) for r in self.conn.execute(stmt).mappings()]

    def counts_by_patient(self, status: str) -> dict[uuid.UUID, int]:
        """Notes with ``status`` per patient, counted in SQL (the patient list runs this after
        every save; reading every draft row to count them grew with the chart)."""
        n, v = t.notes, t.visits
        stmt = (select(v.c.patient_id, func.count())
                .select_from(n.join(v, v.c.id == n.c.visit_id))
                .where(n.c.status == status).group_by(v.c.patient_id))
        return {pid: int(count) for pid, count in self.conn.execute(stmt)}

    def ids_for_episode(self, episode_id: uuid.UUID) -> list[uuid.UUID]:
        stmt = (
            select(t.notes.c.id)
            .join(t.visits, t.visits.c.id == t.notes.c.visit_id)
            .where(t.visits.c.episode_id == episode_id)
            .order_by(t.visits.c.date, t.visits.c.start_time)
        )
        return list(self.conn.execute(stmt).scalars())
