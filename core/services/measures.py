"""Outcome-measure use cases: record a score (scored once), delete one, read an episode's
measures with trends and goal progress, and keep measure-linked goal statuses current.

Contract:
- One function per user action, each one unit of work returning ``Result(value, changes)``
  (reads return plain values). Called on the desktop's database worker, never the GUI thread.
- ``record_score`` validates and scores through ``core.rules.measures`` (``InvalidResponse``
  for impossible answers), stores numbers only, and in the same transaction re-applies the goal
  status rule (``core.rules.measures.goals``) to the episode's goals on that measure. Audit rows
  name the measure id, never a value (no PHI in ``detail``).
- A score linked to a signed note cannot be added or deleted (``SignedNoteImmutable``): the
  signed record is what was documented. Unscorable forms are stored (value None) with the reason
  in ``band``, because the answers are documentation too.
- ``episode_measures`` is an audited view of the episode's scores.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.domain.episode import Episode
from core.domain.errors import SignedNoteImmutable, ValidationError
from core.domain.measures import MeasureScore, Response, Score, UnknownMeasure
from core.rules.measures import (
    GoalProgress,
    MeasureDefinition,
    SeriesChange,
    TrendSpec,
    definition,
    definitions,
    goal_progress,
    score,
    since_baseline_and_last,
    trend_spec,
    validated,
)
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

UNSCORABLE = "unscorable: "


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def catalog() -> list[MeasureDefinition]:
    """Every measure Chartside scores, by id (for pickers; no chart needed)."""
    return [definitions()[k] for k in sorted(definitions(), key=str.lower)]


@dataclass(frozen=True, slots=True)
class RecordedScore:
    record: MeasureScore
    score: Score
    goals: tuple[GoalProgress, ...]  # goals whose stored status this score changed


@dataclass(frozen=True, slots=True)
class MeasureSummary:
    measure_id: str
    name: str
    unit: str
    decimals: int
    scores: tuple[MeasureScore, ...]
    change: SeriesChange
    trend: TrendSpec

    @property
    def latest(self) -> MeasureScore | None:
        return next((s for s in reversed(self.scores) if s.scorable), None)


@dataclass(frozen=True, slots=True)
class EpisodeMeasures:
    episode_id: uuid.UUID
    patient_id: uuid.UUID
    measures: tuple[MeasureSummary, ...]
    goals: tuple[GoalProgress, ...]


def _points(scores: Sequence[MeasureScore], measure_id: str) -> list[tuple[dt.date, float | None]]:
    return [(s.date, s.value) for s in scores if s.measure_id == measure_id]


def episode_goal_progress(
    episode: Episode, scores: Sequence[MeasureScore], as_of: dt.date
) -> list[GoalProgress]:
    """The goal rule applied to every goal of ``episode`` (unlinked goals: not evaluable)."""
    out = []
    for g in episode.goals:
        mid = canonical_id(g.measure_id)
        out.append(goal_progress(g, _points(scores, mid) if mid else [], as_of=as_of))
    return out


def canonical_id(measure_id: str | None) -> str | None:
    """The pack's spelling of ``measure_id`` ("lefs" → "LEFS"), or None when unknown/empty."""
    if not measure_id:
        return None
    try:
        return definition(measure_id).id
    except UnknownMeasure:
        return None


def apply_goal_rule(
    uow: UnitOfWork, episode: Episode, as_of: dt.date, *, measure_id: str | None = None
) -> tuple[GoalProgress, ...]:
    """Write the statuses the rule supports (inside ``uow``); returns the goals it changed."""
    scores = uow.measures.list(episode_id=episode.id)
    changed: list[GoalProgress] = []
    for progress in episode_goal_progress(episode, scores, as_of):
        if measure_id and progress.measure_id != definition(measure_id).id:
            continue
        if progress.status_changed:
            episode.goal(progress.goal_id).status = progress.status
            changed.append(progress)
    if changed:
        uow.episodes.save(episode)
        uow.record("update", "episode", episode.id, detail="goal status from measure scores")
    return tuple(changed)


def _check_note(uow: UnitOfWork, note_id: uuid.UUID | None, episode: Episode) -> None:
    if note_id is None:
        return
    note = uow.notes.get(note_id)
    visit = uow.visits.get(note.visit_id)
    if visit.episode_id != episode.id:
        raise ValidationError("That note belongs to another episode.", field="note_id")
    if note.is_signed:
        raise SignedNoteImmutable(
            "That note is signed; a score cannot be added to it.",
            hint="Record the score on today's note, or add an addendum.",
        )


def _store(
    uow: UnitOfWork, episode: Episode, measure_id: str, date: dt.date,
    values: Sequence[Response], note_id: uuid.UUID | None,
) -> tuple[MeasureScore, Score]:
    result = score(measure_id, values)
    record = MeasureScore(
        patient_id=episode.patient_id, episode_id=episode.id, note_id=note_id,
        measure_id=result.measure_id, date=date, responses=tuple(values), value=result.value,
        scale=result.scale, unit=result.unit,
        band=result.band if result.scorable else UNSCORABLE + result.reason,
        created_at=_now(),
    )
    uow.measures.save(record)
    uow.record("create", "measure_score", record.id, detail=result.measure_id)
    return record, result


