"""The reports as CSV: revenue, visits, units per visit, compliance.

Contract:
- ``csv_text(kind, report)`` / ``write(kind, report, path) -> data rows`` take the values of
  ``core.services.reports`` (and ``core.services.dashboard.Dashboard`` for compliance); nothing
  here reads the chart. UTF-8, one header row, ``lineterminator="\\n"``.
- Money is dollars with 2 decimals; rates are fractions with 4 decimals (empty when undefined).
- Patients appear only in the compliance report, and only as ``patient_ref`` (initials + short
  id) with the record to open; never names, dates of birth or addresses.
- Month rows come first, then roll-ups (``clinician`` "All clinicians", ``month`` "all").
- Written to a temporary sibling and renamed: a failed export leaves no half file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from core.domain.books import dollars
from core.storage import files

REVENUE_HEADER = ("month", "charges_usd", "adjustments_usd", "accrual_revenue_usd",
                  "payments_usd", "package_sales_usd", "refunds_usd", "cash_revenue_usd")
VISITS_HEADER = ("month", "clinician", "completed", "cancelled", "no_show", "scheduled",
                 "total", "no_show_rate", "cancellation_rate")
UNITS_HEADER = ("month", "clinician", "visits", "units", "units_per_visit", "timed_units",
                "timed_minutes", "minutes_per_timed_unit", "below_15_min_per_unit")
COMPLIANCE_HEADER = ("severity", "rule", "patient_ref", "open_kind", "open_id", "date",
                     "age_days", "detail", "message")


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _revenue(report: Any) -> tuple[Sequence[str], list[list[Any]]]:
    rows = []
    for m in (*report.months, report.total):
        rows.append([m.month, dollars(m.charges_cents), dollars(m.adjustments_cents),
                     dollars(m.accrual_cents), dollars(m.payments_cents),
                     dollars(m.package_sales_cents), dollars(m.refunds_cents),
                     dollars(m.cash_cents)])
    rows.append(["opening_balance", dollars(report.opening_balance_cents)] + [""] * 6)
    rows.append(["closing_balance", dollars(report.closing_balance_cents)] + [""] * 6)
    rows.append(["receivable", dollars(report.receivable_cents)] + [""] * 6)
    rows.append(["credits_held", dollars(report.credit_cents)] + [""] * 6)
    return REVENUE_HEADER, rows


def _counts(items: Iterable[Any]) -> list[list[Any]]:
    return [[r.month, r.clinician, r.completed, r.cancelled, r.no_show, r.scheduled, r.total,
             _rate(r.no_show_rate), _rate(r.cancellation_rate)] for r in items]


def _visits(report: Any) -> tuple[Sequence[str], list[list[Any]]]:
    return VISITS_HEADER, _counts((*report.rows, *report.by_month, *report.by_clinician,
                                   report.total))


def _units(report: Any) -> tuple[Sequence[str], list[list[Any]]]:
    rows = [[r.month, r.clinician, r.visits, r.units, _rate(r.units_per_visit), r.timed_units,
             r.timed_minutes, _rate(r.minutes_per_timed_unit), "yes" if r.below_15_minutes
             else ""]
            for r in (*report.rows, *report.by_month, *report.by_clinician, report.total)]
    return UNITS_HEADER, rows


def _compliance(report: Any) -> tuple[Sequence[str], list[list[Any]]]:
    rows = [[r.severity, r.rule, r.patient_ref, r.target_kind, str(r.target_id),
             r.date.isoformat() if r.date else "", "" if r.age_days is None else r.age_days,
             r.detail, r.message]
            for r in report.rows]
    return COMPLIANCE_HEADER, rows


WRITERS: dict[str, Callable[[Any], tuple[Sequence[str], list[list[Any]]]]] = {
    "revenue": _revenue, "visits": _visits, "units": _units, "compliance": _compliance,
}


def csv_text(kind: str, report: Any) -> tuple[str, int]:
    """(CSV text, number of data rows)."""
    header, rows = WRITERS[kind](report)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue(), len(rows)


def write(kind: str, report: Any, path: Path) -> int:
    """Owner-only (0600), atomic, never through a symlink (``core.storage.files``)."""
    text, count = csv_text(kind, report)
    files.write_atomic(path, text.encode("utf-8"), what="the report")
    return count
