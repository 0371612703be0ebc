"""Backups on disk: one folder per backup, written with SQLite's online backup API and verified.

A backup is a folder ``<chart name>-<UTC stamp>-<label>/`` holding

* ``<chart name>``: the database, still encrypted under the same data key, copied page by page
  by ``sqlite3_backup`` in one step — a read transaction, so it is one consistent snapshot that
  holds every write committed before it began, while the app keeps writing (WAL: readers never
  block the writer). It is stored in rollback-journal mode, a single self-contained file;
* ``<chart name>.keys``: a copy of the key envelope (passphrase and recovery wraps), so a backup
  plus the recovery key is enough to get the chart back on a new machine;
* ``backup.json``: what the backup is and how its check went (no PHI: ids, times, sizes, hashes).

The folder is built under ``.partial-…`` and renamed into place only when complete, so a backup
interrupted by a crash or a full disk never looks finished. Everything is ``0600``/``0700``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from core.domain.errors import BackupFolderMissing, ChartCorrupt, ChartsideError, StorageFailure
from core.storage import audit, files, integrity, seals
from core.storage.engine import KeyHolder, apply_memory_security, connect_raw, readonly_engine
from core.storage.keys import KeyFile
from core.storage.tables import meta

if TYPE_CHECKING:
    from core.storage.chart import ChartSession
    from core.storage.uow import UnitOfWork

MANIFEST = "backup.json"
FORMAT = "chartside-backup"
PARTIAL = ".partial-"
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True, slots=True)
class BackupRecord:
    """One backup as listed: where it is, what it holds, and its last verification."""

    folder: Path
    chart_name: str
    chart_id: str
    created_at: dt.datetime
    label: str
    size: int
    sha256: str
    ok: bool
    problems: tuple[str, ...] = ()
    verified_at: str = ""
    audit_rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    audit_head: str = ""
    """The backup's sealed audit head (``seals.AuditHead`` text): an anchor kept off the chart."""

    @property
    def database(self) -> Path:
        return self.folder / self.chart_name

    @property
    def key_file(self) -> Path:
        return self.folder / f"{self.chart_name}.keys"

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": 1,
            "chart_name": self.chart_name,
            "chart_id": self.chart_id,
            "created_at": self.created_at.isoformat(),
            "label": self.label,
            "bytes": self.size,
            "sha256": self.sha256,
            "ok": self.ok,
            "problems": list(self.problems),
            "verified_at": self.verified_at,
            "audit_rows": self.audit_rows,
            "audit_head": self.audit_head,
        }


def _db_error(exc: Exception, what: str) -> ChartsideError:
    text = str(exc).lower()
    if "full" in text or "disk i/o" in text or "readonly" in text:
        return StorageFailure(
            f"The disk refused to write {what} (full or failing).",
            hint="Free some space on that drive or choose another folder; the chart is untouched.",
        )
    if "unable to open" in text:
        return BackupFolderMissing(
            f"The folder for {what} is gone (was a drive unplugged?).",
            hint="Reconnect the drive or choose another folder.",
        )
    return StorageFailure(f"Could not write {what}: {exc}.")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def online_copy(source: Path, keys: KeyHolder, target: Path) -> None:
    """Copy the live chart at ``source`` into the new file ``target`` (same key) without pausing
    writers: ``sqlite3_backup`` in a single step reads one snapshot on its own connection."""
    os.close(files.create_private(target))  # 0600 before SQLite opens it; its journal inherits it
    src = connect_raw(source, keys)
    try:
        dst = sqlcipher3.connect(str(target), isolation_level=None)
        try:
            dst.execute(keys.pragma())
            apply_memory_security(dst)
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    _fsync_file(target)


def check_backup(database: Path, keys: KeyHolder, chart_id: str) -> tuple[list[str], int]:
    """Open ``database`` read-only with ``keys`` and run every check.

    Returns (problems, audit rows); no problems means the backup is good.
    """
    problems, rows, _head = inspect_backup(database, keys, chart_id)
    return problems, rows


