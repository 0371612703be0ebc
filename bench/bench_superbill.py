"""Superbill speed: one visit, and a 12-month statement of 150 visits, on a real encrypted chart.

Targets: one-visit superbill < 150 ms median; 12-month, 150-visit statement < 1.5 s median
(``preview_superbill``: gather + scrub + render + audit row, one unit of work). Same-run
baselines: gathering alone (``superbill.gather`` in a rolled-back unit of work, which includes
the whole-history ledger) and rendering alone (``superbill_pdf.render`` of the gathered bill).
CPU times (``time.process_time``) beside the wall-clock medians, since the reference machine is
shared; and the same CPU figures from a separate process without reportlab's C helpers
(``_rl_accel`` blocked: how it rendered before ``reportlab[accel]``, issue 24).
Run: ``python -m bench superbill``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._harness import median_time, ms, report
from core.domain.billing import Superbill
from core.domain.enums import Discipline, GoalTerm, Laterality, NoteType, UnitMethod, VisitStatus
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice
from core.domain.visit import Note, TimedBlock, UntimedService, Visit
from core.export import superbill_pdf
from core.rules import snapshot
from core.services import billing, charts, superbill
from core.services.demo import fake_npi
from core.services.superbill import SuperbillRequest
from core.storage.keys import KdfParams

START = dt.date(2025, 1, 6)
PASS = "bench-superbill-passphrase-41"
FEES = {"97162": 18500, "97110": 6200, "97530": 6800, "97140": 5800, "97112": 6400}


def _t(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def build(folder: Path, visits: int = 150) -> tuple[charts.ChartSession, uuid.UUID, uuid.UUID]:
    """A chart with one Medicare patient and ``visits`` signed visits over a year."""
    session, _ = charts.create_chart(folder / "bench.chart", PASS, kdf=KdfParams.fast_for_tests())
    practice = Practice(name="Bench Therapy", address_line1="1 Main St", city="Salem",
                        state="OR", postal_code="97301", phone="503-555-0100",
                        npi=fake_npi("193456780"), tax_id="93-4418207")
    pt = Clinician("Maya", "Okafor", Discipline.PT, credentials="PT, DPT",
                   npi=fake_npi("152347896"), license_number="PT-18842")
    payer = PayerProfile("Medicare Part B", "medicare", UnitMethod.CMS_TOTAL_TIME,
                         requires_discipline_modifier=True, uses_kx_threshold=True)
    patient = Patient("Rowan", "Benchmark", dt.date(1950, 5, 5), member_id="BENCH0001",
                      address_line1="9 Elm St", city="Salem", state="OR", postal_code="97302")
    ep = Episode(patient.id, Discipline.PT, START, cert_start=START, certified_on=START,
                 referring_provider="Dr. Alma Whitfield, MD", referring_npi=fake_npi("124681357"),
                 payer_profile_id=payer.id, clinician_id=pt.id)
    ep.add_diagnosis(Diagnosis(code="M17.11", description="Primary osteoarthritis, right knee",
                               laterality=Laterality.RIGHT))
    ep.add_diagnosis(Diagnosis(code="R26.89", description="Other abnormalities of gait"))
    goal = ep.add_goal(Goal(GoalTerm.LONG, "Climb 12 stairs", "reach the bedroom"))
    last = uuid.uuid4()
    with session.uow() as uow:
        uow.practice.save(practice)
        uow.clinicians.save(pt)
        uow.payers.save(payer)
        uow.patients.save(patient)
        uow.episodes.save(ep)
        for i in range(visits):
            day = START + dt.timedelta(days=(i * 357) // visits)
            visit = Visit(patient.id, ep.id, pt.id, day, start_time=_t(540), end_time=_t(600),
                          status=VisitStatus.COMPLETED)
            note = Note(visit.id, NoteType.EVALUATION if i == 0 else NoteType.DAILY)
            if i == 0:
                note.add_untimed(UntimedService("97162", minutes=45))
            else:
                blocks = [("97110", 0, 23), ("97530", 23, 38)] + (
                    [("97140", 38, 48)] if i % 3 == 0 else [])
                for code, a, b in blocks:
                    note.add_block(TimedBlock(code, _t(540 + a), _t(540 + b), (goal.id,),
                                              Laterality.RIGHT,
                                              modifiers=("XU",) if code == "97530" and i % 3 == 0
                                              else ()))
            uow.visits.save(visit)
            uow.notes.save(note)  # as a draft first: signed rows refuse new children
            at = dt.datetime.combine(day, dt.time(18))
            text = snapshot.canonical_note_json(note, visit, signed_by=pt.id, signed_at=at)
            note.mark_signed(by=pt.id, at=at, snapshot=text,
                             content_hash=snapshot.snapshot_hash(text))
            uow.notes.save(note)
            last = visit.id
        uow.commit()
    for code, cents in FEES.items():
        billing.set_fee(session, code, cents, effective_from=START)
    billing.record_payment(session, patient.id, 50000, date=START + dt.timedelta(days=40))
    return session, patient.id, last


def _cpu_median(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        samples.append(time.process_time() - t0)
    return statistics.median(samples)


def cpu_figures() -> dict[str, float]:
    """CPU medians (seconds) of the one-visit preview and of rendering the one-visit and the
    12-month bills, on a chart built here; ``accelerated``: 1.0 if reportlab's C helpers are
    in use."""
    from reportlab.lib import rl_accel

    os.environ.setdefault("CHARTSIDE_STATE_DIR", tempfile.mkdtemp(prefix="chartside-bench-"))
    with tempfile.TemporaryDirectory() as tmp:
        chart, pid, last_visit = build(Path(tmp))
        try:
            one = SuperbillRequest(pid, visit_id=last_visit, issued_on=dt.date(2026, 1, 15))
            year = SuperbillRequest(pid, date_from=START, date_to=START + dt.timedelta(days=365),
                                    issued_on=dt.date(2026, 1, 15))
            with chart.uow() as uow:  # rolled back: nothing written
                bill_one = superbill.gather(uow, one)[0]
                bill_year = superbill.gather(uow, year)[0]
            return {
                "accelerated": 0.0 if rl_accel._py_funcs else 1.0,
                "one_cpu_s": _cpu_median(lambda: superbill.preview_superbill(chart, one), 15),
                "one_render_cpu_s": _cpu_median(lambda: superbill_pdf.render(bill_one), 15),
                "year_render_cpu_s": _cpu_median(lambda: superbill_pdf.render(bill_year), 5),
            }
        finally:
            chart.lock()


def _without_accelerator() -> dict[str, float]:
    code = ("import json, sys; sys.modules['_rl_accel'] = None; "
            "from bench.bench_superbill import cpu_figures; print(json.dumps(cpu_figures()))")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, check=True,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(root)}).stdout
    figures: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return figures


def main() -> None:
    os.environ.setdefault("CHARTSIDE_STATE_DIR", tempfile.mkdtemp(prefix="chartside-bench-"))
    with tempfile.TemporaryDirectory() as tmp:
        chart, pid, last_visit = build(Path(tmp))
        try:
            one = SuperbillRequest(pid, visit_id=last_visit, issued_on=dt.date(2026, 1, 15))
            year = SuperbillRequest(pid, date_from=START, date_to=START + dt.timedelta(days=365),
                                    issued_on=dt.date(2026, 1, 15))

            def gather_only(request: SuperbillRequest) -> Superbill:
                with chart.uow() as uow:  # rolled back: nothing written
                    return superbill.gather(uow, request)[0]

            bill_one, bill_year = gather_only(one), gather_only(year)
            preview = superbill.preview_superbill(chart, year).value
            t_one = median_time(lambda: superbill.preview_superbill(chart, one), repeat=15,
                                warmup=3)
            t_one_gather = median_time(lambda: gather_only(one), repeat=15, warmup=2)
            t_one_render = median_time(lambda: superbill_pdf.render(bill_one), repeat=15)

            def audited_view_only() -> None:  # the floor of any audited action: row + commit
                with chart.uow() as uow:
                    uow.record("view", "superbill", pid, detail="bench")
                    uow.commit()

            t_audit = median_time(audited_view_only, repeat=15, warmup=2)
            t_year = median_time(lambda: superbill.preview_superbill(chart, year), repeat=5)
            t_year_gather = median_time(lambda: gather_only(year), repeat=5)
            t_year_render = median_time(lambda: superbill_pdf.render(bill_year), repeat=5)
        finally:
            chart.lock()
    cpu = cpu_figures()
    plain = _without_accelerator()

    def vs(key: str) -> str:
        return (f"{cpu[key] * 1000:.1f} ms CPU; without the C helpers {plain[key] * 1000:.1f} ms "
                f"(x{cpu[key] / plain[key]:.2f})")

    report(
        "superbill",
        [
            ("one-visit superbill, preview (target < 150 ms)", ms(t_one)),
            ("  baseline: gather alone (ledger over 150 visits)", ms(t_one_gather)),
            ("  baseline: render alone", ms(t_one_render)),
            ("  baseline: an audited view alone (one audit row, commit with fsync)",
             ms(t_audit)),
            (f"12-month statement, {len(bill_year.visit_ids)} visits, {len(bill_year.lines)} "
             f"lines, {preview.pages} pages (target < 1.5 s)", ms(t_year)),
            ("  baseline: gather alone", ms(t_year_gather)),
            ("  baseline: render alone", ms(t_year_render)),
            ("CPU: one-visit preview" + ("" if cpu["accelerated"] else " (NO C helpers)"),
             vs("one_cpu_s")),
            ("CPU: one-visit render", vs("one_render_cpu_s")),
            ("CPU: 12-month render", vs("year_render_cpu_s")),
            ("load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
        ],
        raw={"one_s": t_one, "one_gather_s": t_one_gather, "one_render_s": t_one_render,
             "audit_commit_s": t_audit,
             "year_s": t_year, "year_gather_s": t_year_gather, "year_render_s": t_year_render,
             "year_pages": preview.pages, "year_lines": len(bill_year.lines),
             "cpu": cpu, "cpu_without_c_helpers": plain, "load_1min": os.getloadavg()[0]},
    )


if __name__ == "__main__":
    main()
