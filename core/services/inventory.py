"""Supplies inventory use cases (issue 20): one service call per action, one transaction each,
shared by the CLI and the app. The rules live in ``core.rules.inventory``; the records in
``core.domain.inventory``; the SQL in ``core.storage.repos_inventory`` (``uow.inventory``).

- Every movement is audited (``stock_movement``) and synced like every record; counts are
  derived from the ledger.
- Quantities may be typed in any unit of the item's dimension ("15 ml" of lotion kept in
  litres); taking more than is on hand at a place is refused with what is there.
- ``apply_note_usage`` runs inside the signing transaction: the note's codes (one per timed block
  and untimed service) through the usage templates, drawn from the clinician's car kit for a
  home visit when they have one, else the clinic. Signing is never blocked by a count (the
  usage is recorded even past zero and shows on the low-stock list); ids derived from (note,
  item) make it exactly-once, also when the signed note reaches another device.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.domain.errors import NotFound, ValidationError
from core.domain.inventory import (
    Item,
    Location,
    LocationKind,
    Movement,
    MovementKind,
    TemplateLine,
    UsageTemplate,
    check_available,
    quantity_in,
)
from core.domain.visit import Note, Visit
from core.rules import inventory as rules
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

CLINIC = "Clinic"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _clinic(uow: UnitOfWork) -> Location:
    """The clinic's stock room, created on first use."""
    for loc in uow.inventory.locations():
        if loc.kind is LocationKind.CLINIC:
            return loc
    loc = Location(CLINIC)
    uow.inventory.save_locations([loc])
    uow.record("create", "inventory_location", loc.id)
    return loc


def _location(uow: UnitOfWork, name_or_id: str | None) -> Location:
    if not name_or_id:
        return _clinic(uow)
    wanted = name_or_id.strip().lower()
    for loc in uow.inventory.locations():
        if str(loc.id) == name_or_id or loc.name.lower() == wanted:
            return loc
    if wanted == CLINIC.lower():
        return _clinic(uow)
    raise NotFound(f"No stock location called {name_or_id[:40]!r}.",
                   hint="chartside inventory list shows them; add a car kit with "
                        "inventory location.")


def _item(uow: UnitOfWork, name_or_id: str) -> Item:
    wanted = name_or_id.strip().lower()
    found = [i for i in uow.inventory.items()
             if str(i.id) == name_or_id or i.name.lower() == wanted]
    if not found:
        found = [i for i in uow.inventory.items() if i.name.lower().startswith(wanted) and wanted]
    if len(found) != 1:
        raise NotFound(f"{'No' if not found else 'More than one'} supply item matches "
                       f"{name_or_id[:40]!r}.", hint="chartside inventory list shows them.")
    return found[0]


def add_location(
    chart: ChartSession, name: str, kind: LocationKind = LocationKind.CAR,
    clinician_id: uuid.UUID | None = None,
) -> Location:
    loc = Location(name, kind, clinician_id)
    with chart.uow() as uow:
        if any(x.name.lower() == loc.name.lower() for x in uow.inventory.locations()):
            raise ValidationError(f"There is already a location called {loc.name}.",
                                  field="name")
        if clinician_id is not None:
            uow.clinicians.get(clinician_id)
        uow.inventory.save_locations([loc])
        uow.record("create", "inventory_location", loc.id)
        uow.commit()
    return loc


def add_item(chart: ChartSession, **fields: object) -> Item:
    item = Item(**fields)  # type: ignore[arg-type]
    with chart.uow() as uow:
        if any(i.name.lower() == item.name.lower() for i in uow.inventory.items()):
            raise ValidationError(f"There is already an item called {item.name}.", field="name")
        uow.inventory.save_items([item])
        uow.record("create", "inventory_item", item.id)
        uow.commit()
    return item


