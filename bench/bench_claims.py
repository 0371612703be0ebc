"""Billing by day and the whole-year claim scrub.

1. Pricing a day with 4 visits (``pricing.price_day``: units over the day's minutes, split back
   per visit, charges) against the same-run baseline of pricing the 4 visits one by one
   (``pricing.price_services``, what the ledger did before day pricing). Pure, no I/O.
2. Whole-year claim scrub of a 10,000-visit chart (100 patients × 100 signed visits, 60 %
   Medicare): ``claim_year.scrub_year`` (per patient: ledger, day pricing, modifiers, KX from
   the fee-schedule pack, scrub) — target < 5 s median. Same-run baseline: the ledger alone
   (``billing.load_accounts`` of every patient: reading and pricing every visit), which the
   scrub includes.
Run: ``python -m bench claims``.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench._harness import median_time, ms, report
from core.domain.enums import Discipline, GoalTerm, Laterality, NoteType, UnitMethod, VisitStatus
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice
from core.domain.visit import Note, TimedBlock, Visit
from core.rules import snapshot
from core.rules.packs import default_packs
from core.services import billing, charts, claim_year
from core.services.demo import fake_npi
from core.services.pricing import Payer, price_day, price_services
from core.storage.keys import KdfParams

YEAR = 2026
PASS = "bench-claims-passphrase-77"
FEES = {"97110": 6200, "97530": 6800, "97140": 5800, "97112": 6400, "97116": 6000}
CODES = ("97110", "97530", "97140", "97112", "97116")


def _t(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def day_visits() -> list[tuple[uuid.UUID, list[tuple[str, int]]]]:
    return [
        (uuid.uuid4(), [("97110", 12), ("97530", 9)]),
        (uuid.uuid4(), [("97110", 10), ("97140", 8), ("97112", 7)]),
        (uuid.uuid4(), [("97530", 14), ("97116", 11)]),
        (uuid.uuid4(), [("97110", 6), ("97112", 13), ("97140", 4)]),
    ]


def bench_day() -> tuple[float, float]:
    packs = default_packs()
    payer = Payer(None, packs.payer("medicare"))
    fees = [billing.FeeScheduleEntry(c, cents, dt.date(YEAR, 1, 1))
            for c, cents in FEES.items()]
    visits = day_visits()
    day = dt.date(YEAR, 3, 2)
    by_day = median_time(lambda: price_day(visits, payer, day, fees, packs), repeat=2001,
                         warmup=50)
    one_by_one = median_time(
        lambda: [price_services(m, payer, day, fees, packs) for _v, m in visits],
        repeat=2001, warmup=50)
    return by_day, one_by_one


def build(folder: Path, patients: int = 100, per_patient: int = 100) -> charts.ChartSession:
    rng = random.Random(14)
    session, _ = charts.create_chart(folder / "claims.chart", PASS, kdf=KdfParams.fast_for_tests())
    pt = Clinician("Maya", "Okafor", Discipline.PT, credentials="PT, DPT",
                   npi=fake_npi("152347896"), license_number="PT-18842")
    medicare = PayerProfile("Medicare Part B", "medicare", UnitMethod.CMS_TOTAL_TIME,
                            requires_discipline_modifier=True, uses_kx_threshold=True)
    commercial = PayerProfile("Commercial", "commercial", UnitMethod.PER_CODE,
                              requires_discipline_modifier=True)
    with session.uow() as uow:
        uow.practice.save(Practice(name="Bench Therapy", address_line1="1 Main St",
                                   city="Salem", state="OR", postal_code="97301",
                                   npi=fake_npi("193456780"), tax_id="93-4418207"))
        uow.clinicians.save(pt)
        uow.payers.save(medicare)
        uow.payers.save(commercial)
        for p in range(patients):
            patient = Patient("Bench", f"Patient{p:03d}", dt.date(1950, 5, 5),
                              member_id=f"BENCH{p:04d}")
            payer = medicare if p % 5 < 3 else commercial
            ep = Episode(patient.id, Discipline.PT, dt.date(YEAR, 1, 2),
                         cert_start=dt.date(YEAR, 1, 2), certified_on=dt.date(YEAR, 1, 2),
                         referring_provider="Dr. Alma Whitfield, MD",
                         referring_npi=fake_npi("124681357"), payer_profile_id=payer.id,
                         clinician_id=pt.id)
            ep.add_diagnosis(Diagnosis(code="M17.11", laterality=Laterality.RIGHT))
            goal = ep.add_goal(Goal(GoalTerm.LONG, "Climb 12 stairs", "reach the bedroom"))
            uow.patients.save(patient)
            uow.episodes.save(ep)
            for i in range(per_patient):
                day = dt.date(YEAR, 1, 5) + dt.timedelta(days=(i * 350) // per_patient)
                start = 480 + 60 * (i % 2) + p % 8  # some days have two visits
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
                uow.notes.save(note)
                when = dt.datetime.combine(day, dt.time(18))
                text = snapshot.canonical_note_json(note, visit, signed_by=pt.id, signed_at=when)
                note.mark_signed(by=pt.id, at=when, snapshot=text,
                                 content_hash=snapshot.snapshot_hash(text))
                uow.notes.save(note)
        uow.commit()
    for code, cents in FEES.items():
        billing.set_fee(session, code, cents, effective_from=dt.date(YEAR, 1, 1))
    return session


def median_cpu(fn: Callable[[], object], *, repeat: int) -> float:
    """Median CPU seconds (``time.process_time``) of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        samples.append(time.process_time() - c0)
    return statistics.median(samples)


