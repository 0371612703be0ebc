"""Chart lifecycle use cases: create, open, lock, change passphrase, verify the audit log, backup.

The desktop and the CLI call these; they never reach into ``core.storage`` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.rules import snapshot
from core.storage import audit, integrity
from core.storage.chart import (
    ChartSession,
    change_passphrase,
    create_chart,
    finish_create,
    key_path,
    open_chart,
    set_meta,
)
from core.storage.keys import KdfParams, check_passphrase_strength, strength_hint

__all__ = [
    "ChartSession",
    "IntegrityReport",
    "KdfParams",
    "backup_chart",
    "change_passphrase",
    "check_integrity",
    "check_passphrase_strength",
    "create_chart",
    "finish_create",
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


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """What ``check_integrity`` found; ``ok`` when nothing."""

    problems: tuple[str, ...]
    signed_notes: int
    audit_rows: int
    repaired_at_open: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_integrity(chart: ChartSession) -> IntegrityReport:
    """SQLite's and SQLCipher's checks, every signed note against its hash, the immutability
    triggers and the audit chain. Audited. Reads the whole file: seconds on a large chart."""
    problems = list(chart.integrity_problems())
    with chart.uow() as uow:
        problems += integrity.trigger_problems(uow.conn)
        report = audit.verify(uow.conn)
        if not report.ok:
            problems.append(f"audit chain broken at row {report.first_broken_seq}: {report.reason}")
        ids = integrity.signed_note_ids(uow.conn)
        for note_id in ids:
            note = uow.notes.get(note_id)
            if not snapshot.verify_snapshot(note, uow.visits.get(note.visit_id)):
                problems.append(f"signed note {note_id} no longer matches its signature hash")
        uow.record("check_integrity", "chart", chart.chart_id, detail=f"{len(problems)} problems")
        uow.commit()
    return IntegrityReport(tuple(problems), len(ids), report.rows, tuple(chart.repaired_triggers))
