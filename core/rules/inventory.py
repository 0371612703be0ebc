"""Inventory rules over plain domain objects (issue 20): low stock, a days-left forecast, the
reorder list, usage and cost reports, and usage templates applied to a signed note. Pure.

- **Low stock**: an active item whose total on-hand is at or below its reorder point (a reorder
  point of 0 means "not tracked for reordering").
- **Forecast**: average daily use over the last ``window_days`` (28: four weeks, today
  included); days left = on hand ÷ that rate, rounded down; ``None`` when nothing was used in
  the window (no rate to forecast from — shown as "no recent use", never as "forever").
- **Reorder list**: the low items, each with the reorder quantity (or, when none is set, enough
  to get back above the reorder point plus four weeks of use), and its cost.
- **Stock value at a date**: on hand × the weighted average cost of everything received up to
  that date (the item's catalogue cost when nothing was received with a price).
- **Usage templates** map a CPT code or a service type to items and quantities ("97140 uses 1 m
  of tape"; "massage-60 uses 15 ml lotion and 1 linen set"). ``usage_for_note`` turns a signed
  note's codes into ``used`` movements whose ids are derived from (note, item): applying them
  twice — a retry, or the same signed note arriving by sync on a second device — yields the same
  ids, so the ledger records each use exactly once. ``proposed_usage`` is what the templates
  give before signing (the note editor shows it); the clinician may change it on the note
  (``Note.supplies``), and ``note_usage`` records what the note says.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from core.domain.inventory import (
    Item,
    Movement,
    MovementKind,
    TemplateLine,
    UsageTemplate,
    fmt,
    on_hand,
)
from core.rules.pricing import PricedService

__all__ = ["TemplateLine", "UsageTemplate"]  # defined with the other records, used here

WINDOW_DAYS = 28
_NS = uuid.UUID("6f0c5a53-1a0e-4b8f-9d55-7c4f1c1e2a20")  # usage-movement id namespace


@dataclass(frozen=True, slots=True)
class StockRow:
    item: Item
    on_hand: Decimal
    daily_use: Decimal | None  # None: nothing used in the window
    days_left: int | None

    @property
    def low(self) -> bool:
        return self.item.reorder_point > 0 and self.on_hand <= self.item.reorder_point


def daily_use(
    movements: Iterable[Movement], item_id: uuid.UUID, today: dt.date,
    window_days: int = WINDOW_DAYS,
) -> Decimal | None:
    start = today - dt.timedelta(days=window_days)
    used = sum(
        (m.quantity for m in movements
         if m.item_id == item_id and m.kind is MovementKind.USED and start < m.at.date() <= today),
        Decimal(0),
    )
    return None if used == 0 else used / window_days


def stock_row(item: Item, movements: Sequence[Movement], today: dt.date) -> StockRow:
    have = on_hand(movements, item.id)
    rate = daily_use(movements, item.id, today)
    days = None
    if rate is not None:
        days = 0 if have <= 0 else int((have / rate).to_integral_value(ROUND_FLOOR))
    return StockRow(item, have, rate, days)


def stock(items: Iterable[Item], movements: Sequence[Movement], today: dt.date) -> list[StockRow]:
    """Every active item with its count and forecast; low ones first, then by days left.
    The ledger is grouped by item once (each item then reads only its own movements)."""
    by_item: dict[uuid.UUID, list[Movement]] = defaultdict(list)
    for m in movements:
        by_item[m.item_id].append(m)
    rows = [stock_row(i, by_item.get(i.id, []), today) for i in items if i.active]
    return sorted(rows, key=lambda r: (not r.low, r.days_left if r.days_left is not None
                                       else 10**9, r.item.name.lower()))


def stock_from_totals(
    items: Iterable[Item], totals: Mapping[uuid.UUID, tuple[Decimal, Decimal]],
    window_days: int = WINDOW_DAYS,
) -> list[StockRow]:
    """``stock`` from per-item sums computed by the database: (on hand, used in the window)."""
    rows = []
    for item in items:
        if not item.active:
            continue
        have, used = totals.get(item.id, (Decimal(0), Decimal(0)))
        rate = None if used == 0 else used / window_days
        days = None
        if rate is not None:
            days = 0 if have <= 0 else int((have / rate).to_integral_value(ROUND_FLOOR))
        rows.append(StockRow(item, have, rate, days))
    return sorted(rows, key=lambda r: (not r.low, r.days_left if r.days_left is not None
                                       else 10**9, r.item.name.lower()))


def low_stock(
    items: Iterable[Item], movements: Sequence[Movement], today: dt.date
) -> list[StockRow]:
    return [r for r in stock(items, movements, today) if r.low]


@dataclass(frozen=True, slots=True)
class ReorderLine:
    item: Item
    on_hand: Decimal
    order: Decimal
    cost_cents: int


def reorder_list(
    items: Iterable[Item], movements: Sequence[Movement], today: dt.date
) -> list[ReorderLine]:
    lines = []
    for row in low_stock(items, movements, today):
        item = row.item
        order = item.reorder_quantity
        if order <= 0:
            four_weeks = (row.daily_use or Decimal(0)) * WINDOW_DAYS
            order = max(item.reorder_point - row.on_hand, Decimal(0)) + four_weeks
            order = order.to_integral_value(ROUND_HALF_UP) if order >= 1 else Decimal(1)
        cost = int((order * item.unit_cost_cents).to_integral_value(ROUND_HALF_UP))
        lines.append(ReorderLine(item, row.on_hand, order, cost))
    return lines


def reorder_csv(lines: Sequence[ReorderLine]) -> str:
    """The reorder list as CSV for a supplier's order form (no patient data in it)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["item", "category", "unit", "on_hand", "reorder_point", "order_quantity",
                "hcpcs", "unit_cost", "line_cost"])
    for line in lines:
        i = line.item
        w.writerow([i.name, i.category, i.unit, fmt(line.on_hand), fmt(i.reorder_point),
                    fmt(line.order), i.hcpcs or "", f"{i.unit_cost_cents / 100:.2f}",
                    f"{line.cost_cents / 100:.2f}"])
    return out.getvalue()


