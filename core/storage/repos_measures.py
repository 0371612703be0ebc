"""Repository of recorded outcome-measure scores (table ``measure_scores``, migration r0003).

Contract:
- Reached as ``uow.measures`` (built on the unit of work's connection); it reads and writes
  inside the caller's transaction and never commits.
- Rows hold numbers only (responses, value, scale, band, unit); no questionnaire wording.
- List reads return ``MeasureScore`` values ordered by date, then creation time, so the first
  row of a measure is its baseline and the last its current value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, select

from core.domain.errors import NotFound
from core.domain.measures import MeasureScore
from core.storage import tables as t
from core.storage.mapper import from_row, to_row, upsert


def _score(row: Any) -> MeasureScore:
    return from_row(MeasureScore, row, responses=tuple(row["responses"] or ()))


class MeasureScoreRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def save(self, score: MeasureScore) -> None:
        self.save_many([score])

    def save_many(self, scores: Sequence[MeasureScore]) -> None:
        upsert(self.conn, t.measure_scores,
               [to_row(s, t.measure_scores, responses=list(s.responses)) for s in scores])

    def get(self, ident: uuid.UUID) -> MeasureScore:
        row = self.conn.execute(
            select(t.measure_scores).where(t.measure_scores.c.id == ident)
        ).mappings().first()
        if row is None:
            raise NotFound(f"No measure score with id {ident} in this chart.")
        return _score(row)

    def delete(self, ident: uuid.UUID) -> None:
        self.conn.execute(delete(t.measure_scores).where(t.measure_scores.c.id == ident))

    def list(
        self,
        *,
        patient_id: uuid.UUID | None = None,
        episode_id: uuid.UUID | None = None,
        measure_ids: Iterable[str] | None = None,
    ) -> list[MeasureScore]:
        """Scores matching every filter given, oldest first."""
        ms = t.measure_scores
        stmt = select(ms)
        if patient_id is not None:
            stmt = stmt.where(ms.c.patient_id == patient_id)
        if episode_id is not None:
            stmt = stmt.where(ms.c.episode_id == episode_id)
        if measure_ids is not None:
            stmt = stmt.where(ms.c.measure_id.in_(list(measure_ids)))
        stmt = stmt.order_by(ms.c.date, ms.c.created_at, ms.c.id)
        return [_score(r) for r in self.conn.execute(stmt).mappings()]
