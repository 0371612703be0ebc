"""The sync client's reads a service needs, over a unit of work's connection.

``core.storage.sync_store`` holds all SQL of the sync client as functions over a connection;
this repository binds the ones the services call to the unit of work, so ``core.services``
reaches them as ``uow.sync`` like every other repository.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection

from core.storage import sync_store as store


class SyncRepo:
    def __init__(self, conn: Connection) -> None:
        self._c = conn

    @property
    def connection(self) -> Connection:
        """The transaction's connection, for the ``core.sync`` steps that still take one
        (``describe``, ``resolve``; they move behind repositories with the one write path for
        pulled changes, issue 17's first point)."""
        return self._c

    def counts(self) -> dict[str, int]:
        return store.counts(self._c)

    def conflicts(self, *, open_only: bool = True) -> list[dict[str, Any]]:
        return store.conflicts(self._c, open_only=open_only)

    def conflict(self, conflict_id: uuid.UUID) -> dict[str, Any] | None:
        return store.conflict(self._c, conflict_id)

    def addendum_drafts(self, *, status: str | None = "open") -> list[dict[str, Any]]:
        return store.addendum_drafts(self._c, status=status)