def _record(
    chart: ChartSession, item_ref: str, kind: MovementKind, amount: object, unit: str | None,
    *, location: str | None = None, to: str | None = None, reason: str = "",
    unit_cost_cents: int | None = None, at: dt.datetime | None = None,
) -> Movement:
    with chart.uow() as uow:
        item = _item(uow, item_ref)
        source = _location(uow, location)
        target = _location(uow, to) if kind is MovementKind.MOVED else None
        negative = kind is MovementKind.ADJUSTED and str(amount).strip().startswith("-")
        magnitude = str(amount).strip().lstrip("-") if negative else amount
        q = quantity_in(magnitude, unit or item.unit, item.unit)
        move = Movement(item.id, kind, -q if negative else q, source.id, at or _now(),
                        to_location_id=target.id if target else None, reason=reason,
                        unit_cost_cents=unit_cost_cents)
        check_available(move, item, source, uow.inventory.movements(item_ids=[item.id]))
        uow.inventory.add_movements([move])
        uow.record("create", "stock_movement", move.id, detail=kind.value)
        uow.commit()
    return move


def receive(chart: ChartSession, item: str, amount: object, unit: str | None = None, *,
            location: str | None = None, unit_cost_cents: int | None = None,
            at: dt.datetime | None = None) -> Movement:
    return _record(chart, item, MovementKind.RECEIVED, amount, unit, location=location,
                   unit_cost_cents=unit_cost_cents, at=at)


def use(chart: ChartSession, item: str, amount: object, unit: str | None = None, *,
        location: str | None = None, reason: str = "", at: dt.datetime | None = None
        ) -> Movement:
    return _record(chart, item, MovementKind.USED, amount, unit, location=location,
                   reason=reason, at=at)


def adjust(chart: ChartSession, item: str, delta: object, unit: str | None = None, *,
           reason: str, location: str | None = None, at: dt.datetime | None = None
           ) -> Movement:
    return _record(chart, item, MovementKind.ADJUSTED, delta, unit, location=location,
                   reason=reason, at=at)


def move(chart: ChartSession, item: str, amount: object, unit: str | None = None, *,
         source: str | None, to: str, at: dt.datetime | None = None) -> Movement:
    return _record(chart, item, MovementKind.MOVED, amount, unit, location=source, to=to, at=at)


def stock(chart: ChartSession, today: dt.date | None = None) -> list[rules.StockRow]:
    """Every active item's count and forecast, from per-item sums in SQL (the rules' ``stock``
    over the whole ledger gives the same rows; a test holds them together)."""
    with chart.uow() as uow:
        return stock_within(uow, today or dt.date.today())


def stock_within(uow: UnitOfWork, today: dt.date) -> list[rules.StockRow]:
    """``stock`` in the caller's unit of work (the dashboard's low-stock rows)."""
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min)
    start = end - dt.timedelta(days=rules.WINDOW_DAYS)
    items = uow.inventory.items(active_only=True)
    if not items:
        return []
    return rules.stock_from_totals(items, uow.inventory.totals(start, end))


def by_location(chart: ChartSession) -> dict[str, dict[str, Decimal]]:
    """Location name → item name → on hand (only non-zero counts)."""
    from core.domain.inventory import on_hand_by_location

    with chart.uow() as uow:
        items, moves = uow.inventory.items(), uow.inventory.movements()
        names = {loc.id: loc.name for loc in uow.inventory.locations()}
    out: dict[str, dict[str, Decimal]] = {}
    for item in items:
        for loc, count in on_hand_by_location(moves, item.id).items():
            if count:
                out.setdefault(names.get(loc, "?"), {})[item.name] = count
    return out


def low(chart: ChartSession, today: dt.date | None = None) -> list[rules.StockRow]:
    return [r for r in stock(chart, today) if r.low]


def reorder_lines(chart: ChartSession, today: dt.date | None = None
                  ) -> list[rules.ReorderLine]:
    """The reorder list: each low item with what to order and what it costs."""
    with chart.uow() as uow:
        items = uow.inventory.items(active_only=True)
        moves = uow.inventory.movements()
    return rules.reorder_list(items, moves, today or dt.date.today())


def reorder_csv(chart: ChartSession, today: dt.date | None = None) -> str:
    return rules.reorder_csv(reorder_lines(chart, today))


def reorder_pdf(chart: ChartSession, today: dt.date | None = None) -> bytes:
    """The reorder list as a printable PDF (``core.export.reorder_pdf``)."""
    from core.export import reorder_pdf as pdf

    today = today or dt.date.today()
    lines = reorder_lines(chart, today)
    with chart.uow() as uow:
        practice = uow.practice.get()
    return pdf.render_pdf(lines, today, practice.name if practice else "")


