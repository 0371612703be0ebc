"""Every desktop option in one place (Picard's options registry), and where files live.

Contract:
- ``QSettings`` (an INI file in ``config_dir()``) holds only non-PHI preferences: the last
  chart's *path*, the auto-lock delay, window geometry. Never a name, never a passphrase.
- ``config_dir()``, ``data_dir()`` (where new charts go), ``state_dir()`` (unlock back-off) and
  ``log_dir()`` are ``core.paths``' (platformdirs; ``$CHARTSIDE_CONFIG_DIR``,
  ``$CHARTSIDE_DATA_DIR``, ``$CHARTSIDE_STATE_DIR``, ``$CHARTSIDE_LOG_DIR`` override them).
- Options carry a schema version; ``_upgrade`` migrates older files in place.
- GUI thread only (QSettings is cheap; it is read at start and written on change).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from core.paths import config_dir, data_dir, log_dir, state_dir

__all__ = ["Option", "Options", "config_dir", "data_dir", "demo_chart_path", "log_dir",
           "state_dir"]

SCHEMA_VERSION = 1


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
        Option("meta/schema", SCHEMA_VERSION, int, "Version of this settings file."),
    )
}


class Options:
    """Typed access to ``OPTIONS`` backed by an INI file."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or config_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._qs = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        self._upgrade()

    def get(self, key: str) -> Any:
        option = OPTIONS[key]
        value: Any = self._qs.value(key, option.default)
        if option.kind is int:
            try:
                return int(value)
            except (TypeError, ValueError):
                return option.default
        if option.kind is bytes:
            return bytes(value) if value else b""
        return option.kind(value) if value is not None else option.default

    def set(self, key: str, value: Any) -> None:
        if key not in OPTIONS:
            raise KeyError(key)
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
