"""The schedule in SQL (issue 19): appointments, series, working hours, blocked time, waitlist.

Contract: reached as ``uow.schedule``; statements join the caller's transaction. Appointments
are read by a time window through ``ix_appointments_start``; series are few (one per plan of
care) and read whole, their occurrences expanded by ``core.rules.schedule``. Rows holding JSON
(series exclusions, working hours, waitlist weekdays) are rebuilt through their constructors so
the stored text becomes typed values again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, delete, select

from core.domain.errors import NotFound
from core.domain.schedule import (
    Appointment,
    AppointmentFee,
    Block,
    Series,
    WaitlistEntry,
    WorkingHours,
)
from core.storage import tables as t
from core.storage.mapper import build, delete_where_in, from_row, to_row, upsert


class ScheduleRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- appointments ---------------------------------------------------------------------
    def save_appointments(self, items: Sequence[Appointment]) -> None:
        upsert(self.conn, t.appointments, [to_row(a, t.appointments) for a in items])

    def appointment(self, ident: uuid.UUID) -> Appointment:
        row = self.conn.execute(
            select(t.appointments).where(t.appointments.c.id == ident)).mappings().first()
        if row is None:
            raise NotFound(f"No appointment with id {ident} in this chart.")
        return from_row(Appointment, row)

    def appointments_between(
        self, start: dt.datetime, end: dt.datetime, clinician_id: uuid.UUID | None = None
    ) -> list[Appointment]:
        """Appointments starting in [start, end) (an appointment is at most 8 hours long, so
        one that started up to 8 hours before ``start`` is read too: it may still run)."""
        a = t.appointments
        stmt = select(a).where(a.c.start >= start - dt.timedelta(hours=8), a.c.start < end)
        if clinician_id is not None:
            stmt = stmt.where(a.c.clinician_id == clinician_id)
        rows = self.conn.execute(stmt.order_by(a.c.start, a.c.id)).mappings()
        return [x for x in (from_row(Appointment, r) for r in rows) if x.end > start]

    def stored_ids_between(self, start: dt.datetime, end: dt.datetime) -> set[uuid.UUID]:
        """Ids of the stored appointments starting in [start, end) (not series occurrences)."""
        a = t.appointments
        return set(self.conn.execute(
            select(a.c.id).where(a.c.start >= start, a.c.start < end)).scalars())

    def patient_names(self, idents: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
        """(first, last) name per patient, one statement per 500: what a schedule screen
        shows beside the appointments (never in a feed or a log)."""
        p = t.patients
        out: dict[uuid.UUID, tuple[str, str]] = {}
        ids = list(idents)
        for i in range(0, len(ids), 500):
            rows = self.conn.execute(select(p.c.id, p.c.first_name, p.c.last_name)
                                     .where(p.c.id.in_(ids[i:i + 500])))
            out.update({r[0]: (r[1], r[2]) for r in rows})
        return out

    def appointments_by_id(self, idents: Sequence[uuid.UUID]) -> list[Appointment]:
        a = t.appointments
        rows = self.conn.execute(select(a).where(a.c.id.in_(list(idents)))).mappings()
        return [from_row(Appointment, r) for r in rows]

    def delete_appointments(self, idents: Sequence[uuid.UUID]) -> None:
        """Only for undoing a move that created them (``core.services.schedule_moves``)."""
        delete_where_in(self.conn, t.appointments, "id", list(idents))

    # -- series ---------------------------------------------------------------------------
    def save_series(self, items: Sequence[Series]) -> None:
        upsert(self.conn, t.appointment_series, [to_row(s, t.appointment_series) for s in items])

    def series(self, clinician_id: uuid.UUID | None = None) -> list[Series]:
        s = t.appointment_series
        stmt = select(s) if clinician_id is None else select(s).where(
            s.c.clinician_id == clinician_id)
        return [build(Series, dict(r)) for r in self.conn.execute(stmt).mappings()]

    def one_series(self, ident: uuid.UUID) -> Series:
        row = self.conn.execute(
            select(t.appointment_series).where(t.appointment_series.c.id == ident)
        ).mappings().first()
        if row is None:
            raise NotFound(f"No recurring appointment with id {ident} in this chart.")
        return build(Series, dict(row))

    def delete_series(self, idents: Sequence[uuid.UUID]) -> None:
        """Only for undoing a move that created them (``core.services.schedule_moves``)."""
        delete_where_in(self.conn, t.appointment_series, "id", list(idents))

    def moved_in_series(self, series_ids: Sequence[uuid.UUID]) -> list[Appointment]:
        a = t.appointments
        rows = self.conn.execute(select(a).where(a.c.series_id.in_(list(series_ids))))
        return [from_row(Appointment, r) for r in rows.mappings()]

    # -- hours, blocks, waitlist ----------------------------------------------------------
    def save_hours(self, items: Sequence[WorkingHours]) -> None:
        upsert(self.conn, t.working_hours, [to_row(h, t.working_hours) for h in items])

    def hours_for(self, clinician_id: uuid.UUID) -> WorkingHours | None:
        row = self.conn.execute(select(t.working_hours).where(
            t.working_hours.c.clinician_id == clinician_id)).mappings().first()
        return None if row is None else build(WorkingHours, dict(row))

    def save_blocks(self, items: Sequence[Block]) -> None:
        upsert(self.conn, t.schedule_blocks, [to_row(b, t.schedule_blocks) for b in items])

    def blocks_between(
        self, start: dt.datetime, end: dt.datetime, clinician_id: uuid.UUID | None = None
    ) -> list[Block]:
        b = t.schedule_blocks
        stmt = select(b).where(b.c.start < end, b.c.end > start)
        if clinician_id is not None:
            stmt = stmt.where(b.c.clinician_id == clinician_id)
        return [build(Block, dict(r)) for r in self.conn.execute(stmt).mappings()]

    def save_waitlist(self, items: Sequence[WaitlistEntry]) -> None:
        upsert(self.conn, t.waitlist, [to_row(w, t.waitlist) for w in items])

    def waitlist(self) -> list[WaitlistEntry]:
        rows = self.conn.execute(select(t.waitlist).order_by(t.waitlist.c.since)).mappings()
        return [build(WaitlistEntry, dict(r)) for r in rows]

    def remove_from_waitlist(self, ident: uuid.UUID) -> int:
        return self.conn.execute(delete(t.waitlist).where(t.waitlist.c.id == ident)).rowcount

    # -- fees (a charge on the patient's ledger) ------------------------------------------
    def save_fees(self, items: Sequence[AppointmentFee]) -> None:
        upsert(self.conn, t.appointment_fees, [to_row(f, t.appointment_fees) for f in items])

    def fees_for(self, patient_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[AppointmentFee]]:
        """Each patient's fees in date order (500 patients per statement)."""
        f = t.appointment_fees
        out: dict[uuid.UUID, list[AppointmentFee]] = {}
        ids = list(patient_ids)
        for i in range(0, len(ids), 500):
            rows = self.conn.execute(select(f).where(f.c.patient_id.in_(ids[i:i + 500]))
                                     .order_by(f.c.date, f.c.id)).mappings()
            for r in rows:
                fee = from_row(AppointmentFee, r)
                out.setdefault(fee.patient_id, []).append(fee)
        return out
