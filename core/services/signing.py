"""Checking and signing notes: the gate between a draft and a billable, frozen record.

``check`` builds the ``NoteContext`` from storage and runs ``core.rules.checks.check_note``.
``sign_note`` refuses while any *block* finding stands (``SignBlocked`` lists them), then while
any *warning* stands that was not acknowledged with a reason (``WarningsUnacknowledged``, a
``SignBlocked``). Acknowledgements are given before (``notes.acknowledge_warning``) or with the
signature (``acknowledgements={finding key or id: reason}``, applied to the warnings that
stand and ignored otherwise): stored on the note in the same transaction, one ``update note``
audit row each (``acknowledged <key>``, never the reason's text). The note keeps them and the
signed snapshot freezes them with it. Signing stores the canonical JSON snapshot and its
SHA-256; the database trigger keeps it frozen from then on.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping

from core.domain.episode import Episode
from core.domain.errors import SignBlocked, WarningsUnacknowledged
from core.domain.practice import Clinician, PayerProfile
from core.domain.visit import Note, Visit
from core.rules import snapshot
from core.rules.checks import check_note
from core.rules.context import NoteContext, PriorNote
from core.rules.findings import (
    Finding,
    apply_acknowledgements,
    blocking,
    unacknowledged_warnings,
)
from core.services import day_context, inventory, note_supplies
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

HISTORY_NOTES = 40  # enough for progress-report counting and three-visit progression checks


class ContextCache:
    """What ``build_context`` reads, kept across the notes signed in one unit of work (the
    demo, bulk imports), so signing the n-th note of an episode does not re-read the n − 1
    before it.

    Episodes, payer profiles and clinicians are read once; the note history is still chosen by
    the same query every time (so new notes are seen) and only signed notes are kept, with
    their visits: notes signed through the cache as signed, others as read. Signed notes are
    immutable, so a kept note is what a fresh read would return. Valid while the caller
    changes no episode, payer profile, clinician, visit of a kept note or addendum while
    using it; ``sign_note`` never uses one.
    """

    def __init__(self) -> None:
        self.episodes: dict[uuid.UUID, Episode] = {}
        self.payers: dict[uuid.UUID, PayerProfile] = {}
        self.clinicians: dict[uuid.UUID, Clinician] = {}
        self.signed: dict[uuid.UUID, PriorNote] = {}


def _history(
    uow: UnitOfWork, note: Note, visit: Visit, episode_id: uuid.UUID, cache: ContextCache | None
) -> list[PriorNote]:
    """The episode's last ``HISTORY_NOTES`` notes (by visit date and time) other than ``note``,
    dated on or before its visit: the ids in one query, the notes and visits not kept in
    ``cache`` in a bulk read."""
    ids = [i for i in uow.notes.ids_for_episode(episode_id)[-HISTORY_NOTES:] if i != note.id]
    kept = cache.signed if cache is not None else {}
    missing = [i for i in ids if i not in kept]
    notes = uow.notes.get_many(missing) if missing else {}
    visits = uow.visits.get_many(n.visit_id for n in notes.values()) if notes else {}
    loaded = {i: PriorNote(n, visits[n.visit_id]) for i, n in notes.items()}
    if cache is not None:
        cache.signed.update({i: p for i, p in loaded.items() if p.note.is_signed})
    history = []
    for other_id in ids:
        prior = kept.get(other_id) or loaded[other_id]
        if prior.visit.date <= visit.date:
            history.append(prior)
    return history


def build_context(
    uow: UnitOfWork,
    note: Note,
    *,
    today: dt.date | None = None,
    cache: ContextCache | None = None,
) -> NoteContext:
    """Everything outside the note that the rules need, read in the caller's transaction
    (``cache``: see ``ContextCache``)."""
    visit = uow.visits.get(note.visit_id)
    keep = cache if cache is not None else ContextCache()
    episode = keep.episodes.get(visit.episode_id) or keep.episodes.setdefault(
        visit.episode_id, uow.episodes.get(visit.episode_id))
    payer: str | PayerProfile = "cash"
    if episode.payer_profile_id:
        payer = keep.payers.get(episode.payer_profile_id) or keep.payers.setdefault(
            episode.payer_profile_id, uow.payers.get(episode.payer_profile_id))
    clinician = keep.clinicians.get(visit.clinician_id) or keep.clinicians.setdefault(
        visit.clinician_id, uow.clinicians.get(visit.clinician_id))
    context = NoteContext(
        visit=visit,
        episode=episode,
        payer=payer,
        clinician=clinician,
        history=tuple(_history(uow, note, visit, episode.id, cache)),
        today=today,
        day_notes=tuple(day_context.day_notes(uow, visit)),
        supervisor=day_context.supervisor(uow, episode, clinician, keep.clinicians, visit),
        measures_on_day=day_context.measures_on_day(uow, episode, visit, note),
    )
    return day_context.with_kx_amounts(uow, context, note)


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
    cache: ContextCache | None = None,
    acknowledgements: Mapping[str, str] | None = None,
) -> Note:
    """Sign inside an open unit of work (used by ``sign_note`` and by bulk imports/demo, which
    pass one ``ContextCache`` for all the notes they sign). The gate is ``sign_note``'s."""
    note = uow.notes.get(note_id)
    note.ensure_editable()
    context = build_context(uow, note, today=today, cache=cache)
    findings = check_note(note, context)
    acked = _acknowledge_with(note, findings, acknowledgements or {})
    if acked:
        findings = apply_acknowledgements(findings, note.acknowledged)
    blockers = blocking(findings)
    if blockers:
        raise SignBlocked(f"Cannot sign yet: {_listed(blockers)}", findings=list(blockers))
    open_warnings = unacknowledged_warnings(findings)
    if open_warnings:
        raise WarningsUnacknowledged(
            f"Acknowledge each warning with a reason before signing: {_listed(open_warnings)}",
            findings=list(open_warnings),
        )
    if cache is None or signer_id not in cache.clinicians:
        signer = uow.clinicians.get(signer_id)
        if cache is not None:
            cache.clinicians[signer_id] = signer
    at = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    note_supplies.freeze(uow, note, context.visit)  # the note keeps what signing records
    text = snapshot.canonical_note_json(
        note, context.visit, unit_method=context.unit_method, signed_by=signer_id, signed_at=at
    )
    note.mark_signed(by=signer_id, at=at, snapshot=text, content_hash=snapshot.snapshot_hash(text))
    uow.notes.save_signed(note)  # read above; changed by mark_signed and the acknowledgements
    inventory.apply_note_usage(uow, note, context.visit)  # supplies used, once per note
    if cache is not None and at.tzinfo is None:
        # Exactly what reading it back would give (stored naive datetimes round-trip as is);
        # signed, it can no longer change.
        cache.signed[note.id] = PriorNote(note, context.visit)
    for key in acked:
        uow.record("update", "note", note.id, detail=f"acknowledged {key}")
    uow.record("sign", "note", note.id)
    return note


