"""Fee schedule, charges, payments, refunds, packages and balances on a small real chart; the
claim scrub's practice/referrer/units checks; the logo."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, replace

import pytest
from PIL import Image
from pypdf import PdfReader

from core.domain.billing import (
    BillingProvider,
    Superbill,
    SuperbillLine,
    SuperbillPatient,
    format_cents,
    parse_amount,
)
from core.domain.enums import Discipline, Laterality, NoteType, UnitMethod, VisitStatus
from core.domain.errors import InvalidInput, ValidationError
from core.domain.visit import Note, TimedBlock, UntimedService, Visit
from core.rules import snapshot
from core.services import billing, episodes, patients, practice, superbill
from core.services.claim_scrub import ScrubFacts, clean_override_reason, scrub
from core.services.demo import fake_npi
from core.services.superbill import SuperbillRequest
from core.storage.chart import ChartSession

DAY0 = dt.date(2026, 5, 4)


@dataclass
class Clinic:
    chart: ChartSession
    clinician_id: uuid.UUID
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    payer_id: uuid.UUID


def make_clinic(
    chart: ChartSession, *, payer_key: str = "cash", with_practice: bool = True,
    group_npi: bool = True, referring_npi: str | None = None, member_id: str = "ZX123",
) -> Clinic:
    if with_practice:
        practice.save_practice(
            chart, name="Tidewater Rehab", address_line1="1 Pier Road", city="Astoria",
            state="OR", postal_code="97103", phone="503-555-0199",
            npi=fake_npi("198765432") if group_npi else None, tax_id="91-2345678",
        )
    clinician = practice.add_clinician(
        chart, first_name="Iris", last_name="Vance", discipline=Discipline.PT,
        credentials="PT, DPT", npi=fake_npi("176543210"), license_number="PT-5521",
    ).value
    method = UnitMethod.CMS_TOTAL_TIME if payer_key == "medicare" else UnitMethod.PER_CODE
    payer = practice.add_payer_profile(
        chart, name=payer_key.title(), key=payer_key, unit_method=method,
        requires_discipline_modifier=payer_key == "medicare",
    ).value
    patient = patients.create_patient(
        chart, first_name="Wren", last_name="Testcase", date_of_birth=dt.date(1971, 2, 3),
        member_id=member_id,
    ).value
    episode = episodes.create_episode(
        chart, patient_id=patient.id, discipline=Discipline.PT, start_date=DAY0,
        payer_profile_id=payer.id, clinician_id=clinician.id, diagnoses=["M17.11"],
        referring_provider="Dr. Test Referrer",
        referring_npi=referring_npi,
    ).value
    return Clinic(chart, clinician.id, patient.id, episode.id, payer.id)


def add_visit(
    clinic: Clinic, day: dt.date, blocks: list[tuple[str, int]], untimed: tuple[str, ...] = (),
    *, signed: bool = True,
) -> uuid.UUID:
    """A held visit; blocks are (code, minutes) back to back from 9:00, on the right side."""
    with clinic.chart.uow() as uow:
        visit = Visit(clinic.patient_id, clinic.episode_id, clinic.clinician_id, day,
                      start_time=dt.time(9), end_time=dt.time(11), status=VisitStatus.COMPLETED)
        note = Note(visit_id=visit.id, note_type=NoteType.DAILY)
        at = 9 * 60
        for code, minutes in blocks:
            note.add_block(TimedBlock(code, dt.time(at // 60, at % 60),
                                      dt.time((at + minutes) // 60, (at + minutes) % 60),
                                      laterality=Laterality.RIGHT))
            at += minutes
        for code in untimed:
            note.add_untimed(UntimedService(code, minutes=30))
        uow.visits.save(visit)
        uow.notes.save(note)
        if signed:
            at_time = dt.datetime.combine(day, dt.time(18))
            text = snapshot.canonical_note_json(note, visit, signed_by=clinic.clinician_id,
                                                signed_at=at_time)
            note.mark_signed(by=clinic.clinician_id, at=at_time, snapshot=text,
                             content_hash=snapshot.snapshot_hash(text))
            uow.notes.save(note)
        uow.commit()
    return visit.id


@pytest.fixture
def clinic(chart: ChartSession) -> Clinic:
    c = make_clinic(chart)
    for code, cents in (("97110", 6000), ("97140", 5000), ("97162", 15000)):
        billing.set_fee(chart, code, cents, effective_from=DAY0 - dt.timedelta(days=30))
    return c


def test_amounts_parse_and_format() -> None:
    assert parse_amount("$1,234.5") == 123450 and parse_amount("80") == 8000
    assert parse_amount(12.25) == 1225 and format_cents(-1200) == "-$12.00"
    assert format_cents(123456) == "$1,234.56"
    for bad in ("12.345", "abc", "-5", "1,23"):
        with pytest.raises(InvalidInput):
            parse_amount(bad)


def test_fee_schedule_dates_and_payer_specific(clinic: Clinic) -> None:
    chart = clinic.chart
    billing.set_fee(chart, "97110", 6500, effective_from=DAY0 + dt.timedelta(days=10))
    fees = [f for f in billing.list_fees(chart) if f.code == "97110"]
    assert [(f.amount_cents, f.effective_to) for f in fees] == [
        (6000, DAY0 + dt.timedelta(days=9)), (6500, None)]
    with pytest.raises(ValidationError):  # overlaps the closed, older fee
        billing.set_fee(chart, "97110", 1, effective_from=DAY0, effective_to=DAY0)
    billing.set_fee(chart, "97110", 4000, effective_from=DAY0 - dt.timedelta(days=30),
                    payer_profile_id=clinic.payer_id)
    assert {f.amount_cents for f in billing.list_fees(chart, on=DAY0) if f.code == "97110"} == {
        6000, 4000}
    visit = add_visit(clinic, DAY0, [("97110", 30)])
    account = billing.account(chart, clinic.patient_id).value
    assert account.ledger.visits[visit].charge_cents == 2 * 4000  # the payer's own fee wins
    extra = billing.set_fee(chart, "97112", 100, effective_from=DAY0).value
    billing.remove_fee(chart, extra.id)
    assert all(f.code != "97112" for f in billing.list_fees(chart))


def test_charges_from_units_and_zero_unit_lines_left_off(clinic: Clinic) -> None:
    visit = add_visit(clinic, DAY0, [("97110", 23), ("97140", 7)])  # per code: 2 and 0 units
    preview = superbill.preview_superbill(
        clinic.chart, SuperbillRequest(clinic.patient_id, visit_id=visit, issued_on=DAY0)
    ).value
    assert [(ln.code, ln.units, ln.charge_cents) for ln in preview.superbill.lines] == [
        ("97110", 2, 12000)]
    zero = next(f for f in preview.findings if f.id == "scrub.zero_units")
    assert "97140" in zero.message and "7 min" in zero.message and "per-code" in zero.message
    assert not preview.blocking
    assert preview.superbill.charges_cents == 12000
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(preview.pdf)).pages)
    assert "97140" not in text and "$120.00" in text


def test_payments_allocation_refund_and_balance_reconcile(
    clinic: Clinic, chart: ChartSession
) -> None:
    v1 = add_visit(clinic, DAY0, [("97110", 30)], ("97162",))  # 150 + 120
    v2 = add_visit(clinic, DAY0 + dt.timedelta(days=3), [("97110", 38)])  # 3 units: 180
    add_visit(clinic, DAY0 + dt.timedelta(days=5), [("97110", 30)], signed=False)  # no charge
    pid = clinic.patient_id
    billing.record_payment(chart, pid, 10000, date=DAY0, method="card", visit_id=v2)
    billing.record_payment(chart, pid, 30000, date=DAY0, method="check", reference="77")
    billing.record_refund(chart, pid, 2500, date=DAY0 + dt.timedelta(days=6), method="check")
    with pytest.raises(InvalidInput):
        billing.record_refund(chart, pid, 10**6, date=DAY0)
    other = patients.create_patient(chart, first_name="Other", last_name="Person",
                                    date_of_birth=dt.date(1980, 1, 1)).value
    with pytest.raises(InvalidInput):
        billing.record_payment(chart, other.id, 100, date=DAY0, visit_id=v1)
    ledger = billing.account(chart, pid).value.ledger
    a1, a2 = ledger.visits[v1], ledger.visits[v2]
    assert (a1.charge_cents, a2.charge_cents) == (27000, 18000)
    assert a2.paid_direct_cents == 10000
    # The unallocated 300 − 25 refund = 275 pays the oldest visit first (270), 5 left over.
    assert a1.paid_applied_cents == 27000 and a1.balance_cents == 0
    assert a2.paid_applied_cents == 500 and a2.balance_cents == 7500
    assert ledger.unapplied_credit_cents == 0
    assert ledger.received_cents == 37500
    assert ledger.balance_cents == 45000 - 37500
    assert ledger.balance_cents == sum(v.balance_cents for v in ledger.visits.values()) - (
        ledger.unapplied_credit_cents + ledger.package_credit_cents)
    bill = superbill.preview_superbill(chart, SuperbillRequest(pid, visit_id=v2)).value.superbill
    assert (bill.charges_cents, bill.paid_cents, bill.balance_cents) == (18000, 10500, 7500)
    assert [p.description for p in bill.payments] == ["Payment (card)",
                                                      "Payments on account applied"]


def test_package_draws_down_automatically(clinic: Clinic, chart: ChartSession) -> None:
    pid = clinic.patient_id
    package = billing.sell_package(chart, pid, name="3-visit pack", visits_total=3,
                                   price_cents=10000, purchased_on=DAY0).value
    days = [DAY0 + dt.timedelta(days=2 * i) for i in range(5)]
    visits = [add_visit(clinic, d, [("97110", 30)]) for d in days]  # 120 each
    billing.record_payment(chart, pid, 12000, date=days[1], visit_id=visits[1])  # paid directly
    account = billing.account(chart, pid).value
    ledger = account.ledger
    drawn = [v for v in visits if ledger.visits[v].package_id == package.id]
    assert drawn == [visits[0], visits[2], visits[3]]  # oldest first, skipping the paid one
    assert [ledger.visits[v].paid_package_cents for v in drawn] == [3333, 3333, 3334]
    assert all(ledger.visits[v].balance_cents == 0 for v in drawn)
    assert [ledger.visits[v].adjustment_cents for v in drawn] == [8667, 8667, 8666]
    assert ledger.visits[visits[4]].balance_cents == 12000  # the package is used up
    assert account.packages[0].used == 3 and account.packages[0].remaining == 0
    assert ledger.package_credit_cents == 0
    assert ledger.balance_cents == 12000
    again = billing.account(chart, pid).value  # stable: nothing new to draw
    assert again.ledger.visits == ledger.visits
    with chart.uow() as uow:
        from core.storage import audit

        rows = [r for r in audit.recent(uow.conn, 500) if r["entity"] == "package"]
    assert [r["detail"] for r in rows if r["action"] == "update"] == ["draw_down uses+=3"]


def test_unused_package_is_a_credit_and_expiry_is_respected(
    clinic: Clinic, chart: ChartSession
) -> None:
    pid = clinic.patient_id
    billing.sell_package(chart, pid, name="Old pack", visits_total=5, price_cents=25000,
                         purchased_on=DAY0 - dt.timedelta(days=20),
                         expires_on=DAY0 - dt.timedelta(days=1))
    visit = add_visit(clinic, DAY0, [("97110", 30)])
    ledger = billing.account(chart, pid).value.ledger
    assert ledger.visits[visit].package_id is None
    assert ledger.package_credit_cents == 25000
    assert ledger.balance_cents == 12000 - 25000  # a credit on account


def test_scrub_practice_referrer_and_member_checks(chart: ChartSession) -> None:
    clinic = make_clinic(chart, payer_key="medicare", with_practice=False, member_id="")
    visit = add_visit(clinic, DAY0, [("97110", 30)])
    preview = superbill.preview_superbill(
        chart, SuperbillRequest(clinic.patient_id, visit_id=visit)).value
    ids = {f.id: f.severity for f in preview.findings}
    assert ids["scrub.practice_missing"] == "block"
    assert ids["scrub.referring_npi_missing"] == "block"  # Medicare needs the certifier's NPI
    assert ids["scrub.member_id_missing"] == "warn"
    assert ids["scrub.fee_missing"] == "warn"


def test_solo_practice_without_group_npi_only_warns(chart: ChartSession) -> None:
    clinic = make_clinic(chart, group_npi=False, referring_npi=fake_npi("124681357"))
    visit = add_visit(clinic, DAY0, [("97110", 30)])
    preview = superbill.preview_superbill(
        chart, SuperbillRequest(clinic.patient_id, visit_id=visit)).value
    ids = {f.id for f in preview.findings}
    assert "scrub.billing_npi_individual" in ids and not preview.blocking


def test_scrub_lines_addon_pointer_pos() -> None:
    line = SuperbillLine(DAY0, "11", "97130", "Cognitive, each added 15", (), "A", 1, 5000,
                         5000, fake_npi("176543210"), uuid.uuid4())
    bill = Superbill(
        "SB-X", DAY0, DAY0, DAY0, BillingProvider("P", (), "", fake_npi("198765432"), "1-2"),
        (), SuperbillPatient("A, B", dt.date(1970, 1, 1), "F", (), "", "", "M1", ""), (), (),
        (line, replace(line, code="97110", pointers="", place_of_service="99")), (), 0, 0, 0,
        (line.visit_id,))
    ids = [f.id for f in scrub(bill, ScrubFacts())]
    assert ids == ["scrub.pos_missing", "scrub.pointer_missing", "scrub.addon_without_parent"]


def test_override_reason_is_cleaned() -> None:
    from core.domain.patient import Patient

    p = Patient(first_name="Wren", last_name="Testcase", date_of_birth=dt.date(1971, 2, 3),
                member_id="ZX123", phone="503-555-0111")
    text = clean_override_reason("Wren  Testcase (ZX123, 02/03/1971)\ncall 503-555-0111; ok" +
                                 "x" * 300, p)
    assert "Wren" not in text and "Testcase" not in text and "ZX123" not in text
    assert "1971" not in text and "0111" not in text and ";" not in text and "\n" not in text
    assert len(text) == 200


def test_logo_appears_and_is_validated(clinic: Clinic, chart: ChartSession) -> None:
    visit = add_visit(clinic, DAY0, [("97110", 30)])
    request = SuperbillRequest(clinic.patient_id, visit_id=visit, issued_on=DAY0)
    plain = superbill.preview_superbill(chart, request).value.pdf
    buf = io.BytesIO()
    Image.new("RGB", (240, 80), (30, 90, 160)).save(buf, format="PNG")
    assert billing.set_logo(chart, buf.getvalue()).value == "image/png"
    with_logo = superbill.preview_superbill(chart, request).value.pdf
    assert with_logo != plain
    assert with_logo == superbill.preview_superbill(chart, request).value.pdf
    resources = PdfReader(io.BytesIO(with_logo)).pages[0]["/Resources"]
    assert "/XObject" in resources
    with pytest.raises(InvalidInput):
        billing.set_logo(chart, b"GIF89a not a png")
    billing.remove_logo(chart)
    assert billing.get_logo(chart) is None


def test_cognitive_pool_bills_97129_from_documented_minutes(
    clinic: Clinic, chart: ChartSession
) -> None:
    billing.set_fee(chart, "97129", 9000, effective_from=DAY0)
    billing.set_fee(chart, "97130", 7000, effective_from=DAY0)
    visit = add_visit(clinic, DAY0, [("97130", 38)])  # documented as 97130 only
    preview = superbill.preview_superbill(
        chart, SuperbillRequest(clinic.patient_id, visit_id=visit)).value
    lines = [(ln.code, ln.units, ln.pointers) for ln in preview.superbill.lines]
    assert lines == [("97129", 1, "A"), ("97130", 2, "A")]  # pooled: first unit is 97129
    assert not preview.blocking
