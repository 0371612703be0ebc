"""``chartside units`` and ``chartside check``: the billing rules from the command line."""

from __future__ import annotations

import argparse
import json
import re

from core.domain.errors import InvalidInput

_MAX_MINUTES = 24 * 60
_MINUTES = re.compile(r"-?[0-9]+")  # ASCII digits only: "²" and "٣" are digits to str.isdigit


def _parse_pairs(pairs: list[str]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for pair in pairs:
        code, sep, minutes = pair.partition("=")
        if not sep or not code.strip():
            raise InvalidInput(f"{pair!r} is not CODE=MINUTES.", hint="Example: 97110=23")
        text = minutes.strip()
        if not _MINUTES.fullmatch(text):
            raise InvalidInput(
                f"Minutes for {code.strip()} must be a whole number, not {minutes!r}.",
                hint="Example: 97110=23")
        value = int(text)
        if not -_MAX_MINUTES <= value <= _MAX_MINUTES:  # negatives: the rules explain them
            raise InvalidInput(
                f"Minutes for {code.strip()} must be at most {_MAX_MINUTES} (a day), not {text}.",
                hint="Example: 97110=23")
        out.append((code.strip().upper(), value))
    return out


def cmd_units(args: argparse.Namespace) -> int:
    from core.rules.units import compute_units

    result = compute_units(_parse_pairs(args.pairs), args.method)
    if args.json:
        print(json.dumps({
            "method": str(result.method),
            "units": dict(result.units),
            "total_units": result.total_units,
            "ties": [
                {"codes": list(t.codes), "remainder_minutes": t.remainder_minutes,
                 "units": t.units, "default": list(t.default)}
                for t in result.ties
            ],
            "explanation": list(result.lines),
        }))
    else:
        print(result.explanation)
        print(f"Total: {result.total_units} unit{'s' if result.total_units != 1 else ''}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from core.domain.ids import parse_id
    from core.services import signing
    from desktop.cli.common import open_chart_for as _open

    note_id = parse_id(args.note_id)
    session = _open(args)
    try:
        findings = signing.check(session, note_id)
    finally:
        session.lock()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": f.id,
                        "severity": str(f.severity),
                        "message": f.message,
                        "field": f.field,
                        "fix": f.fix,
                    }
                    for f in findings
                ],
                indent=2,
            )
        )
    elif not findings:
        print("No findings: the note is ready to sign.")
    else:
        for f in findings:
            print(f"[{str(f.severity).upper():5}] {f.id}: {f.message}")
            if f.fix:
                print(f"        fix: {f.fix}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("units", help="billing units for CODE=MINUTES pairs")
    p.add_argument("--method", choices=["cms", "per-code"], required=True)
    p.add_argument("--json", action="store_true",
                   help='print {"units": {"CODE": n}, "ties": [...], "total_units", ...}')
    p.add_argument("pairs", nargs="+", metavar="CODE=MINUTES")
    p.set_defaults(fn=cmd_units)
    p = sub.add_parser("check", help="the findings of a note")
    p.add_argument("note_id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_check)
