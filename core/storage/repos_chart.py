"""Chart-wide repositories of a unit of work: ``meta`` settings, the audit log, integrity reads.

Each runs on its unit of work's connection, inside its transaction: a setting written with
``uow.meta.set`` commits (or rolls back) with the audit row and records written beside it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from core.storage import audit, integrity, seals, search_index
from core.storage.tables import meta


class MetaRepo:
    """Small settings stored in the encrypted chart (``meta``: key → text)."""

    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def get(self, key: str) -> str | None:
        return self._c.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()

    def with_prefix(self, prefix: str) -> dict[str, str]:
        rows = self._c.execute(
            select(meta.c.key, meta.c.value).where(meta.c.key.like(prefix + "%"))
        )
        return {k: v for k, v in rows}

    def set(self, key: str, value: str | None) -> None:
        """Store ``value`` under ``key``; ``None`` removes the key."""
        self._c.execute(delete(meta).where(meta.c.key == key))
        if value is not None:
            self._c.execute(insert(meta).values(key=key, value=value))


class AuditRepo:
    """Reads of the hash-chained audit log (rows are written by ``UnitOfWork.record``)."""

    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def verify(self) -> audit.AuditReport:
        return audit.verify(self._c)

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        return audit.recent(self._c, limit)

    def sealed_head(self) -> seals.AuditHead | None:
        """The head as last sealed (meta ``audit_seal``), or None before the first row."""
        value = self._c.execute(
            select(meta.c.value).where(meta.c.key == seals.AUDIT_SEAL)
        ).scalar_one_or_none()
        return seals.AuditHead.parse(value) if value else None

    def restore_points(self) -> list[tuple[dt.datetime, int]]:
        return seals.restore_points(self._c)

    def anchor_problems(self, anchors: Iterable[tuple[str, seals.AuditHead]]) -> list[str]:
        return seals.anchor_problems(self._c, anchors)


class IntegrityRepo:
    """The schema-level checks ``check_integrity`` runs."""

    def __init__(self, conn: Connection) -> None:
        self._c = conn

    def trigger_problems(self) -> list[str]:
        return integrity.trigger_problems(self._c)

    def search_index_problems(self) -> list[str]:
        return search_index.problems(self._c)

    def rebuild_search_index(self) -> None:
        """Recreate the index's table and triggers as needed and refill it (derived data)."""
        if not search_index.repair(self._c):
            search_index.rebuild(self._c)

    def signed_note_ids(self) -> list[uuid.UUID]:
        return integrity.signed_note_ids(self._c)
