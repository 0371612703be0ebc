"""``chartside init|demo|patients|export|verify-audit|change-passphrase``: the chart itself."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.cli.common import (
    ENV_NEW_PASSPHRASE,
    ENV_PASSPHRASE,
    bounded_int,
    new_passphrase,
    open_chart_for,
    prompt,
    resolve_user,
)


def cmd_init(args: argparse.Namespace) -> int:
    from core.services import charts

    _make_folder(args.chart.parent)
    passphrase = new_passphrase(ENV_PASSPHRASE)
    # pending: an init killed before the recovery key is on screen can simply be run again.
    session, recovery = charts.create_chart(args.chart, passphrase, pending=True)
    session.lock()
    print(f"Created {args.chart}")
    print(f"Key file: {charts.key_path(args.chart)} (required: the chart cannot open without it)")
    print("Back up with `chartside backup --to FOLDER` (both files, consistent, verified).")
    print()
    print("RECOVERY KEY — write it down or print it and keep it somewhere safe.")
    print("It opens the chart if the passphrase is forgotten. It is shown only this once.")
    print()
    print(f"    {recovery}", flush=True)
    charts.finish_create(args.chart)
    return 0


def _make_folder(folder: Path) -> None:
    """Create the chart's folder owner-only (0700); an existing folder is left as it is."""
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)


def cmd_demo(args: argparse.Namespace) -> int:
    from core.services import charts, first_run

    _make_folder(args.chart.parent)
    passphrase = new_passphrase(ENV_PASSPHRASE)
    # the same use case as the app's "Create demo chart": filled, first clinician current;
    # pending until the recovery key is printed (a failure halfway leaves no file behind)
    made = first_run.create_demo_chart(args.chart, passphrase, pending=True)
    made.session.lock()
    print(f"Created demo chart {args.chart}: {made.summary}")
    print(f"Recovery key: {made.recovery_key}", flush=True)
    charts.finish_create(args.chart)
    return 0


def cmd_patients(args: argparse.Namespace) -> int:
    from core.services import patients

    session = open_chart_for(args)
    try:
        rows = patients.search_patients(session, args.search or "", limit=args.limit)
    finally:
        session.lock()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": str(r.id),
                        "name": r.display_name,
                        "date_of_birth": r.date_of_birth.isoformat(),
                        "active": r.active,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
    else:
        for r in rows:
            print(
                f"{r.id}  {r.display_name:<32} {r.date_of_birth.isoformat()}"
                f"{'' if r.active else '  (inactive)'}"
            )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from core.export.json_export import dumps
    from core.services import exports

    session = open_chart_for(args)
    try:
        if args.out:
            size = exports.write_json_export(session, Path(args.out))
            print(f"Wrote {args.out} ({size} bytes)", file=sys.stderr)
        else:
            print(dumps(exports.export_json(session)))
    finally:
        session.lock()
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from core.services import charts

    session = open_chart_for(args)
    try:
        report = charts.verify_audit(session)
    finally:
        session.lock()
    if report.ok:
        print(f"Audit log intact: {report.rows} rows verified.")
        return 0
    print(f"Audit log BROKEN at row {report.first_broken_seq}: {report.reason}.")
    return 7


def cmd_change_passphrase(args: argparse.Namespace) -> int:
    from core.services import charts

    old = prompt("Current passphrase")
    user = None
    if getattr(args, "user", None):
        user = resolve_user(args.chart, args.user)
    session = charts.open_chart(args.chart, passphrase=old, user=user)
    try:
        charts.change_passphrase(session, old, new_passphrase(ENV_NEW_PASSPHRASE))
    finally:
        session.lock()
    print("Passphrase changed. The recovery key still works.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser("init", help="create a new encrypted chart").set_defaults(fn=cmd_init)
    sub.add_parser("demo", help="create a chart full of synthetic demo data").set_defaults(
        fn=cmd_demo
    )
    p = sub.add_parser("patients", help="list or search patients")
    p.add_argument("--search", default="")
    p.add_argument("--limit", type=bounded_int(1, 100_000), default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_patients)
    p = sub.add_parser("export", help="export the whole chart")
    p.add_argument("--format", choices=["json"], default="json")
    p.add_argument("--out", help="file to write (default: standard output)")
    p.set_defaults(fn=cmd_export)
    sub.add_parser("verify-audit", help="check the audit log's hash chain").set_defaults(
        fn=cmd_verify_audit
    )
    sub.add_parser("change-passphrase", help="rewrap the chart key").set_defaults(
        fn=cmd_change_passphrase
    )
