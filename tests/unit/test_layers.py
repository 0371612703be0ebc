"""The layers point down only: core/scribe never import Qt or the desktop; the server stands alone.

The contracts live in pyproject.toml ([tool.importlinter]); this test runs them, so a broken
boundary fails the suite, not only the lint step.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a dev dependency"
    res = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:]
    assert "0 broken" in res.stdout


def test_no_qt_import_text_in_core_or_scribe() -> None:
    """Belt and braces: also catch imports hidden inside functions or strings given to exec."""
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("core", "scribe")
        for p in (ROOT / folder).rglob("*.py")
        if "PySide6" in p.read_text(encoding="utf-8") or "from desktop" in p.read_text("utf-8")
    ]
    assert offenders == []
