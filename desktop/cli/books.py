"""``chartside mileage`` and ``chartside report``: the practice's own books from the command line.

Thin shells over ``core.services.mileage`` and ``core.services.reports`` (parse, call, print):

    chartside --chart PATH mileage --year 2025 --out mileage-2025.pdf   # or .csv
    chartside --chart PATH report revenue|visits|units|compliance [--json] [--csv FILE]

Periods: ``--year YYYY`` or ``--from``/``--to`` (default: this calendar year). ``compliance``
takes ``--today`` (default: today). Exit codes follow ``desktop.cli`` (2 bad input, …).
JSON and CSV output name patients only by reference (initials + short id), never by name.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from core.domain.errors import InvalidInput
from desktop.cli.common import bounded_int


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date.", hint="Use YYYY-MM-DD.") from None


def _period(args: argparse.Namespace) -> tuple[dt.date, dt.date]:
    if args.year is not None and (args.date_from or args.date_to):
        raise InvalidInput("Give --year or --from/--to, not both.")
    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise InvalidInput("Give both --from and --to.")
        return _date(args.date_from), _date(args.date_to)
    year = args.year if args.year is not None else dt.date.today().year
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _with_chart(args: argparse.Namespace, fn: Any) -> int:
    from desktop.cli.common import open_chart_for as _open

    session = _open(args)
    try:
        return int(fn(session))
    finally:
        session.lock()


def _usd(cents: Any) -> str:
    from core.domain.books import dollars

    return "$" + f"{float(dollars(cents)):,.2f}"


def _plain(value: Any) -> Any:
    """Dataclasses (with their properties) → JSON-ready dicts; ids and dates → strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in dir(type(value)):
            if isinstance(getattr(type(value), name, None), property) and not name.startswith("_"):
                out[name] = _plain(getattr(value, name))
        return out
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, uuid.UUID | dt.date):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


# -- mileage ----------------------------------------------------------------------------------
def cmd_mileage(args: argparse.Namespace) -> int:
    from core.domain.ids import parse_id
    from core.services import mileage

    start, end = _period(args)
    clinician = parse_id(args.clinician) if args.clinician else None

    def run(chart: Any) -> int:
        if args.out:
            export = mileage.export_mileage_log(chart, Path(args.out), date_from=start,
                                                date_to=end, clinician_id=clinician).value
            log = export.log
            print(f"Wrote {export.path} ({len(log.lines)} trips, {log.total_miles:,.1f} mi, "
                  f"{_usd(log.total_amount_cents)}).")
        else:
            log = mileage.mileage_log(chart, date_from=start, date_to=end,
                                      clinician_id=clinician)
            if args.json:
                print(json.dumps(_plain(log), indent=2))
                return 0
            for ln in log.lines:
                print(f"{ln.date}  {ln.from_place} → {ln.to_place}  {ln.miles:>7.1f} mi  "
                      f"{_usd(ln.amount_cents) if ln.amount_cents is not None else 'no rate'}"
                      f"  {ln.purpose}")
            for r in log.by_rate:
                print(f"Rate from {r.effective_from}: {r.trips} trips, {r.miles:,.1f} mi × "
                      f"{r.rate_cents}¢ = {_usd(r.amount_cents)}")
            print(f"Total: {len(log.lines)} trips, {log.total_miles:,.1f} mi, "
                  f"{_usd(log.total_amount_cents)}")
        if log.unrated_dates:
            print(f"warning: {len(log.unrated_dates)} trip(s) have no IRS rate on file; update "
                  "resources/books/irs_mileage_rates.json.", file=sys.stderr)
        return 0

    return _with_chart(args, run)


# -- reports ----------------------------------------------------------------------------------
def _compliance_json(board: Any) -> dict[str, Any]:
    return {
        "today": board.today.isoformat(),
        "counts": board.counts(),
        "rows": [{"severity": r.severity, "rule": r.rule, "title": r.title,
                  "patient_ref": r.patient_ref, "open": {"kind": r.target_kind,
                                                         "id": str(r.target_id)},
                  "episode_id": str(r.episode_id) if r.episode_id else None,
                  "date": r.date.isoformat() if r.date else None, "age_days": r.age_days,
                  "detail": r.detail, "message": r.message} for r in board.rows],
    }


