"""Sync use cases: enroll, share the key, sync now, status, devices, conflicts, rescued text.

The CLI calls the blocking functions. The desktop calls the ``*_run`` builders and drives the
returned step runs with ``desktop.sync.background`` so that only the database steps occupy the
database worker and the network waits happen elsewhere (``core.sync.engine``). ``transport``
is an ``httpx`` transport for tests (the FastAPI app in-process); ``None`` means real HTTP.
Every failure is a ``ChartsideError`` (``core.sync.errors``) with an actionable message.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from core.domain.changes import Changes
from core.domain.visit import Addendum
from core.services.result import Result
from core.storage.chart import ChartSession
from core.sync import config, describe, devices, engine, resolve
from core.sync.api import SyncApi
from core.sync.describe import ConflictSummary, HistoryEntry
from core.sync.devices import AnchorCheck, Approval, DeviceRow, EnrollResult, Rotation
from core.sync.engine import ApiMaker, Run, SyncReport, run_blocking
from core.sync.resolve import Choice, ConflictDetail

__all__ = [
    "AnchorCheck",
    "Approval",
    "ConflictDetail",
    "ConflictSummary",
    "DeviceRow",
    "EnrollResult",
    "HistoryEntry",
    "Rotation",
    "SyncReport",
    "SyncStatus",
    "acknowledge_notice",
    "approve_device",
    "conflict_detail",
    "conflict_summaries",
    "dismiss_addendum_draft",
    "enroll",
    "file_addendum_draft",
    "list_addendum_drafts",
    "list_conflicts",
    "list_devices",
    "pair",
    "record_history",
    "resolve_conflict",
    "revoke_device",
    "rotate_key",
    "status",
    "sync_now",
    "sync_run",
    "verify_anchors",
]


def api_maker(transport: httpx.BaseTransport | None = None, timeout: float = 60.0) -> ApiMaker:
    def make(server: str, token: str | None) -> SyncApi:
        return SyncApi(server, token, transport=transport, timeout=timeout)

    return make


# -- runs (the desktop drives these) ------------------------------------------------------------


def sync_run(transport: httpx.BaseTransport | None = None) -> Run[SyncReport]:
    make = api_maker(transport)
    return engine.sync_run(make, finish_rotation=lambda: devices.rotate_run(make))


def enroll_run(
    server: str, code: str, device_name: str, transport: httpx.BaseTransport | None = None
) -> Run[EnrollResult]:
    return devices.enroll_run(
        api_maker(transport), server.strip(), code.strip(), device_name.strip()
    )


def approve_run(
    device_id: uuid.UUID, transport: httpx.BaseTransport | None = None
) -> Run[Approval]:
    return devices.approve_run(api_maker(transport), device_id)


def pair_run(code: str, transport: httpx.BaseTransport | None = None) -> Run[str]:
    return devices.pair_run(api_maker(transport), code)


def devices_run(transport: httpx.BaseTransport | None = None) -> Run[list[DeviceRow]]:
    return devices.devices_run(api_maker(transport))


def revoke_run(
    device_id: uuid.UUID, transport: httpx.BaseTransport | None = None
) -> Run[DeviceRow]:
    return devices.revoke_run(api_maker(transport), device_id)


def rotate_key_run(transport: httpx.BaseTransport | None = None) -> Run[Rotation]:
    return devices.rotate_run(api_maker(transport))


# -- blocking use cases (CLI, scripts, tests) ----------------------------------------------------


def enroll(
    chart: ChartSession,
    *,
    server: str,
    code: str,
    device_name: str,
    transport: httpx.BaseTransport | None = None,
) -> EnrollResult:
    """Join the practice's sync server with an admin's one-time code."""
    return run_blocking(chart, enroll_run(server, code, device_name, transport))


def approve_device(
    chart: ChartSession, device_id: uuid.UUID, *, transport: httpx.BaseTransport | None = None
) -> Approval:
    """Share the practice key with a newly enrolled device; show the returned pairing code."""
    return run_blocking(chart, approve_run(device_id, transport))


def pair(chart: ChartSession, code: str, *, transport: httpx.BaseTransport | None = None) -> str:
    """Receive the practice key with the pairing code shown on the approving device."""
    return run_blocking(chart, pair_run(code, transport))


def sync_now(chart: ChartSession, *, transport: httpx.BaseTransport | None = None) -> SyncReport:
    return run_blocking(chart, sync_run(transport))


def list_devices(
    chart: ChartSession, *, transport: httpx.BaseTransport | None = None
) -> list[DeviceRow]:
    return run_blocking(chart, devices_run(transport))


def revoke_device(
    chart: ChartSession, device_id: uuid.UUID, *, transport: httpx.BaseTransport | None = None
) -> DeviceRow:
    """Revoke a device; revoking another device also rotates the practice key."""
    return run_blocking(chart, revoke_run(device_id, transport))


def verify_anchors_run(transport: httpx.BaseTransport | None = None) -> Run[AnchorCheck]:
    """The chart's audit chain against the heads it anchored on the sync server (10 s timeout:
    an unreachable server is reported, never waited on)."""
    return devices.verify_anchors_run(api_maker(transport, timeout=10.0))


def verify_anchors(
    chart: ChartSession, *, transport: httpx.BaseTransport | None = None
) -> AnchorCheck:
    """The chart's audit chain against the heads it anchored on the sync server."""
    return run_blocking(chart, verify_anchors_run(transport))


