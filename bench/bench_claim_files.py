"""Claims out of the app (issue 18): the 837P file and the CMS-1500 form.

1. 837P for 500 claims: 10 patients × 50 signed visits on different days under one commercial
   payer (one claim per patient per day), ``claims.export_837p`` on a fresh copy of the chart
   each time (the copy and the unlock are not timed: an export marks its claims sent).
   Same-run baseline: the superbill gathering of the same patients and range
   (``superbill_gather.gather``, rolled back), which the claims start from.
2. 835 import of those 500 claims (each copy, after its 837P): ``remittance.import_835`` of a
   stand-in payer's file paying 80 %. Same-run baseline: reading the file alone (``parse_835``).
3. CMS-1500 for 150 visits of one patient (450 lines, 75 forms), ``claims.preview_cms1500`` in
   both modes — target < 1.5 s. Same-run baseline: ``superbill.preview_superbill`` of the same
   visits. Wall and CPU (``process_time``) medians: the machine is shared.
Run: ``python -m bench claim_files``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench._harness import median_time, ms, report
from core.domain.enums import Discipline, GoalTerm, Laterality, NoteType, UnitMethod, VisitStatus
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice
from core.domain.visit import Note, TimedBlock, Visit
from core.rules import snapshot
from core.rules.claims import x835
from core.services import billing, charts, claims, remittance, superbill
from core.services.demo import fake_npi
from core.services.superbill import SuperbillRequest
from core.services.superbill_gather import gather
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams

YEAR = 2026
PASS = "bench-claim-files-passphrase-18"
FEES = {"97110": 6200, "97530": 6800, "97140": 5800, "97112": 6400, "97116": 6000}
CODES = tuple(FEES)
FROM, TO = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


def _t(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def build(path: Path, patients: int, per_patient: int) -> ChartSession:
    """A chart of ``patients`` × ``per_patient`` signed visits, one per day, one payer."""
    rng = random.Random(18)
    session, _ = charts.create_chart(path, PASS, kdf=KdfParams.fast_for_tests())
    pt = Clinician("Maya", "Okafor", Discipline.PT, credentials="PT, DPT",
                   npi=fake_npi("152347896"), taxonomy_code="225100000X")
    payer = PayerProfile("Cascade Mutual", "commercial", UnitMethod.PER_CODE,
                         requires_discipline_modifier=True, payer_id="CMP02",
                         submitter_id="SUB1", receiver_id="CLEAR", claim_filing_code="CI",
                         test_mode=True)
    with session.uow() as uow:
        uow.practice.save(Practice(name="Bench Therapy", address_line1="1 Main St",
                                   city="Salem", state="OR", postal_code="97301-1234",
                                   phone="503-555-0100", npi=fake_npi("193456780"),
                                   tax_id="93-4418207", taxonomy_code="261QP2000X"))
        uow.clinicians.save(pt)
        uow.payers.save(payer)
        for p in range(patients):
            patient = Patient("Bench", f"Patient{p:03d}", dt.date(1960, 5, 5),
                              address_line1=f"{p} Oak St", city="Salem", state="OR",
                              postal_code="97302", member_id=f"BENCH{p:04d}")
            ep = Episode(patient.id, Discipline.PT, dt.date(YEAR, 1, 2),
                         referring_provider="Dr. Alma Whitfield, MD",
                         referring_npi=fake_npi("124681357"), payer_profile_id=payer.id,
                         clinician_id=pt.id)
            ep.add_diagnosis(Diagnosis(code="M17.11", laterality=Laterality.RIGHT))
            ep.add_diagnosis(Diagnosis(code="R26.89"))
            goal = ep.add_goal(Goal(GoalTerm.LONG, "Climb 12 stairs", "reach the bedroom"))
            uow.patients.save(patient)
            uow.episodes.save(ep)
            for i in range(per_patient):
                day = dt.date(YEAR, 1, 5) + dt.timedelta(days=(i * 350) // per_patient)
                start = 480 + p % 8
                visit = Visit(patient.id, ep.id, pt.id, day, start_time=_t(start),
                              end_time=_t(start + 50), status=VisitStatus.COMPLETED)
                note = Note(visit.id, NoteType.DAILY, objective="x", assessment="y")
                at = start
                for code in rng.sample(CODES, 3):
                    minutes = rng.randint(8, 16)
                    note.add_block(TimedBlock(code, _t(at), _t(at + minutes), (goal.id,),
                                              Laterality.RIGHT))
                    at += minutes
                uow.visits.save(visit)
                uow.notes.save(note)  # the draft first: its blocks, then the signature
                when = dt.datetime.combine(day, dt.time(18))
                text = snapshot.canonical_note_json(note, visit, signed_by=pt.id, signed_at=when)
                note.mark_signed(by=pt.id, at=when, snapshot=text,
                                 content_hash=snapshot.snapshot_hash(text))
                uow.notes.save(note)
        uow.commit()
    for code, cents in FEES.items():
        billing.set_fee(session, code, cents, effective_from=dt.date(YEAR, 1, 1))
    return session


def _copy(src: Path, folder: Path, n: int) -> Path:
    target = folder / f"copy{n}.chart"
    shutil.copy(src, target)
    shutil.copy(charts.key_path(src), charts.key_path(target))
    return target


def bench_837(folder: Path) -> tuple[float, float, int, float, float]:
    src = folder / "file.chart"
    build(src, patients=10, per_patient=50).lock()
    samples, imports, parses, n_claims = [], [], [], 0
    for n in range(5):
        session = charts.open_chart(_copy(src, folder, n), passphrase=PASS)
        try:
            t0 = time.perf_counter()
            batch = claims.export_837p(session, date_from=FROM, date_to=TO, payer="commercial",
                                       out=folder / f"out{n}.x12").value
            samples.append(time.perf_counter() - t0)
            n_claims = len(batch.claims)
            era = folder / f"era{n}.835"
            era.write_text(x835.write_835(
                [x835.PaidClaim(c.control_number, c.charge_cents, c.charge_cents * 8 // 10,
                                adjustments=[x835.Adjustment(
                                    "CO", "45", c.charge_cents - c.charge_cents * 8 // 10)])
                 for c in batch.claims], trace=f"EFT{n}", paid_on=dt.date(YEAR, 12, 31)))
            t0 = time.perf_counter()
            x835.parse_835(era.read_text())
            parses.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            remittance.import_835(session, era)
            imports.append(time.perf_counter() - t0)
        finally:
            session.lock()
    session = charts.open_chart(src, passphrase=PASS)
    try:
        with session.uow() as uow:
            pids = uow.patients.all_ids()

        def gather_all() -> None:
            with session.uow() as uow:  # rolled back
                for pid in pids:
                    gather(uow, SuperbillRequest(pid, date_from=FROM, date_to=TO))

        baseline = median_time(gather_all, repeat=5)
    finally:
        session.lock()
    return (statistics.median(samples), baseline, n_claims, statistics.median(imports),
            statistics.median(parses))


def median_cpu(fn: Callable[[], object], *, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        samples.append(time.process_time() - c0)
    return statistics.median(samples)


def bench_cms1500(folder: Path) -> tuple[float, float, float, int, float, float]:
    session = build(folder / "form.chart", patients=1, per_patient=150)
    try:
        with session.uow() as uow:
            pid = uow.patients.all_ids()[0]
        plain = claims.Cms1500Request(pid, issued_on=dt.date(YEAR, 12, 31))
        red = claims.Cms1500Request(pid, mode="form", issued_on=dt.date(YEAR, 12, 31))
        pages = claims.preview_cms1500(session, plain).pages
        t_plain = median_time(lambda: claims.preview_cms1500(session, plain), repeat=5)
        t_red = median_time(lambda: claims.preview_cms1500(session, red), repeat=5)
        sb = SuperbillRequest(pid, issued_on=dt.date(YEAR, 12, 31))
        t_superbill = median_time(lambda: superbill.preview_superbill(session, sb), repeat=5)
        c_plain = median_cpu(lambda: claims.preview_cms1500(session, plain), repeat=3)
        c_superbill = median_cpu(lambda: superbill.preview_superbill(session, sb), repeat=3)
    finally:
        session.lock()
    return t_plain, t_red, t_superbill, pages, c_plain, c_superbill


def main() -> None:
    os.environ.setdefault("CHARTSIDE_STATE_DIR", tempfile.mkdtemp(prefix="chartside-bench-"))
    with tempfile.TemporaryDirectory() as tmp:
        t_837, t_gather, n_claims, t_835, t_parse = bench_837(Path(tmp))
        t_plain, t_red, t_superbill, pages, c_plain, c_superbill = bench_cms1500(Path(tmp))
    report(
        "claim_files",
        [
            (f"837P file, {n_claims} claims (10 patients x 50 days), marked sent",
             ms(t_837)),
            ("  baseline: superbill gathering of the same patients (rolled back)",
             ms(t_gather)),
            ("  ratio 837P / gathering", f"{t_837 / t_gather:.2f}x"),
            (f"835 import, {n_claims} claims paid (payments, remittance rows, claims)",
             ms(t_835)),
            ("  baseline: reading the file alone (parse_835)", ms(t_parse)),
            ("  ratio import / read", f"{t_835 / t_parse:.1f}x"),
            (f"CMS-1500, 150 visits of one patient, plain form ({pages} forms; target < 1.5 s)",
             ms(t_plain)),
            ("  the same on the red form (text only)", ms(t_red)),
            ("  baseline: the superbill of the same visits", ms(t_superbill)),
            ("  ratio CMS-1500 / superbill", f"{t_plain / t_superbill:.2f}x"),
            ("  CPU time of the CMS-1500 (process_time)", ms(c_plain)),
            ("  CPU time of the superbill", ms(c_superbill)),
            ("  load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
        ],
        raw={"x835_s": t_835, "parse835_s": t_parse, "cms1500_cpu_s": c_plain,
             "superbill_cpu_s": c_superbill, "x837_s": t_837, "gather_s": t_gather,
             "claims": n_claims,
             "cms1500_plain_s": t_plain, "cms1500_form_s": t_red,
             "superbill_s": t_superbill, "pages": pages},
    )


if __name__ == "__main__":
    main()
