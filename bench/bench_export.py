"""The whole-chart JSON export (issue 24; target < 5 s for 10,000 notes).

Times ``exports.write_json_export`` — the streaming writer: patients read a batch at a time
(a fixed number of statements per batch), each encoded by orjson straight from the domain
objects and written before the next batch is read, into an atomic 0600 file — on a chart of
``BENCH_EXPORT_NOTES`` notes (default 10,000; 50 patients; built once and cached by
``bench._charts``, not timed). Baseline in the same run: the export it replaced, which read the
whole chart in bulk into one dict (each record through orjson and back), then encoded and wrote
it. Peak Python memory (tracemalloc, one run each, not timed) beside both; the output of both
is compared for equality (their ``exported_at`` aside).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench._harness import report
from bench.bench_storage import _note
from core.domain.enums import Discipline
from core.domain.episode import Episode
from core.domain.patient import Patient
from core.domain.practice import Clinician
from core.export import json_export
from core.services import exports
from core.storage import audit, files
from core.storage.chart import ChartSession
from core.storage.repos_billing import BillingRepos
from core.storage.repos_books import BooksRepos
from core.storage.repos_measures import MeasureScoreRepo


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


def _previous_export(s: ChartSession, out: Path) -> int:
    """The export before streaming (commit a3d9d12): the whole chart read in bulk into one
    dict, every record through orjson and back, then encoded and written atomically."""
    P = json_export._plain
    with s.uow() as uow:
        billing, books = BillingRepos(uow.conn), BooksRepos(uow.conn)
        scores = MeasureScoreRepo(uow.conn)
        rows_by_episode: dict[uuid.UUID, list[Any]] = {}
        all_rows = uow.visits.rows()
        for row in all_rows:
            rows_by_episode.setdefault(row.episode_id, []).append(row)
        visits_by_id = uow.visits.get_many(r.id for r in all_rows)
        notes_by_id = uow.notes.get_many(r.note_id for r in all_rows if r.note_id)
        patient_ids = uow.patients.all_ids()
        episodes_by_patient = uow.episodes.for_patients(patient_ids)
        patients_out = []
        for pid in patient_ids:
            patient = P(uow.patients.get(pid))
            patient["payments"] = P(billing.payments.for_patient(pid))
            patient["packages"] = P(billing.packages.for_patient(pid))
            patient["package_uses"] = P(billing.packages.uses_for_patient(pid))
            patient["measure_scores"] = P(scores.list(patient_id=pid))
            episodes = []
            for episode in episodes_by_patient.get(pid, []):
                ep = P(episode)
                visits = []
                for row in sorted(rows_by_episode.get(episode.id, []), key=lambda r: r.date):
                    visit = P(visits_by_id[row.id])
                    note = notes_by_id.get(row.note_id) if row.note_id else None
                    visit["note"] = P(note) if note else None
                    visits.append(visit)
                ep["visits"] = visits
                episodes.append(ep)
            patient["episodes"] = episodes
            patients_out.append(patient)
        report_ = audit.verify(uow.conn)
        clinicians = uow.clinicians.list()
        data = {
            "format": json_export.FORMAT, "version": json_export.VERSION,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(), "chart_id": s.chart_id,
            "practice": P(uow.practice.get()), "clinicians": P(clinicians),
            "payer_profiles": P(uow.payers.list()), "fees": P(billing.fees.list()),
            "mileage": P(books.mileage.list(dt.date.min, dt.date.max)),
            "clock_entries": P([e for c in clinicians
                                for e in books.clock.between(c.id, dt.datetime.min, None)]),
            "patients": patients_out,
            "audit": {"rows": report_.rows, "verified": report_.ok},
        }
        uow.record("export", "chart", s.chart_id, detail=f"json patients={len(patients_out)}")
        uow.commit()
    raw = json_export.dump_bytes(data)
    files.write_atomic(out, raw, what="the export")
    return len(raw)


def _peak_mib(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _same_document(a: Path, b: Path) -> bool:
    da, db = orjson.loads(a.read_bytes()), orjson.loads(b.read_bytes())
    da["exported_at"] = db["exported_at"] = ""
    da["audit"] = db["audit"] = {}  # each export adds its own audit row
    return bool(da == db)


def main() -> None:
    from bench._charts import chart_copy

    n = int(os.environ.get("BENCH_EXPORT_NOTES", 10_000))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(folder / "state"))
        s, built = chart_copy(folder, n, 50)
        new_out, old_out = folder / "export.json", folder / "previous.json"
        new_s: list[float] = []
        old_s: list[float] = []
        new_cpu: list[float] = []
        old_cpu: list[float] = []
        for _ in range(3):  # interleaved, so both see the same machine load
            for fn, out, walls, cpus in ((exports.write_json_export, new_out, new_s, new_cpu),
                                         (_previous_export, old_out, old_s, old_cpu)):
                t0, c0 = time.perf_counter(), time.process_time()
                fn(s, out)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
        size = new_out.stat().st_size
        same = _same_document(new_out, old_out)
        new_peak = _peak_mib(lambda: exports.write_json_export(s, new_out))
        old_peak = _peak_mib(lambda: _previous_export(s, old_out))
        s.lock()
    new, old = sorted(new_s)[1], sorted(old_s)[1]
    load = os.getloadavg()[0]
    rows = [
        (f"chart: {n} notes, 50 patients", f"built in {built:.0f} s" if built else "cached"),
        (f"export {n} notes, streamed (median of 3, interleaved)",
         f"{new:.2f} s  ({size / 2**20:.1f} MiB; target < 5 s)"),
        ("baseline, same run: whole-chart dict + orjson (median of 3)",
         f"{old:.2f} s  (streamed is x{new / old:.2f} of it)"),
        ("peak Python memory (tracemalloc): streamed / whole-chart dict",
         f"{new_peak:.0f} MiB / {old_peak:.0f} MiB"),
        ("same document (exported_at and audit aside)", "yes" if same else "NO"),
        ("CPU time (median): streamed / whole-chart dict",
         f"{sorted(new_cpu)[1]:.2f} s / {sorted(old_cpu)[1]:.2f} s"),
        ("load average (1 min) at the end", f"{load:.1f}"),
    ]
    report("export", rows, raw={"notes": n, "new_s": new_s, "old_s": old_s,
                                "new_cpu": new_cpu, "old_cpu": old_cpu, "bytes": size,
                                "new_peak_mib": new_peak, "old_peak_mib": old_peak,
                                "same": same, "load": load})


if __name__ == "__main__":
    main()
