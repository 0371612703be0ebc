"""Progress reports, discharge summaries and the dashboard's report/plan-of-care alerts.

Contract:
- ``draft_progress_report`` / ``draft_discharge_summary`` write a *draft* ``Note``
  (``NoteType.PROGRESS_REPORT`` / ``DISCHARGE``) with S/O/A/P text from
  ``core.rules.measures.reports.compose``, in one unit of work. Without ``note_id`` they start
  a new visit on ``on`` (like ``notes.start_note``); with ``note_id`` they turn that draft
  (today's note) into the report: empty sections are filled, written ones keep their text and
  get the draft appended after a blank line. Nothing is signed; parts only the clinician can
  write are left as ``PLACEHOLDER``.
- Before composing, the goal-status rule is applied in the same transaction, so the report and
  the plan of care agree.
- The report is the therapist's: an assistant (PTA/COTA) cannot be its author
  (clinical.md §4: PTAs may write parts, not the report).
- ``progress_alerts(chart, today=...)`` lists alert rows for every active episode of every
  active patient (progress report overdue/due/upcoming, plan of care expired/expiring), read in
  a fixed number of statements (``BooksReads``). Like the patient list it shows names and
  dates only and is not audited per refresh. ``alerts_for`` is the shared core the compliance
  dashboard uses for the same two rules.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.domain.enums import NoteStatus, NoteType, VisitStatus
from core.domain.episode import Episode
from core.domain.errors import ValidationError
from core.domain.practice import PayerProfile
from core.domain.visit import Note, Visit
from core.rules.context import PriorNote
from core.rules.measures import ReportInputs, ScorePoint, certified_until, compose, episode_alerts
from core.rules.measures.alerts import Alert, report_period
from core.services.measures import apply_goal_rule, episode_goal_progress
from core.services.notes import NoteView
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.repos_books import EpisodeVisit
from core.storage.rows import VisitRow
from core.storage.uow import UnitOfWork

_MISSED = (VisitStatus.NO_SHOW, VisitStatus.CANCELLED)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _payer(uow: UnitOfWork, episode: Episode) -> str | PayerProfile:
    return uow.payers.get(episode.payer_profile_id) if episode.payer_profile_id else "cash"


def _history(rows: list[VisitRow], *, until: dt.date, skip: uuid.UUID | None) -> list[PriorNote]:
    """Light ``PriorNote``s (type, date, status) from visit rows: all the counting needs."""
    out = []
    for r in rows:
        if r.note_id is None or r.note_id == skip or r.date > until or r.note_type is None:
            continue
        visit = Visit(patient_id=r.patient_id, episode_id=r.episode_id,
                      clinician_id=r.clinician_id, date=r.date, start_time=r.start_time,
                      end_time=r.end_time, status=r.status, id=r.id)
        out.append(PriorNote(Note(visit_id=r.id, note_type=r.note_type,
                                  status=r.note_status or NoteStatus.DRAFT, id=r.note_id), visit))
    return out


def _target_note(
    uow: UnitOfWork, episode: Episode, kind: NoteType, clinician_id: uuid.UUID,
    on: dt.date, note_id: uuid.UUID | None,
) -> tuple[Note, Visit, bool]:
    clinician = uow.clinicians.get(clinician_id)
    if clinician.is_assistant:
        raise ValidationError(
            f"A {kind.value.replace('_', ' ')} is the therapist's report; an assistant "
            "cannot author it.", field="clinician_id",
            hint="Choose the supervising therapist.")
    if note_id is None:
        visit = Visit(patient_id=episode.patient_id, episode_id=episode.id,
                      clinician_id=clinician_id, date=on, status=VisitStatus.COMPLETED)
        return Note(visit_id=visit.id, note_type=kind), visit, True
    note = uow.notes.get(note_id)
    note.ensure_editable()
    visit = uow.visits.get(note.visit_id)
    if visit.episode_id != episode.id:
        raise ValidationError("That note belongs to another episode.", field="note_id")
    return note, visit, False


def _draft(
    chart: ChartSession, kind: NoteType, episode_id: uuid.UUID, *, clinician_id: uuid.UUID,
    on: dt.date, note_id: uuid.UUID | None,
) -> Result[NoteView]:
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        note, visit, new = _target_note(uow, episode, kind, clinician_id, on, note_id)
        day = visit.date
        payer = _payer(uow, episode)
        rows = uow.visits.rows(episode_id=episode.id)
        period = report_period(episode, payer, _history(rows, until=day, skip=note.id), day)
        start = (episode.start_date if kind is NoteType.DISCHARGE else period.start) or day
        in_scope = [r for r in rows if start <= r.date <= day and r.id != visit.id]
        scores = [s for s in uow.measures.list(episode_id=episode.id)
                  if s.date <= day]
        apply_goal_rule(uow, episode, day)
        series: dict[str, list[ScorePoint]] = {}
        for s in scores:
            series.setdefault(s.measure_id, []).append(ScorePoint(s.date, s.value, s.band))
        inputs = ReportInputs(
            kind=kind, episode=episode, report_date=day, period_start=start,
            period_anchor=period.anchor, treatment_days=period.day,
            visits_held=1 + sum(1 for r in in_scope if r.status is VisitStatus.COMPLETED),
            visits_missed=sum(1 for r in in_scope if r.status in _MISSED),
            series=series, goals=episode_goal_progress(episode, scores, day),
            payer_name=payer.name if isinstance(payer, PayerProfile) else "",
            certified_until=certified_until(episode, payer),
        )
        note.note_type = kind
        for section, text in compose(inputs).items():
            current = getattr(note, section)
            note.set_section(section, f"{current}\n\n{text}" if current.strip() else text)
        note.updated_at = _now()
        if new:
            uow.visits.save(visit)
            uow.record("create", "visit", visit.id)
        uow.notes.save(note)
        uow.record("create" if new else "update", "note", note.id, detail=f"{kind.value} draft")
        return Result(NoteView(note, visit), uow.commit())


def draft_progress_report(
    chart: ChartSession, episode_id: uuid.UUID, *, clinician_id: uuid.UUID, on: dt.date,
    note_id: uuid.UUID | None = None,
) -> Result[NoteView]:
    """A draft progress report for the period ending ``on`` (module docstring)."""
    return _draft(chart, NoteType.PROGRESS_REPORT, episode_id, clinician_id=clinician_id,
                  on=on, note_id=note_id)


def draft_discharge_summary(
    chart: ChartSession, episode_id: uuid.UUID, *, clinician_id: uuid.UUID, on: dt.date,
    note_id: uuid.UUID | None = None,
) -> Result[NoteView]:
    """A draft discharge summary of the whole episode up to ``on``. It does not discharge the
    episode (``episodes.update_episode(discharged_on=...)`` does, when the clinician decides)."""
    return _draft(chart, NoteType.DISCHARGE, episode_id, clinician_id=clinician_id, on=on,
                  note_id=note_id)


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One dashboard line: who, what, by when."""

    patient_id: uuid.UUID
    patient_name: str
    episode_id: uuid.UUID
    discipline: str
    kind: str  # core.rules.measures.AlertKind value
    severity: str  # urgent | due | soon
    message: str
    due_date: dt.date | None


