"""installers/strip_debug.py (issue 16): debug sections go, the library still loads, and the
auditwheel ``*.libs`` folders are never touched. A real shared library built with ``cc -g``."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installers"))

import strip_debug  # noqa: E402

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("cc", "strip", "readelf")),
    reason="needs a C compiler and binutils")


def _library(folder: Path, name: str) -> Path:
    source = folder / "answer.c"
    source.write_text("int answer(void) { return 42; }\n")
    out = folder / name
    subprocess.run(["cc", "-g", "-O0", "-shared", "-fPIC", "-o", str(out), str(source)],
                   check=True)
    source.unlink()
    return out


def test_strips_debug_sections_outside_wheel_libs(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "chartside" / "_internal"
    (app / "pkg").mkdir(parents=True)
    (app / "pkg.libs").mkdir()
    ours = _library(app / "pkg", "_ext.cpython-311-x86_64-linux-gnu.so")
    wheel_lib = _library(app / "pkg.libs", "libpatched-1a2b3c.so.1")
    (app / "notes.so.txt").write_text("not an ELF file")
    before = wheel_lib.read_bytes()
    assert strip_debug.candidates(tmp_path) == [ours]
    assert strip_debug.main([str(tmp_path)]) == 0
    assert "debug sections removed" in capsys.readouterr().out
    assert not strip_debug._has_debug_info(ours)
    assert ctypes.CDLL(str(ours)).answer() == 42  # still a working library
    assert wheel_lib.read_bytes() == before  # auditwheel's folder untouched
    assert strip_debug.candidates(tmp_path) == []  # a second run changes nothing
