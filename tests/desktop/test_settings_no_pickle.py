"""Settings hold no pickles (issue 15): window geometry is stored as base64 text, and a
settings file from before (geometry pickled by PySide's QSettings, unpickled on read) is
cleaned without ever reading the old value — a crafted pickle there runs nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop.settings import Options

ROOT = Path(__file__).resolve().parents[2]

_WRITE_V1 = """
import pathlib, sys
from PySide6.QtCore import QSettings

class Payload:
    def __reduce__(self):
        return (pathlib.Path.touch, (sys.argv[2],))

q = QSettings(sys.argv[1] + "/settings.ini", QSettings.Format.IniFormat)
q.setValue("window/geometry", Payload())  # what version 1 wrote for any Python object: a pickle
q.sync()
"""
_READ_RAW = """
import sys
from PySide6.QtCore import QSettings
QSettings(sys.argv[1] + "/settings.ini", QSettings.Format.IniFormat).value("window/geometry")
"""
_OPEN_OPTIONS = """
import sys
from pathlib import Path
from desktop.settings import Options
options = Options(Path(sys.argv[1]))
assert options.get("window/geometry") == b""
"""


def _child(code: str, *args: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)


def test_bytes_are_base64_text(tmp_path: Path) -> None:
    options = Options(tmp_path)
    options.set("window/geometry", b"\x01\x02geometry\xff")
    assert Options(tmp_path).get("window/geometry") == b"\x01\x02geometry\xff"
    text = (tmp_path / "settings.ini").read_text()
    assert "@Variant" not in text and "geometry_b64=" in text


def test_old_pickled_geometry_is_removed_unread(tmp_path: Path) -> None:
    """Each step in a fresh process (QSettings caches values within one)."""
    control, folder = tmp_path / "control", tmp_path / "settings"
    control.mkdir()
    folder.mkdir()
    _child(_WRITE_V1, str(control), str(control / "ran"))
    _child(_READ_RAW, str(control))
    assert (control / "ran").exists()  # the payload is live: a plain read runs it
    _child(_WRITE_V1, str(folder), str(folder / "ran"))
    _child(_OPEN_OPTIONS, str(folder))
    assert not (folder / "ran").exists()  # Options never loaded it
    assert "@Variant" not in (folder / "settings.ini").read_text()
    _child(_OPEN_OPTIONS, str(folder))  # and it stays gone
    assert not (folder / "ran").exists()
