"""A synthetic practice year for the books tests (and the few checks that it is what it says).

Everything is invented: names, dates of birth, addresses (kept so tests can prove exports never
print them), NPIs. Built through the repositories in a handful of units of work, like
``core.services.demo``: signed notes are frozen with their snapshot directly (the sign gate's
rules are tested elsewhere), so a year builds in about a second.

Daily visits bill 97110 × 30 min + 97530 × 15 min = 3 units under both unit methods
(2 × $60 + 1 × $70 = $190); evaluations bill 97162/97166 once ($150).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from core.domain.billing import Package, Payment, PaymentKind, PaymentMethod
from core.domain.enums import (
    Discipline,
    GoalTerm,
    Laterality,
    NoteStatus,
    NoteType,
    PlaceOfService,
    UnitMethod,
    VisitStatus,
)
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice
from core.domain.visit import Note, TimedBlock, UntimedService, Visit
from core.rules import snapshot
from core.services import billing
from core.services.demo import fake_npi
from core.storage.chart import ChartSession
from core.storage.repos_billing import BillingRepos
from core.storage.uow import UnitOfWork

TODAY = dt.date(2026, 1, 20)
YEAR_START, YEAR_END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
FEES = {"97110": 6000, "97530": 7000, "97162": 15000, "97166": 15000, "97535": 6000}
DAILY_CENTS, EVAL_CENTS = 2 * 6000 + 7000, 15000
HOME_ADDRESS = "4417 Brambleworth Lane"  # must never reach an export


@dataclass
class Base:
    chart: ChartSession
    pt: Clinician
    ot: Clinician
    payers: dict[str, PayerProfile]


def make_base(chart: ChartSession, *, fees_from: dt.date = dt.date(2024, 1, 1)) -> Base:
    pt = Clinician("Maya", "Okafor", Discipline.PT, "PT, DPT", fake_npi("152347896"))
    ot = Clinician("Daniel", "Reyes", Discipline.OT, "OTR/L", fake_npi("160918273"))
    payers = {
        "medicare": PayerProfile("Medicare Part B", "medicare", UnitMethod.CMS_TOTAL_TIME,
                                 requires_discipline_modifier=True, uses_kx_threshold=True,
                                 progress_report_every_visits=10),
        "cash": PayerProfile("Self-pay", "cash", UnitMethod.PER_CODE),
    }
    with chart.uow() as uow:
        uow.practice.save(Practice("Harborline Home Therapy", npi=fake_npi("193456780")))
        for c in (pt, ot):
            uow.clinicians.save(c)
            uow.record("create", "clinician", c.id)
        for p in payers.values():
            uow.payers.save(p)
            uow.record("create", "payer_profile", p.id)
        uow.commit()
    for code, cents in FEES.items():
        billing.set_fee(chart, code, cents, effective_from=fees_from)
    return Base(chart, pt, ot, payers)


@dataclass
class Case:
    patient: Patient
    episode: Episode
    clinician: Clinician
    goals: tuple[Goal, ...]
    visits: list[tuple[Visit, Note | None]] = field(default_factory=list)


def new_case(
    base: Base, first: str, last: str, *, payer: str = "cash", discipline: Discipline =
    Discipline.PT, start: dt.date, **episode_fields: Any,
) -> Case:
    patient = Patient(first, last, dt.date(1950, 5, 17), address_line1=HOME_ADDRESS,
                      city="Fernhollow", state="OR", postal_code="97999")
    clinician = base.pt if discipline is Discipline.PT else base.ot
    episode = Episode(patient.id, discipline, start, payer_profile_id=base.payers[payer].id,
                      clinician_id=clinician.id, **episode_fields)
    episode.add_diagnosis(Diagnosis("M17.11", "Unilateral primary osteoarthritis, right knee",
                                    Laterality.RIGHT))  # no ICD lookup: keeps the build fast
    goals = (
        episode.add_goal(Goal(GoalTerm.SHORT, "Climb 12 stairs", "reach the bedroom")),
        episode.add_goal(Goal(GoalTerm.LONG, "Walk 1500 feet", "shop independently")),
    )
    with base.chart.uow() as uow:
        uow.patients.save(patient)
        uow.episodes.save(episode)
        uow.record("create", "patient", patient.id)
        uow.record("create", "episode", episode.id)
        uow.commit()
    return Case(patient, episode, clinician, goals)


def _t(minute: int) -> dt.time:
    return dt.time(minute // 60, minute % 60)


def make_visit(
    case: Case, day: dt.date, *, kind: NoteType = NoteType.DAILY,
    status: VisitStatus = VisitStatus.COMPLETED, signed: bool = True,
    blocks: tuple[tuple[str, int], ...] = (("97110", 30), ("97530", 15)),
    exercises: tuple[tuple[str, int], ...] = (("Leg press", 40),), text: str = "",
    pos: PlaceOfService = PlaceOfService.HOME,
) -> tuple[Visit, Note | None]:
    """A visit (and, when held, a note: an evaluation bills the discipline's eval code)."""
    visit = Visit(case.patient.id, case.episode.id, case.clinician.id, day, pos,
                  _t(9 * 60), _t(10 * 60), status)
    if status in (VisitStatus.NO_SHOW, VisitStatus.CANCELLED):
        visit.start_time = visit.end_time = None
        case.visits.append((visit, None))
        return visit, None
    note = Note(visit_id=visit.id, note_type=kind, subjective=text or f"Visit of {day}.",
                objective="Gait and strength reassessed.", assessment="Progressing.",
                plan="Continue plan of care.")
    if kind is NoteType.EVALUATION:
        code = "97162" if case.episode.discipline is Discipline.PT else "97166"
        note.add_untimed(UntimedService(code, minutes=45))
    else:
        at = 9 * 60
        for code, minutes in blocks:
            details: dict[str, Any] = {}
            if code == "97110":
                details = {"exercises": [{"name": n, "sets": 3, "reps": 10, "load": load,
                                          "load_unit": "lb"} for n, load in exercises]}
            elif code == "97530":  # documented as the form asks (no warnings to acknowledge)
                details = {"activity": "Pt performed step-up to kitchen counter reach, 3x8",
                           "functional_task": "Stair climbing at home",
                           "components": ["balance", "strength"],
                           "skilled_cues": "Tactile cues for knee alignment"}
            note.add_block(TimedBlock(code, _t(at), _t(at + minutes), (case.goals[0].id,),
                                      Laterality.RIGHT, details,
                                      "Strength for stair climbing (STG 1)."))
            at += minutes
    note.total_treatment_minutes = 50
    if signed:
        at_time = dt.datetime.combine(day, dt.time(18))
        snap = snapshot.canonical_note_json(note, visit, signed_by=case.clinician.id,
                                            signed_at=at_time)
        note.mark_signed(by=case.clinician.id, at=at_time, snapshot=snap,
                         content_hash=snapshot.snapshot_hash(snap))
    case.visits.append((visit, note))
    return visit, note


def save_visits(chart: ChartSession, items: list[tuple[Visit, Note | None]]) -> None:
    with chart.uow() as uow:
        for visit, note in items:
            save_one(uow, visit, note)
        uow.commit()


def save_one(uow: UnitOfWork, visit: Visit, note: Note | None) -> None:
    uow.visits.save(visit)
    uow.record("create", "visit", visit.id)
    if note is None:
        return
    if note.is_signed:  # new rows go in as a draft first; the signing UPDATE comes last
        note.status = NoteStatus.DRAFT
        uow.notes.save(note)
        note.status = NoteStatus.SIGNED
    uow.notes.save(note)
    uow.record("sign" if note.is_signed else "create", "note", note.id)


def charge_of(note: Note | None, visit: Visit) -> int:
    if note is None or not note.is_signed or visit.status is not VisitStatus.COMPLETED:
        return 0
    return EVAL_CENTS if note.note_type is NoteType.EVALUATION else DAILY_CENTS


@dataclass
class World:
    base: Base
    cases: dict[str, Case]
    charges_by_month: dict[str, int]
    adjustments_by_month: dict[str, int]
    cash_by_month: dict[str, int]
    payments: list[Payment]
    visit_status_counts: dict[tuple[str, str], int]  # (month, status) → n, over the year
    package: Package | None = None


def _schedule(case: Case, first: dt.date, last: dt.date, every: int, *, offset: int = 0
              ) -> list[tuple[Visit, Note | None]]:
    out, day, n = [], first, 0
    while day <= last:
        status = VisitStatus.COMPLETED
        if (n + offset) % 11 == 7:
            status = VisitStatus.NO_SHOW
        elif (n + offset) % 13 == 5:
            status = VisitStatus.CANCELLED
        kind = NoteType.EVALUATION if n == 0 else (
            NoteType.PROGRESS_REPORT if n % 9 == 8 else NoteType.DAILY)
        recent = (TODAY - day).days <= 3
        out.append(make_visit(case, day, kind=kind, status=status, signed=not recent,
                              exercises=(("Leg press", 40 + n),)))
        day += dt.timedelta(days=every)
        n += 1
    return out


def build_year(chart: ChartSession) -> World:
    """Five patients through 2025 (one into January 2026), payments, a package, a refund."""
    base = make_base(chart)
    cases = {
        "ada": new_case(base, "Ada", "Brightwater", start=dt.date(2025, 1, 6)),
        "bo": new_case(base, "Bo", "Calloway", start=dt.date(2025, 2, 3)),
        "cy": new_case(base, "Cyrus", "Delacroix-Penn", payer="medicare",
                       start=dt.date(2025, 9, 1), cert_start=dt.date(2025, 9, 1),
                       cert_end=dt.date(2026, 3, 1), certified_on=dt.date(2025, 9, 5)),
        "di": new_case(base, "Dilys", "Eberhardt", discipline=Discipline.OT,
                       start=dt.date(2025, 4, 7)),
        "ed": new_case(base, "Edwin", "Farrow", start=dt.date(2025, 3, 3)),
    }
    plans = {"ada": (dt.date(2025, 1, 6), dt.date(2025, 6, 30), 7, 0),
             "bo": (dt.date(2025, 2, 3), dt.date(2025, 11, 28), 10, 3),
             "cy": (dt.date(2025, 9, 1), TODAY, 4, 1),
             "di": (dt.date(2025, 4, 7), dt.date(2025, 12, 22), 14, 5),
             "ed": (dt.date(2025, 3, 3), dt.date(2025, 8, 29), 7, 2)}
    items = []
    for key, (first, last, every, offset) in plans.items():
        items += _schedule(cases[key], first, last, every, offset=offset)
    save_visits(chart, items)
    payments: list[Payment] = []
    ada = cases["ada"]
    for visit, note in ada.visits:  # Ada pays each visit, allocated to it
        if charge_of(note, visit) and visit.date.day % 2:
            payments.append(Payment(ada.patient.id, visit.date, charge_of(note, visit),
                                    PaymentKind.PAYMENT, PaymentMethod.CARD, visit_id=visit.id))
    payments.append(Payment(ada.patient.id, dt.date(2025, 7, 15), -5000, PaymentKind.REFUND))
    for month in range(2, 13, 2):  # Bo pays lump sums, unallocated
        payments.append(Payment(cases["bo"].patient.id, dt.date(2025, month, 1), 50000,
                                PaymentKind.PAYMENT, PaymentMethod.CHECK))
    payments.append(Payment(cases["cy"].patient.id, dt.date(2026, 1, 5), 2000,
                            PaymentKind.PAYMENT, PaymentMethod.CASH))
    package_payment = Payment(cases["ed"].patient.id, dt.date(2025, 3, 1), 150000,
                              PaymentKind.PACKAGE, PaymentMethod.CARD)
    package = Package(cases["ed"].patient.id, "10-visit package", 10, 150000,
                      dt.date(2025, 3, 1), payment_id=package_payment.id)
    payments.append(package_payment)
    with chart.uow() as uow:
        repos = BillingRepos(uow.conn)
        for p in payments:
            repos.payments.save(p)
            uow.record("create", "payment", p.id, detail=f"kind={p.kind}")
        repos.packages.save(package)
        uow.record("create", "package", package.id)
        uow.commit()
    charges: dict[str, int] = defaultdict(int)
    adjustments: dict[str, int] = defaultdict(int)
    statuses: dict[tuple[str, str], int] = defaultdict(int)
    for key, case in cases.items():
        uses = 0
        for visit, note in sorted(case.visits, key=lambda vn: vn[0].date):
            month = f"{visit.date:%Y-%m}"
            charge = charge_of(note, visit)
            charges[month] += charge
            if key == "ed" and charge and uses < 10:
                adjustments[month] += charge - package.use_value(uses)
                uses += 1
    for _v, _n in items:
        statuses[(f"{_v.date:%Y-%m}", _v.status.value)] += 1
    cash: dict[str, int] = defaultdict(int)
    for p in payments:
        cash[f"{p.date:%Y-%m}"] += p.amount_cents
    return World(base, cases, dict(charges), dict(adjustments), dict(cash), payments,
                 dict(statuses), package)


def world_ids(world: World) -> dict[str, uuid.UUID]:
    return {k: c.patient.id for k, c in world.cases.items()}


# -- the world is what it says ----------------------------------------------------------------
def test_the_year_builds_fast_and_is_consistent(chart: ChartSession) -> None:
    import time

    t0 = time.perf_counter()
    world = build_year(chart)
    assert time.perf_counter() - t0 < 20
    n_visits = sum(len(c.visits) for c in world.cases.values())
    assert n_visits == sum(world.visit_status_counts.values()) > 100
    assert world.charges_by_month["2025-03"] > 0 and world.adjustments_by_month["2025-03"] > 0
    # billing's own account agrees with the builder's charges for a patient without packages
    ada = world.cases["ada"]
    account = billing.account(chart, ada.patient.id).value
    assert account.ledger.charges_cents == sum(charge_of(n, v) for v, n in ada.visits)
