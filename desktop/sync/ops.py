"""Sync ops that need no network: status, conflicts, rescued addendum drafts.

Each function only builds the op; nothing runs until ``run()`` (``desktop.ops`` contract).
Network operations (enroll, pair, approve, devices, revoke, sync) are step runs driven by
``desktop.sync.runner.RunDriver``.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QObject

from core.services import sync
from core.sync.resolve import Choice
from desktop.worker import CommandOp, QueryOp


def status(parent: QObject) -> QueryOp[sync.SyncStatus]:
    return QueryOp(parent, sync.status)


def conflicts(parent: QObject) -> QueryOp[list[dict[str, Any]]]:
    return QueryOp(parent, sync.list_conflicts)


def conflict_detail(parent: QObject, conflict_id: uuid.UUID) -> CommandOp[sync.ConflictDetail]:
    # A command: viewing both versions of a record is audited.
    return CommandOp(parent, lambda chart: sync.conflict_detail(chart, conflict_id))


def resolve(
    parent: QObject,
    conflict_id: uuid.UUID,
    choice: Choice,
    *,
    merged: dict[str, str] | None = None,
    keep: uuid.UUID | None = None,
) -> CommandOp[Any]:
    return CommandOp(
        parent,
        lambda chart: sync.resolve_conflict(chart, conflict_id, choice, merged=merged, keep=keep),
    )


def addendum_drafts(parent: QObject) -> QueryOp[list[dict[str, Any]]]:
    return QueryOp(parent, sync.list_addendum_drafts)


def file_addendum_draft(
    parent: QObject, draft_id: uuid.UUID, author_id: uuid.UUID, text: str | None = None
) -> CommandOp[Any]:
    return CommandOp(
        parent,
        lambda chart: sync.file_addendum_draft(chart, draft_id, author_id=author_id, text=text),
    )


def dismiss_addendum_draft(parent: QObject, draft_id: uuid.UUID) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: sync.dismiss_addendum_draft(chart, draft_id))


def summaries(parent: QObject) -> QueryOp[list[sync.ConflictSummary]]:
    """Open conflicts and notices with readable summaries (content: for the screen only)."""
    return QueryOp(parent, sync.conflict_summaries)


def acknowledge(parent: QObject, notice_id: uuid.UUID) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: sync.acknowledge_notice(chart, notice_id))


def history(parent: QObject, record_id: uuid.UUID) -> CommandOp[list[sync.HistoryEntry]]:
    # A command: reading a record's versions is audited as a view.
    return CommandOp(parent, lambda chart: sync.record_history(chart, record_id))
