"""Repository of dictation recordings (table ``recordings``, migration r0006).

Contract:
- Reached as ``uow.recordings`` (built on the unit of work's connection); it reads and writes
  inside the caller's transaction and never commits.
- Rows hold ciphertext only: ``sealed`` is ``scribe.seal_recording``'s blob and ``key`` its
  per-recording key. Both live inside the SQLCipher chart; sealing and opening are the
  service's job (``core.services.dictation``), never this module's.
- ``RecordingInfo`` (no audio, no key) is what list reads return; ``SealedRow`` carries the
  blob and key and is only handed to the service that opens it.
- ``erase`` is the crypto-erase: the blob and the key become NULL and ``deleted_at`` is set;
  the row itself stays so the audit trail still points at something.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from core.domain.errors import NotFound
from core.storage import tables as t


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """A recording's facts without its audio: safe to hand to any screen."""

    id: uuid.UUID
    note_id: uuid.UUID
    created_at: dt.datetime  # when it was dictated, UTC (naive)
    duration_s: float
    sample_rate: int
    deleted_at: dt.datetime | None = None

    @property
    def erased(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True, slots=True)
class SealedRow:
    info: RecordingInfo
    sealed: bytes | None
    key: bytes | None

    def __repr__(self) -> str:  # keep the key out of logs and tracebacks
        return f"SealedRow({self.info!r}, sealed=<{len(self.sealed or b'')} bytes>, key=<hidden>)"


@dataclass(frozen=True, slots=True)
class RetentionRow:
    """A live recording with what retention needs to know about its note."""

    info: RecordingInfo
    note_signed: bool


_INFO_COLUMNS = (
    t.recordings.c.id,
    t.recordings.c.note_id,
    t.recordings.c.created_at,
    t.recordings.c.duration_s,
    t.recordings.c.sample_rate,
    t.recordings.c.deleted_at,
)


def _info(row: Any) -> RecordingInfo:
    return RecordingInfo(
        id=row["id"],
        note_id=row["note_id"],
        created_at=row["created_at"],
        duration_s=float(row["duration_s"]),
        sample_rate=int(row["sample_rate"]),
        deleted_at=row["deleted_at"],
    )


class RecordingRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, info: RecordingInfo, *, sealed: bytes, key: bytes) -> None:
        self.conn.execute(
            insert(t.recordings).values(
                id=info.id,
                note_id=info.note_id,
                created_at=info.created_at,
                duration_s=info.duration_s,
                sample_rate=info.sample_rate,
                sealed=sealed,
                key=key,
                deleted_at=None,
            )
        )

    def info(self, ident: uuid.UUID) -> RecordingInfo:
        row = self.conn.execute(
            select(*_INFO_COLUMNS).where(t.recordings.c.id == ident)
        ).mappings().first()
        if row is None:
            raise NotFound(f"No recording with id {ident} in this chart.")
        return _info(row)

    def sealed(self, ident: uuid.UUID) -> SealedRow:
        row = self.conn.execute(
            select(*_INFO_COLUMNS, t.recordings.c.sealed, t.recordings.c.key).where(
                t.recordings.c.id == ident
            )
        ).mappings().first()
        if row is None:
            raise NotFound(f"No recording with id {ident} in this chart.")
        return SealedRow(_info(row), row["sealed"], row["key"])

    def for_note(self, note_id: uuid.UUID, *, include_erased: bool = False) -> list[RecordingInfo]:
        """The note's recordings, oldest first."""
        r = t.recordings
        stmt = select(*_INFO_COLUMNS).where(r.c.note_id == note_id)
        if not include_erased:
            stmt = stmt.where(r.c.deleted_at.is_(None))
        stmt = stmt.order_by(r.c.created_at, r.c.id)
        return [_info(row) for row in self.conn.execute(stmt).mappings()]

    def live(self) -> list[RetentionRow]:
        """Every recording not yet erased, with whether its note is signed."""
        r, n = t.recordings, t.notes
        stmt = (
            select(*_INFO_COLUMNS, n.c.status)
            .join(n, n.c.id == r.c.note_id)
            .where(r.c.deleted_at.is_(None))
            .order_by(r.c.created_at, r.c.id)
        )
        return [
            RetentionRow(_info(row), str(row["status"]) == "signed")
            for row in self.conn.execute(stmt).mappings()
        ]

    def erase(self, ident: uuid.UUID, *, at: dt.datetime) -> None:
        """Drop the blob and the key (crypto-erase) and mark the row deleted."""
        self.conn.execute(
            update(t.recordings)
            .where(t.recordings.c.id == ident)
            .values(sealed=None, key=None, deleted_at=at)
        )