def rotate_key(chart: ChartSession, *, transport: httpx.BaseTransport | None = None) -> Rotation:
    """A new practice key for every active device (after a revocation done on the server)."""
    return run_blocking(chart, rotate_key_run(transport))


# -- local state (no network) -------------------------------------------------------------------


@dataclass(frozen=True)
class SyncStatus:
    enrolled: bool
    server: str | None = None
    device_name: str | None = None
    device_id: str | None = None
    key_ready: bool = False
    revoked: bool = False
    last_ok_at: str | None = None
    last_attempt_at: str | None = None
    last_error: str | None = None
    pending: int = 0
    stuck: int = 0
    conflicts: int = 0
    addendum_drafts: int = 0
    cursor: int = 0
    notices: int = 0
    key_id: str | None = None  # which practice key seals this device's changes (not secret)
    key_rotation_pending: bool = False  # a rotated key not yet handed to every device

    @property
    def state(self) -> str:
        """off | revoked | needs_key | error | attention | pending | ok"""
        if not self.enrolled:
            return "off"
        if self.revoked:
            return "revoked"
        if not self.key_ready:
            return "needs_key"
        if self.last_error:
            return "error"
        if self.conflicts or self.addendum_drafts or self.stuck or self.notices:
            return "attention"
        return "pending" if self.pending else "ok"


def status(chart: ChartSession) -> SyncStatus:
    with chart.uow() as uow:
        meta = uow.meta.with_prefix("sync.")
        counts = uow.sync.counts()
    if config.TOKEN not in meta:
        return SyncStatus(enrolled=False, pending=counts["pending"])
    return SyncStatus(
        enrolled=True,
        server=meta.get(config.SERVER),
        device_name=meta.get(config.NAME),
        device_id=meta.get(config.DEVICE),
        key_ready=config.KEY_ID in meta,
        key_id=meta.get(config.KEY_ID),
        key_rotation_pending=meta.get(config.KEY_PENDING) is not None,
        revoked=config.REVOKED in meta,
        last_ok_at=meta.get(config.LAST_OK),
        last_attempt_at=meta.get(config.LAST_ATTEMPT),
        last_error=meta.get(config.LAST_ERROR),
        pending=counts["pending"],
        stuck=counts["stuck"],
        conflicts=counts["conflicts"],
        addendum_drafts=counts["addendum_drafts"],
        cursor=int(meta.get(config.CURSOR, "0")),
        notices=counts["notices"],
    )


def list_conflicts(chart: ChartSession) -> list[dict[str, Any]]:
    """Open conflicts (ids, entity, kind, field names; never record content)."""
    with chart.uow() as uow:
        return uow.sync.conflicts()


