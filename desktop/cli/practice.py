"""``chartside --chart PATH practice [show|set ...]``: the practice profile that heads every
superbill — name, address, phone, group NPI, EIN, licence, NUCC taxonomy (the desktop's
*Chart ▸ Practice and fees…*). ``set`` changes only the fields given, through
``core.services.practice.save_practice`` (validated, audited); a refused value exits 2 with
the reason and changes nothing. ``show --json`` prints the profile as JSON.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("--name", "name", "practice name"),
    ("--address1", "address_line1", "street"),
    ("--address2", "address_line2", "suite, floor"),
    ("--city", "city", "city"),
    ("--state", "state", "state"),
    ("--zip", "postal_code", "ZIP code"),
    ("--phone", "phone", "phone"),
    ("--npi", "npi", "group (type 2) NPI, item 33a"),
    ("--ein", "tax_id", "EIN, item 25 (12-3456789)"),
    ("--license", "license_number", "the practice's licence number"),
    ("--taxonomy", "taxonomy_code", "NUCC taxonomy, item 33b (e.g. 225100000X)"),
)
OPTIONAL = {"npi", "tax_id", "taxonomy_code"}


def cmd_practice(args: argparse.Namespace) -> int:
    from core.domain.errors import InvalidInput, NotFound
    from core.services import practice
    from desktop.cli.billing import _with_chart

    def run(chart: Any) -> int:
        if args.action == "set":
            fields = {name: getattr(args, name) for _o, name, _h in FIELDS
                      if getattr(args, name) is not None}
            if not fields:
                raise InvalidInput("practice set needs at least one field, e.g. --ein 12-3456789.")
            for name in OPTIONAL & fields.keys():
                fields[name] = fields[name].strip() or None
            practice.save_practice(chart, **fields)
        try:
            current = practice.get_practice(chart)
        except NotFound:
            current = None
        values = {name: getattr(current, name) if current else None for _o, name, _h in FIELDS}
        if args.json:
            print(json.dumps(values, indent=2))
        elif current is None:
            print("No practice details yet: chartside practice set --name NAME ...")
        else:
            for option, name, _help in FIELDS:
                print(f"{option.removeprefix('--'):>9}  {values[name] or '-'}")
        return 0

    return _with_chart(args, run)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("practice", help="show or set the practice profile (NPI, EIN, taxonomy…)")
    p.add_argument("action", choices=["show", "set"], nargs="?", default="show")
    for option, name, what in FIELDS:
        p.add_argument(option, dest=name, help=what)
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_practice)
