"""Superbills from the demo chart, read back with pypdf: elements, units, modifiers, pointers,
totals, drafts left out, the scrub and its audited override, page headers, determinism."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.domain.billing import format_cents
from core.domain.enums import Discipline, Laterality
from core.domain.episode import Diagnosis, Episode
from core.rules.modifiers import modifiers_for
from core.rules.units import units_for_note
from core.services import charts, demo, practice, superbill
from core.services.claim_scrub import ClaimRouteRequired, NothingToBill, ScrubBlocked
from core.services.signing import build_context
from core.services.superbill import SuperbillRequest
from core.storage import audit
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE

TODAY = dt.date(2026, 3, 20)
ISSUED = dt.date(2026, 4, 2)  # after every visit, so the statement date never looks like one


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo chart per module (populate takes seconds); tests open copies of it."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHARTSIDE_STATE_DIR", str(folder / "state"))
        session, _ = charts.create_chart(
            folder / "demo.chart", PASSPHRASE, kdf=KdfParams.fast_for_tests()
        )
        demo.populate(session, today=TODAY)
        session.lock()
    return folder / "demo.chart"


def open_copy(source: Path, folder: Path) -> ChartSession:
    target = folder / source.name
    shutil.copy(source, target)
    shutil.copy(charts.key_path(source), charts.key_path(target))
    return charts.open_chart(target, passphrase=PASSPHRASE)


@pytest.fixture
def demo_chart(demo_file: Path, tmp_path: Path) -> Iterator[ChartSession]:
    session = open_copy(demo_file, tmp_path)
    yield session
    session.lock()


def patient_id(chart: ChartSession, last_name: str) -> uuid.UUID:
    with chart.uow() as uow:
        return next(r.id for r in uow.patients.search(last_name.lower()))


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace (line wraps) folded to one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def audit_rows(chart: ChartSession, entity: str = "superbill") -> list[dict[str, object]]:
    with chart.uow() as uow:
        return [r for r in audit.recent(uow.conn, 10_000) if r["entity"] == entity]


def test_statement_has_every_element(demo_chart: ChartSession) -> None:
    pid = patient_id(demo_chart, "Ellery")  # Medicare, right knee, M17.11 + R26.89
    preview = superbill.preview_superbill(
        demo_chart, SuperbillRequest(pid, issued_on=ISSUED)
    ).value
    bill = preview.superbill
    text = "\n".join(pages_text(preview.pdf))
    for needle in (
        "Harborview Therapy Collective", "410 Alder Street", "Portland, OR 97204",
        "503-555-0148", "93-4418207", demo.fake_npi("193456780"),  # practice, EIN, group NPI
        "Maya Okafor, PT, DPT", demo.fake_npi("152347896"), "PT-18842",  # rendering clinician
        "Dr. Alma Whitfield, MD", demo.fake_npi("124681357"),  # referring provider + NPI
        "Ellery, Rowan", "03/14/1956", "100 Maple Court", "Medicare Part B",  # patient
        "M17.11", "Unilateral primary osteoarthritis, right knee", "R26.89",
        "SUPERBILL", f"Superbill no. {bill.number}", "Statement date 04/02/2026",
        "Total charges (item 28)", "Amount paid (item 29)", "Balance due",
        "I certify that the services listed above", "Signature of Maya Okafor",
        "Please reimburse the patient directly", "11 office",
    ):
        assert needle in text, needle
    member_id = bill.patient.member_id
    assert member_id.startswith("DEMO") and member_id in text
    assert "F" in bill.patient.sex
    assert [(d.letter, d.code) for d in bill.diagnoses] == [("A", "M17.11"), ("B", "R26.89")]
    assert all(line.pointers == "A" for line in bill.lines)  # right-side lines → right knee dx
    for line in bill.lines:
        assert "GP" in line.modifiers  # Medicare: discipline modifier on every line
        assert line.place_of_service == "11"
        assert line.rendering_npi == demo.fake_npi("152347896")
    assert bill.charges_cents == sum(line.charge_cents for line in bill.lines)
    assert format_cents(bill.charges_cents) in text
    assert format_cents(bill.balance_cents) in text
    assert bill.balance_cents == bill.charges_cents - bill.adjustments_cents - bill.paid_cents


def test_units_and_modifiers_match_the_rules_engine(demo_chart: ChartSession) -> None:
    for last in ("Ellery", "Marchetti", "Vasquez-Hale"):  # Medicare (CMS), commercial, cash
        pid = patient_id(demo_chart, last)
        bill = superbill.preview_superbill(demo_chart, SuperbillRequest(pid)).value.superbill
        with demo_chart.uow() as uow:
            for visit_id in bill.visit_ids:
                note = uow.notes.for_visit(visit_id)
                assert note is not None and note.is_signed
                ctx = build_context(uow, note)
                units = units_for_note(note, ctx.unit_method).units
                mods = modifiers_for(note, ctx)
                lines = {ln.code: ln for ln in bill.lines if ln.visit_id == visit_id}
                assert set(lines) == {c for c, n in units.items() if n > 0}
                for block in [*note.blocks, *note.untimed]:
                    line = lines.get(block.code)
                    if line is None:
                        continue
                    assert line.units == units[block.code]
                    assert line.modifiers == mods[block.id]
    # The payer-specific 59 (commercial) and the NCCI XU (97140 + 97530) reach the claim.
    mods_seen = {m for last in ("Marchetti", "Vasquez-Hale") for ln in superbill.preview_superbill(
        demo_chart, SuperbillRequest(patient_id(demo_chart, last))).value.superbill.lines
        for m in ln.modifiers}
    assert {"59", "XU"} <= mods_seen


def test_drafts_never_appear(demo_chart: ChartSession) -> None:
    pid = patient_id(demo_chart, "Ellery")
    with demo_chart.uow() as uow:
        rows = uow.visits.rows(patient_id=pid)
    drafts = [r for r in rows if r.note_status == "draft"]
    assert drafts
    preview = superbill.preview_superbill(
        demo_chart, SuperbillRequest(pid, issued_on=ISSUED)
    ).value
    text = "\n".join(pages_text(preview.pdf))
    for row in drafts:
        assert row.id not in preview.superbill.visit_ids
        assert row.date.strftime("%m/%d/%Y") not in text
    assert "scrub.unsigned_excluded" in {f.id for f in preview.findings}
    with pytest.raises(NothingToBill):
        superbill.preview_superbill(demo_chart, SuperbillRequest(pid, visit_id=drafts[0].id))


def test_missing_npi_blocks_until_overridden_and_audited(
    demo_chart: ChartSession, tmp_path: Path
) -> None:
    pid = patient_id(demo_chart, "Marchetti")  # commercial
    okafor = next(c for c in practice.list_clinicians(demo_chart) if c.last_name == "Okafor")
    practice.update_clinician(demo_chart, okafor.id, npi=None)
    request = SuperbillRequest(pid, issued_on=ISSUED)
    out = tmp_path / "blocked.pdf"
    with pytest.raises(ScrubBlocked) as err:
        superbill.export_superbill(demo_chart, request, out)
    assert err.value.exit_code == 8
    assert "scrub.rendering_npi_missing" in {f.id for f in err.value.findings}
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    assert not [r for r in audit_rows(demo_chart) if r["action"] in ("export", "override")]
    with pytest.raises(ScrubBlocked):  # a reason that is only identifiers is no reason
        superbill.export_superbill(demo_chart, request, out, override_reason="Marchetti")

    reason = "NPI pending for Tobias Marchetti, DOB 08/02/1979; payer accepts it later"
    result = superbill.export_superbill(demo_chart, request, out, override_reason=reason)
    assert result.value.overridden == ("scrub.rendering_npi_missing",)
    assert out.read_bytes() == result.value.preview.pdf
    assert out.stat().st_mode & 0o777 == 0o600
    rows = audit_rows(demo_chart)
    override = next(r for r in rows if r["action"] == "override")
    export = next(r for r in rows if r["action"] == "export")
    assert override["entity_id"] == str(pid)
    assert "findings=scrub.rendering_npi_missing" in str(override["detail"])
    assert "NPI pending" in str(override["detail"])
    for phi in ("Marchetti", "Tobias", "1979"):
        assert phi not in str(override["detail"]) and phi not in str(export["detail"])
    assert len(str(override["detail"])) < 300
    assert f"visits={len(result.value.preview.superbill.visit_ids)}" in str(export["detail"])
    assert f"pages={result.value.preview.pages}" in str(export["detail"])
    assert int(override["seq"]) < int(export["seq"])
    assert charts.verify_audit(demo_chart).ok
    listed = superbill.list_exports(demo_chart, pid)
    assert [r.action for r in listed[:2]] == ["export", "override"]
    assert listed[0].patient_name == "Marchetti, Tobias" and listed[0].pages >= 1
    assert listed[1].findings == ("scrub.rendering_npi_missing",)


def test_medicare_never_gets_a_patient_superbill(demo_chart: ChartSession, tmp_path: Path) -> None:
    pid = patient_id(demo_chart, "Ellery")  # Medicare Part B
    request = SuperbillRequest(pid, issued_on=ISSUED)
    preview = superbill.preview_superbill(demo_chart, request).value
    route = [f for f in preview.findings if f.id == "scrub.claim_route_required"]
    assert route and route[0].severity == "block" and "CMS-1500 or 837P" in route[0].fix
    out = tmp_path / "medicare.pdf"
    for reason in (None, "The patient asked for a copy to file"):
        with pytest.raises(ClaimRouteRequired) as err:
            superbill.export_superbill(demo_chart, request, out, override_reason=reason)
        assert err.value.exit_code == 8 and "claim" in str(err.value)
        with pytest.raises(ClaimRouteRequired):
            superbill.print_superbill(demo_chart, request, override_reason=reason)
    assert not out.exists()
    assert not [r for r in audit_rows(demo_chart) if r["action"] in ("export", "override")]
    other = superbill.preview_superbill(
        demo_chart, SuperbillRequest(patient_id(demo_chart, "Marchetti"))).value
    assert "scrub.claim_route_required" not in {f.id for f in other.findings}


def test_multi_page_statement_repeats_headers(demo_chart: ChartSession) -> None:
    pid = patient_id(demo_chart, "Ellery")
    preview = superbill.preview_superbill(demo_chart, SuperbillRequest(pid)).value
    pages = pages_text(preview.pdf)
    assert preview.pages == len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in text
        assert f"Superbill {preview.superbill.number}" in text
        assert "Rendering NPI" in text and "Modifiers" in text and "Dx ptr" in text
    for text in pages[1:]:
        assert "(continued)" in text and "Ellery, Rowan" in text


def test_same_input_same_bytes_and_paper_sizes(demo_chart: ChartSession, tmp_path: Path) -> None:
    pid = patient_id(demo_chart, "Marchetti")
    request = SuperbillRequest(pid, issued_on=ISSUED)
    first = superbill.export_superbill(demo_chart, request, tmp_path / "a.pdf").value
    second = superbill.export_superbill(demo_chart, request, tmp_path / "b.pdf").value
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert first.preview.sha256 == second.preview.sha256
    letter = PdfReader(tmp_path / "a.pdf")
    assert round(float(letter.pages[0].mediabox.width)) == 612
    a4 = superbill.preview_superbill(
        demo_chart, SuperbillRequest(pid, issued_on=ISSUED, paper="a4")
    ).value
    assert round(float(PdfReader(io.BytesIO(a4.pdf)).pages[0].mediabox.width)) == 595
    meta = letter.metadata or {}
    assert meta.get("/Title") == f"Superbill {first.preview.superbill.number}"
    assert "Marchetti" not in " ".join(str(v) for v in meta.values())


def test_one_visit_superbill(demo_chart: ChartSession) -> None:
    pid = patient_id(demo_chart, "Dunmore")  # Medicare, home visits (POS 12)
    with demo_chart.uow() as uow:
        rows = uow.visits.rows(patient_id=pid)
    first = min((r for r in rows if r.note_status == "signed"), key=lambda r: r.date)
    preview = superbill.preview_superbill(
        demo_chart, SuperbillRequest(pid, visit_id=first.id, issued_on=ISSUED)
    ).value
    bill = preview.superbill
    assert [(ln.code, ln.units, ln.place_of_service) for ln in bill.lines] == [("97162", 1, "12")]
    assert bill.lines[0].charge_cents == 18500 and bill.lines[0].modifiers == ("GP",)
    text = pages_text(preview.pdf)[0]
    assert "Single visit" in text and "97162" in text and "$185.00" in text
    assert preview.pages == 1


def test_package_paid_statement(demo_chart: ChartSession) -> None:
    pid = patient_id(demo_chart, "Vasquez-Hale")  # cash, 10-visit package for $950
    preview = superbill.preview_superbill(
        demo_chart, SuperbillRequest(pid, issued_on=ISSUED)
    ).value
    bill = preview.superbill
    assert bill.paid_cents == 95000
    assert bill.adjustments_cents == bill.charges_cents - 95000 - bill.balance_cents
    text = "\n".join(pages_text(preview.pdf))
    assert "Prepaid package: 10-visit package (10 visits here)" in text
    assert "Package discount" in text and "$950.00" in text


def test_diagnosis_pointers_follow_the_side() -> None:
    ep = Episode(patient_id=uuid.uuid4(), discipline=Discipline.PT, start_date=TODAY)
    for code, side in (("R26.89", Laterality.NOT_APPLICABLE), ("M17.11", Laterality.RIGHT),
                       ("M17.12", Laterality.LEFT), ("M17.0", Laterality.BILATERAL)):
        ep.add_diagnosis(Diagnosis(code=code, laterality=side))
    letters = {"R26.89": "A", "M17.11": "B", "M17.12": "C", "M17.0": "D"}
    pointers = superbill.diagnosis_pointers
    assert pointers(Laterality.RIGHT, ep, letters) == ["B", "D"]
    assert pointers(Laterality.LEFT, ep, letters) == ["C", "D"]
    assert pointers(Laterality.BILATERAL, ep, letters) == ["B", "C", "D"]
    assert pointers(None, ep, letters) == ["A"]
    assert pointers(Laterality.NOT_APPLICABLE, ep, letters) == ["A"]