def _acknowledge_with(
    note: Note, findings: list[Finding], reasons: Mapping[str, str]
) -> list[str]:
    """Acknowledge each open warning that ``reasons`` names by its key (one instance) or id
    (every instance); reasons naming no open warning are ignored. Returns what was
    acknowledged, as stored (the key or the id)."""
    done: list[str] = []
    for f in unacknowledged_warnings(findings):
        name = f.key if f.key in reasons else (f.id if f.id in reasons else None)
        if name is not None and name not in done:
            note.acknowledge(name, reasons[name])  # refuses a blank or too-short reason
            done.append(name)
    return done


def _listed(findings: list[Finding]) -> str:
    listed = "; ".join(f.message for f in findings[:5])
    return listed + (f" (+{len(findings) - 5} more)" if len(findings) > 5 else "")


def sign_note(
    chart: ChartSession,
    note_id: uuid.UUID,
    *,
    signer_id: uuid.UUID,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    acknowledgements: Mapping[str, str] | None = None,
) -> Result[Note]:
    """Sign, or raise ``SignBlocked`` (blocks) / ``WarningsUnacknowledged`` (warnings without
    a reason); ``acknowledgements`` maps finding keys (or ids) to reasons given with the
    signature. Nothing is written when it refuses."""
    with chart.uow() as uow:
        note = sign_within(uow, note_id, signer_id=signer_id, now=now, today=today,
                           acknowledgements=acknowledgements)
        return Result(note, uow.commit())


def verify_signed(chart: ChartSession, note_id: uuid.UUID) -> bool:
    """True when a signed note's stored snapshot still matches its hash and its fields."""
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        visit = uow.visits.get(note.visit_id)
    return snapshot.verify_snapshot(note, visit)
