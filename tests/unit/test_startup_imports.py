"""Start-up stays light (issue 24): ``chartside units`` — a pure calculation — imports neither
SQLAlchemy, SQLCipher, httpx, Qt nor every note check. Import sets, not timings (timings
belong in bench/): a heavy import added at module top of a CLI module fails here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CODE = """
import contextlib, io, json, sys
from desktop.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["units", "--method", "cms", "97110=23", "97140=15"])
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def test_units_command_imports_no_database_network_or_gui_stack(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-c", _CODE], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                 "CHARTSIDE_STATE_DIR": str(tmp_path / "state")})
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["code"] == 0 and "97110" in data["out"]
    loaded = set(data["modules"])
    for heavy in ("sqlalchemy", "sqlcipher3", "httpx", "PySide6", "core.rules.checks",
                  "faster_whisper", "reportlab"):
        assert heavy not in loaded, heavy