def main() -> None:
    os.environ.setdefault("CHARTSIDE_STATE_DIR", tempfile.mkdtemp(prefix="chartside-bench-"))
    by_day, one_by_one = bench_day()
    with tempfile.TemporaryDirectory() as tmp:
        chart = build(Path(tmp))
        try:
            with chart.uow() as uow:
                pids = uow.patients.all_ids()

            def ledger_only() -> None:
                with chart.uow() as uow:  # rolled back
                    billing.load_accounts(uow, pids)

            found = claim_year.scrub_year(chart, YEAR)
            t_scrub = median_time(lambda: claim_year.scrub_year(chart, YEAR), repeat=5)
            t_ledger = median_time(ledger_only, repeat=5)
            # CPU seconds of this process too: on a machine shared with other jobs the wall
            # clock mostly measures waiting for a core
            c_scrub = median_cpu(lambda: claim_year.scrub_year(chart, YEAR), repeat=3)
            c_ledger = median_cpu(ledger_only, repeat=3)
        finally:
            chart.lock()
    n_findings = sum(len(v) for v in found.values())
    report(
        "claims",
        [
            ("price a day with 4 visits (price_day)", ms(by_day)),
            ("  baseline: the 4 visits priced one by one", ms(one_by_one)),
            ("  ratio day / one-by-one", f"{by_day / one_by_one:.2f}x"),
            (f"whole-year claim scrub, 10,000 visits, {len(found)} patients, {n_findings} "
             "findings (target < 5 s)", ms(t_scrub)),
            ("  baseline: the ledger alone (load_accounts)", ms(t_ledger)),
            ("  ratio scrub / ledger", f"{t_scrub / t_ledger:.2f}x"),
            ("  CPU time of the scrub (process_time)", ms(c_scrub)),
            ("  CPU time of the ledger alone", ms(c_ledger)),
            ("  load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
        ],
        raw={"day_s": by_day, "one_by_one_s": one_by_one, "scrub_s": t_scrub,
             "ledger_s": t_ledger, "scrub_cpu_s": c_scrub, "ledger_cpu_s": c_ledger,
             "patients": len(found), "findings": n_findings},
    )


if __name__ == "__main__":
    main()
