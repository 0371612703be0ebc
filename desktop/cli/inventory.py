"""``chartside inventory``: supplies on hand, deliveries, use, counts, moves, low stock (issue 20).

Thin shells over ``core.services.inventory``. Quantities may carry their own unit
(``--unit ml`` for an item kept in litres). Bad input — a negative or zero quantity, an unknown
unit, more than is on hand — exits 2 with the reason; nothing is recorded.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from pathlib import Path

from desktop.cli.common import open_chart_for as _open


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _q(value: Decimal) -> str:
    from core.domain.inventory import fmt

    return fmt(value)


def cmd_list(args: argparse.Namespace) -> int:
    from core.services import inventory

    session = _open(args)
    try:
        rows = inventory.stock(session)
        places = inventory.by_location(session)
    finally:
        session.lock()
    if args.json:
        print(json.dumps({
            "items": [{"id": str(r.item.id), "name": r.item.name, "unit": r.item.unit,
                       "on_hand": _q(r.on_hand), "reorder_point": _q(r.item.reorder_point),
                       "low": r.low, "days_left": r.days_left, "hcpcs": r.item.hcpcs}
                      for r in rows],
            "locations": {name: {k: _q(v) for k, v in counts.items()}
                          for name, counts in places.items()},
        }, indent=2))
        return 0
    if not rows:
        print("No supplies yet (chartside inventory add-item NAME --unit U).")
    for r in rows:
        days = "no recent use" if r.days_left is None else f"~{r.days_left} days left"
        flag = "  LOW" if r.low else ""
        print(f"{r.item.name}: {_q(r.on_hand)} {r.item.unit} ({days}){flag}")
    for name, counts in places.items():
        print(f"  {name}: " + ", ".join(f"{k} {_q(v)}" for k, v in counts.items()))
    return 0


def cmd_add_item(args: argparse.Namespace) -> int:
    from core.services import inventory

    session = _open(args)
    try:
        item = inventory.add_item(
            session, name=args.name, unit=args.unit, category=args.category,
            reorder_point=Decimal(args.reorder_point), reorder_quantity=Decimal(args.reorder_qty),
            unit_cost_cents=args.cost_cents, hcpcs=args.hcpcs)
    finally:
        session.lock()
    print(f"Added {item.name} ({item.unit}), id {item.id}.")
    return 0


def cmd_location(args: argparse.Namespace) -> int:
    import uuid

    from core.domain.inventory import LocationKind
    from core.services import inventory

    session = _open(args)
    try:
        loc = inventory.add_location(
            session, args.name, LocationKind.CAR if args.car else LocationKind.CLINIC,
            uuid.UUID(args.clinician) if args.clinician else None)
    finally:
        session.lock()
    print(f"Added location {loc.name}.")
    return 0


def _movement(args: argparse.Namespace) -> int:
    from core.services import inventory

    session = _open(args)
    try:
        if args.inventory_command == "receive":
            cents = None if args.cost is None else round(float(args.cost) * 100)
            m = inventory.receive(session, args.item, args.quantity, args.unit,
                                  location=args.at, unit_cost_cents=cents)
        elif args.inventory_command == "use":
            m = inventory.use(session, args.item, args.quantity, args.unit, location=args.at,
                              reason=args.reason)
        elif args.inventory_command == "adjust":
            m = inventory.adjust(session, args.item, args.delta, args.unit, reason=args.reason,
                                 location=args.at)
        else:
            m = inventory.move(session, args.item, args.quantity, args.unit, source=args.source,
                               to=args.to)
    finally:
        session.lock()
    print(f"Recorded: {m.kind.value} {_q(abs(m.quantity))}.")
    return 0


def cmd_low(args: argparse.Namespace) -> int:
    from core.services import inventory

    session = _open(args)
    try:
        rows = inventory.low(session)
        csv_text = inventory.reorder_csv(session) if args.out else ""
        pdf = inventory.reorder_pdf(session) if args.pdf else b""
    finally:
        session.lock()
    if args.out or args.pdf:
        from core.storage import files

        if args.out:
            files.write_atomic(Path(args.out), csv_text.encode(), what="the reorder list")
        if args.pdf:
            files.write_atomic(Path(args.pdf), pdf, what="the reorder list")
    if args.json:
        print(json.dumps([{"name": r.item.name, "on_hand": _q(r.on_hand), "unit": r.item.unit,
                           "reorder_point": _q(r.item.reorder_point), "days_left": r.days_left}
                          for r in rows], indent=2))
        return 0
    if not rows:
        print("Nothing is at or below its reorder point.")
    for r in rows:
        print(f"LOW {r.item.name}: {_q(r.on_hand)} {r.item.unit} "
              f"(reorder at {_q(r.item.reorder_point)})")
    for written in (args.out, args.pdf):
        if written:
            print(f"Reorder list written to {written}.")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from core.domain.errors import InvalidInput
    from core.services import inventory

    lines = []
    for spec in args.uses:
        parts = spec.split(":")
        if len(parts) != 3:
            raise InvalidInput(f"{spec[:40]!r} is not ITEM:QUANTITY:UNIT.",
                               hint="e.g. 'Kinesiology tape:1:m'")
        lines.append((parts[0], parts[1], parts[2]))
    session = _open(args)
    try:
        template = inventory.set_template(session, args.key, lines)
    finally:
        session.lock()
    print(f"{template.key} now uses {len(template.lines)} item(s) per occurrence.")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import datetime as dt

    from core.domain.errors import InvalidInput
    from core.services import inventory

    try:
        start, end = dt.date.fromisoformat(args.date_from), dt.date.fromisoformat(args.date_to)
    except ValueError:
        raise InvalidInput("Dates are YYYY-MM-DD.") from None
    session = _open(args)
    try:
        rep = inventory.report(session, start, end)
    finally:
        session.lock()
    per_visit = None if rep.cost_per_visit_cents is None else rep.cost_per_visit_cents
    if args.json:
        print(json.dumps({
            "usage": [{"month": m, "item": i, "unit": u, "quantity": _q(q)}
                      for m, i, u, q in rep.usage],
            "value_at": rep.value_at.isoformat(), "value_cents": rep.value_cents,
            "visits": rep.visits, "cost_per_visit_cents": per_visit}, indent=2))
        return 0
    for month, item, unit, q in rep.usage:
        print(f"{month}  {item}: {_q(q)} {unit}")
    print(f"Stock value on {rep.value_at}: {_money(rep.value_cents)}")
    cost = "no visits" if per_visit is None else _money(per_visit)
    print(f"Supplies per visit ({rep.visits} visits): {cost}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("inventory", help="supplies on hand, deliveries, use, low stock")
    inv = p.add_subparsers(dest="inventory_command", required=True)
    q = inv.add_parser("list", help="items, counts per place, days left")
    q.add_argument("--json", action="store_true")
    q.set_defaults(fn=cmd_list)
    q = inv.add_parser("add-item", help="a new supply item")
    q.add_argument("name")
    q.add_argument("--unit", required=True, help="each, m, cm, ml, l, g, kg, pair, set, roll…")
    q.add_argument("--category", default="")
    q.add_argument("--reorder-point", default="0")
    q.add_argument("--reorder-qty", default="0")
    q.add_argument("--cost-cents", type=int, default=0, help="unit cost in cents")
    q.add_argument("--hcpcs", default=None, help="billable supply code, e.g. A4556")
    q.set_defaults(fn=cmd_add_item)
    q = inv.add_parser("location", help="add a stock location (a car kit with --car)")
    q.add_argument("name")
    q.add_argument("--car", action="store_true")
    q.add_argument("--clinician", default=None, help="whose car kit (clinician id)")
    q.set_defaults(fn=cmd_location)
    for name, helptext in (("receive", "a delivery"), ("use", "supplies used"),
                           ("adjust", "a count correction"), ("move", "between places")):
        q = inv.add_parser(name, help=helptext)
        q.add_argument("item", help="item name (or its start) or id")
        q.add_argument("delta" if name == "adjust" else "quantity",
                       help="signed change (-2, +5)" if name == "adjust" else "how much")
        q.add_argument("--unit", default=None, help="unit of the quantity (default: the item's)")
        if name == "move":
            q.add_argument("--from", dest="source", default=None, help="default: the clinic")
            q.add_argument("--to", required=True)
        else:
            q.add_argument("--at", default=None, help="location (default: the clinic)")
        if name == "receive":
            q.add_argument("--cost", default=None, help="unit cost paid, in dollars")
        if name in ("use", "adjust"):
            q.add_argument("--reason", default="", required=name == "adjust")
        q.set_defaults(fn=_movement)
    q = inv.add_parser("low", help="items at or below their reorder point")
    q.add_argument("--json", action="store_true")
    q.add_argument("--out", default=None, help="write the reorder list as CSV")
    q.add_argument("--pdf", default=None, help="write the reorder list as a printable PDF")
    q.set_defaults(fn=cmd_low)
    q = inv.add_parser("report", help="use per month, stock value, supplies cost per visit")
    q.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
    q.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
    q.add_argument("--json", action="store_true")
    q.set_defaults(fn=cmd_report)
    q = inv.add_parser("template", help="what one occurrence of a code or service uses")
    q.add_argument("key", help="CPT code (97140) or service type (massage-60)")
    q.add_argument("uses", nargs="+", help="ITEM:QUANTITY:UNIT, e.g. 'Kinesiology tape:1:m'")
    q.set_defaults(fn=cmd_template)
