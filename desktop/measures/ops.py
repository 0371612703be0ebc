"""Measure ops (Anki's aqt/operations pattern): each builds one ``QueryOp``/``CommandOp`` that
calls exactly one ``core.services`` function on the database worker. Nothing runs until
``run()``. The panel uses these; MainWindow may too (the dashboard's alerts)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject

from core.domain.measures import Response
from core.services import measures, progress
from desktop.worker import CommandOp, QueryOp


def episode_measures(
    parent: QObject, episode_id: uuid.UUID, today: dt.date
) -> QueryOp[measures.EpisodeMeasures]:
    return QueryOp(parent, lambda chart: measures.episode_measures(chart, episode_id, today=today))


def record_score(
    parent: QObject,
    *,
    episode_id: uuid.UUID,
    measure_id: str,
    date: dt.date,
    responses: Sequence[Response],
    unit: str | None,
    today: dt.date,
    note_id: uuid.UUID | None = None,
) -> CommandOp[Any]:
    return CommandOp(
        parent,
        lambda chart: measures.record_score(
            chart,
            episode_id=episode_id,
            measure_id=measure_id,
            date=date,
            responses=list(responses),
            unit=unit,
            note_id=note_id,
            today=today,
        ),
    )


def delete_score(parent: QObject, score_id: uuid.UUID, today: dt.date) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: measures.delete_score(chart, score_id, today=today))


def draft_progress_report(
    parent: QObject, episode_id: uuid.UUID, *, clinician_id: uuid.UUID, on: dt.date
) -> CommandOp[Any]:
    return CommandOp(
        parent,
        lambda chart: progress.draft_progress_report(
            chart, episode_id, clinician_id=clinician_id, on=on
        ),
    )


def draft_discharge_summary(
    parent: QObject, episode_id: uuid.UUID, *, clinician_id: uuid.UUID, on: dt.date
) -> CommandOp[Any]:
    return CommandOp(
        parent,
        lambda chart: progress.draft_discharge_summary(
            chart, episode_id, clinician_id=clinician_id, on=on
        ),
    )


def progress_alerts(parent: QObject, today: dt.date) -> QueryOp[list[progress.AlertRow]]:
    return QueryOp(parent, lambda chart: progress.progress_alerts(chart, today=today))