def usage_by_month(movements: Iterable[Movement]) -> dict[tuple[uuid.UUID, str], Decimal]:
    """(item, "YYYY-MM") → quantity used that month."""
    usage: dict[tuple[uuid.UUID, str], Decimal] = defaultdict(Decimal)
    for m in movements:
        if m.kind is MovementKind.USED:
            usage[(m.item_id, f"{m.at:%Y-%m}")] += m.quantity
    return dict(usage)


def average_cost_cents(item: Item, movements: Iterable[Movement], at: dt.datetime) -> Decimal:
    """Weighted average unit cost of deliveries with a price up to ``at`` (else the catalogue)."""
    qty, paid = Decimal(0), Decimal(0)
    for m in movements:
        if (m.item_id == item.id and m.kind is MovementKind.RECEIVED and m.at <= at
                and m.unit_cost_cents is not None):
            qty += m.quantity
            paid += m.quantity * m.unit_cost_cents
    return paid / qty if qty else Decimal(item.unit_cost_cents)


def stock_value_cents(
    items: Iterable[Item], movements: Sequence[Movement], on: dt.date
) -> int:
    """What the stock on hand at the end of ``on`` is worth."""
    end = dt.datetime.combine(on, dt.time.max)
    total = Decimal(0)
    for item in items:
        have = on_hand(movements, item.id, at=end)
        if have > 0:
            total += have * average_cost_cents(item, movements, end)
    return int(total.to_integral_value(ROUND_HALF_UP))


def cost_per_visit_cents(
    items: Iterable[Item], movements: Sequence[Movement], start: dt.date, end: dt.date,
    visits: int,
) -> int | None:
    """Supplies used from ``start`` to ``end`` (inclusive) at average cost ÷ visits in that time."""
    if visits <= 0:
        return None
    by_id = {i.id: i for i in items}
    total = Decimal(0)
    for m in movements:
        if m.kind is MovementKind.USED and start <= m.at.date() <= end and m.item_id in by_id:
            total += m.quantity * average_cost_cents(by_id[m.item_id], movements, m.at)
    return int((total / visits).to_integral_value(ROUND_HALF_UP))


# -- usage templates ------------------------------------------------------------------------