def _print_text(kind: str, rep: Any) -> None:
    if kind == "revenue":
        print(f"{'month':<8} {'charges':>12} {'adjust.':>10} {'accrual':>12} {'cash':>12}")
        for m in (*rep.months, rep.total):
            print(f"{m.month:<8} {_usd(m.charges_cents):>12} {_usd(m.adjustments_cents):>10} "
                  f"{_usd(m.accrual_cents):>12} {_usd(m.cash_cents):>12}")
        print(f"Opening balance {_usd(rep.opening_balance_cents)}, closing "
              f"{_usd(rep.closing_balance_cents)}; outstanding {_usd(rep.receivable_cents)}, "
              f"credits held {_usd(rep.credit_cents)}; {rep.unbilled_visits} completed visit(s) "
              "not yet billed (unsigned).")
    elif kind == "visits":
        print(f"{'month':<8} {'clinician':<28} {'done':>5} {'canc.':>5} {'no-show':>7} "
              f"{'rate':>6}")
        for r in (*rep.by_month, *rep.by_clinician, rep.total):
            rate = f"{r.no_show_rate:.1%}" if r.no_show_rate is not None else "-"
            print(f"{r.month:<8} {r.clinician[:28]:<28} {r.completed:>5} {r.cancelled:>5} "
                  f"{r.no_show:>7} {rate:>6}")
    elif kind == "units":
        print(f"{'month':<8} {'clinician':<28} {'visits':>6} {'units':>6} {'u/visit':>7} "
              f"{'min/u':>6}")
        for r in (*rep.by_month, *rep.by_clinician, rep.total):
            upv = f"{r.units_per_visit:.2f}" if r.units_per_visit is not None else "-"
            mpu = (f"{r.minutes_per_timed_unit:.1f}" if r.minutes_per_timed_unit is not None
                   else "-")
            print(f"{r.month:<8} {r.clinician[:28]:<28} {r.visits:>6} {r.units:>6} {upv:>7} "
                  f"{mpu:>6}{'  < 15 min/unit' if r.below_15_minutes else ''}")
    else:
        for r in rep.rows:
            print(f"[{r.severity.upper():6}] {r.title}: {r.patient_ref} — {r.message}")
        if not rep.rows:
            print("Nothing needs attention.")


def cmd_report(args: argparse.Namespace) -> int:
    from core.services import reports

    kind = args.kind
    today = _date(args.today) if args.today else dt.date.today()
    start, end = (today, today) if kind == "compliance" else _period(args)

    def run(chart: Any) -> int:
        if args.csv:
            out = reports.export_report_csv(chart, kind, Path(args.csv), date_from=start,
                                            date_to=end, today=today).value
            print(f"Wrote {out.path} ({out.rows} rows).", file=sys.stderr)
        if kind == "compliance":
            rep: Any = reports.compliance_report(chart, today=today)
        else:
            loader = {"revenue": reports.revenue_report, "visits": reports.visits_report,
                      "units": reports.units_report}[kind]
            rep = loader(chart, date_from=start, date_to=end)
        if args.json:
            payload = _compliance_json(rep) if kind == "compliance" else _plain(rep)
            print(json.dumps(payload, indent=2))
        else:
            _print_text(kind, rep)
        return 0

    return _with_chart(args, run)


def _period_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=bounded_int(1900, 2200),
                   help="calendar year (default: this year)")
    p.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("mileage", help="the mileage log of a year (print, or write CSV/PDF)")
    _period_args(p)
    p.add_argument("--clinician", help="only this clinician's trips (id)")
    p.add_argument("--out", help="write the log to FILE.csv or FILE.pdf")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_mileage)
    p = sub.add_parser("report", help="revenue, visits, units per visit, or compliance")
    p.add_argument("kind", choices=["revenue", "visits", "units", "compliance"])
    _period_args(p)
    p.add_argument("--today", help="compliance: the day to judge deadlines by (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", help="also write the report as CSV to this file")
    p.set_defaults(fn=cmd_report)
