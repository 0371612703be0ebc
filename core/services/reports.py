"""The practice's reports: revenue (cash and accrual), visits, units per visit, compliance.

Contract:
- Read functions take a period ``[date_from, date_to]`` (dates of service for charges, visits
  and units; dates received for money), run in one unit of work, and record one ``view`` audit
  row on entity ``"report"`` (detail: the report kind and period; no PHI). ``export_report_csv``
  writes the same report through ``core.export.reports_csv`` and records an ``export`` row.
- Revenue loads the account of every patient with a visit or a payment through
  ``core.services.billing.load_accounts`` (the bulk form of ``load_account``: charges are
  derived from signed notes there; packages draw down there and that draw-down is committed,
  exactly as opening each account would):
  * accrual revenue = charges of services dated in the period − package adjustments;
  * cash-basis revenue = money received in the period (payments + package sales − refunds);
  * a patient's balance on day D = Σ(charges − adjustments, dated ≤ D) − Σ(received ≤ D);
    ``receivable`` sums the positive balances on ``date_to`` (outstanding), ``credit`` the
    negative ones (prepaid packages not yet used, overpayments);
  * identity (tested): closing = opening + accrual − cash, where opening is the net balance on
    the day before ``date_from``.
- Visits count every visit dated in the period by month and clinician; rates are over the
  visits that were due to happen: no-show rate = no-shows / (completed + cancelled + no-shows).
- Units count held visits with a signed note: billed units (``price_services``: units the payer
  is charged for), timed minutes per timed unit (CMS expects about 15).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from core.domain.billing import PaymentKind
from core.domain.enums import VisitStatus
from core.domain.errors import InvalidInput
from core.rules.packs import default_packs
from core.services.billing import load_accounts, price_services
from core.services.dashboard import Dashboard, load_dashboard, payers_by_episode
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

REPORTS = ("revenue", "visits", "units", "compliance")
T = TypeVar("T")


def _month(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _months(date_from: dt.date, date_to: dt.date) -> list[str]:
    out, y, m = [], date_from.year, date_from.month
    while (y, m) <= (date_to.year, date_to.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_to < date_from:
        raise InvalidInput("The period ends before it starts.")
    if (date_to - date_from).days > 366 * 10:
        raise InvalidInput("Reports cover at most ten years.")


def _sum_rows(cls: type[T], rows: Iterable[T], **keys: Any) -> T:
    """A row of ``cls`` whose int fields are the sums of ``rows`` (keys set the rest)."""
    items = list(rows)
    values = dict(keys)
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name not in values:
            values[f.name] = sum(getattr(r, f.name) for r in items)
    return cls(**values)


# -- revenue ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RevenueMonth:
    month: str  # "YYYY-MM", or "total"
    charges_cents: int
    adjustments_cents: int  # package discounts on those charges, and write-offs made that month
    payments_cents: int
    package_sales_cents: int
    refunds_cents: int  # ≤ 0

    @property
    def accrual_cents(self) -> int:
        return self.charges_cents - self.adjustments_cents

    @property
    def cash_cents(self) -> int:
        return self.payments_cents + self.package_sales_cents + self.refunds_cents


@dataclass(frozen=True)
class RevenueReport:
    date_from: dt.date
    date_to: dt.date
    months: tuple[RevenueMonth, ...]
    opening_balance_cents: int  # net owed to the practice the day before date_from
    closing_balance_cents: int  # net owed on date_to
    receivable_cents: int  # outstanding: Σ positive patient balances on date_to
    credit_cents: int  # Σ credits held for patients on date_to (≥ 0)
    unbilled_visits: int  # completed visits in the period without a signed note
    patients: int

    @property
    def total(self) -> RevenueMonth:
        return _sum_rows(RevenueMonth, self.months, month="total")

    @property
    def reconciles(self) -> bool:
        t = self.total
        return self.closing_balance_cents == (
            self.opening_balance_cents + t.accrual_cents - t.cash_cents)


def load_revenue(uow: UnitOfWork, date_from: dt.date, date_to: dt.date) -> RevenueReport:
    _check_period(date_from, date_to)
    packs = default_packs()
    reads = uow.books.reads
    cells: dict[str, dict[str, int]] = {m: defaultdict(int) for m in _months(date_from, date_to)}
    before = date_from - dt.timedelta(days=1)
    opening = closing = receivable = credit = 0
    patients = reads.billing_patients()
    accounts = load_accounts(uow, patients, packs=packs)
    for pid in patients:
        account, _new = accounts[pid]
        bal_open = bal_close = 0
        for v in account.ledger.visits.values():
            net = v.charge_cents - v.adjustment_cents
            bal_open += net if v.date <= before else 0
            bal_close += net if v.date <= date_to else 0
            if date_from <= v.date <= date_to:
                cells[_month(v.date)]["charges_cents"] += v.charge_cents
                cells[_month(v.date)]["adjustments_cents"] += v.adjustment_cents
        for p in account.payments:
            bal_open -= p.amount_cents if p.date <= before else 0
            bal_close -= p.amount_cents if p.date <= date_to else 0
            if date_from <= p.date <= date_to and p.is_adjustment:  # no money moved
                cells[_month(p.date)]["adjustments_cents"] += p.amount_cents
            elif date_from <= p.date <= date_to:
                key = {PaymentKind.PAYMENT: "payments_cents", PaymentKind.REFUND: "refunds_cents",
                       PaymentKind.PACKAGE: "package_sales_cents"}[PaymentKind(p.kind)]
                cells[_month(p.date)][key] += p.amount_cents
        opening += bal_open
        closing += bal_close
        receivable += max(bal_close, 0)
        credit += max(-bal_close, 0)
    months = tuple(
        RevenueMonth(m, **{f.name: c.get(f.name, 0) for f in fields(RevenueMonth)
                           if f.name != "month"})
        for m, c in cells.items()
    )
    return RevenueReport(date_from, date_to, months, opening, closing, receivable, credit,
                         reads.unbilled_visits(date_from, date_to), len(patients))


def revenue_report(chart: ChartSession, *, date_from: dt.date, date_to: dt.date
                   ) -> RevenueReport:
    return _run(chart, "revenue", date_from, date_to, lambda uow: load_revenue(
        uow, date_from, date_to))


# -- visits -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VisitCounts:
    month: str  # "YYYY-MM" or "all"
    clinician_id: uuid.UUID | None  # None: all clinicians
    clinician: str
    completed: int
    cancelled: int
    no_show: int
    scheduled: int  # still "scheduled" (future, or past and never resolved)

    @property
    def total(self) -> int:
        return self.completed + self.cancelled + self.no_show + self.scheduled

    @property
    def no_show_rate(self) -> float | None:
        due = self.completed + self.cancelled + self.no_show
        return self.no_show / due if due else None

    @property
    def cancellation_rate(self) -> float | None:
        due = self.completed + self.cancelled + self.no_show
        return self.cancelled / due if due else None


@dataclass(frozen=True)
class VisitsReport:
    date_from: dt.date
    date_to: dt.date
    rows: tuple[VisitCounts, ...]  # month × clinician (non-empty cells)
    by_month: tuple[VisitCounts, ...]  # every month of the period, all clinicians
    by_clinician: tuple[VisitCounts, ...]
    total: VisitCounts


_STATUS_FIELD = {VisitStatus.COMPLETED: "completed", VisitStatus.CANCELLED: "cancelled",
                 VisitStatus.NO_SHOW: "no_show", VisitStatus.SCHEDULED: "scheduled"}


def load_visits(uow: UnitOfWork, date_from: dt.date, date_to: dt.date) -> VisitsReport:
    _check_period(date_from, date_to)
    reads = uow.books.reads
    names = reads.clinician_names()
    cells: dict[tuple[str, uuid.UUID], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, cid, status, count in reads.visit_counts(date_from, date_to):
        cells[(month, cid)][_STATUS_FIELD[status]] += count
    rows = tuple(
        VisitCounts(m, cid, names.get(cid, "?"), **{k: c.get(k, 0) for k in
                                                     _STATUS_FIELD.values()})
        for (m, cid), c in sorted(cells.items(), key=lambda kv: (kv[0][0], names.get(kv[0][1],
                                                                                       "")))
    )
    return VisitsReport(date_from, date_to, rows, *_rollups(
        VisitCounts, rows, _months(date_from, date_to), names))


def visits_report(chart: ChartSession, *, date_from: dt.date, date_to: dt.date
                  ) -> VisitsReport:
    return _run(chart, "visits", date_from, date_to, lambda uow: load_visits(
        uow, date_from, date_to))


def _rollups(cls: type[T], rows: tuple[Any, ...], months: list[str],
             names: dict[uuid.UUID, str]) -> tuple[tuple[T, ...], tuple[T, ...], T]:
    by_month = tuple(_sum_rows(cls, (r for r in rows if r.month == m), month=m,
                               clinician_id=None, clinician="All clinicians") for m in months)
    clinicians = sorted({r.clinician_id for r in rows}, key=lambda c: names.get(c, ""))
    by_clinician = tuple(_sum_rows(cls, (r for r in rows if r.clinician_id == c), month="all",
                                   clinician_id=c, clinician=names.get(c, "?"))
                         for c in clinicians)
    total = _sum_rows(cls, rows, month="all", clinician_id=None, clinician="All clinicians")
    return by_month, by_clinician, total


# -- units ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UnitsRow:
    month: str
    clinician_id: uuid.UUID | None
    clinician: str
    visits: int  # held visits with a signed note
    units: int  # billed units
    timed_units: int
    timed_minutes: int

    @property
    def units_per_visit(self) -> float | None:
        return self.units / self.visits if self.visits else None

    @property
    def minutes_per_timed_unit(self) -> float | None:
        return self.timed_minutes / self.timed_units if self.timed_units else None

    @property
    def below_15_minutes(self) -> bool:
        """CMS expects timed units to average 15 minutes; less is "highlighted for review"."""
        per = self.minutes_per_timed_unit
        return per is not None and per < 15


@dataclass(frozen=True)
class UnitsReport:
    date_from: dt.date
    date_to: dt.date
    rows: tuple[UnitsRow, ...]
    by_month: tuple[UnitsRow, ...]
    by_clinician: tuple[UnitsRow, ...]
    total: UnitsRow


def load_units(uow: UnitOfWork, date_from: dt.date, date_to: dt.date) -> UnitsReport:
    _check_period(date_from, date_to)
    packs = default_packs()
    repos = uow.books
    names = repos.reads.clinician_names()
    fees = uow.billing.fees.list()
    visits = repos.reads.signed_minutes(date_from, date_to)
    payers = payers_by_episode(uow, repos.reads.episodes(v.episode_id for v in visits), packs)
    cells: dict[tuple[str, uuid.UUID], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for v in visits:
        result, priced = price_services(v.minutes, payers[v.episode_id], v.date, fees, packs)
        cell = cells[(_month(v.date), v.clinician_id)]
        cell[0] += 1
        cell[1] += sum(s.units for s in priced if s.left_off is None)
        cell[2] += result.timed_units
        cell[3] += result.timed_minutes
    rows = tuple(UnitsRow(m, cid, names.get(cid, "?"), *c)
                 for (m, cid), c in sorted(cells.items(), key=lambda kv: (
                     kv[0][0], names.get(kv[0][1], ""))))
    return UnitsReport(date_from, date_to, rows, *_rollups(
        UnitsRow, rows, _months(date_from, date_to), names))


def units_report(chart: ChartSession, *, date_from: dt.date, date_to: dt.date) -> UnitsReport:
    return _run(chart, "units", date_from, date_to, lambda uow: load_units(
        uow, date_from, date_to))


# -- compliance, running, exporting -----------------------------------------------------------
def compliance_report(chart: ChartSession, *, today: dt.date) -> Dashboard:
    """The dashboard as a report (audited, unlike the dashboard's refreshes)."""
    return _run(chart, "compliance", today, today,
                lambda uow: load_dashboard(uow, today, default_packs()))


def _run(chart: ChartSession, kind: str, date_from: dt.date, date_to: dt.date,
         load: Callable[[UnitOfWork], T]) -> T:
    with chart.uow() as uow:
        value = load(uow)
        uow.record("view", "report", "", detail=f"{kind} {date_from}..{date_to}")
        uow.commit()
    return value


@dataclass(frozen=True, slots=True)
class ReportExport:
    kind: str
    path: Path
    rows: int


def export_report_csv(
    chart: ChartSession, kind: str, path: Path, *, date_from: dt.date, date_to: dt.date,
    today: dt.date | None = None,
) -> Result[ReportExport]:
    """Write one report as CSV (patients appear only in compliance, as references)."""
    from core.export import reports_csv

    if kind not in REPORTS:
        raise InvalidInput(f"Unknown report {kind!r}.", hint=f"One of {', '.join(REPORTS)}.")
    loaders: dict[str, Callable[[UnitOfWork], Any]] = {
        "revenue": lambda uow: load_revenue(uow, date_from, date_to),
        "visits": lambda uow: load_visits(uow, date_from, date_to),
        "units": lambda uow: load_units(uow, date_from, date_to),
        "compliance": lambda uow: load_dashboard(uow, today or date_to, default_packs()),
    }
    with chart.uow() as uow:
        report = loaders[kind](uow)
        rows = reports_csv.write(kind, report, Path(path))
        uow.record("export", "report", "", detail=f"{kind} csv {date_from}..{date_to} "
                   f"rows={rows}")
        return Result(ReportExport(kind, Path(path), rows), uow.commit())
