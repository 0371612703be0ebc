"""What the sign gate needs beyond the episode: the day's other notes and KX amounts.

Contract (called by ``signing.build_context`` in the caller's unit of work):
- ``day_notes(uow, visit)``: the other notes dated the same day for the same patient (any
  episode) or the same clinician (any patient), with their visits: 2 queries plus the notes.
- ``measures_on_day(uow, episode, visit, note)``: outcome measures scored that day (for the
  note types that need one; else None).
- ``supervisor(uow, episode, clinician, known, visit)``: for an assistant, the supervisor
  named on the visit (``Visit.supervisor_id``), else the plan of care's therapist
  (``Episode.clinician_id``) unless that is an assistant too; else None.
- ``with_kx_amounts(uow, context, note)``: under a payer that uses the KX threshold, the
  context with ``ytd_allowed`` (Medicare allowed amounts of the year before this visit, per
  discipline, from ``core.services.allowed``), ``fee_schedule`` (the fee-schedule amount per
  unit of each code on the note: an estimate without MPPR) and ``kx_year_missing``; other
  payers get the context unchanged.
"""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

from core.domain.enums import NoteType
from core.domain.episode import Episode
from core.domain.practice import Clinician
from core.domain.visit import Note, Visit
from core.rules.context import NoteContext, PriorNote
from core.rules.pfs import FeeScheduleYearMissing, default_pfs
from core.rules.units import note_minutes
from core.services.allowed import kx_days, practice_locality, ytd_before
from core.storage.uow import UnitOfWork

_MEASURED = (NoteType.EVALUATION, NoteType.RE_EVALUATION, NoteType.PROGRESS_REPORT,
             NoteType.DISCHARGE)


def day_notes(uow: UnitOfWork, visit: Visit) -> list[PriorNote]:
    visits = uow.day.visits_on(
        visit.date, patient_id=visit.patient_id, clinician_id=visit.clinician_id,
        exclude=visit.id)
    if not visits:
        return []
    notes = uow.billing.reads.notes_for_visits([v.id for v in visits])
    return [PriorNote(notes[v.id], v) for v in visits if v.id in notes]


def measures_on_day(uow: UnitOfWork, episode: Episode, visit: Visit, note: Note
                    ) -> tuple[str, ...] | None:
    """Outcome measures scored for the episode on the visit's date (or on this note), for
    the note types that need one; None for the others."""
    if NoteType(note.note_type) not in _MEASURED:
        return None
    scores = uow.measures.list(episode_id=episode.id)
    return tuple(dict.fromkeys(s.measure_id for s in scores
                               if s.date == visit.date or s.note_id == note.id))


def supervisor(
    uow: UnitOfWork, episode: Episode, clinician: Clinician, known: dict[uuid.UUID, Clinician],
    visit: Visit | None = None,
) -> Clinician | None:
    """The supervising therapist of an assistant's visit: the one named on the visit
    (``Visit.supervisor_id``), else the plan of care's therapist unless that is an assistant
    too; None for a therapist's own visit."""
    if not clinician.is_assistant:
        return None
    named = visit.supervisor_id if visit is not None else None
    ident = named or episode.clinician_id
    if ident is None:
        return None
    if ident not in known:
        known[ident] = uow.clinicians.get(ident)
    found = known[ident]
    return found if named or not found.is_assistant else None


def with_kx_amounts(uow: UnitOfWork, context: NoteContext, note: Note) -> NoteContext:
    if not context.payer_rules.uses_kx_threshold:
        return context
    visit = context.visit
    pfs = default_pfs()
    days = kx_days(uow, visit.patient_id, packs=context.rules, pfs=pfs, before=visit.date,
                   episodes={context.episode.id: context.episode})
    ytd, missing = ytd_before(days, visit.date)
    per_unit: dict[str, Decimal] = {}
    try:
        locality = practice_locality(uow)
        for code, _m in note_minutes(note, context.rules, skip_unknown=True):
            if code not in per_unit:
                per_unit[code] = pfs.allowed_for_day({code: 1}, visit.date.year, locality).total
    except FeeScheduleYearMissing:
        missing = True
    return dataclasses.replace(context, ytd_allowed=ytd, fee_schedule=per_unit,
                               kx_year_missing=missing)
