"""Every desktop option in one place (Picard's options registry), and where files live.

Contract:
- ``QSettings`` (an INI file in ``config_dir()``) holds only non-PHI preferences: the last
  chart's *path*, the auto-lock delay, window geometry. Never a name, never a passphrase.
- ``config_dir()``, ``data_dir()`` (where new charts go), ``state_dir()`` (unlock back-off) and
  ``log_dir()`` are ``core.paths``' (platformdirs; ``$CHARTSIDE_CONFIG_DIR``,
  ``$CHARTSIDE_DATA_DIR``, ``$CHARTSIDE_STATE_DIR``, ``$CHARTSIDE_LOG_DIR`` override them).
- Options carry a schema version; ``_upgrade`` migrates older files in place. Nothing is stored
  as a pickle: version 1 pickled the window geometry, and Qt unpickles such values while it
  parses the file, so ``_strip_pickles`` removes them before QSettings ever opens it.
- GUI thread only (QSettings is cheap; it is read at start and written on change).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from core.paths import config_dir, data_dir, log_dir, state_dir

__all__ = ["Option", "Options", "config_dir", "data_dir", "demo_chart_path", "log_dir",
           "state_dir"]

SCHEMA_VERSION = 2  # 2: bytes as base64 text, not pickles


def demo_chart_path() -> Path:
    return data_dir() / "demo.chart"


@dataclass(frozen=True, slots=True)
class Option:
    key: str
    default: Any
    kind: type
    doc: str


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("chart/last_path", "", str, "Path of the chart opened last (a path, never PHI)."),
        Option("security/auto_lock_minutes", 10, int, "Lock after this many idle minutes."),
        Option("scribe/compute_type", "", str,
               "Speech model precision: '' (the measured default), 'int8' or 'float32'."),
        Option("scribe/model", "", str,
               "Dictation model on this device: '' (the bundled tiny.en) or a model folder."),
        Option("scribe/models", "[]", str,
               "JSON list of the model folders the user added on this device."),
        Option("window/geometry", b"", bytes, "Main window geometry."),
        Option("claims/cms1500_offset", "{}", str,
               "CMS-1500 red-form offsets per printer name (JSON: mm right, mm down)."),
        Option("meta/schema", SCHEMA_VERSION, int, "Version of this settings file."),
    )
}


class Options:
    """Typed access to ``OPTIONS`` backed by an INI file."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or config_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _strip_pickles(folder / "settings.ini")  # before Qt parses it: parsing unpickles
        self._qs = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        self._upgrade()

    def get(self, key: str) -> Any:
        option = OPTIONS[key]
        if option.kind is bytes:
            return _from_text(self._qs.value(_stored_as(key), ""))
        value: Any = self._qs.value(key, option.default)
        if option.kind is int:
            try:
                return int(value)
            except (TypeError, ValueError):
                return option.default
        return option.kind(value) if value is not None else option.default

    def set(self, key: str, value: Any) -> None:
        if key not in OPTIONS:
            raise KeyError(key)
        if OPTIONS[key].kind is bytes:
            self._qs.setValue(_stored_as(key), base64.b64encode(bytes(value)).decode("ascii"))
            self._qs.sync()
            return
        self._qs.setValue(key, value)
        self._qs.sync()

    # -- conveniences ----------------------------------------------------------------------
    @property
    def last_chart(self) -> Path | None:
        text = self.get("chart/last_path")
        return Path(text) if text else None

    @last_chart.setter
    def last_chart(self, path: Path) -> None:
        self.set("chart/last_path", str(path))

    @property
    def auto_lock_minutes(self) -> int:
        return max(1, self.get("security/auto_lock_minutes"))

    def _upgrade(self) -> None:
        version = self.get("meta/schema")
        if version < SCHEMA_VERSION:  # hooks for future versions go here, oldest first
            self.set("meta/schema", SCHEMA_VERSION)


def _strip_pickles(path: Path) -> None:
    """Drop every ``@Variant(...)`` line from an INI file before QSettings opens it.

    Version 1 stored the window geometry as a Python object, which PySide writes as a pickle
    inside ``@Variant(...)``; Qt decodes such values while it *parses* the file, and PySide
    unpickles them then — so a crafted settings file ran code at start-up. We never write a
    variant now (strings and numbers only), so any variant line is old or foreign: removed
    unread, the file rewritten atomically (0600).
    """
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if "@Variant(" not in line]
    if len(kept) == len(lines):
        return
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.writelines(kept)
    os.replace(tmp, path)


def _stored_as(key: str) -> str:
    """Bytes options are stored as base64 text under their own key (never a pickle)."""
    return f"{key}_b64"


def _from_text(value: Any) -> bytes:
    if not isinstance(value, str) or not value:
        return b""
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return b""
