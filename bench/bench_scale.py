"""Screens that must stay flat as a practice's chart grows (issue 24): the compliance
dashboard, the patient list and the patient search, at 1,000 / 10,000 / 50,000
(``BENCH_SCALE_SIZES``).

- Dashboard and patient list: a chart seeded by ``bench_dashboard.seed`` with that many visits
  (most notes signed, a few stale drafts; ``executemany`` straight into the tables, not timed)
  by a practice of the same size: episodes start at the same rate over n / 20 days (50 days of
  history at 1,000 visits, ~7 years at 50,000), so the caseload — episodes still open, which
  is what the dashboard is about — stays about the same while the history grows. (Before,
  every size spread its episodes over the same three years, so the caseload grew with the
  chart: 2 / 32 / 162 open episodes, and the dashboard with it, ×41.) Baseline in the same
  chart: a bare ``COUNT(*)`` over visits (the floor any refresh pays: transaction, key, one
  query), and the same chart with r0017's indexes (``notes (status)``, no
  ``episodes (discharged_on)``). ``bench_dashboard`` times the dashboard with a large caseload
  (20,000 visits over three years) against its < 300 ms target.
- Patient list with every note a draft (the same shape, nothing signed: the worst case of the
  draft counts), beside the same chart with r0017's indexes.
- Search: a chart with that many patients (``bench_storage.seed_patients``), the six queries of
  ``bench_storage`` — common and rare words, a name pair, a year, a birth date — each timed
  alone; the miss (``zz-no-match``, which must look at every name) is reported apart. Baseline
  in the same chart: the ``LIKE``-only statement the search used before the trigram index
  (r0023, ``core.storage.search_index``), which walks the name index.

Medians of wall and CPU time (``time.process_time``: the reference machine is shared, and CPU
is the figure load moves least); each is also given as a ratio to the smallest size of the same
run.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench._harness import report
from bench.bench_dashboard import _count, _session, seed
from bench.bench_storage import seed_patients
from core.services import dashboard, ui_queries
from core.services.patients import search_patients
from core.storage.chart import ChartSession
from core.storage.repos import PatientRepo
from core.storage.rows import PatientRow

TODAY = dt.date(2026, 3, 16)
QUERIES = ["quill", "ha", "nora keane", "1955", "rook12"]
MISS = "zz-no-match"


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall and median CPU seconds (the machine is shared: CPU is the steadier one)."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def _like_only(s: ChartSession, query: str) -> list[PatientRow]:
    """The search as it was before r0023: the repository's statement without the trigram
    lookup (``match=None``: ``LIKE '%word%'`` for every word, walking the name index)."""
    stmt = PatientRepo.search_statement(query, limit=50, active_only=False, match=None)
    with s.uow() as uow:  # the same rows the service hands back
        return [PatientRow(**r) for r in uow.conn.execute(stmt).mappings()]


def _timed(raw: dict[str, Any], key: str, fn: Callable[[], Any], repeat: int) -> None:
    raw[key], raw[f"{key}_cpu"] = _median(fn, repeat)


# r0017's indexes in place of r0018's: the same-chart baseline for the dashboard and the lists.
OLD_INDEXES = ("CREATE INDEX ix_notes_status ON notes (status)",
               "DROP INDEX ix_notes_status_visit", "DROP INDEX ix_episodes_discharged_on")


def _indexes(session: ChartSession, statements: Sequence[str]) -> None:
    with session.uow() as uow:
        for sql in statements:
            uow.conn.execute(text(sql))
        uow.commit()
    session.checkpoint()


def main() -> None:
    sizes = [int(x) for x in
             os.environ.get("BENCH_SCALE_SIZES", "1000,10000,50000").split(",")]
    raw: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ.setdefault("CHARTSIDE_STATE_DIR", str(folder / "state"))
        for n in sizes:
            s = _session(folder / f"scale-{n}.chart", plain=False)
            raw[f"shape_{n}"] = seed(s, n, days=max(n // 20, 1))
            s.checkpoint()
            raw[f"rows_{n}"] = len(dashboard.compliance_dashboard(s, today=TODAY).rows)
            _timed(raw, f"dashboard_{n}", partial(dashboard.compliance_dashboard, s, today=TODAY),
                   9)
            _timed(raw, f"patient_list_{n}", partial(ui_queries.patient_list, s), 9)
            _timed(raw, f"count_{n}", partial(_count, s), 21)
            _indexes(s, OLD_INDEXES)
            _timed(raw, f"dashboard_old_{n}",
                   partial(dashboard.compliance_dashboard, s, today=TODAY), 9)
            s.lock()
            s = _session(folder / f"drafts-{n}.chart", plain=False)
            seed(s, n, days=max(n // 20, 1), sign=False)
            s.checkpoint()
            _timed(raw, f"drafts_list_{n}", partial(ui_queries.patient_list, s), 9)
            _indexes(s, OLD_INDEXES)
            _timed(raw, f"drafts_list_old_{n}", partial(ui_queries.patient_list, s), 9)
            s.lock()
            s = _session(folder / f"search-{n}.chart", plain=False)
            seed_patients(s, n)
            s.checkpoint()
            each = [_median(partial(search_patients, s, q, limit=50), 5) for q in QUERIES]
            raw[f"search_{n}"] = statistics.median(w for w, _c in each)
            raw[f"search_{n}_cpu"] = statistics.median(c for _w, c in each)
            _timed(raw, f"search_miss_{n}", partial(search_patients, s, MISS, limit=50), 9)
            for q in QUERIES:
                assert ([r.id for r in search_patients(s, q, limit=50)]
                        == [r.id for r in _like_only(s, q)]), q
            each = [_median(partial(_like_only, s, q), 5) for q in QUERIES]
            raw[f"search_like_{n}"] = statistics.median(w for w, _c in each)
            raw[f"search_like_{n}_cpu"] = statistics.median(c for _w, c in each)
            for q in QUERIES:  # each query alone, index and scan: what moved and what did not
                raw[f"q_{q}_{n}"] = _median(partial(search_patients, s, q, limit=50), 5)
                raw[f"q_{q}_like_{n}"] = _median(partial(_like_only, s, q), 5)
            _timed(raw, f"search_miss_like_{n}", partial(_like_only, s, MISS), 9)
            s.lock()
    first = sizes[0]

    def figure(key: str, n: int) -> str:
        wall, cpu = raw[f"{key}_{n}"], raw[f"{key}_{n}_cpu"]
        ratio = ""
        if n != first:
            ratio = (f"  (x{wall / raw[f'{key}_{first}']:.2f} / "
                     f"x{cpu / raw[f'{key}_{first}_cpu']:.2f} of {first})")
        return f"{wall * 1000:.2f} ms wall, {cpu * 1000:.2f} ms CPU{ratio}"

    rows: list[tuple[str, str]] = []
    for n in sizes:
        shape = raw[f"shape_{n}"]
        rows += [
            (f"{n} visits ({shape['episodes']} episodes, {shape['active_episodes']} open, "
             f"{shape['notes']} notes, {shape['notes'] - shape['signed']} unsigned, "
             f"{raw[f'rows_{n}']} rows): dashboard refresh",
             figure("dashboard", n)),
            (f"{n} visits: dashboard with r0017's indexes (same chart)",
             figure("dashboard_old", n)),
            (f"{n} visits: patient list (unsigned counts)", figure("patient_list", n)),
            (f"{n} visits, every note a draft: patient list", figure("drafts_list", n)),
            (f"{n} visits, every note a draft: patient list with r0017's indexes",
             figure("drafts_list_old", n)),
            (f"{n} visits: baseline COUNT(*) over visits", figure("count", n)),
            (f"{n} patients: search, median of the 5 queries' medians", figure("search", n)),
            (f"{n} patients: the same, LIKE scan (before r0023)", figure("search_like", n)),
            (f"{n} patients: search for a name nobody has", figure("search_miss", n)),
            (f"{n} patients: the same, LIKE scan (before r0023)", figure("search_miss_like", n)),
        ]
        rows += [(f"{n} patients: '{q}' index / LIKE scan, CPU",
                  f"{raw[f'q_{q}_{n}'][1] * 1000:.2f} / {raw[f'q_{q}_like_{n}'][1] * 1000:.2f} ms")
                 for q in QUERIES]
    raw["load_1min"] = os.getloadavg()[0]
    rows.append(("load average (1 min) at the end", f"{raw['load_1min']:.1f}"))
    report("scale", rows, raw=raw)


if __name__ == "__main__":
    main()
