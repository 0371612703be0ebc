"""Creating, opening, backing up and locking a chart file.

A chart is two files: ``NAME`` (the SQLCipher database) and ``NAME.keys`` (the key envelope,
see ``keys.py``). Creating and opening are different code paths: SQLCipher would silently create
an empty database on a mistyped path, so ``open_chart`` refuses any path that does not exist and
``create_chart`` refuses any path that does. A wrong passphrase is detected by the key envelope
before the database file is opened at all, so the chart's bytes are never touched.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import DBAPIError

from core.domain.errors import (
    ChartCorrupt,
    ChartExists,
    ChartLocked,
    ChartNotFound,
    WrongPassphrase,
)
from core.domain.ids import new_id
from core.storage import audit, files, integrity, lockout, migrate, seals, search_index
from core.storage.engine import KeyHolder, make_engine
from core.storage.keys import KdfParams, KeyFile, wipe
from core.storage.tables import meta
from core.storage.uow import UnitOfWork, translate

SQLITE_HEADER = b"SQLite format 3\x00"
APP_SCHEMA_TAG = "chartside-chart-v1"
BACKUP_DIR_META = "backup_dir"
_SIDE_FILES = ("-wal", "-shm", ".keys", ".keys.prev")
log = logging.getLogger(__name__)


def key_path(path: Path) -> Path:
    return path.with_name(path.name + ".keys")


def pending_marker(path: Path) -> Path:
    """Present while a chart is being created and its recovery key not yet shown."""
    return path.with_name(path.name + ".creating")


def default_backup_folder(path: Path) -> Path:
    return path.with_name(f"{path.name}-backups")


@dataclass
class ChartSession:
    """An unlocked chart. ``lock()`` disposes the engine and zeroes the key."""

    path: Path
    chart_id: str
    device_id: str
    engine: Engine
    keys: KeyHolder
    actor: str = "owner"
    opened_with_recovery: bool = False
    backups: list[Path] = field(default_factory=list)
    repaired_triggers: list[str] = field(default_factory=list)
    lock_audit_error: str | None = None
    """The error class that kept ``lock()`` from writing its audit row (None when it did)."""
    user: str | None = None
    """The clinician who unlocked with a passphrase of their own (the audit actor for the whole
    session); None when the chart owner's passphrase or the recovery key opened it."""
    role: str = "owner"

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    def uow(self) -> UnitOfWork:
        if self.keys.wiped:
            raise ChartLocked("The chart is locked.", hint="Unlock it to continue.")
        return UnitOfWork(self)

    @property
    def locked(self) -> bool:
        return self.keys.wiped

    def lock(self) -> bool:
        """Dispose every pooled connection and zero the key. Idempotent.

        The chart locks even when its ``lock`` audit row cannot be written (a full disk, a
        damaged page): locking must never fail. That failure is not hidden: it is logged (the
        error class only, never chart content), kept in ``lock_audit_error`` and the call
        returns False; True when the row was written (or the chart was already locked).
        """
        audited = True
        if not self.keys.wiped:
            try:
                with self.uow() as uow:
                    uow.record("lock", "chart", self.chart_id)
                    uow.commit()
            except Exception as exc:
                audited = False
                self.lock_audit_error = type(exc).__name__
                log.warning("chart locked without its audit row: %s", type(exc).__name__)
        self.engine.dispose()
        self.keys.wipe()
        return audited

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (outside any transaction, on the pooled connection)."""
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()

    def integrity_problems(self) -> list[str]:
        """``integrity_check`` plus ``cipher_integrity_check``; empty when the file is sound."""
        raw = self.engine.raw_connection()
        problems: list[str] = []
        try:
            problems = integrity.sqlite_problems(raw.driver_connection)
            return problems
        finally:
            if problems:
                # SQLCipher 4.x (sqlcipher3 0.6.4) keeps a page's HMAC failure on the connection
                # as a deferred error: every later write on it is refused as "readonly". Give the
                # pool a fresh connection so the rest of the check and its audit row still run.
                raw.invalidate()
            raw.close()

    def backup(self, label: str = "backup") -> Path:
        """An online, verified backup into the chart's backup folder; returns its database file.

        Used before migrations and restores; falls back to the folder beside the chart when the
        chosen one is not there (a migration must not wait for a USB stick).
        """
        from core.domain.errors import BackupFailed
        from core.storage import backup_files

        folder = backup_folder(self)
        if not folder.is_dir():
            folder = default_backup_folder(self.path)
            try:
                files.make_private_dir(folder)
            except OSError as exc:
                raise files.disk_error(exc, "the backup") from exc
        record = backup_files.write_backup(self, folder, label)
        if not record.ok:
            raise BackupFailed(
                f"The {label} backup did not pass its check: {'; '.join(record.problems)}.",
                hint="Run chartside check-integrity; nothing was changed.",
            )
        self.backups.append(record.database)
        return record.database


def backup_folder(session: ChartSession) -> Path:
    """The folder the user chose for backups, or the default beside the chart."""
    chosen = read_meta(session, BACKUP_DIR_META)
    return Path(chosen) if chosen else default_backup_folder(session.path)


def create_chart(
    path: Path, passphrase: str, *, kdf: KdfParams | None = None, pending: bool = False
) -> tuple[ChartSession, str]:
    """Create a new empty chart. Returns the open session and the recovery key to show once.

    The files are created ``0600`` (the WAL and SHM inherit the mode). ``pending=True`` leaves
    the ``NAME.creating`` marker until ``finish_create`` (call it once the recovery key has been
    shown): a create killed before that can simply be run again — its leftovers are removed.
    """
    path = Path(path)
    kpath = key_path(path)
    marker = pending_marker(path)
    if marker.exists():
        _remove_unfinished(path)
    if path.exists() or path.is_symlink() or kpath.exists():
        raise ChartExists(f"{path.name} already exists.", hint="Choose another name or open it.")
    if not path.parent.is_dir():
        raise ChartNotFound(f"The folder {path.parent} does not exist.")
    chart_id = str(new_id())
    key_file, dek, recovery = KeyFile.create(chart_id, passphrase, kdf)
    try:
        os.close(files.create_private(marker))
        os.close(files.create_private(path))
    except OSError as exc:
        marker.unlink(missing_ok=True)
        raise files.disk_error(exc, "the new chart") from exc
    keys = KeyHolder(dek)
    engine = make_engine(path, keys)
    device_id = str(new_id())
    try:
        migrate.create_fresh(engine)
        with engine.begin() as conn:
            now = dt.datetime.now(dt.UTC).isoformat()
            conn.execute(
                insert(meta),
                [
                    {"key": "chart_id", "value": chart_id},
                    {"key": "device_id", "value": device_id},
                    {"key": "schema_tag", "value": APP_SCHEMA_TAG},
                    {"key": "created_at", "value": now},
                ],
            )
            audit.append(
                conn,
                actor="owner",
                device=device_id,
                action="create",
                entity="chart",
                entity_id=chart_id,
            )
            seals.seal_audit_head(conn, keys, chart_id)
        key_file.save(kpath, dek=dek, passphrase=passphrase)
        if not pending:
            finish_create(path)
    except BaseException as exc:
        engine.dispose()
        keys.wipe()
        _remove_unfinished(path)
        if isinstance(exc, DBAPIError):
            raise translate(exc) from exc
        raise
    return ChartSession(path, chart_id, device_id, engine, keys), recovery


def finish_create(path: Path) -> None:
    """The recovery key was shown: the new chart is the user's now, never removed by a retry."""
    pending_marker(Path(path)).unlink(missing_ok=True)
    files.fsync_dir(Path(path).parent)


