"""Patient ops: the patient list, today's visits, opening a chart, creating a patient."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QObject

from core.services import patients, ui_queries
from desktop.worker import CommandOp, QueryOp


def patient_list(
    parent: QObject, query: str, *, active_episode: bool, unsigned: bool
) -> QueryOp[list[ui_queries.PatientListRow]]:
    return QueryOp(
        parent,
        lambda chart: ui_queries.patient_list(
            chart, query, active_episode=active_episode, unsigned=unsigned
        ),
    )


def todays_visits(parent: QObject, day: dt.date) -> QueryOp[list[ui_queries.TodayVisitRow]]:
    return QueryOp(parent, lambda chart: ui_queries.todays_visits(chart, day))


def open_patient(parent: QObject, patient_id: uuid.UUID) -> QueryOp[patients.PatientChart]:
    return QueryOp(parent, lambda chart: patients.open_patient(chart, patient_id))


def create_patient(parent: QObject, **fields: Any) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: patients.create_patient(chart, **fields))
