"""Claims assembly, the CMS-1500 items and the 837P file from plain domain objects (issue 18).

The 837P files are checked by counting segments here (the independent validator, pyx12, reads
them and the demo chart's files in tests/integration/test_claims.py); the CMS-1500 PDF is read
back with pypdf and every item's text is found within a millimetre of its box table position.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from pypdf import PdfReader

from core.domain import billing as b
from core.domain.claims import InsuredRelationship, control_number_for, x12_text
from core.domain.enums import Discipline, Laterality, Sex
from core.domain.episode import Diagnosis, Episode
from core.domain.errors import ValidationError
from core.domain.patient import Patient
from core.domain.practice import Clinician, PayerProfile, Practice
from core.export import cms1500_pdf
from core.rules.claims import cms1500, x837
from core.rules.claims.model import ClaimSources, build_claims, problems, split_name
from core.services.demo import fake_npi

NPI_PRACTICE, NPI_PT, NPI_REF = fake_npi("193456780"), fake_npi("152347896"), fake_npi("124681357")
DAY = dt.date(2026, 3, 2)
MM = 72 / 25.4


def practice() -> Practice:
    return Practice("Harbor Therapy", address_line1="410 Alder St", city="Portland", state="OR",
                    postal_code="97204-2315", phone="503-555-0148", npi=NPI_PRACTICE,
                    tax_id="93-4418207", taxonomy_code="261QP2000X")


def payer(**kw: object) -> PayerProfile:
    fields: dict[str, object] = dict(
        name="Cascade Mutual", key="commercial", payer_id="CMP02", submitter_id="SUB1",
        receiver_id="CLEAR", receiver_name="Clearing", claim_filing_code="CI",
        address_line1="PO Box 12", city="Salem", state="OR", postal_code="97301",
        test_mode=True)
    fields.update(kw)
    return PayerProfile(**fields)  # type: ignore[arg-type]


def world(*, relationship: InsuredRelationship = InsuredRelationship.SELF, n_lines: int = 3,
          cash_lines: int = 0, pay: PayerProfile | None = None,
          **episode_kw: object) -> tuple[b.Superbill, ClaimSources]:
    pay = pay or payer()
    patient = Patient("Rowan", "Ellery", dt.date(1956, 3, 14), sex=Sex.FEMALE,
                      address_line1="100 Maple Ct", city="Portland", state="OR",
                      postal_code="97211", member_id="M123", group_number="G77",
                      insured_relationship=relationship)
    if relationship is not InsuredRelationship.SELF:
        patient.insured_first_name, patient.insured_last_name = "Sam", "Ellery"
        patient.insured_date_of_birth, patient.insured_sex = dt.date(1950, 1, 2), Sex.MALE
    ep = Episode(patient.id, Discipline.PT, DAY - dt.timedelta(days=20), payer_profile_id=pay.id,
                 referring_provider="Dr. Alma Whitfield, MD", referring_npi=NPI_REF,
                 **episode_kw)  # type: ignore[arg-type]
    ep.add_diagnosis(Diagnosis("R26.89", "gait", Laterality.NOT_APPLICABLE,
                               onset_date=dt.date(2026, 1, 5)))
    ep.add_diagnosis(Diagnosis("M17.11", "OA right knee", Laterality.RIGHT))
    cash = Episode(patient.id, Discipline.PT, DAY - dt.timedelta(days=20))
    cash.add_diagnosis(Diagnosis("M54.50", "low back pain"))
    pt = Clinician("Maya", "Okafor", Discipline.PT, credentials="PT, DPT", npi=NPI_PT,
                   taxonomy_code="225100000X")
    visits: dict[uuid.UUID, uuid.UUID] = {}
    lines = []
    for i in range(n_lines + cash_lines):
        vid = uuid.uuid4()
        visits[vid] = ep.id if i < n_lines else cash.id
        # superbill letters over both plans: A R26.89, B M17.11, C M54.50
        pointers = "BA" if i % 2 == 0 else "A"
        lines.append(b.SuperbillLine(DAY + dt.timedelta(days=i // 2), "11", "97110", "ther ex",
                                     ("GP",), pointers if i < n_lines else "C", 2, 6200, 12400,
                                     NPI_PT, vid))
    bill = b.Superbill(
        "SB-1", DAY, DAY, DAY, b.BillingProvider("Harbor", (), "", NPI_PRACTICE, None), (),
        b.SuperbillPatient("Ellery, Rowan", patient.date_of_birth, "F", (), "", "", "M123", ""),
        (), (b.SuperbillDiagnosis("A", "R26.89", ""), b.SuperbillDiagnosis("B", "M17.11", ""),
             b.SuperbillDiagnosis("C", "M54.50", "")),
        tuple(lines), (), sum(ln.charge_cents for ln in lines), 0, 0, tuple(visits))
    src = ClaimSources(patient, practice(), visits, {v: "" for v in visits},
                       {ep.id: ep, cash.id: cash}, {pay.id: pay}, [pt])
    return bill, src


# -- assembly ---------------------------------------------------------------------------------
def test_cash_lines_stay_off_and_pointers_are_rebased_per_day() -> None:
    bill, src = world(n_lines=4, cash_lines=1)
    per_day = build_claims(bill, src, per_day=True)
    assert [len(d.lines) for d in per_day] == [2, 2]  # two days, the cash line left out
    whole = build_claims(bill, src, per_day=False)
    assert len(whole) == 1 and len(whole[0].lines) == 4
    claim = whole[0]
    assert claim.diagnoses == (("A", "R26.89"), ("B", "M17.11"))  # the plan's order
    assert [ln.pointers for ln in claim.lines] == ["BA", "A", "BA", "A"]  # the side's dx first
    assert claim.onset_date == dt.date(2026, 1, 5)  # item 14: the primary diagnosis's onset
    assert claim.lines[0].rendering_taxonomy == "225100000X"
    assert claim.charge_cents == 4 * 12400


def test_problems_are_itemised() -> None:
    bill, src = world(relationship=InsuredRelationship.CHILD,
                      pay=payer(payer_id="", submitter_id=""))
    src.patient.member_id = ""
    src.patient.insured_date_of_birth = None
    src.practice.npi = None  # type: ignore[union-attr]
    draft = build_claims(bill, src, per_day=False)[0]
    found = problems(draft, for_file=True)
    for needle in ("no NPI (item 33a", "no payer id", "no submitter id", "no member id",
                   "insured's date of birth"):
        assert any(needle in item for item in found), (needle, found)
    assert not any("receiver id" in item for item in found)
    on_paper = problems(draft, for_file=False)
    assert not any("payer id" in item for item in on_paper)  # the form needs no EDI ids


def test_claim_facts_are_validated_in_the_domain() -> None:
    with pytest.raises(ValidationError, match="state"):
        Episode(uuid.uuid4(), Discipline.PT, DAY, auto_accident_state="Oregon")
    with pytest.raises(ValidationError, match="DN, DK or DQ"):
        Episode(uuid.uuid4(), Discipline.PT, DAY, referring_qualifier="XX")
    with pytest.raises(ValidationError, match="claim filing"):
        payer(claim_filing_code="ZQ")
    with pytest.raises(ValidationError, match="payer id"):
        payer(payer_id="A*B")
    with pytest.raises(ValidationError, match="taxonomy"):
        Clinician("A", "B", Discipline.PT, taxonomy_code="12345")
    assert InsuredRelationship.parse("Spouse") is InsuredRelationship.SPOUSE
    with pytest.raises(ValidationError, match="relationship"):
        InsuredRelationship.parse("cousin")


def test_names_and_text_for_x12() -> None:
    assert split_name("Dr. Alma Whitfield, MD") == ("Whitfield", "Alma")
    assert split_name("Whitfield, Alma") == ("Whitfield", "Alma")
    assert split_name("Cher") == ("Cher", "")
    assert x12_text("O'Neil * ~ Co: ^ #1") == "O'NEIL CO #1"
    cid = uuid.UUID("01a24c58-60ab-7e96-8f26-3229c665ba7a")
    assert control_number_for(cid) == "01A24C5860AB" + "C665BA7A"


# -- CMS-1500 ---------------------------------------------------------------------------------
def test_form_items_and_continuation_pages() -> None:
    bill, src = world(n_lines=8, auto_accident_state="WA", prior_authorization="PA-778",
                      accident_date=DAY)
    draft = build_claims(bill, src, per_day=False)[0]
    pages = cms1500.form_pages(draft, DAY)
    assert [(p.number, p.of) for p in pages] == [(1, 2), (2, 2)]
    first, second = pages
    assert first.text("1_group") == "X" and first.text("1a") == "M123"
    assert first.text("2") == "ELLERY, ROWAN" and first.text("6_self") == "X"
    assert first.text("10b_yes") == "X" and first.text("10b_state") == "WA"
    assert first.text("14_qual") == "431" and first.text("14_yy") == "2026"
    assert first.text("17_qual") == "DN" and first.text("17b") == NPI_REF
    assert first.text("21_ind") == "0" and first.text("21_B") == "M17.11"
    assert first.text("23") == "PA-778" and first.text("33b") == "261QP2000X"
    assert first.text("24E.1") == "BA" and first.text("24J.1") == NPI_PT
    assert first.text("24I.1") == "ZZ" and first.text("24J_shaded.1") == "225100000X"
    assert first.text("24G.6") == "2" and first.text("24A_from.7") == ""
    assert first.text("28") == "  744 00" and second.text("28") == "  248 00"  # per page
    assert second.text("24D_code.2") == "97110" and second.text("24D_code.3") == ""
    assert second.text("2") == "ELLERY, ROWAN"  # every page stands alone


def test_form_text_sits_within_a_millimetre_of_each_box() -> None:
    bill, src = world(relationship=InsuredRelationship.SPOUSE, n_lines=2)
    pages = cms1500.form_pages(build_claims(bill, src, per_day=False)[0], DAY)
    offset = cms1500_pdf.Offset(1.5, -2.0)
    for mode, shift in (("plain", cms1500_pdf.Offset()), ("form", offset)):
        pdf = cms1500_pdf.render(pages, mode=mode, offset=offset)
        found: list[tuple[str, float, float]] = []

        def visit(text: str, cm: object, tm: list[float], *_a: object,
                  sink: list[tuple[str, float, float]] = found) -> None:
            if text.strip():
                sink.append((text, tm[4], tm[5]))

        PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
        courier = [f for f in found if f[0].strip()]
        for item in pages[0].items:
            x, y = cms1500_pdf.position(item.line, item.col, shift)
            hits = [f for f in courier if f[0].strip().startswith(item.text.strip())
                    and abs(f[1] - x) < MM and abs(f[2] - y) < MM]
            assert hits, (mode, item)
    assert pages[0].text("4") == "ELLERY, SAM" and pages[0].text("6_spouse") == "X"
    assert pages[0].text("11a_m") == "X"


def test_test_page_prints_the_offset() -> None:
    pdf = cms1500_pdf.test_page(cms1500_pdf.Offset(2.0, -1.0))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "right +2.0 mm, down -1.0 mm" in " ".join(text.split())
    assert "1A INSURED ID HERE" in text


# -- 837P -------------------------------------------------------------------------------------
VARIANTS: list[dict[str, object]] = [
    {},
    {"relationship": InsuredRelationship.CHILD, "employment_related": True,
     "auto_accident_state": "WA", "accident_date": DAY, "prior_authorization": "PA 1",
     "n_lines": 5},
    {"referring_qualifier": "DK"},
    {"referring_qualifier": "DQ"},
]


def x837_file(control: int = 42, **kw: object) -> tuple[str, list[str]]:
    bill, src = world(**kw)  # type: ignore[arg-type]
    drafts = build_claims(bill, src, per_day=True)
    numbers = [f"CLM{i:04d}" for i in range(len(drafts))]
    text = x837.interchange(drafts, x837.Envelope(
        drafts[0].payer, src.practice, control, dt.datetime(2026, 3, 20, 9, 5),  # type: ignore[arg-type]
        claim_numbers=numbers))
    return text, numbers


@pytest.mark.parametrize("kw", VARIANTS)
def test_837p_envelope_counts_and_validator(kw: dict[str, object]) -> None:
    text, numbers = x837_file(**kw)
    segments = [s for s in text.split("~\n") if s]
    isa = segments[0]
    assert len(isa) == 105 and isa[3] == "*" and isa[104] == ":"  # fixed-width ISA
    assert isa.split("*")[11] == "^" and isa.split("*")[13] == "000000042"
    assert all(s.count("~") == 0 for s in segments)
    se = next(s for s in segments if s.startswith("SE*")).split("*")
    assert int(se[1]) == x837.count_segments(text, "ST", "SE") and se[2] == "0001"
    assert segments[-2] == "GE*1*42" and segments[-1] == "IEA*1*000000042"
    assert [s.split("*")[1] for s in segments if s.startswith("CLM*")] == numbers
    # the independent validator (pyx12) reads these files in tests/integration/test_claims.py


def test_837p_dependent_and_accident_segments() -> None:
    text, _ = x837_file(relationship=InsuredRelationship.CHILD, auto_accident_state="WA",
                    accident_date=DAY, prior_authorization="PA 1", employment_related=True)
    assert "PAT*19~" in text and "NM1*QC*1*ELLERY*ROWAN~" in text
    assert "SBR*P**G77******CI~" in text and "NM1*IL*1*ELLERY*SAM****MI*M123~" in text
    assert "CLM*CLM0000*248***11:B:1*Y*A*Y*Y**EM:AA::WA~" in text
    assert "DTP*439*D8*20260302~" in text and "REF*G1*PA 1~" in text
    assert "HI*ABK:R2689*ABF:M1711~" in text and "SV1*HC:97110:GP*124*UN*2***2:1~" in text
    assert "DTP*431*D8*20260105~" in text and "ISA*00*" in text and "*T*:~" in text


# -- 835 --------------------------------------------------------------------------------------
def era_text() -> str:
    from core.rules.claims.x835 import Adjustment, PaidClaim, write_835

    return write_835([
        PaidClaim("CLM0001", 12400, 9000, adjustments=[Adjustment("CO", "45", 2400),
                                                       Adjustment("PR", "2", 1000)]),
        PaidClaim("CLM0002", 6800, 0, status="4", adjustments=[Adjustment("CO", "197", 6800)]),
    ], trace="EFT778", paid_on=DAY, control=7)


def test_835_is_read_with_its_adjustments() -> None:
    from core.rules.claims.x835 import adjustment_label, parse_835

    (remit,) = parse_835(era_text())
    assert (remit.trace_number, remit.payer, remit.paid_cents, remit.paid_on) == (
        "EFT778", "DEMO PAYER", 9000, DAY)
    paid, denied = remit.claims
    assert (paid.control_number, paid.paid_cents, paid.patient_responsibility_cents) == (
        "CLM0001", 9000, 1000)
    assert paid.adjusted("CO") == 2400 and not paid.denied
    assert denied.denied and denied.adjustments[0].reason == "197"
    assert adjustment_label("CO", "197").startswith("CO-197: Prior authorization")
    assert "reason 999" in adjustment_label("OA", "999")


def test_835_refuses_other_files() -> None:
    from core.rules.claims.x835 import RemittanceUnreadable, parse_835

    with pytest.raises(RemittanceUnreadable, match="not an X12"):
        parse_835("hello")
    with pytest.raises(RemittanceUnreadable, match="no 835"):
        parse_835(x837_file()[0])
    with pytest.raises(RemittanceUnreadable, match="amount"):
        parse_835(era_text().replace("*124.00*", "*12x.00*"))


# -- good-faith estimates ---------------------------------------------------------------------
def test_estimate_follows_the_plan_of_care() -> None:
    from core.domain.billing import FeeScheduleEntry
    from core.rules.estimates import estimate_findings, plan_estimate
    from core.rules.packs import default_packs

    ep = Episode(uuid.uuid4(), Discipline.PT, DAY, frequency_per_week=2, duration_weeks=6)
    ep.add_diagnosis(Diagnosis("M17.11", "OA right knee", Laterality.RIGHT))
    fees = [FeeScheduleEntry("97110", 6000, DAY - dt.timedelta(days=30)),
            FeeScheduleEntry("97140", 5500, DAY - dt.timedelta(days=30)),
            FeeScheduleEntry("97162", 15000, DAY - dt.timedelta(days=30))]
    est = plan_estimate(ep, [("97110", 2), ("97140", 1)], fees, issued_on=DAY,
                        packs=default_packs(), evaluation="97162")
    assert est.visits == 12 and est.period_to == DAY + dt.timedelta(weeks=6, days=-1)
    assert [(ln.code, ln.visits, ln.units) for ln in est.lines] == [
        ("97162", 1, 1), ("97110", 11, 22), ("97140", 11, 11)]
    assert est.total_cents == 15000 + 22 * 6000 + 11 * 5500 and est.diagnoses == ["M17.11"]
    with pytest.raises(ValidationError, match="No self-pay fee for 97530"):
        plan_estimate(ep, [("97530", 1)], fees, issued_on=DAY, packs=default_packs())
    ep.duration_weeks = None
    with pytest.raises(ValidationError, match="frequency and duration"):
        plan_estimate(ep, [("97110", 1)], fees, issued_on=DAY, packs=default_packs())
    assert [f.id for f in estimate_findings(self_pay=True, estimate=None, billed_cents=0)] == [
        "estimate.missing"]
    assert estimate_findings(self_pay=False, estimate=None, billed_cents=0) == []
    assert estimate_findings(self_pay=True, estimate=est,
                             billed_cents=est.total_cents + 39_999) == []
    over = estimate_findings(self_pay=True, estimate=est, billed_cents=est.total_cents + 40_000)
    assert [f.id for f in over] == ["estimate.exceeded"] and "$400.00 above" in over[0].message