def _remove_unfinished(path: Path) -> None:
    """Remove what a create that never finished left (only called while its marker exists)."""
    for suffix in ("", *_SIDE_FILES):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    pending_marker(path).unlink(missing_ok=True)


def discard_unfinished(path: Path) -> bool:
    """Remove a chart whose creation was never finished (``create_chart(pending=True)`` without
    ``finish_create``): a use case that fails while filling a new chart leaves nothing behind.
    A finished chart is never touched; returns whether anything was removed."""
    path = Path(path)
    if not pending_marker(path).exists():
        return False
    _remove_unfinished(path)
    return True


def _load_key_file(path: Path) -> KeyFile:
    if not path.exists():
        raise ChartNotFound(
            f"There is no chart at {path}.", hint="Check the path; nothing was created."
        )
    if not path.is_file():
        raise ChartNotFound(f"{path} is not a chart file.")
    if pending_marker(path).exists():
        raise ChartCorrupt(
            f"{path.name} was never finished (its creation was interrupted).",
            hint="Create it again with the same name; nothing in it was saved.",
        )
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise ChartCorrupt(f"{path.name} cannot be read.") from exc
    if not header:
        raise ChartCorrupt(
            f"{path.name} is empty (0 bytes): it holds no chart.",
            hint="Restore the latest backup; the empty file was left as it is.",
        )
    if header == SQLITE_HEADER:
        raise ChartCorrupt(f"{path.name} is an unencrypted SQLite file, not a Chartside chart.")
    try:
        return KeyFile.load(key_path(path))
    except FileNotFoundError as exc:
        raise ChartCorrupt(
            f"The key file {key_path(path).name} is missing.",
            hint="Copy it back from where the chart was backed up.",
        ) from exc


