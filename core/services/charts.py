"""Chart lifecycle use cases: create, open, lock, change passphrase, verify the audit log, backup.

The desktop and the CLI call these; they never reach into ``core.storage`` themselves.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from core.domain.errors import ChartCorrupt, ChartsideError, NotAllowed
from core.rules import snapshot
from core.storage import audit, backup_files
from core.storage.chart import (
    ChartSession,
    change_passphrase,
    create_chart,
    finish_create,
    key_path,
    open_chart,
)
from core.storage.keys import KdfParams, check_passphrase_strength, strength_hint
from core.storage.uow import UnitOfWork

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
        return uow.audit.verify()


def recent_audit(chart: ChartSession, limit: int = 100) -> list[dict[str, object]]:
    with chart.uow() as uow:
        return uow.audit.recent(limit)


def backup_chart(chart: ChartSession) -> Path:
    return chart.backup()


def set_current_clinician(chart: ChartSession, clinician_id: str) -> None:
    """Audit rows from now on name this clinician as the actor (a solo chart has one). A user
    who unlocked with a passphrase of their own stays the actor: only they can be chosen."""
    if chart.user is not None and clinician_id != chart.user:
        raise NotAllowed(
            "You unlocked the chart as yourself; you cannot chart as another clinician.",
            hint="Lock the chart and let them unlock with their own passphrase.",
        )
    with chart.uow() as uow:
        uow.meta.set("actor", clinician_id)
        uow.commit()
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
    triggers, the audit chain and the patient search index (rebuilt when stale, after the
    other checks, and still reported). Audited. Reads the whole file: seconds on a large chart.
    Each part runs on its own, so a damaged page stops only the part that reads it."""
    problems = list(chart.integrity_problems())
    counts = {"audit": 0, "signed": 0}
    index: list[str] = []  # the patient search index: derived data, rebuilt after the checks

    def triggers(uow: UnitOfWork) -> None:
        problems.extend(uow.integrity.trigger_problems())
        index.extend(uow.integrity.search_index_problems())

    def audit_chain(uow: UnitOfWork) -> None:
        report = uow.audit.verify()
        counts["audit"] = report.rows
        if not report.ok:
            problems.append(f"audit chain broken at row {report.first_broken_seq}: {report.reason}")

    def signed_notes(uow: UnitOfWork) -> None:
        for note_id in uow.integrity.signed_note_ids():
            counts["signed"] += 1
            note = uow.notes.get(note_id)
            if not snapshot.verify_snapshot(note, uow.visits.get(note.visit_id)):
                problems.append(f"signed note {note_id} no longer matches its signature hash")

    def seals(uow: UnitOfWork) -> None:  # keyed seals and the heads anchored in backups
        problems.extend(backup_files.tamper_problems(uow))

    for name, part in (("triggers", triggers), ("audit chain", audit_chain),
                       ("signed notes", signed_notes), ("seals", seals)):
        try:
            with chart.uow() as uow:
                part(uow)
        except ChartCorrupt as exc:
            problems.append(f"{name}: could not be read ({exc.message})")
    if index:  # rebuilt only now: the repair's audit row must not move what the seals saw
        with contextlib.suppress(ChartsideError), chart.uow() as uow:
            uow.integrity.rebuild_search_index()
            uow.record("repair", "chart", chart.chart_id, detail="patient search index rebuilt")
            uow.commit()
        problems.extend(f"{p} (rebuilt from the patients)" for p in index)
    # A damaged chart may refuse the audit row too; the report still comes back.
    with contextlib.suppress(ChartsideError), chart.uow() as uow:
        uow.record("check_integrity", "chart", chart.chart_id, detail=f"{len(problems)} found")
        uow.commit()
    return IntegrityReport(
        tuple(problems), counts["signed"], counts["audit"], tuple(chart.repaired_triggers)
    )
