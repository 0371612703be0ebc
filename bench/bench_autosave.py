"""Autosave stays flat as a never-synced chart grows (issue 24; target: median < 15 ms from
1,000 to 50,000 notes), and so does the patient list that re-runs after every save.

For each size (``BENCH_AUTOSAVE_SIZES``, default "1000,10000,50000") a copy of a cached chart
of that many notes (``bench._charts``: 200 notes per patient, every note with its audit row,
record version and outbox row, as on a chart that has never synced; built once, minutes at 50k)
is opened, then one draft note's Subjective is edited through ``notes.edit_section`` — the call
the editor's debounced autosave makes — 30 times (median of the last 27). The same run measures
it again with the r0008 index on ``sync_outbox.version_id`` dropped (the baseline), then puts
the index back. ``ui_queries.patient_list`` (the list screen, with its unsigned-note counts)
is timed on the same chart. Ratios are to the 1,000-note chart of the same run. The save's CPU
time (``time.process_time``) is reported beside its wall time: each size is timed minutes apart
(after its build when not cached), and on a shared machine the wall time of a save is mostly
the commit's fsync and the load of that moment.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench._harness import report
from core.services import notes, ui_queries
from core.storage.chart import ChartSession


def _edits(s: ChartSession, note_id: uuid.UUID, n: int = 30) -> tuple[float, float]:
    """Median wall and CPU seconds of one save (the last n - 3 of n)."""
    wall, cpu = [], []
    for i in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        notes.edit_section(s, note_id, "subjective", f"Reports knee pain {i % 10}/10 on stairs.")
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall[3:]), statistics.median(cpu[3:])


def _median(fn: Callable[[], object], n: int = 15) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[2:])


def main() -> None:
    from bench._charts import chart_copy

    sizes = [int(x) for x in
             os.environ.get("BENCH_AUTOSAVE_SIZES", "1000,10000,50000").split(",")]
    rows = []
    raw: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(Path(tmp) / "state"))
        for n in sizes:
            s, built = chart_copy(Path(tmp) / str(n), n, max(1, n // 200))
            with s.uow() as uow:
                note_id = uow.notes.rows(status="draft")[0].id
                outbox = uow.conn.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar()
            with_index, with_index_cpu = _edits(s, note_id)
            listing = _median(partial(ui_queries.patient_list, s))
            with s.engine.begin() as conn:
                conn.exec_driver_sql("DROP INDEX ix_sync_outbox_version_id")
            without, _cpu = _edits(s, note_id)
            with s.engine.begin() as conn:
                conn.exec_driver_sql(
                    "CREATE INDEX ix_sync_outbox_version_id ON sync_outbox (version_id)")
            s.lock()
            shutil.rmtree(Path(tmp) / str(n))  # a 50,000-note copy is ~300 MB
            raw[f"save_{n}"], raw[f"save_{n}_no_index"] = with_index, without
            raw[f"save_{n}_cpu"] = with_index_cpu
            raw[f"patient_list_{n}"] = listing
            first = sizes[0]
            ratio = (f"  (x{with_index / raw[f'save_{first}']:.2f} of {first})"
                     if n != first else "")
            rows.append((f"{n} notes ({outbox} unsent outbox rows): autosave median, index / none",
                         f"{with_index * 1000:.1f} ms / {without * 1000:.1f} ms{ratio}"))
            cpu_ratio = (f"  (x{with_index_cpu / raw[f'save_{first}_cpu']:.2f} of {first})"
                         if n != first else "")
            rows.append((f"{n} notes: autosave median CPU (with the index)",
                         f"{with_index_cpu * 1000:.1f} ms{cpu_ratio}"))
            rows.append((f"{n} notes, {max(1, n // 200)} patients: patient list (median)",
                         f"{listing * 1000:.1f} ms"
                         + (f"  (x{listing / raw[f'patient_list_{first}']:.2f} of {first})"
                            if n != first else "")))
            if built:
                rows.append((f"{n} notes: chart built (cached for later runs)", f"{built:.0f} s"))
    raw["load_1min"] = os.getloadavg()[0]
    rows.append(("load average (1 min) at the end", f"{raw['load_1min']:.1f}"))
    report("autosave", rows, raw=raw)


if __name__ == "__main__":
    main()
