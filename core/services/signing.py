"""Checking and signing notes: the gate between a draft and a billable, frozen record.

``check`` builds the ``NoteContext`` from storage and runs ``core.rules.checks.check_note``.
``sign_note`` refuses while any *block* finding stands (``SignBlocked`` lists them); warnings must
have been acknowledged with a reason, which the note keeps. Signing stores the canonical JSON
snapshot and its SHA-256; the database trigger keeps it frozen from then on.
"""

from __future__ import annotations

import datetime as dt
import uuid

from core.domain.errors import SignBlocked
from core.domain.visit import Note
from core.rules import snapshot
from core.rules.checks import check_note
from core.rules.context import NoteContext, PriorNote
from core.rules.findings import Finding, blocking
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

HISTORY_NOTES = 40  # enough for progress-report counting and three-visit progression checks


def build_context(uow: UnitOfWork, note: Note, *, today: dt.date | None = None) -> NoteContext:
    """Everything outside the note that the rules need, read in the caller's transaction."""
    visit = uow.visits.get(note.visit_id)
    episode = uow.episodes.get(visit.episode_id)
    payer = uow.payers.get(episode.payer_profile_id) if episode.payer_profile_id else "cash"
    clinician = uow.clinicians.get(visit.clinician_id)
    history: list[PriorNote] = []
    for other_id in uow.notes.ids_for_episode(episode.id)[-HISTORY_NOTES:]:
        if other_id == note.id:
            continue
        other = uow.notes.get(other_id)
        other_visit = uow.visits.get(other.visit_id)
        if other_visit.date <= visit.date:
            history.append(PriorNote(other, other_visit))
    return NoteContext(
        visit=visit,
        episode=episode,
        payer=payer,
        clinician=clinician,
        history=tuple(history),
        today=today,
    )


def check(
    chart: ChartSession, note_id: uuid.UUID, *, today: dt.date | None = None
) -> list[Finding]:
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        return check_note(note, build_context(uow, note, today=today))


def sign_within(
    uow: UnitOfWork,
    note_id: uuid.UUID,
    *,
    signer_id: uuid.UUID,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> Note:
    """Sign inside an open unit of work (used by ``sign_note`` and by bulk imports/demo)."""
    note = uow.notes.get(note_id)
    note.ensure_editable()
    context = build_context(uow, note, today=today)
    blockers = blocking(check_note(note, context))
    if blockers:
        listed = "; ".join(f.message for f in blockers[:5])
        more = f" (+{len(blockers) - 5} more)" if len(blockers) > 5 else ""
        raise SignBlocked(f"Cannot sign yet: {listed}{more}", findings=list(blockers))
    uow.clinicians.get(signer_id)
    at = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    text = snapshot.canonical_note_json(
        note, context.visit, unit_method=context.unit_method, signed_by=signer_id, signed_at=at
    )
    note.mark_signed(by=signer_id, at=at, snapshot=text, content_hash=snapshot.snapshot_hash(text))
    uow.notes.save(note)
    uow.record("sign", "note", note.id)
    return note


def sign_note(
    chart: ChartSession,
    note_id: uuid.UUID,
    *,
    signer_id: uuid.UUID,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> Result[Note]:
    with chart.uow() as uow:
        note = sign_within(uow, note_id, signer_id=signer_id, now=now, today=today)
        return Result(note, uow.commit())


def verify_signed(chart: ChartSession, note_id: uuid.UUID) -> bool:
    """True when a signed note's stored snapshot still matches its hash and its fields."""
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        visit = uow.visits.get(note.visit_id)
    return snapshot.verify_snapshot(note, visit)
