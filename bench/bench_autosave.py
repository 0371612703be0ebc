"""Autosave stays flat as a never-synced chart grows (issue 24; target: median < 15 ms).

For each size (``BENCH_AUTOSAVE_SIZES``, default "1000,10000"; add 50000 for the issue's
largest chart — building it takes minutes), a chart is built in bulk transactions (every note
leaves its record version and outbox row, as on a chart that has never synced), then one draft
note's Subjective is edited through ``notes.edit_section`` — the call the editor's debounced
autosave makes — 30 times. The same run measures it again with the r0008 index on
``sync_outbox.version_id`` dropped (the baseline), then puts the index back.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench._harness import report
from bench.bench_export import build
from bench.bench_storage import _session
from core.services import notes
from core.storage.chart import ChartSession


def _edits(s: ChartSession, note_id: object, n: int = 30) -> float:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        notes.edit_section(s, note_id, "subjective", f"Reports knee pain {i % 10}/10 on stairs.")
        times.append(time.perf_counter() - t0)
    return statistics.median(times[3:])


def main() -> None:
    sizes = [int(x) for x in os.environ.get("BENCH_AUTOSAVE_SIZES", "1000,10000").split(",")]
    rows = []
    raw: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(Path(tmp) / "state"))
        for n in sizes:
            s = _session(Path(tmp) / f"autosave-{n}.chart", plain=False)
            build(s, n, patients=max(1, n // 200))
            with s.uow() as uow:
                note_id = uow.notes.rows(status="draft")[0].id
                outbox = uow.conn.exec_driver_sql("SELECT count(*) FROM sync_outbox").scalar()
            with_index = _edits(s, note_id)
            with s.engine.begin() as conn:
                conn.exec_driver_sql("DROP INDEX ix_sync_outbox_version_id")
            without = _edits(s, note_id)
            with s.engine.begin() as conn:
                conn.exec_driver_sql(
                    "CREATE INDEX ix_sync_outbox_version_id ON sync_outbox (version_id)")
            s.lock()
            raw[f"save_{n}"], raw[f"save_{n}_no_index"] = with_index, without
            rows.append((f"{n} notes ({outbox} unsent outbox rows): autosave median, index / none",
                         f"{with_index * 1000:.1f} ms / {without * 1000:.1f} ms"))
    report("autosave", rows, raw=raw)


if __name__ == "__main__":
    main()
