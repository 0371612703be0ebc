"""``chartside route``: a home-health clinician's day — the home visits in order with their
addresses, and the mileage legs that completing them proposes; ``--log`` records the legs with
the miles driven (issue 19, ``core.services.home_visits``).

    chartside --chart PATH route [--day YYYY-MM-DD] [--clinician ID|NAME] [--base LABEL] [--json]
    chartside --chart PATH route --log 3.2,4.0,- [--vehicle V] [--confirm-long] ...

The list shows patients' names and addresses on the user's own screen (as ``patients`` does);
the mileage log itself never holds an address.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import uuid

from desktop.cli.common import open_chart_for as _open


def _miles(text: str) -> list[float | None]:
    from core.domain.errors import InvalidInput

    out: list[float | None] = []
    for part in text.split(","):
        part = part.strip()
        if part in ("-", ""):
            out.append(None)
            continue
        try:
            value = float(part)
        except ValueError:
            raise InvalidInput(
                f"{part[:20]!r} is not a number of miles.",
                hint="Give one distance per leg, e.g. --log 3.2,4,- (- skips).") from None
        if not math.isfinite(value):
            raise InvalidInput(f"{part[:20]!r} is not a number of miles.")
        out.append(value)
    return out


def _clinician(session: object, text: str | None) -> uuid.UUID:
    from core.domain.errors import InvalidInput
    from core.services import practice
    from desktop.cli.users import _clinician as by_name

    if text:
        return by_name(session, text)
    everyone = practice.list_clinicians(session)  # type: ignore[arg-type]
    if len(everyone) == 1:
        return everyone[0].id
    raise InvalidInput("Say whose day: --clinician ID or the start of their name.")


def cmd_route(args: argparse.Namespace) -> int:
    from core.domain.errors import InvalidInput
    from core.services import home_visits

    try:
        on = dt.date.fromisoformat(args.day) if args.day else dt.date.today()
    except ValueError:
        raise InvalidInput("The day is YYYY-MM-DD.") from None
    miles = _miles(args.log) if args.log is not None else None
    session = _open(args)
    try:
        who = _clinician(session, args.clinician)
        if miles is not None:
            logged = home_visits.log_legs(session, who, on, miles, base=args.base,
                                          vehicle=args.vehicle, confirm_long=args.confirm_long)
            print(f"Logged {len(logged)} legs, {sum(e.miles or 0 for e in logged):.1f} miles "
                  f"on {on} (chartside mileage shows the log).")
            return 0
        day = home_visits.home_day(session, who, on, base=args.base)
    finally:
        session.lock()
    if args.json:
        print(json.dumps({
            "day": on.isoformat(), "clinician_id": str(who), "base": day.base,
            "stops": [{"appointment_id": str(s.appointment.id),
                       "start": s.appointment.start.isoformat(timespec="minutes"),
                       "status": s.appointment.status.value, "patient": s.patient_name,
                       "address": s.address} for s in day.stops],
            "legs": [{"number": leg.number, "from": leg.from_label, "to": leg.to_label,
                      "patient_id": str(leg.patient_id), "logged": leg.logged}
                     for leg in day.legs],
        }, indent=2))
        return 0
    if not day.stops:
        print(f"No home visits on {on}.")
        return 0
    print(f"Home visits on {on}, in order:")
    for i, s in enumerate(day.stops, 1):
        a = s.appointment
        print(f"  {i}. {a.start:%H:%M}  {s.patient_name}  {s.address or '(no address)'}  "
              f"{a.status.value}")
    if not day.legs:
        print("No legs to log yet: they are proposed as home visits are marked completed.")
        return 0
    print("Mileage legs (give the miles with --log, one per leg not yet logged, in order):")
    names = {s.appointment.patient_id: s.patient_name for s in day.stops}
    for leg in day.legs:
        to = names[leg.patient_id] if leg.to_label == "@patient" else leg.to_label
        frm = names[leg.patient_id] if leg.from_label == "@patient" else leg.from_label
        print(f"  {leg.number}. {frm} → {to}{'  (logged)' if leg.logged else ''}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("route", help="a home-health day: visits in order, mileage legs to log")
    p.add_argument("--day", default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--clinician", default=None, help="id or the start of the name")
    p.add_argument("--base", default="Office", help="where the day starts and ends")
    p.add_argument("--log", default=None, metavar="MILES",
                   help="record the pending legs: miles per leg, comma-separated (- skips)")
    p.add_argument("--vehicle", default="")
    p.add_argument("--confirm-long", action="store_true", help="a leg over 500 miles is meant")
    p.add_argument("--json", action="store_true")
    p.set_defaults(fn=cmd_route)