def inspect_backup(
    database: Path, keys: KeyHolder, chart_id: str
) -> tuple[list[str], int, seals.AuditHead | None]:
    """``check_backup`` plus the backup's sealed audit head (None for an empty or unsealed one).
    A backup made before seals existed has none and is not a problem; a seal that does not
    match its chain or its key is."""
    problems: list[str] = []
    rows = 0
    head: seals.AuditHead | None = None
    engine = readonly_engine(database, keys)
    try:
        with engine.connect() as conn:
            problems += integrity.sqlite_problems(conn.connection.driver_connection)
            stored = conn.execute(select(meta.c.value).where(meta.c.key == "chart_id")).scalar()
            if stored != chart_id:
                problems.append("the database belongs to another chart")
            report = audit.verify(conn)
            rows = report.rows
            if not report.ok:
                problems.append(f"audit chain broken at row {report.first_broken_seq}")
            problems += seals.audit_seal_problems(conn, keys, chart_id, required=False)
            if report.ok and not problems:
                head = seals.current_head(conn, keys, chart_id)
    except (DBAPIError, sqlcipher3.Error, MemoryError) as exc:
        # SQLCipher reports a page whose MAC fails as SQLITE_NOMEM on some reads: MemoryError.
        problems.append(f"does not open with the chart key ({type(exc).__name__}: {exc})")
    finally:
        engine.dispose()
    try:
        if KeyFile.load(database.with_name(database.name + ".keys")).chart_id != chart_id:
            problems.append("its key file belongs to another chart")
    except (ChartCorrupt, OSError) as exc:
        problems.append(f"its key file: {exc}")
    return problems, rows, head


def _unique(folder: Path, name: str) -> Path:
    candidate, n = folder / name, 2
    while candidate.exists() or (folder / f"{PARTIAL}{candidate.name}").exists():
        candidate, n = folder / f"{name}-{n}", n + 1
    return candidate


def write_backup(session: ChartSession, folder: Path, label: str) -> BackupRecord:
    """Back ``session`` up into a new folder inside ``folder`` (which must exist), then verify it.

    The record comes back whatever the check found (``ok`` says); a disk that refuses the write
    raises ``StorageFailure`` and a vanished folder ``BackupFolderMissing`` — nothing is left
    behind either way.
    """
    from core.storage.chart import key_path

    if not folder.is_dir():
        raise BackupFolderMissing(
            f"The backup folder {folder} is not there (was a drive unplugged?).",
            hint="Reconnect the drive or choose another folder; no backup was made.",
        )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    final = _unique(folder, f"{session.path.name}-{now.strftime(_STAMP)}-{label}")
    partial = folder / f"{PARTIAL}{final.name}"
    try:
        files.make_private_dir(partial)
        db = partial / session.path.name
        online_copy(session.path, session.keys, db)
        files.copy_atomic(key_path(session.path), key_path(db), what="the backup")
        problems, rows, head = inspect_backup(db, session.keys, session.chart_id)
        record = BackupRecord(
            final,
            session.path.name,
            session.chart_id,
            now,
            label,
            db.stat().st_size,
            _sha256(db),
            not problems,
            tuple(problems),
            dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            rows,
            audit_head=head.as_text() if head else "",
        )
        _write_manifest(partial, record)
        os.replace(partial, final)
        files.fsync_dir(folder)
    except OSError as exc:
        raise files.disk_error(exc, "the backup") from exc
    except sqlcipher3.Error as exc:
        raise _db_error(exc, "the backup") from exc
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
    return record


def _write_manifest(folder: Path, record: BackupRecord) -> None:
    payload = json.dumps(record.as_json(), indent=2, sort_keys=True).encode()
    files.write_atomic(folder / MANIFEST, payload, what="the backup")