def open_chart(
    path: Path,
    *,
    passphrase: str | None = None,
    recovery_key: str | None = None,
    user: str | None = None,
) -> ChartSession:
    """Unlock an existing chart with its passphrase or recovery key; migrate it if it is older.
    ``user``: a clinician id with a wrap of their own (``KeyFile.users``) — ``passphrase`` is
    theirs, and they are the audit actor for the whole session."""
    path = Path(path)
    key_file = _load_key_file(path)
    chart_id = key_file.chart_id
    lockout.check(chart_id)
    role = "owner"
    try:
        if recovery_key is not None:
            dek = key_file.unlock_with_recovery_key(recovery_key)
        elif passphrase is not None and user is not None:
            dek, role = key_file.unlock_as(user, passphrase)
        elif passphrase is not None:
            dek = key_file.unlock_with_passphrase(passphrase)
        else:
            raise WrongPassphrase("A passphrase or recovery key is needed to open the chart.")
    except WrongPassphrase:
        lockout.record_failure(chart_id)
        raise
    return open_unlocked(path, chart_id, dek, opened_with_recovery=recovery_key is not None,
                         user=user if recovery_key is None else None, role=role)


def open_unlocked(
    path: Path,
    chart_id: str,
    dek: bytearray,
    *,
    opened_with_recovery: bool = False,
    user: str | None = None,
    role: str = "owner",
) -> ChartSession:
    """Open a chart whose data key is already unwrapped (``open_chart``, restore)."""
    for suffix in ("", *_SIDE_FILES):
        files.tighten(path.with_name(path.name + suffix))  # older versions made them 0644
    keys = KeyHolder(dek)
    engine = make_engine(path, keys)
    try:
        with engine.connect() as conn:
            stored = {k: v for k, v in conn.execute(select(meta.c.key, meta.c.value))}
    except (DBAPIError, MemoryError) as exc:  # a page failing its MAC can read as SQLITE_NOMEM
        engine.dispose()
        keys.wipe()
        raise ChartCorrupt(
            f"{path.name} is damaged or does not belong to its key file.",
            hint="Restore the latest backup (chartside restore).",
        ) from exc
    if stored.get("chart_id") != chart_id:
        engine.dispose()
        keys.wipe()
        raise ChartCorrupt(f"{path.name} does not belong to its key file.")
    session = ChartSession(
        path,
        chart_id,
        stored["device_id"],
        engine,
        keys,
        actor=user or stored.get("actor", "owner"),
        opened_with_recovery=opened_with_recovery,
        user=user,
        role=role,
    )
    try:
        _upgrade_if_needed(session)
        _restore_triggers(session)
        _record_unlock(session)
    except DBAPIError as exc:
        session.lock()
        raise translate(exc) from exc
    except BaseException:
        session.lock()
        raise
    lockout.reset(chart_id)
    return session


