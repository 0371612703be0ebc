"""Where and when a visit took place (issue 13): home visits with their address, telehealth with
its modality, charting a past date and refusing a future one, changing a draft's place, and
the superbill/claim carrying the visit's place of service — on a real encrypted chart."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from pypdf import PdfReader

from core.domain.enums import GoalTerm, PlaceOfService, TelehealthModality
from core.domain.errors import SignedNoteImmutable, ValidationError
from core.rules import snapshot
from core.services import billing, episodes, notes, practice, signing, superbill, ui_queries, visits
from core.services.superbill import SuperbillRequest
from core.storage import audit
from core.storage.chart import ChartSession
from tests.integration.test_billing_ledger import DAY0, Clinic, make_clinic

TODAY = DAY0 + dt.timedelta(days=20)


@pytest.fixture
def clinic(chart: ChartSession) -> Clinic:
    c = make_clinic(chart)
    billing.set_fee(chart, "97110", 6000, effective_from=DAY0 - dt.timedelta(days=30))
    episodes.add_goal(chart, c.episode_id, term=GoalTerm.SHORT, activity="Climb 12 stairs")
    return c


def start(clinic: Clinic, day: dt.date = TODAY, **kw: object) -> notes.NoteView:
    return notes.start_note(clinic.chart, episode_id=clinic.episode_id,
                            clinician_id=clinic.clinician_id, date=day, today=TODAY,
                            **kw).value  # type: ignore[arg-type]


def _sign_acknowledging(clinic: Clinic, note_id: uuid.UUID) -> None:
    """Fill the note (S/O/A/P, 30 minutes of 97110), acknowledge its warnings, sign it."""
    chart = clinic.chart
    for section in ("subjective", "objective", "assessment", "plan"):
        notes.edit_section(chart, note_id, section, f"Synthetic {section} text for the test.")
    with chart.uow() as uow:
        goal_ids = tuple(g.id for g in uow.episodes.get(clinic.episode_id).goals)
    notes.add_block(chart, note_id, "97110", start=dt.time(9), stop=dt.time(9, 30),
                    laterality="right", goal_ids=goal_ids,
                    goal_connection="to climb stairs at home")
    for finding in ui_queries.note_check(chart, note_id, today=TODAY).findings:
        if finding.severity == "warn":
            notes.acknowledge_warning(chart, note_id, finding.key, "Synthetic test visit")
    signing.sign_note(chart, note_id, signer_id=clinic.clinician_id, today=TODAY)


def test_home_visit_needs_and_keeps_its_address(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as err:
        start(clinic, place_of_service=PlaceOfService.HOME)
    assert err.value.field == "address"
    view = start(clinic, place_of_service=PlaceOfService.HOME,
                 address="  12 Lantern   Way, Astoria OR 97103 ")
    with clinic.chart.uow() as uow:
        visit = uow.visits.get(view.visit.id)
    assert visit.place_of_service == PlaceOfService.HOME
    assert visit.address == "12 Lantern Way, Astoria OR 97103"
    assert visit.telehealth_modality is None


def test_telehealth_needs_a_modality(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as err:
        start(clinic, place_of_service=PlaceOfService.TELEHEALTH_HOME)
    assert err.value.field == "telehealth_modality"
    view = start(clinic, place_of_service="10", telehealth_modality="audio_only",
                 address="ignored for telehealth")
    with clinic.chart.uow() as uow:
        visit = uow.visits.get(view.visit.id)
    assert visit.telehealth_modality == TelehealthModality.AUDIO_ONLY and visit.address == ""


def test_past_dates_chart_future_dates_are_refused(clinic: Clinic) -> None:
    past = start(clinic, DAY0 + dt.timedelta(days=3))
    assert past.visit.date == DAY0 + dt.timedelta(days=3)
    with pytest.raises(ValidationError, match="in the future") as err:
        start(clinic, TODAY + dt.timedelta(days=1))
    assert err.value.field == "date"
    with pytest.raises(ValidationError, match="before this episode"):
        start(clinic, DAY0 - dt.timedelta(days=1))
    with clinic.chart.uow() as uow:  # nothing half-written by the refused starts
        assert len(uow.visits.rows(patient_id=clinic.patient_id)) == 1


def test_a_drafts_place_and_date_change_a_signed_one_never(clinic: Clinic) -> None:
    chart = clinic.chart
    view = start(clinic)
    visit_id = view.visit.id
    with pytest.raises(ValidationError):  # home without an address: refused, nothing changed
        visits.set_visit_place(chart, visit_id, place_of_service="12", today=TODAY)
    moved = visits.set_visit_place(chart, visit_id, place_of_service="12",
                                   address="7 Harbor St", date=TODAY - dt.timedelta(days=2),
                                   today=TODAY)
    assert moved.changes is not None
    with chart.uow() as uow:
        stored = uow.visits.get(visit_id)
        details = [r["detail"] for r in audit.recent(uow.conn, 20)
                   if r["entity"] == "visit" and r["action"] == "update"]
    assert (stored.place_of_service, stored.address, stored.date) == (
        PlaceOfService.HOME, "7 Harbor St", TODAY - dt.timedelta(days=2))
    assert details and "Harbor" not in " ".join(str(d) for d in details)  # no PHI in the log
    with pytest.raises(ValidationError, match="future"):
        visits.set_visit_place(chart, visit_id, date=TODAY + dt.timedelta(days=5), today=TODAY)
    _sign_acknowledging(clinic, view.note.id)
    with pytest.raises(SignedNoteImmutable):
        visits.set_visit_place(chart, visit_id, place_of_service="11", today=TODAY)
    with chart.uow() as uow:
        note = uow.notes.get(view.note.id)
        assert snapshot.verify_snapshot(note, uow.visits.get(visit_id))
    assert '"address":"7 Harbor St"' in (note.snapshot or "")


def test_superbill_carries_the_visits_place_and_telehealth_modifier(clinic: Clinic) -> None:
    chart = clinic.chart
    practice.save_practice(chart, taxonomy_code="225100000x", license_number="CL-0042")
    home = start(clinic, TODAY - dt.timedelta(days=4), place_of_service="12",
                 address="7 Harbor St")
    tele = start(clinic, TODAY - dt.timedelta(days=2), place_of_service="02",
                 telehealth_modality="audio_video")
    office = start(clinic, TODAY - dt.timedelta(days=1))
    for view in (home, tele, office):
        _sign_acknowledging(clinic, view.note.id)
    bill = superbill.preview_superbill(
        chart, SuperbillRequest(clinic.patient_id, issued_on=TODAY)).value
    lines = {(ln.date, ln.place_of_service, ln.modifiers) for ln in bill.superbill.lines}
    assert {(d, pos) for d, pos, _m in lines} == {
        (TODAY - dt.timedelta(days=4), "12"), (TODAY - dt.timedelta(days=2), "02"),
        (TODAY - dt.timedelta(days=1), "11")}
    assert all(("95" in m) == (pos == "02") for _d, pos, m in lines)
    assert all(ln.charge_cents == 12000 for ln in bill.superbill.lines)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(bill.pdf)).pages)
    text = " ".join(text.split())
    assert "ZZ 225100000X" in text and "CL-0042" in text and "$360.00" in text


def test_practice_profile_checks_its_ids(chart: ChartSession) -> None:
    saved = practice.save_practice(chart, name=" Harbor Rehab ", tax_id="912345678",
                                   taxonomy_code="225x00000x").value
    assert (saved.name, saved.tax_id, saved.taxonomy_code) == (
        "Harbor Rehab", "91-2345678", "225X00000X")
    for bad in ({"taxonomy_code": "22510000"}, {"tax_id": "12-34"}, {"npi": "1234567890"},
                {"name": "  "}):
        with pytest.raises(ValidationError):
            practice.save_practice(chart, **bad)
    assert practice.get_practice(chart).taxonomy_code == "225X00000X"  # refused edits: no change