def stock_value(chart: ChartSession, on: dt.date) -> int:
    """What the stock on hand at the end of ``on`` is worth, in cents (weighted average cost
    of what was received up to then)."""
    with chart.uow() as uow:
        items, moves = uow.inventory.items(), uow.inventory.movements()
    return rules.stock_value_cents(items, moves, on)


def set_template(chart: ChartSession, key: str, lines: Sequence[tuple[str, object, str]]
                 ) -> UsageTemplate:
    """``key`` (a code or service type) uses ``lines`` of (item name or id, quantity, unit)."""
    with chart.uow() as uow:
        resolved = []
        for ref, amount, unit in lines:
            item = _item(uow, ref)
            quantity_in(amount, unit, item.unit)  # same dimension, or a clear refusal now
            resolved.append(TemplateLine(item.id, Decimal(str(amount)), unit))
        existing = uow.inventory.template_for(key.strip())
        template = UsageTemplate(key, tuple(resolved),
                                 **({"id": existing.id} if existing else {}))
        uow.inventory.save_templates([template])
        uow.record("update" if existing else "create", "usage_template", template.id)
        uow.commit()
    return template


def apply_note_usage(uow: UnitOfWork, note: Note, visit: Visit) -> list[Movement]:
    """In the signing transaction: record what the note uses (its own list, frozen by
    ``note_supplies.freeze``; else its services through the templates), see the docstring."""
    from core.services import note_supplies

    used = note_supplies.resolved(uow, note, visit)
    if not used:
        return []
    source = note_supplies.source_location(uow, visit)
    at = dt.datetime.combine(visit.date, visit.end_time or visit.start_time or dt.time(12))
    movements = rules.note_usage(note.id, used, source.id, at)
    for new_id in uow.inventory.add_movements(movements):
        uow.record("create", "stock_movement", new_id, detail="used (note template)")
    return movements


def usage_csv(rep: InventoryReport) -> str:
    """The report's use per month per item as CSV, then the cost per visit and the stock
    value (supplies only: no patient data)."""
    import csv
    import io

    from core.domain.inventory import fmt

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["month", "item", "unit", "quantity_used"])
    for month, name, unit, q in rep.usage:
        w.writerow([month, name, unit, fmt(q)])
    w.writerow([])
    cost = "" if rep.cost_per_visit_cents is None else f"{rep.cost_per_visit_cents / 100:.2f}"
    w.writerow(["visits_held", rep.visits, "supplies_cost_per_visit", cost])
    w.writerow(["stock_value_at", rep.value_at.isoformat(), "value",
                f"{rep.value_cents / 100:.2f}"])
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class InventoryReport:
    """Use per month per item, the stock's value at a date, and supplies cost per visit."""

    usage: list[tuple[str, str, str, Decimal]]  # (month, item, unit, quantity)
    value_at: dt.date
    value_cents: int
    date_from: dt.date
    date_to: dt.date
    visits: int
    cost_per_visit_cents: int | None


def report(chart: ChartSession, date_from: dt.date, date_to: dt.date) -> InventoryReport:
    """Use per month from ``date_from`` to ``date_to``, the stock's value at ``date_to``, and
    the supplies used in that time per visit held (cancelled and no-show visits not counted)."""
    from core.domain.enums import VisitStatus

    if date_to < date_from:
        raise ValidationError("The report ends before it starts.", field="date_to")
    with chart.uow() as uow:
        items = uow.inventory.items()
        moves = uow.inventory.movements()
        counts = uow.books.reads.visit_counts(date_from, date_to)
    held = sum(k for _m, _c, status, k in counts
               if status not in (VisitStatus.CANCELLED, VisitStatus.NO_SHOW))
    by_id = {i.id: i for i in items}
    start = dt.datetime.combine(date_from, dt.time.min)
    end = dt.datetime.combine(date_to, dt.time.max)
    in_range = [m for m in moves if start <= m.at <= end]
    usage = sorted(
        (month, by_id[item_id].name, by_id[item_id].unit, q)
        for (item_id, month), q in rules.usage_by_month(in_range).items() if item_id in by_id)
    return InventoryReport(
        usage, date_to, rules.stock_value_cents(items, moves, date_to), date_from, date_to, held,
        rules.cost_per_visit_cents(items, moves, date_from, date_to, held))
