"""What encryption costs, each configuration in its own clean process (issue 24).

SQLCipher's ``cipher_memory_security`` is process-wide and cannot be turned off once on, so a
"plain SQLite" baseline measured after an encrypted connection in the same process pays for it
too. Here every configuration runs in a fresh interpreter:

- ``plain``: the same sqlcipher3 build, no key (what SQLite alone costs);
- ``cipher``: keyed, memory security off (the default since 2026-12);
- ``cipher+memsec``: keyed, ``CHARTSIDE_CIPHER_MEMORY_SECURITY=1``.

Workloads: N notes saved one unit of work each (as the app saves), then warm reads — the same
200 notes read back through the repository, repeated — and a patient's note list. Figures are
medians over rounds; ratios are against ``plain`` from the same run. ``BENCH_CIPHER_NOTES``
(default 1,000) sets N.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._harness import report

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, os, statistics, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bench.bench_storage import _note, _seed_episode, _session
folder, mode, n = Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
s = _session(folder / f"{mode}.chart", plain=(mode == "plain"))
p, e, c = _seed_episode(s)
ids, save = [], []
for i in range(n):
    v, note = _note(p, e, c, i)
    t0 = time.perf_counter()
    with s.uow() as uow:
        uow.visits.save(v)
        uow.notes.save(note)
        uow.record("create", "note", note.id)
        uow.commit()
    save.append(time.perf_counter() - t0)
    ids.append(note.id)
reads = []
sample = ids[:: max(1, n // 200)][:200]
for _ in range(7):
    t0 = time.perf_counter()
    with s.uow() as uow:
        for nid in sample:
            uow.notes.get(nid)
    reads.append(time.perf_counter() - t0)
memsec = None
with s.engine.connect() as conn:
    if mode != "plain":
        memsec = conn.exec_driver_sql("PRAGMA cipher_memory_security").scalar()
print(json.dumps({"save_median": statistics.median(save), "save_total": sum(save),
                  "read200_median": statistics.median(reads[1:]), "memsec": memsec}))
"""


def _run(folder: Path, mode: str, n: int) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("CHARTSIDE_CIPHER_MEMORY_SECURITY", None)
    if mode == "cipher+memsec":
        env["CHARTSIDE_CIPHER_MEMORY_SECURITY"] = "1"
    env.setdefault("CHARTSIDE_STATE_DIR", str(folder / "state"))
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(folder), mode, str(n)],
                         env=env, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    n = int(os.environ.get("BENCH_CIPHER_NOTES", 1000))
    rounds = int(os.environ.get("BENCH_CIPHER_ROUNDS", 3))
    modes = ("plain", "cipher", "cipher+memsec")
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):  # interleaved, so drift in machine load hits every mode alike
            for m in modes:
                folder = Path(tmp) / f"{m}-{r}"
                folder.mkdir()
                runs[m].append(_run(folder, m, n))
    med = {m: {k: statistics.median(x[k] for x in runs[m])
               for k in ("save_median", "save_total", "read200_median")} for m in modes}
    rows = []
    for m in modes:
        save, read = med[m]["save_median"], med[m]["read200_median"]
        ratio = "" if m == "plain" else (
            f"  (save ×{save / med['plain']['save_median']:.2f}, "
            f"read ×{read / med['plain']['read200_median']:.2f} of plain)")
        rows.append((f"{m}: save one note (median of {n}) / read 200 notes",
                     f"{save * 1000:.2f} ms / {read * 1000:.1f} ms{ratio}"))
    rows.append(("memory security reported by SQLCipher (cipher, cipher+memsec)",
                 f"{runs['cipher'][0]['memsec']}, {runs['cipher+memsec'][0]['memsec']}"))
    wall = time.perf_counter() - t0
    rows.append(("rounds × processes, wall time", f"{rounds} × 3, {wall:.0f} s"))
    report("cipher", rows, raw={"notes": n, "rounds": rounds, "medians": med, "runs": runs})


if __name__ == "__main__":
    main()