def stub_visit(r: EpisodeVisit, episode: Episode) -> Visit:
    """A ``Visit`` carrying what the counting rules read from a bulk visit row."""
    return Visit(patient_id=episode.patient_id, episode_id=r.episode_id,
                 clinician_id=r.clinician_id, date=r.date, start_time=r.start_time,
                 status=r.status, id=r.id)


def alert_history(
    rows: Sequence[EpisodeVisit], episode: Episode, today: dt.date
) -> list[PriorNote]:
    """Light ``PriorNote``s (note type and status, visit date and status) of the episode's
    notes dated up to ``today``: all ``episode_alerts`` reads from history."""
    return [
        PriorNote(Note(visit_id=r.id, note_type=r.note_type,
                       status=r.note_status or NoteStatus.DRAFT, id=r.note_id),
                  stub_visit(r, episode))
        for r in rows if r.note_id is not None and r.note_type is not None and r.date <= today
    ]


def alerts_for(
    episodes: Sequence[Episode],
    payer_of: Mapping[uuid.UUID, PayerProfile | None],
    visits: Mapping[uuid.UUID, Sequence[EpisodeVisit]],
    today: dt.date,
) -> list[tuple[Episode, Alert]]:
    """``episode_alerts`` of each episode (in the order given) from bulk-read visits
    (``BooksReads.episode_visits``); ``payer_of`` maps an episode to its profile (None: cash).
    The compliance dashboard's report and plan-of-care rows come from here too."""
    return [
        (ep, alert)
        for ep in episodes
        for alert in episode_alerts(ep, payer_of.get(ep.id) or "cash",
                                    alert_history(visits.get(ep.id, ()), ep, today), today)
    ]


def progress_alerts(chart: ChartSession, *, today: dt.date | None = None) -> list[AlertRow]:
    """Alerts for every active episode of every active patient, most urgent first.

    A fixed number of statements whatever the chart's size: the active patients, the
    undischarged episodes and their visits (``BooksReads``), the payer profiles."""
    today = today or dt.date.today()
    with chart.uow() as uow:
        reads = uow.books.reads
        patients = uow.patients.search("", limit=1_000_000, active_only=True)
        profiles = {p.id: p for p in uow.payers.list()}
        by_patient: dict[uuid.UUID, list[Episode]] = defaultdict(list)
        for ep in reads.active_episodes(today):
            by_patient[ep.patient_id].append(ep)
        # patients by name, each patient's episodes newest first (as the list shows them)
        episodes = [ep for patient in patients for ep in sorted(
            by_patient.get(patient.id, ()), key=lambda e: e.start_date, reverse=True)]
        visits = reads.episode_visits(episodes)
    names = {p.id: p.display_name for p in patients}
    payer_of = {ep.id: profiles.get(ep.payer_profile_id) if ep.payer_profile_id else None
                for ep in episodes}
    out = [
        AlertRow(ep.patient_id, names[ep.patient_id], ep.id, str(ep.discipline),
                 alert.kind.value, alert.severity, alert.message, alert.due_date)
        for ep, alert in alerts_for(episodes, payer_of, visits, today)
    ]
    order = {"urgent": 0, "due": 1, "soon": 2}
    return sorted(out, key=lambda a: (order[a.severity], a.due_date or today, a.patient_name))
