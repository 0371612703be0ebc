"""Reports over a synthetic year: revenue that reconciles with the charges and payments put in
and with billing's own accounts, visits and no-show rates, units per visit, CSV read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.domain.enums import NoteType, VisitStatus
from core.services import billing, charts, reports
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams
from tests.conftest import PASSPHRASE
from tests.integration.test_books_world import (
    TODAY,
    YEAR_END,
    YEAR_START,
    World,
    build_year,
    charge_of,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("year")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHARTSIDE_STATE_DIR", str(folder / "state"))
        session, _ = charts.create_chart(folder / "year.chart", PASSPHRASE,
                                         kdf=KdfParams.fast_for_tests())
        try:
            yield build_year(session)
        finally:
            session.lock()


def _chart(world: World) -> ChartSession:
    return world.base.chart


def _in_2025(world: World) -> int:
    return sum(n for (month, _s), n in world.visit_status_counts.items()
               if month.startswith("2025"))


def test_revenue_matches_what_was_charged_and_received(world: World) -> None:
    rep = reports.revenue_report(_chart(world), date_from=YEAR_START, date_to=YEAR_END)
    months = {m.month: m for m in rep.months}
    assert list(months) == [f"2025-{m:02d}" for m in range(1, 13)]
    for month, m in months.items():
        assert m.charges_cents == world.charges_by_month.get(month, 0), month
        assert m.adjustments_cents == world.adjustments_by_month.get(month, 0), month
        assert m.cash_cents == world.cash_by_month.get(month, 0), month
    total = rep.total
    assert total.charges_cents == sum(v for k, v in world.charges_by_month.items()
                                      if k.startswith("2025"))
    assert total.refunds_cents == -5000 and total.package_sales_cents == 150000
    assert total.accrual_cents == total.charges_cents - total.adjustments_cents
    assert rep.opening_balance_cents == 0 and rep.reconciles
    assert rep.closing_balance_cents == total.accrual_cents - total.cash_cents


def test_revenue_closing_balances_equal_billings_accounts(world: World) -> None:
    chart = _chart(world)
    rep = reports.revenue_report(chart, date_from=dt.date(2026, 1, 1), date_to=TODAY)
    year = reports.revenue_report(chart, date_from=YEAR_START, date_to=YEAR_END)
    assert rep.opening_balance_cents == year.closing_balance_cents and rep.reconciles
    balances = [billing.account(chart, c.patient.id).value.balance_cents
                for c in world.cases.values()]
    assert rep.closing_balance_cents == sum(balances)
    assert rep.receivable_cents == sum(b for b in balances if b > 0)
    assert rep.credit_cents == sum(-b for b in balances if b < 0)
    assert rep.receivable_cents - rep.credit_cents == rep.closing_balance_cents
    assert rep.total.cash_cents == 2000 and rep.total.charges_cents == world.charges_by_month[
        "2026-01"]
    recent = [v for c in world.cases.values() for v, n in c.visits
              if v.date >= dt.date(2026, 1, 1) and v.status is VisitStatus.COMPLETED
              and (n is None or not n.is_signed)]
    assert rep.unbilled_visits == len(recent) > 0


def test_visits_report_counts_and_no_show_rate(world: World) -> None:
    rep = reports.visits_report(_chart(world), date_from=YEAR_START, date_to=YEAR_END)
    for m in rep.by_month:
        for status in VisitStatus:
            field = {"no_show": "no_show"}.get(status.value, status.value)
            assert getattr(m, field) == world.visit_status_counts.get((m.month, status.value), 0)
        due = m.completed + m.cancelled + m.no_show
        assert m.no_show_rate == (m.no_show / due if due else None)
    assert rep.total.total == _in_2025(world)
    assert sum(r.total for r in rep.rows) == rep.total.total
    assert {r.clinician for r in rep.by_clinician} == {"Maya Okafor, PT, DPT",
                                                       "Daniel Reyes, OTR/L"}
    assert sum(c.no_show for c in rep.by_clinician) == rep.total.no_show > 0
    assert 0 < rep.total.no_show_rate < 0.2


def test_units_per_visit(world: World) -> None:
    rep = reports.units_report(_chart(world), date_from=YEAR_START, date_to=YEAR_END)
    signed = [(v, n) for c in world.cases.values() for v, n in c.visits
              if YEAR_START <= v.date <= YEAR_END and charge_of(n, v)]
    evals = sum(1 for _v, n in signed if n and n.note_type is NoteType.EVALUATION)
    assert rep.total.visits == len(signed)
    assert rep.total.units == 3 * (len(signed) - evals) + evals
    assert rep.total.timed_minutes == 45 * (len(signed) - evals)
    assert rep.total.minutes_per_timed_unit == 15.0 and not rep.total.below_15_minutes
    assert sum(r.units for r in rep.by_month) == rep.total.units


def test_csv_exports_read_back(world: World, tmp_path: Path) -> None:
    chart = _chart(world)
    for kind in ("revenue", "visits", "units", "compliance"):
        out = tmp_path / f"{kind}.csv"
        result = reports.export_report_csv(chart, kind, out, date_from=YEAR_START,
                                           date_to=YEAR_END, today=TODAY)
        rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
        assert len(rows) == result.value.rows > 0, kind
        text = out.read_text("utf-8")
        for case in world.cases.values():
            assert case.patient.last_name not in text and "Brambleworth" not in text
    revenue = list(csv.DictReader((tmp_path / "revenue.csv").open(encoding="utf-8")))
    total = next(r for r in revenue if r["month"] == "total")
    rep = reports.revenue_report(chart, date_from=YEAR_START, date_to=YEAR_END)
    assert total["charges_usd"] == f"{rep.total.charges_cents / 100:.2f}"
    assert total["cash_revenue_usd"] == f"{rep.total.cash_cents / 100:.2f}"
    closing = next(r for r in revenue if r["month"] == "closing_balance")
    assert closing["charges_usd"] == f"{rep.closing_balance_cents / 100:.2f}"
    visits = list(csv.DictReader((tmp_path / "visits.csv").open(encoding="utf-8")))
    assert next(r for r in visits if r["month"] == "all" and r["clinician"] ==
                "All clinicians")["total"] == str(_in_2025(world))
    compliance = list(csv.DictReader((tmp_path / "compliance.csv").open(encoding="utf-8")))
    assert all(r["patient_ref"] and r["open_id"] for r in compliance)
    audit = [r for r in charts.recent_audit(chart, 40) if r["entity"] == "report"]
    assert {r["action"] for r in audit} >= {"view", "export"}
    assert all("Brightwater" not in str(r["detail"]) for r in audit)


def test_bad_periods_and_kinds(world: World, tmp_path: Path) -> None:
    from core.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        reports.revenue_report(_chart(world), date_from=YEAR_END, date_to=YEAR_START)
    with pytest.raises(InvalidInput):
        reports.export_report_csv(_chart(world), "payroll", tmp_path / "x.csv",
                                  date_from=YEAR_START, date_to=YEAR_END)
