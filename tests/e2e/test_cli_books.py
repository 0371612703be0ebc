"""``chartside mileage`` and ``chartside report`` end to end, as real subprocesses, on a
synthetic year with home-visit mileage across the new year."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.domain.books import patient_reference
from core.services import charts, mileage
from core.storage.keys import KdfParams
from tests.e2e.test_cli_foundation import PASS, run
from tests.integration.test_books_world import TODAY, World, build_year

ENV = {"CHARTSIDE_PASSPHRASE": PASS}


@pytest.fixture(scope="module")
def year_chart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, World]]:
    folder = tmp_path_factory.mktemp("cli-books")
    path = folder / "year.chart"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHARTSIDE_STATE_DIR", str(folder / "state"))
        session, _ = charts.create_chart(path, PASS, kdf=KdfParams.fast_for_tests())
        try:
            world = build_year(session)
            cy = world.cases["cy"]
            for day, miles in ((dt.date(2025, 12, 22), 21.5), (dt.date(2026, 1, 8), 21.5)):
                mileage.record_trip(session, cy.clinician.id, date=day, miles=miles,
                                    patient_id=cy.patient.id, vehicle="Van")
        finally:
            session.lock()
    yield path, world


def cli(chart: Path, *args: str) -> tuple[int, str, str]:
    res = run(["--chart", str(chart), *args], ENV, chart.parent / "state")
    return res.returncode, res.stdout, res.stderr


def test_mileage_csv_and_pdf(year_chart: tuple[Path, World], tmp_path: Path) -> None:
    path, world = year_chart
    cy = world.cases["cy"].patient
    ref = patient_reference(cy.first_name, cy.last_name, cy.id)
    code, out, err = cli(path, "mileage", "--from", "2025-12-01", "--to", "2026-01-31", "--out",
                         str(tmp_path / "m.csv"))
    assert code == 0, err
    assert "2 trips, 43.0 mi, $30.64" in out  # 21.5 × 70¢ + 21.5 × 72.5¢ = 15.05 + 15.5875
    rows = list(csv.DictReader((tmp_path / "m.csv").open(encoding="utf-8")))
    assert [r["to"] for r in rows if r["kind"] == "trip"] == [f"Patient {ref}"] * 2
    assert [r["rate_cents_per_mile"] for r in rows if r["kind"] == "rate_total"] == [
        "70.0", "72.5"]
    code, out, err = cli(path, "mileage", "--year", "2025", "--out", str(tmp_path / "m.pdf"))
    assert code == 0, err
    assert "1 trips" in out
    text = PdfReader(tmp_path / "m.pdf").pages[0].extract_text()
    assert ref in text and "$15.05" in text and cy.last_name not in text
    code, out, err = cli(path, "mileage", "--year", "2026")
    assert code == 0 and "Total: 1 trips, 21.5 mi, $15.59" in out
    code, out, err = cli(path, "mileage", "--year", "2025", "--out", str(tmp_path / "m.txt"))
    assert code == 2 and ".csv or .pdf" in err


def test_report_revenue_json_reconciles(year_chart: tuple[Path, World]) -> None:
    path, world = year_chart
    code, out, err = cli(path, "report", "revenue", "--year", "2025", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["reconciles"] is True
    assert data["total"]["charges_cents"] == sum(
        v for k, v in world.charges_by_month.items() if k.startswith("2025"))
    assert [m["month"] for m in data["months"]][:2] == ["2025-01", "2025-02"]
    assert data["closing_balance_cents"] == (data["opening_balance_cents"]
                                             + data["total"]["accrual_cents"]
                                             - data["total"]["cash_cents"])
    code, out, err = cli(path, "report", "revenue", "--year", "2025")
    assert code == 0 and "Opening balance $0.00" in out and "total" in out


def test_report_visits_and_units(year_chart: tuple[Path, World], tmp_path: Path) -> None:
    path, _world = year_chart
    code, out, err = cli(path, "report", "visits", "--year", "2025", "--json", "--csv",
                         str(tmp_path / "v.csv"))
    assert code == 0, err
    data = json.loads(out)
    assert len(data["by_month"]) == 12 and data["total"]["no_show"] > 0
    assert 0 < data["total"]["no_show_rate"] < 1
    assert (tmp_path / "v.csv").exists() and "Wrote" in err
    code, out, err = cli(path, "report", "units", "--from", "2025-01-01", "--to", "2025-06-30")
    assert code == 0, err
    assert "All clinicians" in out and "15.0" in out


def test_report_compliance_json_names_no_patient(year_chart: tuple[Path, World]) -> None:
    path, world = year_chart
    code, out, err = cli(path, "report", "compliance", "--today", TODAY.isoformat(), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["today"] == TODAY.isoformat() and data["rows"]
    assert {"plan_of_care_expired", "note_unsigned"} <= {r["rule"] for r in data["rows"]}
    assert all(r["open"]["kind"] in ("note", "episode", "patient") for r in data["rows"])
    for case in world.cases.values():
        assert case.patient.last_name not in out and case.patient.first_name not in out


def test_bad_input_exit_codes(year_chart: tuple[Path, World]) -> None:
    path, _world = year_chart
    code, _out, err = cli(path, "report", "revenue", "--year", "2025", "--from", "2025-01-01")
    assert code == 2 and "not both" in err
    code, _out, err = cli(path, "report", "visits", "--from", "2025-13-01", "--to", "2025-12-31")
    assert code == 2 and "not a date" in err
    code, _out, err = cli(path, "mileage", "--from", "2025-02-01", "--to", "2025-01-01")
    assert code == 2 and "ends before it starts" in err