def usage_id(note_id: uuid.UUID, item_id: uuid.UUID) -> uuid.UUID:
    """The id of the ``used`` movement a signed note makes for one item: the same everywhere."""
    return uuid.uuid5(_NS, f"{note_id.hex}:{item_id.hex}")


def proposed_usage(
    keys: Sequence[str], templates: Mapping[str, UsageTemplate], items: Mapping[uuid.UUID, Item],
) -> dict[uuid.UUID, Decimal]:
    """What the templates give for services ``keys`` (one entry per block or service, so two
    97140 blocks use twice): item → total in the item's unit. Items that are gone or inactive
    are skipped."""
    from core.domain.inventory import quantity_in

    totals: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for key in keys:
        template = templates.get(key)
        if template is None:
            continue
        for line in template.lines:
            item = items.get(line.item_id)
            if item is None or not item.active:
                continue
            totals[item.id] += quantity_in(line.quantity, line.unit, item.unit)
    return dict(totals)


def supplies_of(stored: Iterable[Mapping[str, object]]) -> dict[uuid.UUID, Decimal]:
    """A note's stored supplies (``[{"item_id", "quantity"}]``) as item → quantity."""
    out: dict[uuid.UUID, Decimal] = {}
    for line in stored:
        item_id = uuid.UUID(str(line["item_id"]))
        out[item_id] = out.get(item_id, Decimal(0)) + Decimal(str(line["quantity"]))
    return out


def stored_supplies(quantities: Mapping[uuid.UUID, Decimal]) -> list[dict[str, str]]:
    """The inverse of ``supplies_of``, in a stable order (item id)."""
    return [{"item_id": str(i), "quantity": fmt(q)}
            for i, q in sorted(quantities.items(), key=lambda kv: str(kv[0])) if q > 0]


def note_usage(
    note_id: uuid.UUID, quantities: Mapping[uuid.UUID, Decimal], location_id: uuid.UUID,
    at: dt.datetime,
) -> list[Movement]:
    """The ``used`` movements for a signed note's supplies, one per item; ids are
    ``usage_id(note, item)``, so a retry or a second device records each use once."""
    return [
        Movement(item_id=item_id, kind=MovementKind.USED, quantity=qty, location_id=location_id,
                 at=at, note_id=note_id, id=usage_id(note_id, item_id))
        for item_id, qty in sorted(quantities.items(), key=lambda kv: str(kv[0])) if qty > 0
    ]


def usage_for_note(
    note_id: uuid.UUID,
    keys: Sequence[str],
    templates: Mapping[str, UsageTemplate],
    items: Mapping[uuid.UUID, Item],
    location_id: uuid.UUID,
    at: dt.datetime,
) -> list[Movement]:
    """The ``used`` movements the templates give for a note whose services are ``keys``."""
    return note_usage(note_id, proposed_usage(keys, templates, items), location_id, at)


@dataclass(frozen=True, slots=True)
class SupplyLine:
    """A billable supply a note used: its HCPCS code and units (whole units, rounded up)."""

    hcpcs: str
    units: int
    item_name: str


def supply_services(
    lines: Iterable[SupplyLine], fee: Callable[[str], int | None]
) -> list[PricedService]:
    """A signed note's billable supplies as priced claim lines: units = quantity used (whole
    units, rounded up), the fee per unit from the practice's fee schedule (``fee(hcpcs)``).
    The item's unit cost is what the practice paid, not a price: with no fee on file the
    line is left off (``no_fee``) and the scrub says so — never a $0 line."""
    out = []
    for line in lines:
        per_unit = fee(line.hcpcs)
        out.append(PricedService(
            line.hcpcs, line.units, 0, per_unit, (per_unit or 0) * line.units,
            None if per_unit is not None else "no_fee", supply=True, label=line.item_name))
    return out


def supply_lines(used: Iterable[Movement], items: Mapping[uuid.UUID, Item]) -> list[SupplyLine]:
    lines = []
    for m in used:
        item = items.get(m.item_id)
        if item is not None and item.hcpcs:
            units = int(m.quantity.to_integral_value(ROUND_CEILING))
            lines.append(SupplyLine(item.hcpcs, units, item.name))
    return sorted(lines, key=lambda s: s.hcpcs)
