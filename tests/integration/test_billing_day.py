"""Billing by day of service on real encrypted charts: two visits of one day priced as one
(one line per code with the day's units), overlaps across notes blocking the sign-off, and the
clinician who cannot be in two places at once."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from core.domain.enums import Discipline, GoalTerm, Laterality, UnitMethod
from core.domain.errors import SignBlocked
from core.services import billing, episodes, notes, patients, practice, signing, superbill
from core.services.demo import fake_npi
from core.services.superbill import SuperbillRequest
from core.storage.chart import ChartSession

DAY = dt.date(2026, 10, 2)


@dataclass
class Setup:
    chart: ChartSession
    pt: uuid.UUID
    payer: uuid.UUID
    patient: uuid.UUID
    episode: uuid.UUID
    goal: uuid.UUID


def new_patient(s: Setup, last: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    patient = patients.create_patient(
        s.chart, first_name="Nell", last_name=last, date_of_birth=dt.date(1950, 1, 1),
        member_id="1EG4TE5MK72").value
    ep = episodes.create_episode(
        s.chart, patient_id=patient.id, discipline=Discipline.PT, start_date=DAY,
        cert_start=DAY, cert_end=DAY + dt.timedelta(days=60), certified_on=DAY,
        payer_profile_id=s.payer, diagnoses=["M17.11"], referring_provider="Dr. R",
        referring_npi=fake_npi("124681357")).value
    goal = episodes.add_goal(s.chart, ep.id, term=GoalTerm.SHORT, activity="Climb 12 stairs",
                             functional_purpose="reach the bedroom").value
    return patient.id, ep.id, goal.id


def make(chart: ChartSession, key: str = "medicare") -> Setup:
    practice.save_practice(chart, name="Tidewater Rehab", address_line1="1 Pier Road",
                           city="Astoria", state="OR", postal_code="97103",
                           npi=fake_npi("198765432"), tax_id="91-2345678")
    pt = practice.add_clinician(chart, first_name="Ada", last_name="Quist",
                                discipline=Discipline.PT, credentials="PT",
                                npi=fake_npi("176543210"), license_number="PT-1").value
    method = UnitMethod.CMS_TOTAL_TIME if key == "medicare" else UnitMethod.PER_CODE
    payer = practice.add_payer_profile(
        chart, name=key.title(), key=key, unit_method=method,
        requires_discipline_modifier=True, uses_kx_threshold=key == "medicare",
        progress_report_every_visits=10 if key == "medicare" else None).value
    billing.set_fee(chart, "97110", 6000, effective_from=DAY - dt.timedelta(days=400))
    s = Setup(chart, pt.id, payer.id, uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    s.patient, s.episode, s.goal = new_patient(s, "Testcase")
    return s


def visit(s: Setup, start: str, stop: str, *, episode: uuid.UUID | None = None,
          goal: uuid.UUID | None = None, day: dt.date = DAY,
          clinician: uuid.UUID | None = None) -> uuid.UUID:
    """A draft note with one 97110 block from ``start`` to ``stop`` in a visit that covers it."""
    a, b = dt.time.fromisoformat(start), dt.time.fromisoformat(stop)
    view = notes.start_note(s.chart, episode_id=episode or s.episode,
                            clinician_id=clinician or s.pt, date=day, start_time=a,
                            end_time=b).value
    notes.add_block(s.chart, view.note.id, "97110", start=a, stop=b,
                    goal_ids=(goal or s.goal,), laterality=Laterality.RIGHT,
                    goal_connection="Strength to climb stairs.",
                    details={"exercises": [{"name": "Step-ups", "sets": 3, "reps": 10,
                                            "target_outcome": "strength"}]})
    notes.edit_section(s.chart, view.note.id, "objective", "Step-ups 3x10, cues for knee.")
    notes.edit_section(s.chart, view.note.id, "assessment", "Tolerated well; needs cueing.")
    minutes = (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)
    notes.set_total_treatment_minutes(s.chart, view.note.id, minutes)
    return view.note.id


def sign(s: Setup, note_id: uuid.UUID) -> None:
    signing.sign_note(s.chart, note_id, signer_id=s.pt)


@pytest.fixture
def setup(chart: ChartSession) -> Setup:
    return make(chart, "commercial")


def test_two_visits_of_one_day_make_one_line_with_the_days_units(chart: ChartSession) -> None:
    s = make(chart, "medicare")
    first, second = visit(s, "09:00", "09:10"), visit(s, "09:20", "09:30")
    sign(s, first)
    found = {f.id: f for f in signing.check(s.chart, second)}
    assert "day.units_combined" in found and "1 timed unit" in found["day.units_combined"].message
    sign(s, second)
    preview = superbill.preview_superbill(chart, SuperbillRequest(s.patient)).value
    lines = [ln for ln in preview.superbill.lines if ln.code == "97110"]
    assert [(ln.date, ln.units, ln.charge_cents) for ln in lines] == [(DAY, 1, 6000)]
    combined = [f for f in preview.findings if f.id == "scrub.day_combined"]
    assert combined and "2 visits" in combined[0].message and "10 + 10 = 20" in combined[0].message
    # the ledger charges the day once, split over its visits
    account = billing.account(chart, s.patient).value
    assert account.ledger.charges_cents == 6000
    # asking for one visit bills its whole day
    with chart.uow() as uow:
        vid = uow.notes.get(second).visit_id
    one = superbill.preview_superbill(chart, SuperbillRequest(s.patient, visit_id=vid)).value
    assert [(ln.code, ln.units) for ln in one.superbill.lines] == [("97110", 1)]
    assert len(one.superbill.visit_ids) == 2


def test_per_code_payer_also_prices_the_day(setup: Setup) -> None:
    for start, stop in (("09:00", "09:10"), ("14:00", "14:10")):
        sign(setup, visit(setup, start, stop))
    bill = superbill.preview_superbill(setup.chart, SuperbillRequest(setup.patient)).value
    assert [(ln.code, ln.units) for ln in bill.superbill.lines] == [("97110", 1)]


def test_single_visit_days_have_no_day_finding(setup: Setup) -> None:
    sign(setup, visit(setup, "09:00", "09:30"))
    sign(setup, visit(setup, "09:00", "09:30", day=DAY + dt.timedelta(days=1)))
    preview = superbill.preview_superbill(setup.chart, SuperbillRequest(setup.patient)).value
    assert [ln.units for ln in preview.superbill.lines] == [2, 2]
    assert "scrub.day_combined" not in {f.id for f in preview.findings}


def test_overlap_with_the_same_patients_other_note_blocks_sign_off(setup: Setup) -> None:
    first = visit(setup, "09:00", "09:10")
    sign(setup, first)
    second = visit(setup, "09:05", "09:15")
    with pytest.raises(SignBlocked) as err:
        sign(setup, second)
    hits = [f for f in err.value.findings if f.id == "day.overlap_same_patient"]
    assert hits and str(first) in hits[0].field
    third = visit(setup, "11:00", "11:10")
    assert "day.overlap_same_patient" not in {f.id for f in signing.check(setup.chart, third)}


def test_one_therapist_two_patients_at_once_is_blocked(setup: Setup) -> None:
    mine = visit(setup, "09:00", "09:30")
    sign(setup, mine)
    _patient, ep2, goal2 = new_patient(setup, "Second")
    theirs = visit(setup, "09:15", "09:45", episode=ep2, goal=goal2)
    with pytest.raises(SignBlocked) as err:
        sign(setup, theirs)
    hits = [f for f in err.value.findings if f.id == "day.overlap_clinician"]
    assert hits and str(mine) in hits[0].field and "Testcase" not in hits[0].message
    later = visit(setup, "09:45", "10:15", episode=ep2, goal=goal2)
    sign(setup, later)  # after both (back to back with the unsigned draft) is fine
