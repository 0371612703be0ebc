"""Supplies inventory in SQL (issue 20): items, locations, the movement ledger, usage templates.

Contract:
- Reached as ``uow.inventory``; every statement joins the caller's transaction. Tables are
  r0015's. Reads return domain objects (``core.domain.inventory``).
- Movements are only ever inserted (``add_movements``: insert-or-ignore by id, so a note's
  template usage — whose id is derived from the note and the item — is recorded once however
  often it is applied); ``save_many`` is the sync write path's upsert.
- ``movements(item_ids=…, since=…)`` reads the ledger in one statement (the reports and the
  forecast need all movements of the items, the dashboard only the last weeks of use).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Integer, and_, case, func, select, type_coerce
from sqlalchemy.dialects.sqlite import insert

from core.domain.errors import NotFound
from core.domain.inventory import Item, Location, Movement, MovementKind, UsageTemplate
from core.storage import tables as t
from core.storage.mapper import from_row, to_row, upsert


def _template(row: Any) -> UsageTemplate:
    return UsageTemplate(row["key"], tuple(row["lines"] or ()), id=row["id"])


class InventoryRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- items ----------------------------------------------------------------------------
    def save_items(self, items: Sequence[Item]) -> None:
        upsert(self.conn, t.inventory_items, [to_row(i, t.inventory_items) for i in items])

    def item(self, ident: uuid.UUID) -> Item:
        row = self.conn.execute(
            select(t.inventory_items).where(t.inventory_items.c.id == ident)
        ).mappings().first()
        if row is None:
            raise NotFound(f"No supply item with id {ident} in this chart.")
        return from_row(Item, row)

    def items(self, *, active_only: bool = False) -> list[Item]:
        stmt = select(t.inventory_items).order_by(t.inventory_items.c.name)
        if active_only:
            stmt = stmt.where(t.inventory_items.c.active.is_(True))
        return [from_row(Item, r) for r in self.conn.execute(stmt).mappings()]

    # -- locations ------------------------------------------------------------------------
    def save_locations(self, locations: Sequence[Location]) -> None:
        upsert(self.conn, t.inventory_locations,
               [to_row(loc, t.inventory_locations) for loc in locations])

    def locations(self) -> list[Location]:
        stmt = select(t.inventory_locations).order_by(t.inventory_locations.c.name)
        return [from_row(Location, r) for r in self.conn.execute(stmt).mappings()]

    # -- movements ------------------------------------------------------------------------
    def add_movements(self, movements: Sequence[Movement]) -> list[uuid.UUID]:
        """Insert the movements whose ids are new; returns the ids actually inserted."""
        if not movements:
            return []
        ids = [m.id for m in movements]
        have = set(self.conn.execute(
            select(t.stock_movements.c.id).where(t.stock_movements.c.id.in_(ids))).scalars())
        new = [m for m in movements if m.id not in have]
        if new:
            self.conn.execute(insert(t.stock_movements).on_conflict_do_nothing(),
                              [to_row(m, t.stock_movements) for m in new])
        return [m.id for m in new]

    def save_many(self, movements: Sequence[Movement]) -> None:
        upsert(self.conn, t.stock_movements, [to_row(m, t.stock_movements) for m in movements])

    def movements(
        self, *, item_ids: Iterable[uuid.UUID] | None = None, since: dt.datetime | None = None
    ) -> list[Movement]:
        m = t.stock_movements
        stmt = select(m).order_by(m.c.at, m.c.id)
        if item_ids is not None:
            stmt = stmt.where(m.c.item_id.in_(list(item_ids)))
        if since is not None:
            stmt = stmt.where(m.c.at >= since)
        return [from_row(Movement, r) for r in self.conn.execute(stmt).mappings()]

    def totals(self, window_start: dt.datetime, window_end: dt.datetime
               ) -> dict[uuid.UUID, tuple[Decimal, Decimal]]:
        """Per item: (on hand, used in [window_start, window_end)), summed in SQL — the stock
        table reads two numbers per item instead of the whole ledger. Moves change where, not
        how many, so they leave the total alone."""
        m = t.stock_movements
        q = type_coerce(m.c.quantity, Integer)  # raw thousandths: summed as integers
        used = m.c.kind == MovementKind.USED.value
        counted = m.c.kind.in_([MovementKind.RECEIVED.value, MovementKind.ADJUSTED.value])
        stmt = select(
            m.c.item_id,
            type_coerce(func.sum(case((counted, q), (used, -q), else_=0)), Integer),
            type_coerce(func.sum(case((and_(used, m.c.at >= window_start,
                                            m.c.at < window_end), q), else_=0)), Integer),
        ).group_by(m.c.item_id)
        milli = Decimal("0.001")
        return {item: ((Decimal(int(have or 0)) * milli).quantize(milli),
                       (Decimal(int(window or 0)) * milli).quantize(milli))
                for item, have, window in self.conn.execute(stmt)}

    def on_hand_at(self, location_ids: Sequence[uuid.UUID]
                   ) -> dict[tuple[uuid.UUID, uuid.UUID], Decimal]:
        """(item, location) → on hand, summed in SQL over the whole ledger for the given
        places (a car kit's count without reading every movement): deliveries and corrections
        add, uses and moves out take, moves in add."""
        m = t.stock_movements
        q = type_coerce(m.c.quantity, Integer)
        ids = list(location_ids)
        if not ids:
            return {}
        adds = m.c.kind.in_([MovementKind.RECEIVED.value, MovementKind.ADJUSTED.value])
        out_here = select(m.c.item_id, m.c.location_id,
                          type_coerce(func.sum(case((adds, q), else_=-q)), Integer)
                          ).where(m.c.location_id.in_(ids)).group_by(m.c.item_id,
                                                                       m.c.location_id)
        in_here = select(m.c.item_id, m.c.to_location_id,
                         type_coerce(func.sum(q), Integer)
                         ).where(m.c.kind == MovementKind.MOVED.value,
                                 m.c.to_location_id.in_(ids)).group_by(m.c.item_id,
                                                                      m.c.to_location_id)
        milli = Decimal("0.001")
        totals: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
        for stmt in (out_here, in_here):
            for item, loc, n in self.conn.execute(stmt):
                totals[(item, loc)] = totals.get((item, loc), 0) + int(n or 0)
        return {k: (Decimal(v) * milli).quantize(milli) for k, v in totals.items()}

    def billable_use(self, visit_ids: Sequence[uuid.UUID]
                     ) -> dict[uuid.UUID, list[tuple[Movement, Item]]]:
        """Per visit: the ``used`` movements its signed note recorded of items with a HCPCS
        code (billable supplies), with the item. Nothing is read past the items when no item
        is billable; else the visits' note ids (by the unique visit index), then one scan of
        the ledger per 500 notes (a join drove the ledger scan once per note)."""
        i = t.inventory_items
        billable = {it.id: it for it in (from_row(Item, r) for r in self.conn.execute(
            select(i).where(i.c.hcpcs.is_not(None))).mappings())}
        ids = list(dict.fromkeys(visit_ids))
        if not billable or not ids:
            return {}
        m, n = t.stock_movements, t.notes
        visit_of: dict[uuid.UUID, uuid.UUID] = {}
        for k in range(0, len(ids), 500):
            visit_of.update(self.conn.execute(
                select(n.c.id, n.c.visit_id).where(n.c.visit_id.in_(ids[k:k + 500]))).all())
        notes = list(visit_of)
        out: dict[uuid.UUID, list[tuple[Movement, Item]]] = {}
        for k in range(0, len(notes), 500):
            stmt = (select(m).where(m.c.note_id.in_(notes[k:k + 500]),
                                    m.c.kind == MovementKind.USED.value,
                                    m.c.item_id.in_(list(billable)))
                    .order_by(m.c.at, m.c.id))
            for row in self.conn.execute(stmt).mappings():
                move = from_row(Movement, row)
                assert move.note_id is not None
                out.setdefault(visit_of[move.note_id], []).append((move, billable[move.item_id]))
        return out

    # -- usage templates ------------------------------------------------------------------
    def save_templates(self, templates: Sequence[UsageTemplate]) -> None:
        upsert(self.conn, t.usage_templates,
               [{"id": tp.id, "key": tp.key, "lines": tp.stored_lines()} for tp in templates])

    def templates(self) -> dict[str, UsageTemplate]:
        rows = self.conn.execute(select(t.usage_templates)).mappings()
        return {tp.key: tp for tp in (_template(r) for r in rows)}

    def template_for(self, key: str) -> UsageTemplate | None:
        row = self.conn.execute(
            select(t.usage_templates).where(t.usage_templates.c.key == key)
        ).mappings().first()
        return None if row is None else _template(row)
