"""Backups and restores a therapist can run, verify and trust (issue 15).

* ``back_up(chart, to=None)``: an online backup (no pause in charting) of the chart and its key
  envelope into the chosen folder (remembered in the chart), verified, then rotated
  (``backup_rotation``). A folder that vanished raises ``BackupFolderMissing``; a full or failing
  disk ``StorageFailure`` (exit 6); a backup that fails its check is kept, listed, and raises
  ``BackupFailed``. Never a silent skip.
* ``list_backups(folder)``: what is there and how each backup's last check went (no key needed).
* ``verify_backups(folder, ...)``: every backup checked again with the chart key.
* ``restore(backup, to, ...)``: with the passphrase or the recovery key, into a new path, or over
  an existing chart only with ``replace=True`` — the current files are first moved aside,
  unchanged, into ``NAME.pre-restore-<stamp>/``. The restored chart records the restore.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from core.domain.errors import (
    BackupFailed,
    BackupFolderMissing,
    ChartExists,
    ChartNotFound,
    ChartsideError,
    WrongPassphrase,
)
from core.services import backup_rotation
from core.storage import backup_files, files
from core.storage.backup_files import BackupRecord
from core.storage.chart import (
    BACKUP_DIR_META,
    ChartSession,
    backup_folder,
    default_backup_folder,
    key_path,
    open_unlocked,
    set_meta,
)
from core.storage.engine import KeyHolder
from core.storage.keys import KeyFile, wipe

__all__ = [
    "BackupRecord",
    "BackupResult",
    "BackupStatus",
    "RestoreResult",
    "back_up",
    "backup_status",
    "chart_backup_folder",
    "daily_backup",
    "folder_chosen",
    "list_backups",
    "restore",
    "verify_backups",
]


DAILY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BackupResult:
    record: BackupRecord
    removed: tuple[BackupRecord, ...]
    folder: Path
    beside_chart: bool  # the default folder: it does not survive a lost or dead laptop


@dataclass(frozen=True, slots=True)
class BackupStatus:
    """For a Backups page or a startup check: where, the last good backup, whether one is due."""

    folder: Path
    folder_present: bool
    last_good: BackupRecord | None
    last_failed: BackupRecord | None
    due: bool


@dataclass(frozen=True, slots=True)
class RestoreResult:
    path: Path
    kept_previous: Path | None
    backup: BackupRecord


def chart_backup_folder(chart: ChartSession) -> Path:
    return backup_folder(chart)


def _target_folder(chart: ChartSession, to: Path | None) -> Path:
    default = default_backup_folder(chart.path)
    folder = Path(to) if to is not None else backup_folder(chart)
    if not folder.is_dir():
        # Only a folder the user just named (or our default) is created, never a remembered one:
        # a vanished USB stick must not turn into a folder on the laptop's own disk.
        if (to is None and folder != default) or not folder.parent.is_dir():
            raise BackupFolderMissing(
                f"The backup folder {folder} is not there (was a drive unplugged?).",
                hint="Reconnect the drive or choose another folder with --to; no backup was made.",
            )
        try:
            files.make_private_dir(folder)
        except OSError as exc:
            raise files.disk_error(exc, "the backup") from exc
    if to is not None:
        set_meta(chart, BACKUP_DIR_META, str(folder.resolve()))
    return folder


def back_up(chart: ChartSession, to: Path | None = None, *, label: str = "manual") -> BackupResult:
    """Back up, verify, rotate. Safe while other threads write to the chart."""
    folder = _target_folder(chart, to)
    backup_files.clean_partials(folder)
    record = backup_files.write_backup(chart, folder, label)
    with chart.uow() as uow:
        outcome = "verified" if record.ok else "FAILED its check"
        uow.record("backup", "chart", chart.chart_id, detail=f"{label}; {outcome}")
        uow.commit()
    if not record.ok:
        raise BackupFailed(
            f"The backup was written but failed its check: {'; '.join(record.problems)}.",
            hint="It is kept and listed as failed. Run chartside check-integrity on the chart.",
        )
    mine = [r for r in backup_files.list_backups(folder) if r.chart_id == chart.chart_id]
    removed = []
    for old in backup_rotation.expired(mine):
        if old.folder != record.folder:
            backup_files.delete_backup(old)
            removed.append(old)
    default = default_backup_folder(chart.path)
    return BackupResult(record, tuple(removed), folder, folder.resolve() == default.resolve())


def backup_status(
    chart: ChartSession, *, now: dt.datetime | None = None, every: dt.timedelta = DAILY
) -> BackupStatus:
    """Whether a scheduled backup is due (none good within ``every``; daily by default).

    A missing folder is reported (``folder_present=False``), never created or skipped quietly.
    """
    folder = backup_folder(chart)
    if not folder.is_dir():
        return BackupStatus(folder, False, None, None, True)
    mine = [r for r in backup_files.list_backups(folder) if r.chart_id == chart.chart_id]
    good = [r for r in mine if r.ok]
    failed = [r for r in mine if not r.ok]
    last = good[-1] if good else None
    moment = now or dt.datetime.now(dt.UTC)
    due = last is None or moment - last.created_at >= every
    return BackupStatus(folder, True, last, failed[-1] if failed else None, due)


def folder_chosen(chart: ChartSession) -> bool:
    """Whether the user chose a backup folder (else backups go beside the chart, which does not
    survive a lost or dead laptop)."""
    return backup_folder(chart).resolve() != default_backup_folder(chart.path).resolve()


def daily_backup(chart: ChartSession, *, now: dt.datetime | None = None
                 ) -> BackupResult | BackupStatus:
    """The scheduled backup: when one is due, back up (``label="daily"``) and return the
    result; otherwise return the status. A chosen folder that is not there is returned as a
    status with ``folder_present=False`` (nothing made, nothing created in its place); with no
    folder chosen the first daily backup creates the default folder beside the chart."""
    status = backup_status(chart, now=now)
    if not status.due:
        return status
    if not status.folder_present and folder_chosen(chart):
        return status
    return back_up(chart, label="daily")


def list_backups(folder: Path) -> list[BackupRecord]:
    return backup_files.list_backups(Path(folder))


def _unlock(key_file: KeyFile, passphrase: str | None, recovery_key: str | None) -> bytearray:
    if recovery_key is not None:
        return key_file.unlock_with_recovery_key(recovery_key)
    if passphrase is not None:
        return key_file.unlock_with_passphrase(passphrase)
    raise WrongPassphrase("A passphrase or recovery key is needed to open the backup.")


def verify_backups(
    folder: Path,
    *,
    chart: ChartSession | None = None,
    passphrase: str | None = None,
    recovery_key: str | None = None,
) -> list[BackupRecord]:
    """Check every backup in ``folder`` again; the results are also written to each manifest.

    Backups of ``chart`` are opened with its key (the data key never changes); others with
    ``passphrase``/``recovery_key`` against their own key file (one derivation per distinct wrap).
    """
    results = []
    unlocked: dict[str, bytearray] = {}
    try:
        for record in list_backups(folder):
            if chart is not None and record.chart_id == chart.chart_id:
                results.append(backup_files.reverify(record, chart.keys))
                continue
            try:
                key_file = KeyFile.load(record.key_file)
                wrap = str(key_file.data["passphrase" if recovery_key is None else "recovery"])
                if wrap not in unlocked:
                    unlocked[wrap] = _unlock(key_file, passphrase, recovery_key)
                keys = KeyHolder(bytearray(unlocked[wrap]))
            except (ChartsideError, OSError) as exc:  # wrong passphrase, damaged key file
                results.append(dataclasses.replace(record, ok=False, problems=(str(exc),)))
                continue
            try:
                results.append(backup_files.reverify(record, keys))
            finally:
                keys.wipe()
    finally:
        for dek in unlocked.values():
            wipe(dek)
    return results


def restore(
    backup: Path,
    to: Path,
    *,
    passphrase: str | None = None,
    recovery_key: str | None = None,
    replace: bool = False,
) -> RestoreResult:
    """Restore ``backup`` (its folder or database file) to ``to``; see the module docstring."""
    record = backup_files.read_backup(Path(backup))
    dek = _unlock(KeyFile.load(record.key_file), passphrase, recovery_key)
    checker = KeyHolder(bytearray(dek))
    try:
        checked = backup_files.reverify(record, checker)
    finally:
        checker.wipe()
    if not checked.ok:
        wipe(dek)
        raise BackupFailed(
            f"That backup is damaged ({'; '.join(checked.problems)}); nothing was changed.",
            hint="Choose an earlier backup (chartside backups list).",
        )
    to = Path(to)
    kept: Path | None = None
    if to.exists() or to.is_symlink() or key_path(to).exists():
        if not replace:
            wipe(dek)
            raise ChartExists(
                f"{to.name} already exists.",
                hint="Add --replace to restore over it (kept aside first) or choose a new path.",
            )
        kept = backup_files.move_aside(to, "pre-restore")
    elif not to.parent.is_dir():
        wipe(dek)
        raise ChartNotFound(f"The folder {to.parent} does not exist.")
    backup_files.place(record, to)
    session = open_unlocked(to, record.chart_id, dek, opened_with_recovery=recovery_key is not None)
    try:
        with session.uow() as uow:
            note = f"from the {record.label} backup of {record.created_at.isoformat()}"
            if kept is not None:
                note += "; the replaced chart was kept aside"
            uow.record("restore", "chart", session.chart_id, detail=note)
            backup_files.note_restored(uow, record)
            uow.commit()
    finally:
        session.lock()
    return RestoreResult(to, kept, record)