def _restore_triggers(session: ChartSession) -> None:
    """Recreate immutability triggers that were dropped or altered (and the patient search
    index's, rebuilding the index then), and audit that it happened."""
    with session.uow() as uow:
        repaired = integrity.repair_triggers(uow.conn)
        if search_index.needs_repair(uow.conn):
            repaired += search_index.repair(uow.conn)
        if not repaired:
            return
        uow.record("repair", "chart", session.chart_id, detail=f"triggers: {', '.join(repaired)}")
        uow.commit()
    session.repaired_triggers = repaired


def _upgrade_if_needed(session: ChartSession) -> None:
    current = migrate.current_revision(session.engine)
    head = migrate.head_revision()
    if current == head:
        return
    backup = session.backup(f"pre-{head}")
    migrate.upgrade(session.engine)
    with session.uow() as uow:
        uow.record("migrate", "chart", session.chart_id, detail=f"{current}->{head}; backup kept")
        uow.commit()
    del backup


def _record_unlock(session: ChartSession) -> None:
    with session.uow() as uow:
        for when in lockout.failures(session.chart_id):
            audit.append(
                uow.conn,
                actor="unknown",
                device=session.device_id,
                action="unlock_failed",
                entity="chart",
                entity_id=session.chart_id,
                at=dt.datetime.fromtimestamp(when, dt.UTC),
            )
        action = "emergency_access" if session.opened_with_recovery else "unlock"
        uow.record(action, "chart", session.chart_id)
        seals.backfill(uow.conn, session.keys, session.chart_id)  # once, for pre-r0011 charts
        uow.commit()


def change_passphrase(
    session: ChartSession, old: str, new: str, *, kdf: KdfParams | None = None
) -> None:
    """Rewrap the data key under ``new`` after proving ``old``. The database is not re-encrypted.
    A user who unlocked with a passphrase of their own changes only theirs."""
    kpath = key_path(session.path)
    key_file = KeyFile.load(kpath)
    if session.user is not None:
        dek, role = key_file.unlock_as(session.user, old)
        entry = next(u for u in key_file.users() if u.user_id == session.user)
        try:
            key_file.add_user(dek, session.user, entry.label, new, role=role, params=kdf)
            key_file.save(kpath, dek=dek, passphrase=new, user=session.user)
        finally:
            wipe(dek)
        with session.uow() as uow:
            uow.record("change_passphrase", "user_key", session.user)
            uow.commit()
        return
    dek = key_file.unlock_with_passphrase(old)
    try:
        key_file.rewrap(dek, new, kdf)
        key_file.save(kpath, dek=dek, passphrase=new)
    finally:
        wipe(dek)
    with session.uow() as uow:
        uow.record("change_passphrase", "chart", session.chart_id)
        uow.commit()


def read_meta(session: ChartSession, key: str) -> str | None:
    """One setting, read in its own unit of work (inside one, use ``uow.meta.get``)."""
    with session.uow() as uow:
        return uow.meta.get(key)


def set_meta(session: ChartSession, key: str, value: str) -> None:
    """One setting, written in its own unit of work (inside one, use ``uow.meta.set``)."""
    with session.uow() as uow:
        uow.meta.set(key, value)
        uow.commit()