def record_score(
    chart: ChartSession,
    *,
    episode_id: uuid.UUID,
    measure_id: str,
    date: dt.date,
    responses: Sequence[Response],
    note_id: uuid.UUID | None = None,
    unit: str | None = None,
    today: dt.date | None = None,
) -> Result[RecordedScore]:
    """Score and store one administration; update the goals on that measure."""
    today = today or dt.date.today()
    if date > today:
        raise ValidationError("A measure cannot be recorded for a future date.", field="date")
    d = definition(measure_id)
    values = validated(d, responses, unit)
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        _check_note(uow, note_id, episode)
        record, result = _store(uow, episode, d.id, date, values, note_id)
        goals = apply_goal_rule(uow, episode, today, measure_id=d.id)
        return Result(RecordedScore(record, result, goals), uow.commit())


def delete_score(
    chart: ChartSession, score_id: uuid.UUID, *, today: dt.date | None = None
) -> Result[None]:
    """Remove a score entered in error (not one attached to a signed note)."""
    with chart.uow() as uow:
        repo = uow.measures
        record = repo.get(score_id)
        if record.note_id is not None and uow.notes.get(record.note_id).is_signed:
            raise SignedNoteImmutable(
                "This score belongs to a signed note and cannot be deleted.",
                hint="Add an addendum to the note instead.",
            )
        repo.delete(score_id)
        uow.record("delete", "measure_score", score_id, detail=record.measure_id)
        if record.episode_id is not None:
            episode = uow.episodes.get(record.episode_id)
            apply_goal_rule(uow, episode, today or dt.date.today(), measure_id=record.measure_id)
        return Result(None, uow.commit())


def refresh_goal_statuses(
    chart: ChartSession, episode_id: uuid.UUID, *, today: dt.date | None = None
) -> Result[tuple[GoalProgress, ...]]:
    """Re-apply the goal rule (e.g. after a target date passed with no new score)."""
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        changed = apply_goal_rule(uow, episode, today or dt.date.today())
        return Result(changed, uow.commit())


def summarize(
    episode: Episode, scores: Sequence[MeasureScore], as_of: dt.date
) -> EpisodeMeasures:
    """Pure assembly of the episode's measure summaries and goal progress."""
    goals = tuple(episode_goal_progress(episode, scores, as_of))
    ids = {s.measure_id for s in scores} | {
        mid for g in episode.goals if (mid := canonical_id(g.measure_id))
    }
    summaries = []
    for mid in sorted(ids, key=str.lower):
        d = definition(mid)
        own = tuple(s for s in scores if s.measure_id == mid)
        points = _points(own, mid)
        summaries.append(MeasureSummary(
            measure_id=mid, name=d.name, unit=d.unit, decimals=d.decimals, scores=own,
            change=since_baseline_and_last(d, points),
            trend=trend_spec(mid, points, [g for g in goals if g.measure_id == mid]),
        ))
    return EpisodeMeasures(episode.id, episode.patient_id, tuple(summaries), goals)


def episode_measures(
    chart: ChartSession, episode_id: uuid.UUID, *, today: dt.date | None = None
) -> EpisodeMeasures:
    """Every measure of the episode with its trend, changes and the goals' progress (a view)."""
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        scores = uow.measures.list(episode_id=episode_id)
        uow.record("view", "episode", episode_id, detail="measures")
        uow.commit()
    return summarize(episode, scores, today or dt.date.today())


# -- demo data ---------------------------------------------------------------------------------
_DEMO_PATHS = {"LEFS": (38, 49, 58), "ODI": (44, 34, 26), "QuickDASH": (52, 40, 31)}
_DEMO_PAIN = (6, 4, 3)


@lru_cache(maxsize=64)
def _demo_items(measure_id: str, target: float) -> tuple[Response, ...]:
    """Item answers whose score first reaches ``target`` (raising items one step at a time)."""
    d = definition(measure_id)
    items: list[float] = [d.response_min] * d.max_items
    i = 0
    while (score(d.id, items).value or 0) < target and any(v < d.response_max for v in items):
        if items[i % len(items)] < d.response_max:
            items[i % len(items)] += 1
        i += 1
    return tuple(int(v) for v in items)


def add_demo_scores(chart: ChartSession, *, today: dt.date) -> int:
    """Synthetic scores for the demo chart: each episode's goal measure and NPRS at evaluation,
    two weeks in and three days ago (one unit of work for the whole demo). Returns how many."""
    count = 0
    with chart.uow() as uow:
        patient_ids = [p.id for p in uow.patients.search("", limit=10_000)]
        by_patient = uow.episodes.for_patients(patient_ids)
        for ep in (e for pid in patient_ids for e in by_patient.get(pid, [])):
            measure = next((g.measure_id for g in ep.goals if g.measure_id in _DEMO_PATHS), None)
            if measure is None:
                continue
            days = (ep.start_date, ep.start_date + dt.timedelta(days=14),
                    today - dt.timedelta(days=3))
            for n, day in enumerate(d for d in days if d <= today):
                items = list(_demo_items(measure, _DEMO_PATHS[measure][n]))
                _store(uow, ep, measure, day, items, None)
                _store(uow, ep, "NPRS", day, [_DEMO_PAIN[n]], None)
                count += 2
            apply_goal_rule(uow, ep, today)
        uow.commit()
    return count
