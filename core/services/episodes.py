"""Episode / plan-of-care use cases: create, edit, diagnoses, goals."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from core.domain.episode import Diagnosis, Episode, Goal
from core.services.result import Result
from core.storage.chart import ChartSession


def create_episode(
    chart: ChartSession, *, diagnoses: list[str] | None = None, **fields: Any
) -> Result[Episode]:
    """A new episode; ``diagnoses`` are ICD-10-CM codes, validated and ranked in the given order."""
    episode = Episode(**fields)
    for code in diagnoses or []:
        episode.add_diagnosis(Diagnosis.from_code(code))
    with chart.uow() as uow:
        uow.patients.get(episode.patient_id)  # NotFound if the patient is not in this chart
        uow.episodes.save(episode)
        uow.record("create", "episode", episode.id, detail=f"diagnoses={len(episode.diagnoses)}")
        return Result(episode, uow.commit())


def update_episode(chart: ChartSession, episode_id: uuid.UUID, **fields: Any) -> Result[Episode]:
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        for key, value in fields.items():
            if key in ("diagnoses", "goals", "id", "patient_id"):
                raise ValueError(f"use the dedicated service to change {key}")
            setattr(episode, key, value)
        episode.validate()
        uow.episodes.save(episode)
        uow.record("update", "episode", episode.id, detail=",".join(sorted(fields)))
        return Result(episode, uow.commit())


def add_diagnosis(
    chart: ChartSession, episode_id: uuid.UUID, code: str, *, onset_date: dt.date | None = None
) -> Result[Diagnosis]:
    diagnosis = Diagnosis.from_code(code, onset_date=onset_date)
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        episode.add_diagnosis(diagnosis)
        uow.episodes.save(episode)
        uow.record("update", "episode", episode.id, detail="diagnosis added")
        return Result(diagnosis, uow.commit())


def remove_diagnosis(
    chart: ChartSession, episode_id: uuid.UUID, diagnosis_id: uuid.UUID
) -> Result[None]:
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        episode.remove_diagnosis(diagnosis_id)
        uow.episodes.save(episode)
        uow.record("update", "episode", episode.id, detail="diagnosis removed")
        return Result(None, uow.commit())


def add_goal(chart: ChartSession, episode_id: uuid.UUID, **fields: Any) -> Result[Goal]:
    goal = Goal(**fields)
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        episode.add_goal(goal)
        uow.episodes.save(episode)
        uow.record("update", "episode", episode.id, detail="goal added")
        return Result(goal, uow.commit())


def update_goal(
    chart: ChartSession, episode_id: uuid.UUID, goal_id: uuid.UUID, **fields: Any
) -> Result[Goal]:
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        current = episode.goal(goal_id)
        data = {k: getattr(current, k) for k in current.__dataclass_fields__} | fields
        updated = Goal(**data)
        episode.goals = [updated if g.id == goal_id else g for g in episode.goals]
        uow.episodes.save(episode)
        uow.record("update", "episode", episode.id, detail="goal " + ",".join(sorted(fields)))
        return Result(updated, uow.commit())


def get_episode(chart: ChartSession, episode_id: uuid.UUID) -> Episode:
    with chart.uow() as uow:
        return uow.episodes.get(episode_id)