def _read(folder: Path) -> BackupRecord | None:
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
        if data.get("format") != FORMAT:
            return None
        return BackupRecord(
            folder,
            str(data["chart_name"]),
            str(data["chart_id"]),
            dt.datetime.fromisoformat(str(data["created_at"])),
            str(data["label"]),
            int(data["bytes"]),
            str(data["sha256"]),
            bool(data["ok"]),
            tuple(str(p) for p in data.get("problems", [])),
            str(data.get("verified_at", "")),
            int(data.get("audit_rows", 0)),
            audit_head=str(data.get("audit_head", "")),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def read_backup(path: Path) -> BackupRecord:
    """The backup in folder ``path`` (or whose database file is ``path``)."""
    folder = path if path.is_dir() else path.parent
    record = _read(folder)
    if record is None:
        if not folder.exists():
            raise BackupFolderMissing(f"There is no backup at {path}.")
        raise ChartCorrupt(
            f"{folder.name} is not a Chartside backup (its backup.json is missing or damaged)."
        )
    return record


def list_backups(folder: Path) -> list[BackupRecord]:
    """Every finished backup in ``folder``, oldest first (unreadable manifests are skipped)."""
    if not folder.is_dir():
        raise BackupFolderMissing(
            f"The backup folder {folder} is not there (was a drive unplugged?).",
            hint="Reconnect the drive or choose another folder.",
        )
    found = []
    for child in folder.iterdir():
        if child.is_dir() and not child.name.startswith(PARTIAL):
            record = _read(child)
            if record is not None:
                found.append(record)
    return sorted(found, key=lambda r: (r.created_at, r.folder.name))


def reverify(record: BackupRecord, keys: KeyHolder) -> BackupRecord:
    """Check a stored backup again (bytes unchanged since written, then every open check)."""
    problems: list[str] = []
    if not record.database.is_file():
        problems.append("the database file is missing")
    else:
        if _sha256(record.database) != record.sha256:
            problems.append("the database file changed since it was written (disk damage?)")
        more, rows = check_backup(record.database, keys, record.chart_id)
        problems += more
    updated = BackupRecord(
        record.folder,
        record.chart_name,
        record.chart_id,
        record.created_at,
        record.label,
        record.size,
        record.sha256,
        not problems,
        tuple(problems),
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        record.audit_rows if not record.database.is_file() else rows,
        audit_head=record.audit_head,
    )
    with contextlib.suppress(ChartsideError):  # read-only medium: reported, not remembered
        _write_manifest(record.folder, updated)
    return updated


def anchors(
    session: ChartSession, conn: Any
) -> tuple[list[tuple[str, seals.AuditHead]], list[str]]:
    """The audit heads anchored in this chart's backups (its backup folder), as (where, head),
    and the problems with them (a manifest head this chart's key did not seal). Backups of other
    charts, unsealed ones and anchors of a timeline a restore abandoned are left out."""
    from core.storage.chart import BACKUP_DIR_META, default_backup_folder

    chosen = conn.execute(select(meta.c.value).where(meta.c.key == BACKUP_DIR_META)).scalar()
    folders = {Path(chosen)} if chosen else set()
    folders.add(default_backup_folder(session.path))  # where pre-upgrade backups also go
    records = [r for f in sorted(folders) if f.is_dir() for r in list_backups(f)]
    points = seals.restore_points(conn)
    found: list[tuple[str, seals.AuditHead]] = []
    problems: list[str] = []
    for record in records:
        head = seals.AuditHead.parse(record.audit_head) if record.audit_head else None
        if record.chart_id != session.chart_id or head is None:
            continue
        where = f"the {record.label} backup of {record.created_at:%Y-%m-%d %H:%M} UTC"
        if not seals.anchor_is_genuine(session.keys, session.chart_id, head):
            problems.append(f"{where}: its audit head was not sealed with this chart's key")
        elif seals.applicable_anchor(record.created_at, head, points):
            found.append((where, head))
    return found, problems


def note_restored(uow: UnitOfWork, record: BackupRecord) -> None:
    """In the restore's unit of work: the chain now continues from ``record``'s head, so the
    anchors of backups taken after it (the abandoned timeline) no longer apply."""
    head = seals.AuditHead.parse(record.audit_head) if record.audit_head else None
    seq = head.seq if head is not None else record.audit_rows
    seals.add_restore_point(uow.conn, dt.datetime.now(dt.UTC), seq)


def tamper_problems(uow: UnitOfWork) -> list[str]:
    """The keyed checks of ``seals`` in ``uow``: the audit head seal, every signed note's seal,
    and the chain against the heads anchored in the chart's backups."""
    session, conn = uow.session, uow.conn
    problems = seals.audit_seal_problems(conn, session.keys, session.chart_id)
    problems += seals.note_seal_problems(conn, session.keys, session.chart_id)
    found, bad = anchors(session, conn)
    return problems + bad + seals.anchor_problems(conn, found)


def delete_backup(record: BackupRecord) -> None:
    """Remove one backup folder (only ever a folder that carries our manifest)."""
    if _read(record.folder) is not None:
        shutil.rmtree(record.folder)


def clean_partials(folder: Path, *, older_than_s: float = 600) -> int:
    """Remove ``.partial-…`` folders left by backups that were interrupted (a crash, a kill)."""
    removed = 0
    cutoff = time.time() - older_than_s
    for child in folder.glob(f"{PARTIAL}*"):
        if child.is_dir() and child.stat().st_mtime < cutoff:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


def move_aside(path: Path, label: str) -> Path:
    """Move a chart's files (database, WAL, SHM, key file) into a new ``0700`` folder beside it,
    unchanged — the copy kept before a restore replaces the chart. Returns the folder."""
    stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
    aside = _unique(path.parent, f"{path.name}.{label}-{stamp}")
    try:
        files.make_private_dir(aside)
        for suffix in ("", "-wal", "-shm", ".keys", ".keys.prev"):
            source = path.with_name(path.name + suffix)
            if source.exists() or source.is_symlink():
                os.replace(source, aside / source.name)
        files.fsync_dir(path.parent)
    except OSError as exc:
        raise files.disk_error(exc, "the copy of the current chart") from exc
    return aside


def place(record: BackupRecord, to: Path) -> None:
    """Copy a backup's database and key file to ``to`` and ``to.keys`` (private, atomic)."""
    files.copy_atomic(record.key_file, to.with_name(to.name + ".keys"), what="the restored chart")
    files.copy_atomic(record.database, to, what="the restored chart")
