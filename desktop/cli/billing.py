"""``chartside superbill``, ``fees``, ``payment``, ``refund``, ``adjust``, ``package`` and
``balance``.

Thin shells over ``core.services.billing`` and ``core.services.superbill`` (parse, call, print).
Exit codes follow ``desktop.cli``: 2 bad input, 4 not found (including "no signed visit"),
5 chart problem, and **8** when blocking claim-scrub findings stand and no
``--override-reason`` was given (the findings are listed on stderr first).
The override reason is written to the audit log: never type patient identifiers in it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.domain.errors import InvalidInput
from desktop.cli.common import bounded_int


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date.", hint="Use YYYY-MM-DD.") from None


def _id(text: str) -> uuid.UUID:
    from core.domain.ids import parse_id

    return parse_id(text)


def _money(text: str) -> int:
    from core.domain.billing import parse_amount

    return parse_amount(text)


def _with_chart(args: argparse.Namespace, fn: Callable[[Any], int]) -> int:
    from desktop.cli.common import open_chart_for as _open

    session = _open(args)
    try:
        return fn(session)
    finally:
        session.lock()


def _print_findings(findings: Any) -> None:
    for f in findings:
        print(f"[{str(f.severity).upper():5}] {f.id}: {f.message}", file=sys.stderr)
        if f.fix and str(f.severity) == "block":
            print(f"        fix: {f.fix}", file=sys.stderr)


def cmd_superbill(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.services import superbill
    from core.services.claim_scrub import ScrubBlocked

    if args.visit and (args.date_from or args.date_to):
        raise InvalidInput("Use --visit or --from/--to, not both.")
    request = superbill.SuperbillRequest(
        patient_id=_id(args.patient),
        visit_id=_id(args.visit) if args.visit else None,
        date_from=_date(args.date_from) if args.date_from else None,
        date_to=_date(args.date_to) if args.date_to else None,
        paper=args.paper,
        issued_on=_date(args.date) if args.date else None,
    )

    def run(chart: Any) -> int:
        try:
            result = superbill.export_superbill(
                chart, request, Path(args.out), override_reason=args.override_reason
            )
        except ScrubBlocked as exc:
            _print_findings(exc.findings)
            raise
        export = result.value
        bill = export.preview.superbill
        _print_findings(f for f in export.preview.findings if str(f.severity) != "block")
        if export.overridden:
            print(f"Overrode: {', '.join(export.overridden)} (audited)", file=sys.stderr)
        summary = {
            "out": str(export.path),
            "number": bill.number,
            "pages": export.preview.pages,
            "visits": len(bill.visit_ids),
            "lines": len(bill.lines),
            "charges_cents": bill.charges_cents,
            "paid_cents": bill.paid_cents,
            "balance_cents": bill.balance_cents,
            "findings": [f.id for f in export.preview.findings],
        }
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print(
                f"Wrote {export.path} ({export.preview.pages} page(s), "
                f"{len(bill.visit_ids)} visit(s), {len(bill.lines)} line(s)); charges "
                f"{format_cents(bill.charges_cents)}, paid {format_cents(bill.paid_cents)}, "
                f"balance {format_cents(bill.balance_cents)}."
            )
        return 0

    return _with_chart(args, run)


def cmd_fees(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.services import billing, practice

    def run(chart: Any) -> int:
        if args.action == "set":
            if not (args.code and args.amount and args.date_from):
                raise InvalidInput("fees set needs CODE AMOUNT --from DATE.")
            payer_id = None
            if args.payer:
                match = [p for p in practice.list_payer_profiles(chart) if p.key == args.payer]
                if not match:
                    raise InvalidInput(f"No payer profile with key {args.payer!r}.")
                payer_id = match[0].id
            entry = billing.set_fee(
                chart,
                args.code,
                _money(args.amount),
                effective_from=_date(args.date_from),
                effective_to=_date(args.date_to) if args.date_to else None,
                payer_profile_id=payer_id,
            ).value
            print(f"{entry.code} {format_cents(entry.amount_cents)} from {entry.effective_from}")
            return 0
        payers = {p.id: p.key for p in practice.list_payer_profiles(chart)}
        for e in billing.list_fees(chart, on=_date(args.on) if args.on else None):
            until = e.effective_to.isoformat() if e.effective_to else "open"
            payer = payers.get(e.payer_profile_id, "-") if e.payer_profile_id else "all payers"
            print(
                f"{e.code}  {format_cents(e.amount_cents):>10}  {e.effective_from} .. {until}"
                f"  {payer}"
            )
        return 0

    return _with_chart(args, run)


def cmd_payment(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.services import billing

    def run(chart: Any) -> int:
        if args.command == "refund" and getattr(args, "package", None):
            from core.services import packages

            if args.amount:
                raise InvalidInput("A package refund is the value of its unused visits: "
                                   "leave out --amount.")
            payment = packages.refund_package(
                chart, _id(args.patient), _id(args.package),
                date=_date(args.date) if args.date else dt.date.today(), method=args.method,
                reference=args.reference).value
            print(f"Refunded {format_cents(-payment.amount_cents)}; the package is ended "
                  f"({payment.id})")
            return 0
        if not args.amount:
            raise InvalidInput("--amount is required.")
        service = billing.record_refund if args.command == "refund" else billing.record_payment
        payment = service(
            chart,
            _id(args.patient),
            _money(args.amount),
            date=_date(args.date) if args.date else dt.date.today(),
            method=args.method,
            visit_id=_id(args.visit) if args.visit else None,
            reference=args.reference,
        ).value
        print(f"Recorded {payment.kind} {format_cents(payment.amount_cents)} ({payment.id})")
        return 0

    return _with_chart(args, run)


def cmd_adjust(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.services import billing

    def run(chart: Any) -> int:
        day = _date(args.date) if args.date else dt.date.today()
        if args.void:
            if args.visit or args.amount:
                raise InvalidInput("A void reverses the whole entry: leave out --visit and "
                                   "--amount.")
            void = billing.void_adjustment(chart, _id(args.patient), _id(args.void),
                                           reason=args.reason, date=day).value
            print(f"Voided: the visit owes {format_cents(-void.amount_cents)} again ({void.id})")
            return 0
        if not args.visit or not args.amount:
            raise InvalidInput("An adjustment needs --visit and --amount (or --void ENTRY).")
        entry = billing.record_adjustment(
            chart, _id(args.patient), _id(args.visit), _money(args.amount), reason=args.reason,
            date=_date(args.date) if args.date else dt.date.today(),
            kind=args.kind.replace("-", "_"),
        ).value
        word = "Wrote off" if args.kind == "write-off" else "Adjusted"
        print(f"{word} {format_cents(entry.amount_cents)} ({entry.id})")
        return 0

    return _with_chart(args, run)


def cmd_package(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.services import billing

    def run(chart: Any) -> int:
        package = billing.sell_package(
            chart,
            _id(args.patient),
            name=args.name,
            visits_total=args.visits,
            price_cents=_money(args.price),
            purchased_on=_date(args.date) if args.date else dt.date.today(),
            expires_on=_date(args.expires) if args.expires else None,
            method=args.method,
            covers=[c for c in (args.covers or "").replace(" ", ",").split(",") if c],
        ).value
        covers = ", ".join(package.covered_codes) or "every code"
        print(
            f"Sold {package.name}: {package.visits_total} visits for "
            f"{format_cents(package.price_cents)}, covering {covers} ({package.id})"
        )
        return 0

    return _with_chart(args, run)


def cmd_balance(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.services import billing

    def run(chart: Any) -> int:
        account = billing.account(chart, _id(args.patient)).value
        ledger = account.ledger
        rows = {
            "charges_cents": ledger.charges_cents,
            "adjustments_cents": ledger.adjustments_cents,
            "written_off_cents": ledger.written_off_cents,
            "received_cents": ledger.received_cents,
            "unapplied_credit_cents": ledger.unapplied_credit_cents,
            "package_credit_cents": ledger.package_credit_cents,
            "balance_cents": ledger.balance_cents,
        }
        from core.domain.aging import ar_aging

        aging = ar_aging(ledger, _date(args.as_of) if args.as_of else dt.date.today())
        if args.json:
            print(json.dumps({**rows, "aging_cents": aging}, indent=2))
            return 0
        for key, cents in rows.items():
            print(f"{key.removesuffix('_cents').replace('_', ' '):<16} {format_cents(cents):>12}")
        for status in account.packages:
            covers = ", ".join(status.package.covered_codes) or "every code"
            print(
                f"package {status.package.name!r}: {status.used}/"
                f"{status.package.visits_total} visits used (covers {covers})"
            )
        print("aging (days)     " + "  ".join(f"{k}: {format_cents(v)}" for k, v in aging.items()))
        return 0

    return _with_chart(args, run)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("superbill", help="write a superbill PDF for a visit or a date range")
    p.add_argument("--patient", required=True, help="patient id")
    p.add_argument("--visit", help="one visit id")
    p.add_argument("--from", dest="date_from", help="first date of service (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", help="last date of service (YYYY-MM-DD)")
    p.add_argument("--out", required=True, help="PDF file to write")
    p.add_argument("--paper", choices=["letter", "a4"], default="letter")
    p.add_argument("--date", help="statement date (default: today)")
    p.add_argument(
        "--override-reason",
        help="export despite blocking scrub findings; the reason "
        "is audited (no patient identifiers)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(fn=cmd_superbill)

    p = sub.add_parser("fees", help="list or set the fee schedule")
    p.add_argument("action", choices=["list", "set"])
    p.add_argument("code", nargs="?")
    p.add_argument("amount", nargs="?", help="charge per unit in dollars")
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")
    p.add_argument("--payer", help="payer profile key (default: all payers)")
    p.add_argument("--on", help="list the fees in force on this date")
    p.set_defaults(fn=cmd_fees)

    for name, what in (("payment", "record a payment"), ("refund", "record a refund")):
        p = sub.add_parser(name, help=what)
        p.add_argument("--patient", required=True)
        p.add_argument("--amount", help="dollars (required unless --package)")
        p.add_argument("--date")
        p.add_argument(
            "--method",
            default="card",
            choices=["cash", "card", "check", "hsa", "insurance", "other"],
        )
        p.add_argument("--visit", help="allocate to this visit")
        p.add_argument("--reference", default="", help="check or slip number")
        if name == "refund":
            p.add_argument("--package", help="refund this package's unused visits and end it")
        p.set_defaults(fn=cmd_payment)

    p = sub.add_parser("adjust", help="write off or adjust a visit's balance, with a reason")
    p.add_argument("--patient", required=True)
    p.add_argument("--visit", help="the visit whose balance is reduced")
    p.add_argument("--amount", help="dollars, at most the visit's balance")
    p.add_argument("--void", metavar="ENTRY",
                   help="reverse this mistaken adjustment or write-off (a void entry with "
                        "--reason; the original stays on the record)")
    p.add_argument("--kind", default="write-off", choices=["write-off", "adjustment"],
                   help="write-off: will not be collected; adjustment: courtesy, hardship, "
                        "contractual")
    p.add_argument("--reason", required=True,
                   help="why (kept with the entry; do not type patient identifiers)")
    p.add_argument("--date")
    p.set_defaults(fn=cmd_adjust)

    p = sub.add_parser("package", help="sell a prepaid package of visits")
    p.add_argument("--patient", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--visits", type=bounded_int(1, 1000), required=True)
    p.add_argument("--price", required=True, help="dollars")
    p.add_argument("--date")
    p.add_argument("--expires")
    p.add_argument(
        "--method", default="card", choices=["cash", "card", "check", "hsa", "insurance", "other"]
    )
    p.add_argument("--covers", help="the codes the package pays for, e.g. 97110,97140 (a "
                   "visit draws only their charge; default: every code)")
    p.set_defaults(fn=cmd_package)

    p = sub.add_parser("balance", help="a patient's charges, payments, balance and A/R aging")
    p.add_argument("--patient", required=True)
    p.add_argument("--as-of", dest="as_of", help="date the aging is measured on (default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_balance)
