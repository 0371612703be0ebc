"""The whole-chart JSON export (issue 24; target < 5 s for 10,000 notes).

Builds a chart of ``BENCH_EXPORT_NOTES`` notes (default 10,000; 50 patients, written in bulk
transactions with their audit rows and outbox versions — the build is not timed), then times
``exports.write_json_export`` (gather in bulk + orjson + atomic 0600 write) against the same
run's baseline: the per-visit reads and the standard library's indented encoder it used before.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._harness import median_time, report
from bench.bench_storage import _note, _session
from core.domain.enums import Discipline
from core.domain.episode import Episode
from core.domain.patient import Patient
from core.domain.practice import Clinician
from core.export import json_export
from core.services import exports
from core.storage.chart import ChartSession


def build(s: ChartSession, notes: int, patients: int = 50) -> None:
    c = Clinician(first_name="Bench", last_name="Export", discipline=Discipline.PT)
    with s.uow() as uow:
        uow.clinicians.save(c)
        uow.record("create", "clinician", c.id)
        uow.commit()
    per = notes // patients
    for k in range(patients):
        p = Patient(first_name="Export", last_name=f"Bench{k}", date_of_birth=dt.date(1960, 1, 1))
        e = Episode(patient_id=p.id, discipline=Discipline.PT, start_date=dt.date(2026, 1, 1))
        with s.uow() as uow:
            uow.patients.save(p)
            uow.episodes.save(e)
            uow.record("create", "patient", p.id)
            uow.record("create", "episode", e.id)
            for i in range(per):
                v, n = _note(p, e, c, i)
                uow.visits.save(v)
                uow.notes.save(n)
                uow.record("create", "visit", v.id)  # audit row + record version + outbox row
                uow.record("create", "note", n.id)
            uow.commit()


def _old_export(s: ChartSession) -> bytes:
    """The export as it was: per-visit reads, stdlib json with indent=2."""
    with s.uow() as uow:
        out: list[dict[str, Any]] = []
        for pid in uow.patients.all_ids():
            patient = json_export._plain(uow.patients.get(pid))
            for episode in uow.episodes.for_patient(pid):
                for row in sorted(uow.visits.rows(episode_id=episode.id), key=lambda r: r.date):
                    visit = json_export._plain(uow.visits.get(row.id))
                    note = uow.notes.for_visit(row.id)
                    visit["note"] = json_export._plain(note) if note else None
                    out.append(visit)
            out.append(patient)
    return json.dumps(out, indent=2, ensure_ascii=False).encode("utf-8")


def main() -> None:
    n = int(os.environ.get("BENCH_EXPORT_NOTES", 10_000))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(folder / "state"))
        s = _session(folder / "export.chart", plain=False)
        t0 = time.perf_counter()
        build(s, n)
        built = time.perf_counter() - t0
        out = folder / "export.json"
        new = median_time(lambda: exports.write_json_export(s, out), repeat=3)
        size = out.stat().st_size
        old = median_time(lambda: _old_export(s), repeat=1, warmup=0)
        s.lock()
    rows = [
        (f"build {n} notes in bulk (not timed below)", f"{built:.1f} s"),
        (f"export {n} notes: bulk reads + orjson + atomic write (median of 3)",
         f"{new:.2f} s  ({size / 2**20:.1f} MiB; target < 5 s)"),
        ("baseline, same run: per-visit reads + json indent=2 (1 run)",
         f"{old:.2f} s  (new is ×{new / old:.2f} of it)"),
    ]
    report("export", rows, raw={"notes": n, "new_s": new, "old_s": old, "bytes": size})


if __name__ == "__main__":
    main()
