"""The claim scrub (core.rules.scrub) on plain superbills: no chart, no database."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from core.domain import billing as b
from core.domain.enums import Sex
from core.domain.patient import Patient
from core.rules.scrub import (
    SCRUB_CATALOG,
    LeftOff,
    ScrubFacts,
    clean_override_reason,
    scrub,
)

DAY = dt.date(2026, 3, 2)
VISIT = uuid.uuid4()


def line(code: str = "97110", *, day: dt.date = DAY, units: int = 2, pos: str = "11",
         pointers: str = "A", fee: int | None = 5000) -> b.SuperbillLine:
    return b.SuperbillLine(day, pos, code, "", (), pointers, units, fee, (fee or 0) * units,
                           "1234567893", VISIT)


def bill(*lines: b.SuperbillLine, npi: str | None = "1234567893", tax_id: str | None = "12-3456789",
         renderers: tuple[b.RenderingProvider, ...] | None = None,
         member_id: str = "XYZ123") -> b.Superbill:
    if renderers is None:
        renderers = (b.RenderingProvider("Ana Lima", "PT", "1234567893", "PT-1", "PT"),)
    return b.Superbill(
        number="SB-1", issued_on=DAY, period_from=DAY, period_to=DAY,
        provider=b.BillingProvider("Clinic", ("1 Main St",), "", npi, tax_id),
        renderers=renderers,
        patient=b.SuperbillPatient("Doe, Jo", dt.date(1970, 1, 1), "F", (), "", "Acme",
                                   member_id, ""),
        referrers=(), diagnoses=(), lines=lines or (line(),), payments=(),
        charges_cents=0, adjustments_cents=0, paid_cents=0, visit_ids=(VISIT,),
    )


def ids(findings: list) -> list[str]:  # type: ignore[type-arg]
    return [f.id for f in findings]


def test_a_complete_bill_is_clean() -> None:
    assert scrub(bill(), ScrubFacts()) == []


def test_every_finding_comes_from_the_catalog_with_its_severity() -> None:
    facts = ScrubFacts(
        practice_missing=False, referrer_required=True, referrer_missing=True,
        referrer_npi_missing=("Dr Who",), too_many_diagnoses=13,
        left_off=(LeftOff("2026-03-02", "97999", "unknown"),
                  LeftOff("2026-03-02", "97112", "zero_units", "7 min earn no unit."),
                  LeftOff("2026-03-02", "97750", "bundled"),
                  LeftOff("2026-03-02", "A4556", "no_fee", "Electrode pads")),
        drafts_excluded=2, modifiers_truncated=("97110 on 2026-03-02",),
        days_combined=(("2026-03-02", "two visits"),), claim_route_payers=("Medicare",),
        kx_fee_schedule_missing=(2031,), cert_expired=("2026-03-02 (through 2026-03-01)",),
        cert_unsigned=("2026-01-01 (due 2026-01-31)",),
    )
    found = scrub(bill(line("97130", pos="99", pointers="", fee=None, units=9),
                       npi=None, tax_id=None, member_id=" ",
                       renderers=(b.RenderingProvider("Ana Lima", "PT", None, " ", "PT"),)),
                  facts)
    for f in found:
        assert SCRUB_CATALOG[f.id].severity == f.severity
    assert set(ids(found)) == set(SCRUB_CATALOG) - {
        "scrub.practice_missing", "scrub.billing_npi_individual"}
    assert "Doe" not in " ".join(f.message for f in found)  # never the patient's name


def test_practice_missing_replaces_the_practice_findings() -> None:
    found = ids(scrub(bill(npi=None, tax_id=None), ScrubFacts(practice_missing=True)))
    assert found == ["scrub.practice_missing"]


def test_one_renderer_with_an_npi_bills_under_it_when_the_group_npi_is_missing() -> None:
    assert ids(scrub(bill(npi=None), ScrubFacts())) == ["scrub.billing_npi_individual"]
    two = (b.RenderingProvider("Ana Lima", "PT", "1234567893", "PT-1", "PT"),
           b.RenderingProvider("Bo Chen", "PT", "1245319599", "PT-2", "PT"))
    assert ids(scrub(bill(npi=None, renderers=two), ScrubFacts())) == ["scrub.billing_npi_missing"]


def test_referring_npi_only_matters_when_the_payer_needs_a_referrer() -> None:
    assert scrub(bill(), ScrubFacts(referrer_npi_missing=("Dr Who",))) == []
    found = scrub(bill(), ScrubFacts(referrer_required=True, referrer_npi_missing=("Dr Who",)))
    assert ids(found) == ["scrub.referring_npi_missing"]


def test_add_on_without_its_parent_on_the_same_day() -> None:
    other = DAY + dt.timedelta(days=1)
    ok = bill(line("97129", units=1), line("97130"))  # 97129: one unit a day (its MUE)
    assert scrub(ok, ScrubFacts()) == []
    split = bill(line("97129", units=1), line("97130", day=other))
    found = scrub(split, ScrubFacts())
    assert ids(found) == ["scrub.addon_without_parent"]
    assert other.isoformat() in found[0].message


def test_units_above_the_mue_add_up_over_the_day() -> None:
    assert scrub(bill(line(units=3), line(units=3)), ScrubFacts()) == []  # 6 = the MUE
    found = scrub(bill(line(units=4), line(units=3)), ScrubFacts())
    assert ids(found) == ["scrub.units_above_mue"]
    assert "7 units" in found[0].message


def test_line_findings_point_at_their_line() -> None:
    found = scrub(bill(line(), line("97112", pos="99", pointers="")), ScrubFacts())
    assert [(f.id, f.field) for f in found] == [
        ("scrub.pos_missing", "lines[1]"), ("scrub.pointer_missing", "lines[1]")]


def test_unsigned_excluded_counts_in_words() -> None:
    one = scrub(bill(), ScrubFacts(drafts_excluded=1))[0].message
    assert one.startswith("1 visit with")
    assert scrub(bill(), ScrubFacts(drafts_excluded=3))[0].message.startswith("3 visits with")


def test_override_reason_loses_the_patients_identifiers() -> None:
    patient = Patient(first_name="Zebulon", last_name="Quillfeatherstone",
                      date_of_birth=dt.date(1961, 4, 9), sex=Sex.MALE, member_id="MBR991",
                      phone="555-201-7788")
    text = clean_override_reason(
        "Zebulon QUILLFEATHERSTONE (04/09/1961, MBR991; 555-201-7788)\n  payer agreed "
        "by phone, ref 123456789", patient)
    for secret in ("Zebulon", "Quill", "1961", "MBR991", "7788", "123456789", ";", "\n"):
        assert secret.lower() not in text.lower()
    assert "payer agreed by phone" in text
    assert clean_override_reason("x" * 500) == "x" * 200
    assert clean_override_reason(None) == ""


def test_a_scrub_is_deterministic_and_does_not_change_the_bill() -> None:
    sb = bill(line(units=9), line("97130"), line(fee=None))
    before = replace(sb)
    assert scrub(sb, ScrubFacts()) == scrub(sb, ScrubFacts())
    assert sb == before
