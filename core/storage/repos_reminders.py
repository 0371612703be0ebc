"""Reminders sent, in SQL (issue 19). Reached as ``uow.reminders``; joins the caller's
transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, select

from core.domain.reminders import Reminder
from core.storage import tables as t
from core.storage.mapper import from_row, to_row, upsert


class ReminderRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def save_many(self, items: Sequence[Reminder]) -> None:
        upsert(self.conn, t.appointment_reminders,
               [to_row(r, t.appointment_reminders) for r in items])

    def sent_among(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        wanted = list(ids)
        if not wanted:
            return set()
        r = t.appointment_reminders
        return set(self.conn.execute(select(r.c.id).where(r.c.id.in_(wanted))).scalars())

    def for_appointment(self, appointment_id: uuid.UUID) -> list[Reminder]:
        r = t.appointment_reminders
        rows = self.conn.execute(select(r).where(r.c.appointment_id == appointment_id)
                                 .order_by(r.c.sent_at)).mappings()
        return [from_row(Reminder, row) for row in rows]
