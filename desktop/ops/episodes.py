"""Plan-of-care ops: episodes, diagnoses (with the ICD-10-CM search job), goals."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QObject

from core.domain import icd
from core.services import episodes
from desktop.worker import CommandOp, JobOp, QueryOp


def get_episode(parent: QObject, episode_id: uuid.UUID) -> QueryOp[Any]:
    return QueryOp(parent, lambda chart: episodes.get_episode(chart, episode_id))


def create_episode(parent: QObject, **fields: Any) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: episodes.create_episode(chart, **fields))


def update_episode(parent: QObject, episode_id: uuid.UUID, **fields: Any) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: episodes.update_episode(chart, episode_id, **fields))


def search_icd(parent: QObject, query: str) -> JobOp[list[icd.IcdCode]]:
    """ICD-10-CM search by code prefix or words; ~2 s the first time, so it is a job."""
    return JobOp(parent, lambda: icd.search(query, limit=40), lane="quick")


def add_diagnosis(parent: QObject, episode_id: uuid.UUID, code: str) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: episodes.add_diagnosis(chart, episode_id, code))


def remove_diagnosis(
    parent: QObject, episode_id: uuid.UUID, diagnosis_id: uuid.UUID
) -> CommandOp[Any]:
    return CommandOp(
        parent, lambda chart: episodes.remove_diagnosis(chart, episode_id, diagnosis_id)
    )


def add_goal(parent: QObject, episode_id: uuid.UUID, **fields: Any) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: episodes.add_goal(chart, episode_id, **fields))


def update_goal(
    parent: QObject, episode_id: uuid.UUID, goal_id: uuid.UUID, **fields: Any
) -> CommandOp[Any]:
    return CommandOp(
        parent, lambda chart: episodes.update_goal(chart, episode_id, goal_id, **fields)
    )
