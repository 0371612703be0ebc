"""A demo chart full of realistic, entirely synthetic data (names invented; NPIs fake but valid).

A practice, a PT and an OT, three payer profiles (Medicare, a commercial payer that wants 59 on
same-day 97110 + 97530, cash), ten patients with episodes, one-sided diagnoses, goals, and
visits over the last six weeks: signed notes for the older visits and drafts for the newest,
many with same-day 97110 + 97530 in distinct time blocks and exercise loads that progress.
Each patient is written in one unit of work, its notes signed through one
``signing.ContextCache``, and the diagnoses' descriptions are precomputed (``DEMO_DIAGNOSES``), so
the demo builds in about 1.5 s (docs/rules.md) without loading ICD-10-CM.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from core.domain.billing import FeeScheduleEntry
from core.domain.enums import (
    Discipline,
    GoalTerm,
    Laterality,
    NoteType,
    PlaceOfService,
    Sex,
    UnitMethod,
    VisitStatus,
)
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice
from core.domain.visit import Note, TimedBlock, UntimedService, Visit
from core.services import signing
from core.storage.chart import ChartSession


def fake_npi(base9: str) -> str:
    """A syntactically valid NPI (Luhn check digit over 80840 + 9 digits) for demo data only."""
    digits = [int(d) for d in "80840" + base9]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:  # the check digit will sit to the right, so these positions double
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return base9 + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class _Case:
    first: str
    last: str
    dob: dt.date
    sex: Sex
    discipline: Discipline
    payer: str
    dx: tuple[str, ...]
    side: Laterality
    region: str  # words used in notes
    pos: PlaceOfService = PlaceOfService.OFFICE


CASES = [
    _Case(
        "Rowan",
        "Ellery",
        dt.date(1956, 3, 14),
        Sex.FEMALE,
        Discipline.PT,
        "medicare",
        ("M17.11", "R26.89"),
        Laterality.RIGHT,
        "right knee",
    ),
    _Case(
        "Tobias",
        "Marchetti",
        dt.date(1979, 8, 2),
        Sex.MALE,
        Discipline.PT,
        "commercial",
        ("M75.111",),
        Laterality.RIGHT,
        "right shoulder",
    ),
    _Case(
        "Imogen",
        "Vasquez-Hale",
        dt.date(1988, 11, 23),
        Sex.FEMALE,
        Discipline.PT,
        "cash",
        ("S83.242D",),
        Laterality.LEFT,
        "left knee",
    ),
    _Case(
        "Percival",
        "Dunmore",
        dt.date(1949, 1, 30),
        Sex.MALE,
        Discipline.PT,
        "medicare",
        ("M16.12", "M62.81"),
        Laterality.LEFT,
        "left hip",
        PlaceOfService.HOME,
    ),
    _Case(
        "Saoirse",
        "Lindqvist",
        dt.date(1992, 6, 5),
        Sex.FEMALE,
        Discipline.PT,
        "commercial",
        ("S93.401D",),
        Laterality.RIGHT,
        "right ankle",
    ),
    _Case(
        "Augustin",
        "Oyelaran",
        dt.date(1965, 9, 17),
        Sex.MALE,
        Discipline.PT,
        "cash",
        ("M54.50",),
        Laterality.NOT_APPLICABLE,
        "low back",
    ),
    _Case(
        "Henrietta",
        "Castellanos",
        dt.date(1941, 12, 8),
        Sex.FEMALE,
        Discipline.PT,
        "medicare",
        ("Z96.651", "R26.89"),
        Laterality.RIGHT,
        "right knee",
        PlaceOfService.HOME,
    ),
    _Case(
        "Caspian",
        "Whitlock",
        dt.date(1975, 4, 11),
        Sex.MALE,
        Discipline.OT,
        "commercial",
        ("M19.041",),
        Laterality.RIGHT,
        "right hand",
    ),
    _Case(
        "Ottilie",
        "Brannigan",
        dt.date(1958, 2, 27),
        Sex.FEMALE,
        Discipline.OT,
        "medicare",
        ("M25.512",),
        Laterality.LEFT,
        "left shoulder",
    ),
    _Case(
        "Lazarus",
        "Penhaligon",
        dt.date(2001, 7, 19),
        Sex.MALE,
        Discipline.PT,
        "commercial",
        ("M25.561",),
        Laterality.RIGHT,
        "right knee",
    ),
]

# ICD-10-CM description and side of each demo code, exactly as ``core.domain.icd.lookup``
# derives them (a unit test holds the two together): the demo must not pay for loading the
# whole code set (~1.5 s) just to describe a dozen fixed codes.
DEMO_DIAGNOSES: dict[str, tuple[str, Laterality]] = {
    "M16.12": ("Unilateral primary osteoarthritis, left hip", Laterality.LEFT),
    "M17.11": ("Unilateral primary osteoarthritis, right knee", Laterality.RIGHT),
    "M19.041": ("Primary osteoarthritis, right hand", Laterality.RIGHT),
    "M25.512": ("Pain in left shoulder", Laterality.LEFT),
    "M25.561": ("Pain in right knee", Laterality.RIGHT),
    "M54.50": ("Low back pain, unspecified", Laterality.NOT_APPLICABLE),
    "M62.81": ("Muscle weakness (generalized)", Laterality.NOT_APPLICABLE),
    "M75.111": (
        "Incomplete rotator cuff tear or rupture of right shoulder, not specified as traumatic",
        Laterality.RIGHT,
    ),
    "R26.89": ("Other abnormalities of gait and mobility", Laterality.NOT_APPLICABLE),
    # Therapy treats healing injuries: 7th character D (subsequent encounter), not A
    # (ICD-10-CM guideline I.C.19.a).
    "S83.242D": (
        "Other tear of medial meniscus, current injury, left knee, subsequent encounter",
        Laterality.LEFT,
    ),
    "S93.401D": (
        "Sprain of unspecified ligament of right ankle, subsequent encounter", Laterality.RIGHT
    ),
    "Z96.651": ("Presence of right artificial knee joint", Laterality.RIGHT),
}

EXERCISES = {
    "knee": [
        ("Leg press", "seated"),
        ("Step-ups", "standing"),
        ("Terminal knee extension", "standing"),
    ],
    "hip": [
        ("Bridges", "supine"),
        ("Side-lying abduction", "side-lying"),
        ("Sit to stand", "seated"),
    ],
    "shoulder": [
        ("Theraband external rotation", "standing"),
        ("Scaption", "standing"),
        ("Wall slides", "standing"),
    ],
    "ankle": [
        ("Calf raises", "standing"),
        ("Theraband eversion", "long sitting"),
        ("Single-leg stance", "standing"),
    ],
    "back": [("Bird dog", "quadruped"), ("Dead bug", "supine"), ("Hip hinge", "standing")],
    "hand": [
        ("Putty grip", "seated"),
        ("Finger abduction band", "seated"),
        ("Wrist curls", "seated"),
    ],
}


def _region_key(region: str) -> str:
    return next(k for k in EXERCISES if k in region)


def _goals(case: _Case, episode: Episode, start: dt.date) -> list[Goal]:
    if "knee" in case.region or "hip" in case.region or "ankle" in case.region:
        short = Goal(
            term=GoalTerm.SHORT,
            activity="Climb one flight of stairs reciprocally",
            functional_purpose="reach the bedroom at home",
            measure="steps",
            baseline="4 with rail, step-to",
            target="12 reciprocal",
            unit="steps",
            target_date=start + dt.timedelta(weeks=3),
        )
        long = Goal(
            term=GoalTerm.LONG,
            activity="Walk community distances without device",
            functional_purpose="shop for groceries independently",
            measure="LEFS",
            baseline="38",
            target="60",
            unit="points",
            target_date=start + dt.timedelta(weeks=8),
            measure_id="LEFS",
        )
    elif "back" in case.region:
        short = Goal(
            term=GoalTerm.SHORT,
            activity="Lift 10 lb from floor with neutral spine",
            functional_purpose="load the dishwasher",
            measure="lb",
            baseline="0",
            target="10",
            unit="lb",
            target_date=start + dt.timedelta(weeks=3),
        )
        long = Goal(
            term=GoalTerm.LONG,
            activity="Sit 60 minutes with pain ≤ 2/10",
            functional_purpose="complete a work shift",
            measure="ODI",
            baseline="42",
            target="20",
            unit="%",
            target_date=start + dt.timedelta(weeks=8),
            measure_id="ODI",
        )
    else:
        short = Goal(
            term=GoalTerm.SHORT,
            activity="Reach to an overhead shelf",
            functional_purpose="put away groceries",
            measure="degrees flexion",
            baseline="95",
            target="140",
            unit="degrees",
            target_date=start + dt.timedelta(weeks=3),
        )
        long = Goal(
            term=GoalTerm.LONG,
            activity="Dress upper body independently",
            functional_purpose="get ready for work without help",
            measure="QuickDASH",
            baseline="52",
            target="20",
            unit="points",
            target_date=start + dt.timedelta(weeks=8),
            measure_id="QuickDASH",
        )
    return [episode.add_goal(short), episode.add_goal(long)]


def _t(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def _daily_note(case: _Case, visit: Visit, goals: list[Goal], n: int, rng: random.Random) -> Note:
    side = case.side if case.side is not Laterality.NOT_APPLICABLE else None
    pain = max(1, 6 - n // 2)
    note = Note(
        visit_id=visit.id,
        note_type=NoteType.DAILY,
        subjective=f"Reports {case.region} pain {pain}/10 today; managed home program "
        f"{rng.choice(['daily', 'most days', '5 of 7 days'])}.",
        objective=f"Session {n + 1}. Tolerated treatment without increase in symptoms.",
        assessment="Progressing toward goals; load increased as tolerated.",
        plan="Continue plan of care; progress resistance next visit.",
    )
    begin = (visit.start_time.hour * 60 + visit.start_time.minute) if visit.start_time else 540
    with_manual = n % 3 == 0 and side is not None
    ex_names = EXERCISES[_region_key(case.region)]
    load = 10 + 5 * (n // 2)
    exercises = [
        {
            "name": name,
            "position": pos,
            "sets": 3,
            "reps": 10 + (n % 3) * 2,
            "load": load + i * 5,
            "load_unit": "lb",
        }
        for i, (name, pos) in enumerate(ex_names)
    ]
    note.add_block(
        TimedBlock(
            code="97110",
            start=_t(begin),
            stop=_t(begin + 23),
            goal_ids=(goals[0].id,),
            laterality=side,
            details={"exercises": exercises, "target_outcome": "strength"},
            goal_connection=f"Strengthening of the {case.region} to {goals[0].activity.lower()}.",
        )
    )
    note.add_block(
        TimedBlock(
            code="97530",
            start=_t(begin + 23),
            stop=_t(begin + 38),
            goal_ids=(goals[1].id,),
            # Distinct time blocks: the clinician answers the modifier prompt. Commercial
            # payers here want 59 on 97110 + 97530; with 97140 the NCCI edit asks for 59/X.
            modifiers=("59",) if case.payer == "commercial" else (("XU",) if with_manual else ()),
            laterality=side,
            details={
                "activity": "Functional transfers and carrying",
                "functional_task": goals[1].functional_purpose,
                "components": ["balance", "lifting", "weight shifting"],
                "skilled_cues": "verbal and tactile cues for trunk alignment",
                "assistance": "contact guard" if n < 4 else "supervision",
                "performance": "Patient performed 4 trials, self-corrected after 2 cues.",
            },
            goal_connection=f"Dynamic functional activity so the patient can "
            f"{goals[1].functional_purpose}.",
        )
    )
    if with_manual:
        note.add_block(
            TimedBlock(
                code="97140",
                start=_t(begin + 38),
                stop=_t(begin + 48),
                goal_ids=(goals[0].id,),
                laterality=side,
                details={"technique": "Grade III joint mobilization", "region": case.region},
                goal_connection=(
                    f"Joint mobility of the {case.region} to {goals[0].activity.lower()}."
                ),
            )
        )
    note.total_treatment_minutes = note.total_timed_minutes + 5
    return note


def _demo_claim_ids(
    payer_id: str, filing: str, street: str, city: str, state: str, postal: str
) -> dict[str, Any]:
    """Synthetic clearinghouse ids and claims address (issue 18): files made from the demo
    chart are in test mode (ISA15 T) and name no real payer or clearinghouse."""
    return {"payer_id": payer_id, "submitter_id": "DEMOSUB001", "receiver_id": "DEMOCLEAR",
            "receiver_name": "Demo Clearinghouse", "claim_filing_code": filing,
            "address_line1": street, "city": city, "state": state, "postal_code": postal,
            "test_mode": True}


def populate(chart: ChartSession, *, today: dt.date | None = None, seed: int = 7) -> str:
    """Fill an empty chart; returns a one-line summary."""
    today = today or dt.date.today()
    rng = random.Random(seed)
    practice = Practice(
        name="Harborview Therapy Collective",
        address_line1="410 Alder Street",
        city="Portland",
        state="OR",
        postal_code="97204-2315",  # ZIP+4: an 837P billing provider address needs all 9
        phone="503-555-0148",
        npi=fake_npi("193456780"),
        tax_id="93-4418207",
        taxonomy_code="261QP2000X",  # clinic/center, physical therapy
    )
    pt = Clinician(
        first_name="Maya",
        last_name="Okafor",
        discipline=Discipline.PT,
        credentials="PT, DPT",
        npi=fake_npi("152347896"),
        license_number="PT-18842",
        taxonomy_code="225100000X",
    )
    ot = Clinician(
        first_name="Daniel",
        last_name="Reyes",
        discipline=Discipline.OT,
        credentials="OTR/L",
        npi=fake_npi("160918273"),
        license_number="OT-07719",
        taxonomy_code="225X00000X",
    )
    payers = {
        "medicare": PayerProfile(
            name="Medicare Part B",
            key="medicare",
            unit_method=UnitMethod.CMS_TOTAL_TIME,
            requires_discipline_modifier=True,
            uses_kx_threshold=True,
            progress_report_every_visits=10,
            **_demo_claim_ids("DEMOMCR01", "MB", "PO Box 6700", "Fargo", "ND", "58108"),
        ),
        "commercial": PayerProfile(
            name="Cascade Mutual PPO", key="commercial", unit_method=UnitMethod.PER_CODE,
            **_demo_claim_ids("DEMOCMP02", "CI", "PO Box 1271", "Portland", "OR", "97207"),
        ),
        "cash": PayerProfile(
            name="Self-pay (superbill)", key="cash", unit_method=UnitMethod.PER_CODE
        ),
    }
    with chart.uow() as uow:
        uow.practice.save(practice)
        uow.record("create", "practice", practice.id)
        for c in (pt, ot):
            uow.clinicians.save(c)
            uow.record("create", "clinician", c.id)
        for p in payers.values():
            uow.payers.save(p)
            uow.record("create", "payer_profile", p.id)
        uow.commit()
    n_visits = n_signed = 0
    for idx, case in enumerate(CASES):
        clinician = pt if case.discipline is Discipline.PT else ot
        start = today - dt.timedelta(days=42 - idx)
        patient = Patient(
            first_name=case.first,
            last_name=case.last,
            date_of_birth=case.dob,
            sex=case.sex,
            phone=f"503-555-01{idx:02d}",
            address_line1=f"{100 + idx * 17} Maple Court",
            city="Portland",
            state="OR",
            postal_code="97211",
            insurance_name=payers[case.payer].name,
            member_id=f"DEMO{rng.randrange(10**8):08d}",
        )
        episode = Episode(
            patient_id=patient.id,
            discipline=case.discipline,
            start_date=start,
            cert_start=start,
            cert_end=start + dt.timedelta(days=89),
            certified_on=start + dt.timedelta(days=6),
            referring_provider="Dr. Alma Whitfield, MD",
            referring_npi=fake_npi("124681357"),
            frequency_per_week=2,
            duration_weeks=8,
            payer_profile_id=payers[case.payer].id,
            clinician_id=clinician.id,
            precautions="Fall risk" if case.pos is PlaceOfService.HOME else "",
        )
        for code in case.dx:
            description, side = DEMO_DIAGNOSES[code]
            episode.add_diagnosis(Diagnosis(code=code, description=description, laterality=side))
        goals = _goals(case, episode, start)
        with chart.uow() as uow:
            cache = signing.ContextCache()
            uow.patients.save(patient)
            uow.episodes.save(episode)
            uow.record("create", "patient", patient.id)
            uow.record("create", "episode", episode.id)
            day, n = start, 0
            while day <= today:
                begin = 8 * 60 + (idx * 50) % 480
                visit = Visit(
                    patient_id=patient.id,
                    episode_id=episode.id,
                    clinician_id=clinician.id,
                    date=day,
                    place_of_service=case.pos,
                    start_time=_t(begin),
                    end_time=_t(begin + 55),
                    status=VisitStatus.COMPLETED,
                )
                if n == 0:
                    note = Note(
                        visit_id=visit.id,
                        note_type=NoteType.EVALUATION,
                        subjective=f"Referred for {case.region} pain limiting daily tasks.",
                        objective="Evaluation findings documented; goals set with patient.",
                        assessment="Good rehab potential.",
                        plan="2x/week for 8 weeks: exercise, functional training, manual.",
                    )
                    eval_code = "97162" if case.discipline is Discipline.PT else "97166"
                    note.add_untimed(
                        UntimedService(
                            code=eval_code,
                            minutes=45,
                            laterality=case.side if case.side.is_sided else None,
                        )
                    )
                    note.total_treatment_minutes = 50
                elif n == 4 and idx % 4 == 1:
                    visit.status = VisitStatus.NO_SHOW
                    visit.start_time = visit.end_time = None
                    note = None
                else:
                    note = _daily_note(case, visit, goals, n, rng)
                    if n % 10 == 9:  # every 10th treatment day: a progress report
                        note.note_type = NoteType.PROGRESS_REPORT
                        note.assessment = (
                            f"Progress report: STG '{goals[0].activity}' partially met; "
                            f"LTG '{goals[1].activity}' ongoing. Continue plan of care."
                        )
                uow.visits.save(visit)
                uow.record("create", "visit", visit.id)
                if note is not None:
                    uow.notes.save(note)
                    uow.record("create", "note", note.id)
                    # recent notes stay drafts, but a progress report is signed the day it is
                    # written: only a signed report restarts the 10-treatment-day count
                    if (today - day).days > 3 or note.note_type is NoteType.PROGRESS_REPORT:
                        signing.sign_within(
                            uow,
                            note.id,
                            signer_id=clinician.id,
                            now=dt.datetime.combine(day, dt.time(18, 0)),
                            cache=cache,
                            acknowledgements=DEMO_ACKNOWLEDGEMENTS,
                        )
                        n_signed += 1
                n_visits += 1
                n += 1
                day += dt.timedelta(days=3 if n % 2 else 4)
            uow.commit()
    _seed_billing(chart, today)
    from core.services.measures import add_demo_scores  # LEFS/ODI/QuickDASH + NPRS trends

    add_demo_scores(chart, today=today)
    return f"{len(CASES)} patients, {n_visits} visits, {n_signed} signed notes"


# The warnings the demo's notes carry, acknowledged with a reason as a clinician would before
# signing (an unacknowledged warning stops the signature). Only warnings that stand on a note
# are acknowledged on it; any other warning makes the demo fail loudly.
DEMO_ACKNOWLEDGEMENTS = {
    "note.no_outcome_measure": "Outcome measures are scored on the Measures page for this plan",
}

DEMO_FEES = {"97162": 18500, "97166": 18500, "97110": 6200, "97112": 6400, "97116": 6000,
             "97140": 5800, "97530": 6800, "97535": 6000, "97164": 12000, "97168": 12000}


def _seed_billing(chart: ChartSession, today: dt.date) -> None:
    """A fee schedule, a prepaid package and a few payments (all synthetic) for superbills."""
    from core.services import billing

    with chart.uow() as uow:
        for code, cents in DEMO_FEES.items():
            billing.set_fee_within(uow, FeeScheduleEntry(
                code, cents, effective_from=today - dt.timedelta(days=400)))
        ids = {r.last_name: r.id for r in uow.patients.search("", limit=100)}
        uow.commit()
    billing.sell_package(chart, ids["Vasquez-Hale"], name="10-visit package", visits_total=10,
                         price_cents=95000, purchased_on=today - dt.timedelta(days=45))
    billing.record_payment(chart, ids["Oyelaran"], 25000, date=today - dt.timedelta(days=14),
                           method="card", reference="1042")
    billing.record_payment(chart, ids["Marchetti"], 4000, date=today - dt.timedelta(days=20),
                           method="check", reference="311")
