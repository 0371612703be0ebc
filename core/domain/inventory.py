"""Supplies inventory (issue 20): items, places they are kept, and an append-only ledger of stock
movements. Pure — the on-hand count is *derived* from the movements, never stored twice.

Contract:
- ``Item``: name, category, a unit from ``UNITS`` (each, m, cm, ml, l, g, kg, pair, set, roll,
  box, pack, sheet), reorder point and quantity in that unit, unit cost in cents, and an
  optional HCPCS Level II supply code (``A4556`` electrodes…) when the supply is billable.
- ``Location``: the clinic, or a named car kit (home health).
- ``Movement``: one event — ``received`` (with the unit cost paid), ``used`` (by a note when it
  came from a usage template), ``adjusted`` (a signed count correction, with a reason), or
  ``moved`` (from one location to another). Quantities are ``Decimal`` in the item's unit,
  at most 3 decimals (1.5 m of tape, 15 ml of lotion); a quantity ≤ 0, NaN or infinite is
  refused; only an adjustment may be negative, and never zero.
- ``quantity_in``: "15 ml" typed against an item kept in litres converts within its dimension
  (length, volume, mass); across dimensions or to an unknown unit it is refused with the units
  that would work.
- ``on_hand``: Σ of movements per item and location (optionally as of a moment); a use, a move
  out or a negative adjustment larger than what is on hand is refused by ``check_available``
  before it is recorded (a count can still go below zero when two devices each used the last
  roll offline — the report then shows it, it is never hidden).

Why hand-written: no maintained library models a clinic's small stock ledger; the arithmetic is
exact ``Decimal`` so counts never drift.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from core.domain.errors import ValidationError
from core.domain.ids import new_id

_MAX_NAME, _MAX_REASON = 80, 200
_HCPCS = re.compile(r"^[A-V]\d{4}$")
_PLACES = Decimal("0.001")
MAX_QUANTITY = Decimal(1_000_000)

# unit → (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, Decimal]] = {
    "each": ("count", Decimal(1)),
    "pair": ("pair", Decimal(1)),
    "set": ("set", Decimal(1)),
    "roll": ("roll", Decimal(1)),
    "box": ("box", Decimal(1)),
    "pack": ("pack", Decimal(1)),
    "sheet": ("sheet", Decimal(1)),
    "m": ("length", Decimal(1)),
    "cm": ("length", Decimal("0.01")),
    "l": ("volume", Decimal(1)),
    "ml": ("volume", Decimal("0.001")),
    "kg": ("mass", Decimal(1)),
    "g": ("mass", Decimal("0.001")),
}
_ALIASES = {"ea": "each", "pc": "each", "pcs": "each", "piece": "each", "pieces": "each",
            "meter": "m", "meters": "m", "metre": "m", "metres": "m", "litre": "l",
            "liter": "l", "liters": "l", "litres": "l", "rolls": "roll", "boxes": "box",
            "pairs": "pair", "sets": "set", "packs": "pack", "sheets": "sheet"}


class MovementKind(StrEnum):
    RECEIVED = "received"
    USED = "used"
    ADJUSTED = "adjusted"
    MOVED = "moved"


class LocationKind(StrEnum):
    CLINIC = "clinic"
    CAR = "car"


def unit_of(text: str) -> str:
    """The canonical unit for ``text`` (case and common plurals/aliases accepted)."""
    key = text.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in UNITS:
        raise ValidationError(
            f"Unknown unit {text.strip()[:20]!r}.",
            field="unit",
            hint=f"Use one of: {', '.join(UNITS)}.",
        )
    return key


def quantity(value: object, *, what: str = "quantity", signed: bool = False) -> Decimal:
    """A finite quantity with at most 3 decimals; > 0 (or ≠ 0 when ``signed``)."""
    try:
        q = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"The {what} {str(value)[:20]!r} is not a number.",
                              field=what) from None
    if not q.is_finite():
        raise ValidationError(f"The {what} must be a finite number.", field=what)
    if q != q.quantize(_PLACES):
        raise ValidationError(f"The {what} has more than 3 decimals.", field=what)
    if abs(q) > MAX_QUANTITY:
        raise ValidationError(f"The {what} {q} is too large.", field=what)
    if signed and q == 0:
        raise ValidationError(f"An adjustment of 0 changes nothing; give the {what}.", field=what)
    if not signed and q <= 0:
        raise ValidationError(f"The {what} must be more than 0 (it was {q}).", field=what,
                              hint="Record a count correction as an adjustment with a reason.")
    return q.quantize(_PLACES)


def quantity_in(amount: object, typed_unit: str, item_unit: str) -> Decimal:
    """``amount`` of ``typed_unit`` expressed in ``item_unit`` (same dimension only)."""
    typed, kept = unit_of(typed_unit), unit_of(item_unit)
    (dim_t, f_t), (dim_k, f_k) = UNITS[typed], UNITS[kept]
    if dim_t != dim_k:
        same = [u for u, (d, _) in UNITS.items() if d == dim_k]
        raise ValidationError(
            f"This item is counted in {kept}; {typed} cannot be converted to it.",
            field="unit", hint=f"Use {', '.join(same)}.")
    q = quantity(amount)
    converted = (q * f_t / f_k).quantize(_PLACES)
    if converted <= 0:
        raise ValidationError(f"{q} {typed} is less than 0.001 {kept}.", field="quantity")
    return converted


@dataclass
class Location:
    name: str
    kind: LocationKind = LocationKind.CLINIC
    clinician_id: uuid.UUID | None = None  # whose car kit (home visits draw from it)
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.name = " ".join(self.name.split())
        self.kind = LocationKind(self.kind)
        if not self.name or len(self.name) > _MAX_NAME:
            raise ValidationError("A location needs a name (at most 80 characters).",
                                  field="name")


@dataclass
class Item:
    name: str
    unit: str
    category: str = ""
    reorder_point: Decimal = Decimal(0)
    reorder_quantity: Decimal = Decimal(0)
    unit_cost_cents: int = 0
    hcpcs: str | None = None
    active: bool = True
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        self.name = " ".join(self.name.split())
        self.category = " ".join(self.category.split())
        if not self.name or len(self.name) > _MAX_NAME:
            raise ValidationError("An item needs a name (at most 80 characters).", field="name")
        if len(self.category) > _MAX_NAME:
            raise ValidationError("The category is too long.", field="category")
        self.unit = unit_of(self.unit)
        for name in ("reorder_point", "reorder_quantity"):
            value = Decimal(str(getattr(self, name)))
            if value != 0:
                value = quantity(value, what=name.replace("_", " "))
            setattr(self, name, value)
        if not isinstance(self.unit_cost_cents, int) or self.unit_cost_cents < 0:
            raise ValidationError("The unit cost must be whole cents, 0 or more.",
                                  field="unit_cost_cents")
        if self.hcpcs is not None:
            code = self.hcpcs.strip().upper()
            if not code:
                self.hcpcs = None
            elif not _HCPCS.match(code):
                raise ValidationError(
                    f"{self.hcpcs[:10]!r} is not a HCPCS Level II code (a letter and 4 digits, "
                    "e.g. A4556).", field="hcpcs")
            else:
                self.hcpcs = code

    @property
    def billable(self) -> bool:
        return self.hcpcs is not None


@dataclass
class Movement:
    item_id: uuid.UUID
    kind: MovementKind
    quantity: Decimal
    location_id: uuid.UUID
    at: dt.datetime
    to_location_id: uuid.UUID | None = None
    reason: str = ""
    unit_cost_cents: int | None = None  # what was paid per unit (received only)
    note_id: uuid.UUID | None = None  # the signed note whose usage template made it
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        self.kind = MovementKind(self.kind)
        self.quantity = quantity(self.quantity, signed=self.kind is MovementKind.ADJUSTED)
        self.reason = " ".join(self.reason.split())
        if len(self.reason) > _MAX_REASON:
            raise ValidationError("The reason is too long (200 characters at most).",
                                  field="reason")
        if self.kind is MovementKind.ADJUSTED and len(self.reason) < 3:
            raise ValidationError("Say why the count changed (e.g. 'counted shelf', 'expired').",
                                  field="reason")
        if self.kind is MovementKind.MOVED:
            if self.to_location_id is None or self.to_location_id == self.location_id:
                raise ValidationError("A move needs a different destination.",
                                      field="to_location_id")
        elif self.to_location_id is not None:
            raise ValidationError("Only a move has a destination.", field="to_location_id")
        if self.kind is MovementKind.RECEIVED:
            if self.unit_cost_cents is not None and self.unit_cost_cents < 0:
                raise ValidationError("The unit cost cannot be negative.",
                                      field="unit_cost_cents")
        elif self.unit_cost_cents is not None:
            raise ValidationError("Only a delivery carries a unit cost.", field="unit_cost_cents")

    def delta(self, location_id: uuid.UUID) -> Decimal:
        """How this movement changes the count at ``location_id``."""
        if self.kind is MovementKind.MOVED:
            if location_id == self.location_id:
                return -self.quantity
            return self.quantity if location_id == self.to_location_id else Decimal(0)
        if location_id != self.location_id:
            return Decimal(0)
        if self.kind is MovementKind.USED:
            return -self.quantity
        return self.quantity  # received, adjusted (signed)


def on_hand(
    movements: Iterable[Movement],
    item_id: uuid.UUID,
    location_id: uuid.UUID | None = None,
    *,
    at: dt.datetime | None = None,
) -> Decimal:
    """The derived count of ``item_id`` at one location (or all, ``None``), as of ``at``."""
    total = Decimal(0)
    for m in movements:
        if m.item_id != item_id or (at is not None and m.at > at):
            continue
        if location_id is not None:
            total += m.delta(location_id)
        elif m.kind is MovementKind.USED:
            total -= m.quantity
        elif m.kind is not MovementKind.MOVED:  # a move changes where, not how many
            total += m.quantity
    return total


def on_hand_by_location(
    movements: Iterable[Movement], item_id: uuid.UUID
) -> dict[uuid.UUID, Decimal]:
    counts: dict[uuid.UUID, Decimal] = {}
    for m in movements:
        if m.item_id != item_id:
            continue
        for loc in (m.location_id, m.to_location_id):
            if loc is not None:
                counts[loc] = counts.get(loc, Decimal(0)) + m.delta(loc)
    return counts


def check_available(
    new: Movement, item: Item, location: Location, movements: Iterable[Movement]
) -> None:
    """Refuse a use, move out or negative adjustment of more than is on hand at its source."""
    takes = (new.kind in (MovementKind.USED, MovementKind.MOVED)
             or (new.kind is MovementKind.ADJUSTED and new.quantity < 0))
    if not takes:
        return
    have = on_hand(movements, item.id, location.id)
    need = abs(new.quantity)
    if need > have:
        raise ValidationError(
            f"Only {fmt(have)} {item.unit} of {item.name} at {location.name}; "
            f"cannot take {fmt(need)}.",
            field="quantity",
            hint="Record the delivery first, or correct the count with an adjustment.")


def fmt(q: Decimal) -> str:
    """3 decimals at most, no trailing zeros: 1.5, 15, 0.25."""
    text = f"{q.quantize(_PLACES):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True, slots=True)
class TemplateLine:
    item_id: uuid.UUID
    quantity: Decimal
    unit: str  # as typed ("ml"); converted to the item's unit when applied


@dataclass
class UsageTemplate:
    """What one occurrence of ``key`` (a CPT code such as "97140", or a service type such as
    "massage-60") uses: items and quantities, each in a unit of the item's dimension."""

    key: str
    lines: tuple[TemplateLine, ...]
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.key = self.key.strip()
        if not self.key or len(self.key) > 40:
            raise ValidationError("A usage template needs a code or service type.", field="key")
        lines = []
        for line in self.lines:
            if not isinstance(line, TemplateLine):  # stored as [item id, quantity, unit]
                item_id, q, unit = line
                line = TemplateLine(uuid.UUID(str(item_id)), Decimal(str(q)), str(unit))
            lines.append(TemplateLine(line.item_id, quantity(line.quantity), unit_of(line.unit)))
        self.lines = tuple(lines)

    def stored_lines(self) -> list[list[str]]:
        return [[str(ln.item_id), fmt(ln.quantity), ln.unit] for ln in self.lines]
