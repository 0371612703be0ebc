"""Chart lifecycle use cases: create, open, lock, change passphrase, verify the audit log, backup.

The desktop and the CLI call these; they never reach into ``core.storage`` themselves.
"""

from __future__ import annotations

from pathlib import Path

from core.storage import audit
from core.storage.chart import (
    ChartSession,
    change_passphrase,
    create_chart,
    key_path,
    open_chart,
    set_meta,
)
from core.storage.keys import KdfParams, check_passphrase_strength, strength_hint

__all__ = [
    "ChartSession",
    "KdfParams",
    "backup_chart",
    "change_passphrase",
    "check_passphrase_strength",
    "create_chart",
    "key_path",
    "open_chart",
    "recent_audit",
    "set_current_clinician",
    "strength_hint",
    "verify_audit",
]


def verify_audit(chart: ChartSession) -> audit.AuditReport:
    with chart.uow() as uow:
        return audit.verify(uow.conn)


def recent_audit(chart: ChartSession, limit: int = 100) -> list[dict[str, object]]:
    with chart.uow() as uow:
        return audit.recent(uow.conn, limit)


def backup_chart(chart: ChartSession) -> Path:
    return chart.backup()


def set_current_clinician(chart: ChartSession, clinician_id: str) -> None:
    """Audit rows from now on name this clinician as the actor (a solo chart has one)."""
    set_meta(chart, "actor", clinician_id)
    chart.actor = clinician_id
