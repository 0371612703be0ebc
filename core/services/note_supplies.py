"""The supplies a note uses (issue 20), shown and editable on the note before it is signed.

Contract:
- ``keys_for(uow, note, visit)``: the services whose usage templates apply — one code per timed
  block and untimed service, plus the booked service type ("massage-60") of the appointment the
  visit was started from.
- ``resolved(uow, note, visit)``: what the note uses, item → quantity in the item's unit: the
  note's own list once the clinician changed it (``Note.supplies``), else what the templates
  give for its services right now.
- ``for_note`` reads it for the editor (with what the templates alone would give, the place the
  use is drawn from and what is on hand there); ``set_quantity`` / ``remove`` / ``reset``
  change it on a draft — one transaction and one ``update note`` audit row each (detail
  ``supplies``, no names or counts). A bad quantity or unit is refused and nothing changes; a
  signed note refuses every change.
- ``freeze(uow, note, visit)`` runs in the signing transaction before the snapshot: the note
  keeps what signing records (``core.services.inventory.apply_note_usage`` then records exactly
  that, with ids ``uuid5(note, item)``), so a signed note says what it used and a second device
  records the same use once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from core.domain.enums import PlaceOfService
from core.domain.errors import ValidationError
from core.domain.inventory import (
    Item,
    Location,
    LocationKind,
    on_hand,
    quantity_in,
)
from core.domain.visit import Note, Visit
from core.rules import inventory as rules
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class SupplyRow:
    item_id: uuid.UUID
    name: str
    unit: str
    quantity: Decimal  # what the note will record
    proposed: Decimal | None  # what the templates alone give (None: not in any template)
    on_hand: Decimal  # at the place the use is drawn from
    hcpcs: str | None

    @property
    def short(self) -> bool:
        return self.quantity > self.on_hand


@dataclass(frozen=True, slots=True)
class NoteSupplies:
    note_id: uuid.UUID
    rows: tuple[SupplyRow, ...]
    edited: bool  # the clinician changed the list (else: the templates decide)
    signed: bool
    source: str  # the clinic, or the clinician's car kit for a home visit
    choices: tuple[tuple[uuid.UUID, str, str], ...]  # active items: (id, name, unit)


def keys_for(uow: UnitOfWork, note: Note, visit: Visit) -> list[str]:
    keys = [b.code for b in note.blocks] + [s.code for s in note.untimed]
    start = dt.datetime.combine(visit.date, dt.time.min)
    booked = [a for a in uow.schedule.appointments_between(start, start + dt.timedelta(days=1),
                                                             visit.clinician_id)
              if a.visit_id == visit.id]
    return keys + [a.service for a in booked[:1]]


def source_location(uow: UnitOfWork, visit: Visit) -> Location:
    """The clinician's car kit for a home visit (POS 12) when they have one, else the clinic."""
    from core.services.inventory import _clinic

    if visit.place_of_service is PlaceOfService.HOME:
        for loc in uow.inventory.locations():
            if loc.kind is LocationKind.CAR and loc.clinician_id == visit.clinician_id:
                return loc
    return _clinic(uow)


def _proposed(uow: UnitOfWork, note: Note, visit: Visit,
              items: dict[uuid.UUID, Item] | None = None) -> dict[uuid.UUID, Decimal]:
    templates = uow.inventory.templates()
    if not templates:  # the usual case when a practice keeps no stock: one cheap read
        return {}
    if items is None:
        items = {i.id: i for i in uow.inventory.items()}
    return rules.proposed_usage(keys_for(uow, note, visit), templates, items)


def resolved(uow: UnitOfWork, note: Note, visit: Visit) -> dict[uuid.UUID, Decimal]:
    if note.supplies is not None:
        return rules.supplies_of(note.supplies)
    return _proposed(uow, note, visit)


def freeze(uow: UnitOfWork, note: Note, visit: Visit) -> dict[uuid.UUID, Decimal]:
    """In the signing transaction, before the snapshot: keep on the note what will be
    recorded (nothing is stored when the note uses nothing and was never changed)."""
    used = resolved(uow, note, visit)
    if note.supplies is not None or used:
        note.supplies = rules.stored_supplies(used)
    return used


def _view(uow: UnitOfWork, note: Note) -> NoteSupplies:
    visit = uow.visits.get(note.visit_id)
    items = {i.id: i for i in uow.inventory.items()}
    proposed = _proposed(uow, note, visit, items)
    used = rules.supplies_of(note.supplies) if note.supplies is not None else proposed
    source = source_location(uow, visit)
    moves = uow.inventory.movements(item_ids=list(used)) if used else []
    rows = []
    for item_id, qty in used.items():
        item = items.get(item_id)
        if item is None:
            continue
        have = on_hand(moves, item_id, source.id)
        if note.is_signed:  # its own use is already in the count
            have += sum((m.quantity for m in moves
                         if m.note_id == note.id and m.item_id == item_id), Decimal(0))
        rows.append(SupplyRow(item_id, item.name, item.unit, qty, proposed.get(item_id), have,
                              item.hcpcs))
    rows.sort(key=lambda r: r.name.lower())
    choices = tuple((i.id, i.name, i.unit) for i in items.values() if i.active)
    return NoteSupplies(note.id, tuple(rows), note.supplies is not None, note.is_signed,
                        source.name, choices)


def for_note(chart: ChartSession, note_id: uuid.UUID) -> NoteSupplies:
    with chart.uow() as uow:
        return _view(uow, uow.notes.get(note_id))


def _change(chart: ChartSession, note_id: uuid.UUID, change: object) -> Result[NoteSupplies]:
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        note.ensure_editable()
        visit = uow.visits.get(note.visit_id)
        current = resolved(uow, note, visit)
        new = change(uow, current)  # type: ignore[operator]
        note.set_supplies(rules.stored_supplies(new) if new is not None else None)
        note.updated_at = dt.datetime.now().replace(microsecond=0)
        uow.notes.save(note)
        uow.record("update", "note", note.id, detail="supplies")
        view = _view(uow, note)
        return Result(view, uow.commit())


def set_quantity(chart: ChartSession, note_id: uuid.UUID, item_id: uuid.UUID, amount: object,
                 unit: str | None = None) -> Result[NoteSupplies]:
    """Set how much of ``item_id`` this note uses (adds the item when it is not listed);
    ``amount`` in ``unit`` (default: the item's unit), converted within its dimension."""

    def change(uow: UnitOfWork, current: dict[uuid.UUID, Decimal]) -> dict[uuid.UUID, Decimal]:
        item = uow.inventory.item(item_id)
        if not item.active:
            raise ValidationError(f"{item.name} is no longer stocked.", field="item")
        return {**current, item.id: quantity_in(amount, unit or item.unit, item.unit)}

    return _change(chart, note_id, change)


def remove(chart: ChartSession, note_id: uuid.UUID, item_id: uuid.UUID) -> Result[NoteSupplies]:
    """This note uses none of ``item_id`` (kept as the note's own list)."""
    return _change(chart, note_id,
                   lambda _uow, current: {k: v for k, v in current.items() if k != item_id})


def reset(chart: ChartSession, note_id: uuid.UUID) -> Result[NoteSupplies]:
    """Back to what the usage templates give for the note's services."""
    return _change(chart, note_id, lambda _uow, _current: None)
