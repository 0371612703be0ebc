"""Private, atomic file writes for what Chartside puts on disk (charts, keys, backups, exports).

Contract (POSIX): files are created ``0600`` with ``O_EXCL | O_NOFOLLOW`` (never through a
symlink, never into someone else's file), folders Chartside creates are ``0700``; a file is
written to a temporary name in the same folder, fsynced and renamed over the target (a rename
replaces a symlink itself, never what it points to), then the folder is fsynced. A failed
write removes its temporary file. ``OSError``s a clinician can act on become ``ChartsideError``s
through ``disk_error``. On Windows the modes are ignored; the installer's per-user data folder
is what keeps other accounts out (docs/security.md).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from core.domain.errors import BackupFolderMissing, ChartsideError, StorageFailure

FILE_MODE = 0o600
DIR_MODE = 0o700
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DISK_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EROFS, errno.EIO, getattr(errno, "EDQUOT", -1)}


def disk_error(exc: OSError, what: str) -> ChartsideError:
    """The clinician-facing error for an ``OSError`` while writing ``what`` (e.g. "the backup")."""
    if exc.errno in _DISK_ERRNOS:
        return StorageFailure(
            f"The disk refused to write {what} ({os.strerror(exc.errno or 0).lower()}).",
            hint="Free some space or check the drive; nothing saved earlier was lost.",
        )
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return BackupFolderMissing(
            f"The folder for {what} is gone (was a drive unplugged?).",
            hint="Reconnect the drive or choose another folder.",
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return StorageFailure(
            f"Chartside may not write {what} there (permission denied).",
            hint="Choose a folder you own.",
        )
    if exc.errno == errno.ELOOP:
        return StorageFailure(f"Refused to write {what} through a symbolic link.")
    return StorageFailure(f"Could not write {what}: {exc.strerror or exc}.")


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_private_dir(folder: Path) -> None:
    """Create ``folder`` (its parent must exist) as ``0700``; an existing one is left as it is."""
    try:
        folder.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if not folder.is_dir():
            raise
        return
    os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask


def create_private(path: Path) -> int:
    """Create a new, empty ``0600`` file; returns its descriptor (refuses links, existing files)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, FILE_MODE)
    if os.name == "posix":
        os.fchmod(fd, FILE_MODE)
    return fd


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is down: a short write is not an error, and not the end."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, "write returned no progress")
        view = view[written:]


def temp_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def write_atomic(path: Path, data: bytes, *, what: str = "the file") -> None:
    """Write ``data`` to ``path`` whole, private and atomically (see the module docstring)."""
    tmp = temp_beside(path)
    try:
        fd = create_private(tmp)
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise disk_error(exc, what) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_stream(path: Path, *, what: str = "the file") -> Iterator[BinaryIO]:
    """``write_atomic`` for a file written piece by piece: yields a buffered binary file open
    on the temporary name; when the block ends normally it is fsynced and renamed over
    ``path``. If the block raises (or the disk refuses a write) the temporary file is removed
    and ``path`` is left as it was."""
    tmp = temp_beside(path)
    try:
        with os.fdopen(create_private(tmp), "wb", buffering=1 << 20) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise disk_error(exc, what) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_atomic(source: Path, path: Path, *, what: str = "the file") -> None:
    """Copy ``source`` to ``path`` in 1 MiB pieces, private and atomically."""
    tmp = temp_beside(path)
    try:
        fd = create_private(tmp)
        try:
            with source.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    write_all(fd, chunk)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise disk_error(exc, what) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def tighten(path: Path) -> None:
    """Make an existing regular file owner-only (charts made by older versions were ``0644``)."""
    if os.name != "posix":
        return
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077:
        os.chmod(path, FILE_MODE)
