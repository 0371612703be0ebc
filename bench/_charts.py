"""Large benchmark charts, built once and reused (issue 24's 1k/10k/50k-note runs).

Building a 50,000-note chart through the repositories (each note with its audit row, record
version and outbox row, as the app writes them) takes minutes, so ``chart_copy`` builds each
shape once into a cache folder and hands every benchmark a private copy to change. The cache key
is the shape plus a hash of the code that decides what is in the file — the migrations (the
schema; a drift test holds the table definitions to them) and the build functions — so a new
migration or a changed builder builds afresh instead of timing an old file.
``BENCH_CHART_CACHE`` chooses the folder (default: the temporary folder's
``chartside-bench-charts``); ``BENCH_CHART_REBUILD=1`` ignores it.
Everything in these charts is synthetic.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench import bench_export, bench_storage
from core.storage.chart import ChartSession, key_path, open_chart

ROOT = Path(__file__).resolve().parents[1]
PASS = bench_storage.PASS


def cache_folder() -> Path:
    default = Path(tempfile.gettempdir()) / "chartside-bench-charts"
    return Path(os.environ.get("BENCH_CHART_CACHE", default))


def code_key() -> str:
    """A hash of what decides the content of a built chart."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "core/storage/migrations").rglob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for fn in (bench_export.build, bench_storage._note, bench_storage.seed_patients):
        h.update(inspect.getsource(fn).encode())
    return h.hexdigest()[:16]


def _files(chart: Path) -> list[Path]:
    return [p for p in (chart, key_path(chart)) if p.exists()]


def cached_chart(notes: int, patients: int, extra_patients: int = 0) -> tuple[Path, float]:
    """The cached chart file of this shape (built now if absent) and the seconds the build
    took (0.0 when it came from the cache)."""
    folder = cache_folder() / f"{code_key()}-{notes}n-{patients}p-{extra_patients}x"
    chart = folder / "bench.chart"
    if chart.exists() and key_path(chart).exists() and os.environ.get("BENCH_CHART_REBUILD") != "1":
        return chart, 0.0
    shutil.rmtree(folder, ignore_errors=True)
    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    t0 = time.perf_counter()
    s = bench_storage._session(building / "bench.chart", plain=False)
    bench_export.build(s, notes, patients=patients)
    if extra_patients:
        bench_storage.seed_patients(s, extra_patients)
    s.checkpoint()
    s.lock()
    built = time.perf_counter() - t0
    building.rename(folder)  # complete or absent: an interrupted build is never reused
    return chart, built


def chart_copy(
    into: Path, notes: int, patients: int, extra_patients: int = 0
) -> tuple[ChartSession, float]:
    """An unlocked private copy of the cached chart of this shape in ``into``, and the build
    time (0.0 if cached)."""
    source, built = cached_chart(notes, patients, extra_patients)
    into.mkdir(parents=True, exist_ok=True)
    target = into / f"bench-{notes}n-{patients}p-{extra_patients}x.chart"
    for path in _files(source):
        shutil.copyfile(path, target.with_name(path.name.replace("bench.chart", target.name)))
    return open_chart(target, passphrase=PASS), built
