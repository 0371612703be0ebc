"""Reads across one day of service: the visits of a patient or of a clinician on a date.

Contract: read-only, in the caller's unit of work; one query per call. Used by
``core.services.signing.build_context`` (overlap checks across notes) and the day pricing.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from core.domain.visit import Visit
from core.storage import tables as t
from core.storage.mapper import from_row


class DayReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def visits_on(
        self,
        day: dt.date,
        *,
        patient_id: uuid.UUID,
        clinician_id: uuid.UUID,
        exclude: uuid.UUID | None = None,
    ) -> list[Visit]:
        """Visits on ``day`` of ``patient_id`` (any episode) or of ``clinician_id`` (any patient),
        every status, ``exclude`` left out; ordered by start time."""
        v = t.visits
        stmt = select(v).where(
            v.c.date == day, or_(v.c.patient_id == patient_id, v.c.clinician_id == clinician_id)
        )
        if exclude is not None:
            stmt = stmt.where(v.c.id != exclude)
        stmt = stmt.order_by(v.c.start_time, v.c.id)
        return [from_row(Visit, dict(r)) for r in self.conn.execute(stmt).mappings()]
