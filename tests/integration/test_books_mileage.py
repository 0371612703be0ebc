"""Mileage: validation, rates per year (a log across Dec 2025 – Jan 2026 uses both), exports
readable back (csv module, pypdf) with patients as references and never addresses."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.domain.books import (
    PATIENT_PLACE,
    LongTrip,
    MileageEntry,
    patient_reference,
)
from core.domain.errors import InvalidInput, NotFound, ValidationError
from core.services import charts, mileage
from core.storage.chart import ChartSession
from tests.integration.test_books_world import HOME_ADDRESS, Base, Case, make_base, new_case

D = dt.date


@pytest.fixture
def home(chart: ChartSession) -> tuple[Base, Case]:
    base = make_base(chart)
    return base, new_case(base, "Cyrus", "Delacroix-Penn", payer="medicare", start=D(2025, 11, 3))


def _trips(base: Base, case: Case) -> None:
    pt, pid = base.pt.id, case.patient.id
    chart = base.chart
    mileage.record_trip(chart, pt, date=D(2025, 12, 15), odometer_start=12000.0,
                        odometer_end=12018.4, patient_id=pid, vehicle="Blue hatchback")
    mileage.record_trip(chart, pt, date=D(2025, 12, 15), miles=18.4, patient_id=pid,
                        from_label=PATIENT_PLACE, to_label="Office",
                        purpose="Return from home visit")
    mileage.record_trip(chart, pt, date=D(2025, 12, 29), miles=27.0, patient_id=pid)
    mileage.record_trip(chart, pt, date=D(2026, 1, 5), odometer_start=12100.0,
                        odometer_end=12131.6, patient_id=pid, vehicle="Blue hatchback")
    mileage.record_trip(chart, pt, date=D(2026, 1, 12), miles=12.3, from_label="Office",
                        to_label="Supply store", purpose="Buy theraband for home programs")


def test_rates_are_data_with_sources() -> None:
    rates = mileage.load_rates()
    assert [(r.effective_from.year, r.cents_per_mile) for r in rates.rates] == [
        (2024, Decimal("67.0")), (2025, Decimal("70.0")), (2026, Decimal("72.5"))]
    assert all(r.source for r in rates.rates)
    assert rates.rate_on(D(2025, 12, 31)).cents_per_mile == Decimal("70.0")
    assert rates.rate_on(D(2026, 1, 1)).cents_per_mile == Decimal("72.5")
    assert rates.rate_on(D(2023, 12, 31)) is None


def test_log_across_new_year_uses_both_rates(home: tuple[Base, Case]) -> None:
    base, case = home
    _trips(base, case)
    log = mileage.mileage_log(base.chart, date_from=D(2025, 12, 1), date_to=D(2026, 1, 31))
    assert [ln.miles for ln in log.lines] == [Decimal(x) for x in
                                              ("18.4", "18.4", "27.0", "31.6", "12.3")]
    (y25, y26) = log.by_rate
    assert (y25.effective_from, y25.rate_cents, y25.trips, y25.miles) == (
        D(2025, 1, 1), Decimal("70.0"), 3, Decimal("63.8"))
    assert y25.amount_cents == Decimal("4466.00")  # 63.8 mi × 70.0¢
    assert (y26.rate_cents, y26.trips, y26.miles) == (Decimal("72.5"), 2, Decimal("43.9"))
    assert y26.amount_cents == Decimal("3182.75")  # 43.9 mi × 72.5¢
    assert log.total_miles == Decimal("107.7")
    assert log.total_amount_cents == Decimal("7648.75")
    ref = patient_reference("Cyrus", "Delacroix-Penn", case.patient.id)
    assert log.lines[0].to_place == f"Patient {ref}" and log.lines[1].from_place == f"Patient {ref}"
    assert log.lines[0].purpose == "Home visit" and log.lines[0].from_place == "Office"
    one_year = mileage.mileage_log(base.chart, year=2026)
    assert len(one_year.lines) == 2 and one_year.total_amount_cents == Decimal("3182.75")


def test_validation_gives_clear_errors(home: tuple[Base, Case]) -> None:
    base, case = home
    pt, chart = base.pt.id, base.chart
    with pytest.raises(ValidationError, match=r"end odometer reading .* lower than the start"):
        mileage.record_trip(chart, pt, date=D(2025, 12, 1), odometer_start=500.0,
                            odometer_end=480.0, patient_id=case.patient.id)
    with pytest.raises(ValidationError, match="cannot be negative"):
        mileage.record_trip(chart, pt, date=D(2025, 12, 1), miles=-3, patient_id=case.patient.id)
    with pytest.raises(ValidationError, match="above 0 miles"):
        mileage.record_trip(chart, pt, date=D(2025, 12, 1), miles=0, patient_id=case.patient.id)
    with pytest.raises(ValidationError, match="does not match the odometer"):
        MileageEntry(pt, D(2025, 12, 1), 9.0, 100.0, 110.0, from_label="A", to_label="B",
                     purpose="x")
    with pytest.raises(ValidationError, match="both odometer readings"):
        MileageEntry(pt, D(2025, 12, 1), None, 100.0, None, from_label="A", to_label="B",
                     purpose="x")
    with pytest.raises(ValidationError, match="street address"):
        mileage.record_trip(chart, pt, date=D(2025, 12, 1), miles=4, to_label=HOME_ADDRESS,
                            purpose="Home visit")
    with pytest.raises(ValidationError, match="business purpose"):
        mileage.record_trip(chart, pt, date=D(2025, 12, 1), miles=4, to_label="Bank")
    with pytest.raises(ValidationError, match="patient's name"):
        mileage.record_trip(chart, pt, date=D(2025, 12, 1), miles=4, patient_id=case.patient.id,
                            purpose="Visit to Cyrus")
    with pytest.raises(LongTrip, match="more than 500") as err:
        mileage.record_trip(chart, pt, date=D(2025, 12, 1), miles=612.5,
                            patient_id=case.patient.id)
    assert err.value.exit_code == 2 and err.value.miles == 612.5
    assert mileage.mileage_log(chart, year=2025).lines == ()  # nothing was saved
    kept = mileage.record_trip(chart, pt, date=D(2025, 12, 1), miles=612.5,
                               patient_id=case.patient.id, confirm_long=True).value
    assert kept.miles == 612.5


def test_update_delete_and_audit(home: tuple[Base, Case]) -> None:
    base, case = home
    chart = base.chart
    result = mileage.record_trip(chart, base.pt.id, date=D(2026, 1, 5), odometer_start=100.0,
                                 odometer_end=110.0, patient_id=case.patient.id)
    entry = result.value
    assert entry.id in result.changes.ids("mileage")
    changed = mileage.update_trip(chart, entry.id, odometer_end=125.5).value
    assert changed.miles == 25.5
    with pytest.raises(ValidationError):
        mileage.update_trip(chart, entry.id, odometer_end=90.0)
    with pytest.raises(InvalidInput):
        mileage.update_trip(chart, entry.id, clinician_id=base.ot.id)
    mileage.delete_trip(chart, entry.id)
    with pytest.raises(NotFound):
        mileage.delete_trip(chart, entry.id)
    rows = [r for r in charts.recent_audit(chart, 50) if r["entity"] == "mileage"]
    assert {r["action"] for r in rows} == {"create", "update", "delete"}
    assert all("Delacroix" not in str(r["detail"]) for r in rows)


def test_csv_export_reads_back_with_totals_and_no_address(
    home: tuple[Base, Case], tmp_path: Path
) -> None:
    base, case = home
    _trips(base, case)
    out = tmp_path / "mileage.csv"
    result = mileage.export_mileage_log(base.chart, out, date_from=D(2025, 12, 1),
                                        date_to=D(2026, 1, 31))
    assert result.value.format == "csv"
    text = out.read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    trips = [r for r in rows if r["kind"] == "trip"]
    assert [r["miles"] for r in trips] == ["18.4", "18.4", "27.0", "31.6", "12.3"]
    assert [r["rate_cents_per_mile"] for r in trips] == ["70.0"] * 3 + ["72.5"] * 2
    assert trips[0]["amount_usd"] == "12.88" and trips[0]["odometer_end"] == "12018.4"
    totals = {r["date"]: r for r in rows if r["kind"] == "rate_total"}
    assert totals["2025-01-01"]["amount_usd"] == "44.66"
    assert totals["2026-01-01"]["amount_usd"] == "31.83"
    (total,) = [r for r in rows if r["kind"] == "total"]
    assert (total["miles"], total["amount_usd"]) == ("107.7", "76.49")
    ref = patient_reference("Cyrus", "Delacroix-Penn", case.patient.id)
    assert ref in text
    for secret in ("Brambleworth", "Delacroix", "Cyrus", "97999", "Fernhollow"):
        assert secret not in text
    audit = [r for r in charts.recent_audit(base.chart, 5) if r["action"] == "export"]
    assert audit and audit[0]["entity"] == "mileage" and "format=csv" in audit[0]["detail"]


def test_pdf_export_text_and_render(home: tuple[Base, Case], tmp_path: Path) -> None:
    base, case = home
    _trips(base, case)
    out = tmp_path / "mileage.pdf"
    mileage.export_mileage_log(base.chart, out, date_from=D(2025, 12, 1), date_to=D(2026, 1, 31))
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    ref = patient_reference("Cyrus", "Delacroix-Penn", case.patient.id)
    for expected in ("Mileage log", "Harborline Home Therapy", ref, "$44.66", "$31.83",
                     "$76.49", "107.7", "70.0¢/mi", "72.5¢/mi", "Page 1 of 1",
                     "Blue hatchback", "IRS"):
        assert expected in text, expected
    for secret in ("Brambleworth", "Delacroix", "Cyrus", "97999"):
        assert secret not in text
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(out), str(tmp_path / "page")],
                       check=True, timeout=60)
        assert (tmp_path / "page-1.png").stat().st_size > 5000


def test_long_log_pages_and_bad_extension(home: tuple[Base, Case], tmp_path: Path) -> None:
    base, case = home
    for i in range(120):
        mileage.record_trip(base.chart, base.pt.id, date=D(2025, 1, 1) + dt.timedelta(days=i * 3),
                            miles=5 + i % 7, patient_id=case.patient.id)
    out = tmp_path / "year.pdf"
    mileage.export_mileage_log(base.chart, out, year=2025)
    reader = PdfReader(out)
    assert len(reader.pages) >= 3
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in reader.pages[-1].extract_text()
    assert "Date" in reader.pages[1].extract_text()  # the header repeats
    with pytest.raises(InvalidInput, match=r"\.csv or \.pdf"):
        mileage.export_mileage_log(base.chart, tmp_path / "year.xlsx", year=2025)
    with pytest.raises(InvalidInput):
        mileage.mileage_log(base.chart, year=2025, date_from=D(2025, 1, 1))


def test_trip_linked_to_a_visit_takes_its_date_and_patient(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Regression: record_trip(visit_id=...) without patient_id used to be refused."""
    import datetime as dt

    from core.services import charts, demo, mileage
    from core.storage.keys import KdfParams

    monkeypatch.setenv("CHARTSIDE_STATE_DIR", str(tmp_path / "state"))
    session, _ = charts.create_chart(tmp_path / "m.chart", "mileage-visit-link-1",
                                     kdf=KdfParams.fast_for_tests())
    try:
        demo.populate(session, today=dt.date(2026, 3, 2))
        with session.uow() as uow:
            visit = uow.visits.rows(limit=1)[0]
            clinician = uow.clinicians.list()[0]
        entry = mileage.record_trip(session, clinician.id, visit_id=visit.id, miles=7.5).value
        assert entry.date == visit.date and entry.patient_id == visit.patient_id
    finally:
        session.lock()
