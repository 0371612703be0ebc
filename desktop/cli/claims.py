"""``chartside claims ...``: the CMS-1500 form, the 837P file, the claim facts behind them.

Thin shells over ``core.services.claims`` (and the patient/episode/clinician update services).
Exit codes follow ``desktop.cli``: 2 bad input, 4 not found (also: nothing to claim), 8 blocked
by the claim scrub or missing claim data (every missing fact is listed on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from core.domain.errors import InvalidInput
from desktop.cli.billing import _date, _id, _print_findings, _with_chart


def _yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in ("yes", "y", "true", "1"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    raise InvalidInput(f"{text!r} is not yes or no.")


def _refused(exc: Any) -> None:
    items = getattr(exc, "items", None)
    if not items:
        _print_findings(getattr(exc, "findings", ()))


def cmd_cms1500(args: argparse.Namespace) -> int:
    from core.export.cms1500_pdf import Offset
    from core.services import claims
    from core.services.claim_scrub import ScrubBlocked

    offset = Offset(args.offset_x, args.offset_y)
    if args.test_page:
        path = claims.cms1500_test_page(Path(args.out), offset)
        print(f"Wrote the alignment test page {path} (offset {offset.x_mm:+.1f} mm right, "
              f"{offset.y_mm:+.1f} mm down).")
        return 0
    if not args.patient:
        raise InvalidInput("claims cms1500 needs --patient ID (or --test-page).")
    request = claims.Cms1500Request(
        _id(args.patient), date_from=_date(args.date_from) if args.date_from else None,
        date_to=_date(args.date_to) if args.date_to else None, payer=args.payer,
        mode="form" if args.print_on_form else "plain", offset=offset,
        issued_on=_date(args.date) if args.date else None, mark_sent=args.mark_sent)

    def run(chart: Any) -> int:
        try:
            export = claims.export_cms1500(chart, request, Path(args.out)).value
        except ScrubBlocked as exc:
            _refused(exc)
            raise
        lines = sum(len(c.lines) for c in export.claims)
        summary = {"out": str(export.path), "pages": export.pages, "lines": lines,
                   "charges_cents": sum(c.charge_cents for c in export.claims),
                   "payer": export.claims[0].payer.name, "sha256": export.sha256,
                   "sent": [c.control_number for c in export.sent]}
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print(f"Wrote {export.path} ({export.pages} form(s), {lines} line(s), "
                  f"{'text for the red form' if args.print_on_form else 'plain form'}).")
            if export.sent:
                print(f"Marked {len(export.sent)} claim(s) sent, one per day of service; "
                      "each form's item 26 holds its claim number: "
                      + ", ".join(c.control_number for c in export.sent) + ".")
        return 0

    return _with_chart(args, run)


def cmd_837p(args: argparse.Namespace) -> int:
    from core.services import claims
    from core.services.claim_scrub import ScrubBlocked

    def run(chart: Any) -> int:
        try:
            batch = claims.export_837p(
                chart, date_from=_date(args.date_from), date_to=_date(args.date_to),
                payer=args.payer, out=Path(args.out)).value
        except ScrubBlocked as exc:
            _refused(exc)
            raise
        summary = {"out": str(batch.path), "claims": len(batch.claims),
                   "control_number": batch.batch.control_number,
                   "charges_cents": sum(c.charge_cents for c in batch.claims),
                   "sha256": batch.batch.sha256}
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print(f"Wrote {batch.path}: {len(batch.claims)} claim(s), interchange "
                  f"{batch.batch.control_number:09d}, SHA-256 {batch.batch.sha256[:16]}…; "
                  "the claims are marked sent.")
        return 0

    return _with_chart(args, run)


def cmd_import_835(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.services import remittance

    def run(chart: Any) -> int:
        result = remittance.import_835(chart, Path(args.file)).value
        for cp in result.unmatched:
            print(f"not matched: claim {cp.control_number} (paid "
                  f"{format_cents(cp.paid_cents)}): this chart never sent it", file=sys.stderr)
        for cp in result.reversals:
            print(f"reversal: claim {cp.control_number}: post it by hand", file=sys.stderr)
        summary = {"posted": len(result.posted), "paid_cents": result.paid_cents,
                   "denied": result.denied, "already_posted": len(result.already_posted),
                   "written_off_cents": result.written_off_cents,
                   "unmatched": [c.control_number for c in result.unmatched],
                   "reversals": [c.control_number for c in result.reversals],
                   "sha256": result.sha256}
        if args.json:
            print(json.dumps(summary, indent=2))
        else:
            print(f"Posted {len(result.posted)} claim payment(s), "
                  f"{format_cents(result.paid_cents)} paid, "
                  f"{format_cents(result.written_off_cents)} contractual written off, "
                  f"{result.denied} denied; "
                  f"{len(result.already_posted)} already posted, "
                  f"{len(result.unmatched)} not matched.")
        return 0

    return _with_chart(args, run)


def cmd_list(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.domain.claims import ClaimStatus
    from core.services import claims

    def run(chart: Any) -> int:
        found = claims.list_claims(
            chart, date_from=_date(args.date_from) if args.date_from else None,
            date_to=_date(args.date_to) if args.date_to else None,
            status=ClaimStatus(args.status) if args.status else None)
        rows: list[dict[str, Any]] = [
            {"control_number": c.control_number, "service_date": c.service_date.isoformat(),
                 "patient_id": str(c.patient_id), "status": str(c.status),
                 "charge_cents": c.charge_cents, "paid_cents": c.paid_cents} for c in found]
        if args.json:
            print(json.dumps(rows, indent=2))
        for r in [] if args.json else rows:
            print(f"{r['control_number']}  {r['service_date']}  {r['status']:7}  "
                  f"{format_cents(r['charge_cents']):>10}  paid "
                  f"{format_cents(r['paid_cents'])}")
        return 0

    return _with_chart(args, run)


def cmd_reopen(args: argparse.Namespace) -> int:
    from core.domain.errors import NotFound
    from core.services import claims

    def run(chart: Any) -> int:
        with chart.uow() as uow:
            found = uow.claims.by_control_numbers([args.control_number.strip().upper()])
        claim = next(iter(found.values()), None)
        if claim is None:
            raise NotFound(f"No claim numbered {args.control_number} in this chart.",
                           hint="chartside claims list shows the claims and their numbers.")
        claims.reopen_denied(chart, claim.id)
        print(f"Claim {claim.control_number} reopened: its visits go on the next CMS-1500 or "
              "837P as a corrected claim (resubmission code 7).")
        return 0

    return _with_chart(args, run)


def cmd_facts(args: argparse.Namespace) -> int:
    """Set the claim facts of a patient (insured), an episode, a clinician or a payer."""
    from core.domain.claims import InsuredRelationship
    from core.domain.enums import Sex
    from core.services import claims, episodes, patients, practice

    def pick(mapping: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in mapping.items() if v is not None}

    def run(chart: Any) -> int:
        changed: list[str] = []
        if args.patient:
            fields = pick({
                "insured_relationship": InsuredRelationship.parse(args.relationship)
                if args.relationship else None,
                "insured_first_name": args.insured_first, "insured_last_name": args.insured_last,
                "insured_date_of_birth": _date(args.insured_dob) if args.insured_dob else None,
                "insured_sex": Sex(args.insured_sex.upper()) if args.insured_sex else None,
                "insured_address_line1": args.insured_address1,
                "insured_city": args.insured_city, "insured_state": args.insured_state,
                "insured_postal_code": args.insured_zip, "insured_employer": args.employer,
            })
            if fields:
                patients.update_patient(chart, _id(args.patient), **fields)
                changed.append(f"patient: {', '.join(sorted(fields))}")
        if args.episode:
            fields = pick({
                "employment_related": _yes_no(args.employment) if args.employment else None,
                "other_accident": _yes_no(args.other_accident) if args.other_accident else None,
                "accident_date": _date(args.accident_date) if args.accident_date else None,
                "prior_authorization": args.prior_auth,
                "referring_qualifier": args.referring_qualifier,
            })
            if args.auto_accident_state is not None:
                fields["auto_accident_state"] = args.auto_accident_state or None
            if fields:
                episodes.update_episode(chart, _id(args.episode), **fields)
                changed.append(f"episode: {', '.join(sorted(fields))}")
        if args.clinician and args.taxonomy:
            practice.update_clinician(chart, _id(args.clinician), taxonomy_code=args.taxonomy)
            changed.append("clinician: taxonomy_code")
        if args.payer:
            fields = pick({
                "payer_id": args.payer_id, "submitter_id": args.submitter_id,
                "receiver_id": args.receiver_id, "receiver_name": args.receiver_name,
                "claim_filing_code": args.filing_code, "address_line1": args.payer_address1,
                "city": args.payer_city, "state": args.payer_state,
                "postal_code": args.payer_zip,
                "test_mode": _yes_no(args.test_mode) if args.test_mode else None,
            })
            if fields:
                claims.update_payer_claim_ids(chart, args.payer, **fields)
                changed.append(f"payer: {', '.join(sorted(fields))}")
        if not changed:
            raise InvalidInput("Nothing to set.", hint="See chartside claims facts --help.")
        print("Saved " + "; ".join(changed) + ".")
        return 0

    return _with_chart(args, run)


def _per_visit(text: str) -> list[tuple[str, int]]:
    """``97110x2,97140`` → [("97110", 2), ("97140", 1)] (``estimates.parse_per_visit``)."""
    from core.rules.estimates import parse_per_visit

    return parse_per_visit(text)


def cmd_estimate(args: argparse.Namespace) -> int:
    from core.domain.billing import format_cents
    from core.services import estimates

    def run(chart: Any) -> int:
        if args.check:
            check = estimates.check_estimate(chart, _id(args.episode)).value
            _print_findings(check.findings)
            total = format_cents(check.estimate.total_cents) if check.estimate else "none"
            print(f"Estimate {total}; billed so far {format_cents(check.billed_cents)}.")
            return 0
        if not args.out:
            raise InvalidInput("estimate needs --out FILE.pdf (or --check).")
        estimate = estimates.issue_estimate(
            chart, _id(args.episode), _per_visit(args.per_visit or ""), Path(args.out),
            evaluation=args.evaluation, issued_on=_date(args.date) if args.date else None).value
        print(f"Wrote {args.out}: {estimate.visits} expected visits from "
              f"{estimate.period_from} to {estimate.period_to}, total "
              f"{format_cents(estimate.total_cents)}; kept with the episode.")
        return 0

    return _with_chart(args, run)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("estimate", help="a good-faith estimate for a self-pay episode (PDF)")
    p.add_argument("--episode", required=True, help="episode id")
    p.add_argument("--out", help="PDF file to write")
    p.add_argument("--per-visit", help="services expected at a visit, e.g. 97110x2,97140")
    p.add_argument("--evaluation", help="evaluation code on the first visit, e.g. 97162")
    p.add_argument("--date", help="issue date (default: today)")
    p.add_argument("--check", action="store_true",
                   help="compare the billed charges with the latest estimate")
    p.set_defaults(fn=cmd_estimate)

    claims = sub.add_parser("claims", help="CMS-1500 forms, 837P files and claim facts")
    csub = claims.add_subparsers(dest="claims_command", required=True)

    p = csub.add_parser("cms1500", help="write a CMS-1500 (02/12) PDF for a patient's visits")
    p.add_argument("--patient", help="patient id")
    p.add_argument("--from", dest="date_from", help="first date of service (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", help="last date of service (YYYY-MM-DD)")
    p.add_argument("--payer", help="payer profile name or key (when two payers are billed)")
    p.add_argument("--out", required=True, help="PDF file to write")
    p.add_argument("--print-on-form", action="store_true",
                   help="text only, to print on the pre-printed red form")
    p.add_argument("--offset-x", type=float, default=0.0, help="printer offset, mm to the right")
    p.add_argument("--offset-y", type=float, default=0.0, help="printer offset, mm down")
    p.add_argument("--test-page", action="store_true",
                   help="write the red-form alignment test page instead (no chart data)")
    p.add_argument("--date", help="date in item 31 (default: today)")
    p.add_argument("--mark-sent", action="store_true",
                   help="filing on paper: one claim per day, saved as sent (item 26 holds "
                        "its number, for the 835)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_cms1500)

    p = csub.add_parser("837p", help="write an 837P file of a payer's claims in a date range")
    p.add_argument("--from", dest="date_from", required=True)
    p.add_argument("--to", dest="date_to", required=True)
    p.add_argument("--payer", required=True, help="payer profile name or key")
    p.add_argument("--out", required=True, help="X12 file to write")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_837p)

    p = csub.add_parser("import-835", help="post an 835 remittance (ERA) file to the claims")
    p.add_argument("file", help="the 835 file from the payer or clearinghouse")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_import_835)

    p = csub.add_parser("list", help="list claims (unsent, sent, paid, denied)")
    p.add_argument("--from", dest="date_from")
    p.add_argument("--to", dest="date_to")
    p.add_argument("--status", choices=["unsent", "sent", "paid", "denied", "reopened"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_list)

    p = csub.add_parser("reopen", help="reopen a denied claim to file a corrected one")
    p.add_argument("control_number", help="the claim's number (claims list shows it)")
    p.set_defaults(fn=cmd_reopen)

    p = csub.add_parser("facts", help="set what claims need that a chart lacks")
    p.add_argument("--patient", help="patient id: the insured (items 4, 6, 7, 11)")
    p.add_argument("--relationship", help="self | spouse | child | other")
    p.add_argument("--insured-first")
    p.add_argument("--insured-last")
    p.add_argument("--insured-dob", help="YYYY-MM-DD")
    p.add_argument("--insured-sex", choices=["F", "M", "U", "f", "m", "u"])
    p.add_argument("--insured-address1")
    p.add_argument("--insured-city")
    p.add_argument("--insured-state")
    p.add_argument("--insured-zip")
    p.add_argument("--employer", help="item 11b")
    p.add_argument("--episode", help="episode id: items 10, 17, 23")
    p.add_argument("--employment", help="yes | no (item 10a)")
    p.add_argument("--auto-accident-state", help="state of an auto accident (10b); '' clears")
    p.add_argument("--other-accident", help="yes | no (item 10c)")
    p.add_argument("--accident-date", help="YYYY-MM-DD")
    p.add_argument("--prior-auth", help="item 23")
    p.add_argument("--referring-qualifier", choices=["DN", "DK", "DQ"])
    p.add_argument("--clinician", help="clinician id (with --taxonomy)")
    p.add_argument("--taxonomy", help="the clinician's NUCC taxonomy code (24J shaded)")
    p.add_argument("--payer", help="payer profile name or key: clearinghouse ids")
    p.add_argument("--payer-id")
    p.add_argument("--submitter-id")
    p.add_argument("--receiver-id")
    p.add_argument("--receiver-name")
    p.add_argument("--filing-code", help="SBR09: MB, MC, CI, BL, HM, WC, AM, …")
    p.add_argument("--payer-address1")
    p.add_argument("--payer-city")
    p.add_argument("--payer-state")
    p.add_argument("--payer-zip")
    p.add_argument("--test-mode", help="yes | no (ISA15 T or P)")
    p.set_defaults(fn=cmd_facts)

