"""Unit of work: one SQLite transaction holding the repositories and the audit writer.

Every repository a service needs is an attribute (``uow.patients``, ``uow.billing.fees``,
``uow.books.mileage``, ``uow.meta``, ``uow.audit`` …); services never build one from the
connection (a test keeps ``uow.conn`` out of ``core/services``).

``with chart.uow() as uow: ...; uow.commit()`` — leaving the block without ``commit`` rolls back.
Expected database failures become ``ChartsideError``s: a trigger refusing a signed-note edit
becomes ``SignedNoteImmutable``; a full disk or I/O error becomes ``StorageFailure`` (the
transaction rolled back, the last committed state is intact).
"""

from __future__ import annotations

import contextlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError

from core.domain.changes import Changes
from core.domain.errors import ChartCorrupt, SignedNoteImmutable, StorageFailure
from core.storage import audit, outbox, seals
from core.storage.repos import (
    ClinicianRepo,
    EpisodeRepo,
    NoteRepo,
    PatientRepo,
    PayerRepo,
    PracticeRepo,
    VisitRepo,
)
from core.storage.repos_billing import BillingRepos
from core.storage.repos_books import BooksRepos
from core.storage.repos_chart import AuditRepo, IntegrityRepo, MetaRepo
from core.storage.repos_claims import ClaimRepo
from core.storage.repos_day import DayReads
from core.storage.repos_export import ExportReads
from core.storage.repos_inventory import InventoryRepo
from core.storage.repos_measures import MeasureScoreRepo
from core.storage.repos_recordings import RecordingRepo
from core.storage.repos_reminders import ReminderRepo
from core.storage.repos_schedule import ScheduleRepo
from core.storage.repos_sync import SyncRepo

if TYPE_CHECKING:
    from core.storage.chart import ChartSession


def translate(exc: DBAPIError) -> Exception:
    """Map a driver error to the domain error a clinician can act on (or return it unchanged)."""
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "immutable" in text or "append-only" in text:
        return SignedNoteImmutable(
            "This record is signed and cannot change.", hint="Add an addendum instead."
        )
    if "not a database" in text or "malformed" in text or "hmac" in text:
        return ChartCorrupt("The chart file is damaged.", hint="Restore the latest backup.")
    if "disk" in text or "full" in text or "readonly" in text or "read-only" in text:
        return StorageFailure(
            "The chart could not be saved: the disk refused the write.",
            hint="Free some space or check the drive; nothing saved earlier was lost.",
        )
    return exc


def _unreadable() -> ChartCorrupt:
    # SQLCipher reports a page that fails its MAC as SQLITE_NOMEM on some reads (MemoryError).
    return ChartCorrupt(
        "The chart could not be read: a damaged page (or the computer ran out of memory).",
        hint="Run chartside check-integrity; restore the latest backup if it finds damage.",
    )


class UnitOfWork:
    def __init__(self, session: ChartSession) -> None:
        self.session = session
        self._engine: Engine = session.engine
        self._changes: dict[str, set[uuid.UUID]] = defaultdict(set)
        self._structural: dict[str, set[uuid.UUID]] = defaultdict(set)
        self._versions: dict[tuple[str, uuid.UUID], str] = {}
        self._committed = False
        self._audited = False
        self._audited_notes: set[uuid.UUID] = set()

    def __enter__(self) -> UnitOfWork:
        try:
            self.conn: Connection = self._engine.connect()
        except DBAPIError as exc:
            raise translate(exc) from exc
        try:
            self._tx: RootTransaction = self.conn.begin()
        except (DBAPIError, MemoryError) as exc:
            # Give the pool's only connection back (a fresh one next time), or every later
            # unit of work would wait for it and time out.
            self.conn.invalidate()
            self.conn.close()
            if isinstance(exc, MemoryError):
                raise _unreadable() from exc
            raise translate(exc) from exc
        c = self.conn
        self.practice = PracticeRepo(c)
        self.clinicians = ClinicianRepo(c)
        self.payers = PayerRepo(c)
        self.patients = PatientRepo(c)
        self.episodes = EpisodeRepo(c)
        self.visits = VisitRepo(c)
        self.notes = NoteRepo(c)
        self.billing = BillingRepos(c)
        self.books = BooksRepos(c)
        self.day = DayReads(c)
        self.measures = MeasureScoreRepo(c)
        self.recordings = RecordingRepo(c)
        self.meta = MetaRepo(c)
        self.audit = AuditRepo(c)
        self.integrity = IntegrityRepo(c)
        self.sync = SyncRepo(c)
        self.claims = ClaimRepo(c)
        self.export = ExportReads(c)  # read-only: the whole-chart JSON export
        self.inventory = InventoryRepo(c)
        self.schedule = ScheduleRepo(c)
        self.reminders = ReminderRepo(c)
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()
        if isinstance(ev, DBAPIError):
            mapped = translate(ev)
            if mapped is not ev:
                raise mapped from ev
        if isinstance(ev, MemoryError):
            raise _unreadable() from ev

    def commit(self) -> Changes:
        """Capture record versions into the outbox, then commit everything atomically."""
        try:
            if self._audited or self._audited_notes:
                self._seal()
            outbox.capture(
                self.conn,
                self.session.device_id,
                [(entity, ident, kind) for (entity, ident), kind in self._versions.items()],
            )
            self._tx.commit()
        except DBAPIError as exc:
            raise translate(exc) from exc
        self._committed = True
        return self.changes

    def seal_notes(self, note_ids: Iterable[uuid.UUID]) -> None:
        """Notes written in this transaction other than through ``record`` (a pulled sync page):
        those signed are sealed at commit like notes signed here (``seals.py``)."""
        self._audited_notes.update(note_ids)

    def _seal(self) -> None:
        """Seal notes signed in this transaction and the audit head it leaves (seals.py)."""
        keys, chart_id = self.session.keys, self.session.chart_id
        seals.seal_notes(self.conn, keys, chart_id, self._audited_notes)
        seals.seal_audit_head(self.conn, keys, chart_id)

    @property
    def changes(self) -> Changes:
        text = {k: frozenset(v - self._structural[k]) for k, v in self._changes.items()}
        return Changes({k: frozenset(v) for k, v in self._changes.items()},
                       {k: v for k, v in text.items() if v})

    def record(
        self,
        action: str,
        entity: str,
        entity_id: uuid.UUID | str = "",
        detail: str = "",
        *,
        text_only: bool = False,
    ) -> None:
        """Write one audit row in this transaction and remember what changed for the UI
        (``text_only``: only typed text changed — see ``Changes.text``)."""
        audit.append(
            self.conn,
            actor=self.session.actor,
            device=self.session.device_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            detail=detail,
        )
        self._audited = True
        if entity == "note":  # sync records pulled notes by their id as text
            with contextlib.suppress(ValueError):
                self._audited_notes.add(uuid.UUID(str(entity_id)))
        kind = outbox.WRITE_KINDS.get(action)
        if kind is not None and isinstance(entity_id, uuid.UUID):
            self._changes[entity].add(entity_id)
            if not text_only:
                self._structural[entity].add(entity_id)
            key = (entity, entity_id)
            self._versions[key] = outbox.strongest(self._versions.get(key), kind)