def conflict_summaries(chart: ChartSession, *, open_only: bool = True) -> list[ConflictSummary]:
    """Open conflicts (decisions first) and notices, each with a readable record summary,
    both values and who/when. Content for the user's screen only (never logged)."""
    with chart.uow() as uow:
        rows = uow.sync.conflicts(open_only=open_only)
        out = [describe.summarize(uow.sync.connection, c, chart.device_id) for c in rows]
    return sorted(out, key=lambda s: (not s.needs_decision, s.detected_at))


def acknowledge_notice(chart: ChartSession, notice_id: uuid.UUID) -> Result[None]:
    """Mark a notice (an automatic merge, a restored server log) as seen; a conflict that
    needs a decision is refused with the reason."""
    result = resolve_conflict(chart, notice_id, "local")
    return Result(None, result.changes)


def record_history(chart: ChartSession, record_id: uuid.UUID) -> list[HistoryEntry]:
    """Every version of a record: who changed which fields, when (audited as a view)."""
    with chart.uow() as uow:
        entries = describe.history(uow.sync.connection, record_id, chart.device_id)
        uow.record("view", "sync_history", str(record_id), detail="record history")
        uow.commit()
    return entries


def conflict_detail(chart: ChartSession, conflict_id: uuid.UUID) -> ConflictDetail:
    with chart.uow() as uow:
        detail = resolve.conflict_detail(uow.sync.connection, conflict_id)
        uow.record("view", detail.entity, detail.record_id, detail="sync conflict")
        uow.commit()
    return detail


def resolve_conflict(
    chart: ChartSession,
    conflict_id: uuid.UUID,
    choice: Choice,
    *,
    merged: dict[str, str] | None = None,
    keep: uuid.UUID | None = None,
) -> Result[uuid.UUID | None]:
    """Keep local, keep remote (``keep`` picks among several), or save merged note text."""
    with chart.uow() as uow:
        found = uow.sync.conflict(conflict_id)
        version = resolve.resolve(
            uow.sync.connection, chart.device_id, conflict_id, choice, merged=merged, keep=keep
        )
        if found is not None:
            uow.record("update", found["entity"], str(found["record_id"]),
                       detail=f"sync conflict resolved: {choice}")
            changes = Changes(
                {
                    found["entity"]: frozenset({found["record_id"]}),
                    "sync_conflict": frozenset({found["record_id"]}),
                }
            )
        else:
            changes = Changes()
        uow.commit()
    return Result(version, changes)


def list_addendum_drafts(
    chart: ChartSession, *, status: str | None = "open"
) -> list[dict[str, Any]]:
    with chart.uow() as uow:
        return uow.sync.addendum_drafts(status=status)


def file_addendum_draft(
    chart: ChartSession, draft_id: uuid.UUID, *, author_id: uuid.UUID, text: str | None = None
) -> Result[Addendum]:
    """Add the rescued text (or the clinician's edit of it) as an addendum to its signed note."""
    with chart.uow() as uow:
        note_id, rescued = resolve.draft_note(uow.sync.connection, draft_id)
        note = uow.notes.get(note_id)
        addendum = note.add_addendum(
            Addendum(
                note_id=note.id,
                author_id=author_id,
                text=text or rescued,
                created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )
        uow.notes.add_addendum(addendum)
        uow.record("addendum", "note", note.id)
        resolve.set_draft(uow.sync.connection, chart.device_id, draft_id, "filed", addendum.id)
        changes = uow.commit()
    return Result(addendum, changes | Changes({"addendum_draft": frozenset({draft_id})}))


def dismiss_addendum_draft(chart: ChartSession, draft_id: uuid.UUID) -> Result[None]:
    """Mark a rescued text as dealt with; it stays in the chart and in the note's history."""
    with chart.uow() as uow:
        note_id, _text = resolve.draft_note(uow.sync.connection, draft_id)
        resolve.set_draft(uow.sync.connection, chart.device_id, draft_id, "dismissed")
        uow.record("update", "note", str(note_id), detail="addendum draft dismissed")
        uow.commit()
    return Result(None, Changes({"addendum_draft": frozenset({draft_id})}))
