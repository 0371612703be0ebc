"""The home-health car kit in a clinician's day (issue 20): what each car kit holds and what the
day's booked home visits are expected to use, with the items that will run short.

Contract:
- ``kits_for_day(chart, day, clinician_ids)``: one ``KitDay`` per car kit whose clinician is in
  ``clinician_ids`` (every kit when empty). Its visits are that clinician's active appointments
  of the day at home (POS 12 — a home visit draws from the car kit, as at sign-off). Expected
  use per visit: nothing once its note is signed (the use is already out of the kit), the note's
  own supplies when a draft exists (``note_supplies.resolved``: the clinician's list, else the
  templates for its codes and service), else the usage template of the booked service type.
- On hand is derived from the ledger at the kit's location (summed in SQL,
  ``uow.inventory.on_hand_at``; a test holds it to ``core.domain.inventory.on_hand``).
  ``short`` lists the items the day needs more of than the kit holds. Supplies and counts
  only: no patient data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.domain.enums import PlaceOfService
from core.domain.inventory import LocationKind
from core.rules import inventory as rules
from core.services import note_supplies, schedule
from core.storage.chart import ChartSession


@dataclass(frozen=True, slots=True)
class KitLine:
    item_id: uuid.UUID
    name: str
    unit: str
    on_hand: Decimal
    expected: Decimal

    @property
    def short(self) -> bool:
        return self.expected > self.on_hand


@dataclass(frozen=True, slots=True)
class KitDay:
    location: str
    clinician_id: uuid.UUID | None
    home_visits: int
    lines: tuple[KitLine, ...]

    @property
    def short(self) -> tuple[KitLine, ...]:
        return tuple(x for x in self.lines if x.short)


def kits_for_day(chart: ChartSession, day: dt.date,
                 clinician_ids: Sequence[uuid.UUID] = ()) -> list[KitDay]:
    wanted = set(clinician_ids)
    with chart.uow() as uow:
        kits = [loc for loc in uow.inventory.locations() if loc.kind is LocationKind.CAR
                and (not wanted or loc.clinician_id in wanted)]
    if not kits:
        return []
    booked = [a for a in schedule.day(chart, day)
              if a.status.active and a.status.value != "completed"
              and a.place is PlaceOfService.HOME]
    out = []
    with chart.uow() as uow:
        items = {i.id: i for i in uow.inventory.items()}
        templates = uow.inventory.templates()
        counts = uow.inventory.on_hand_at([k.id for k in kits])  # summed in SQL
        for kit in kits:
            expected: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
            visits = [a for a in booked if a.clinician_id == kit.clinician_id]
            for a in visits:
                note = uow.notes.for_visit(a.visit_id) if a.visit_id else None
                if note is not None and (note.is_signed or note.is_voided):
                    continue
                if note is not None:
                    use = note_supplies.resolved(uow, note, uow.visits.get(note.visit_id))
                else:
                    use = rules.proposed_usage([a.service], templates, items)
                for item_id, q in use.items():
                    expected[item_id] += q
            lines = []
            for item in items.values():
                have = counts.get((item.id, kit.id), Decimal(0))
                need = expected.get(item.id, Decimal(0))
                if have or need:
                    lines.append(KitLine(item.id, item.name, item.unit, have, need))
            lines.sort(key=lambda x: (not x.short, x.name.lower()))
            out.append(KitDay(kit.name, kit.clinician_id, len(visits), tuple(lines)))
    return out
