"""Gathering a superbill: the reads in the caller's unit of work, then the pure assembly.

Contract: ``gather(uow, request) -> (Superbill, findings)`` reads in the caller's unit of work
(and draws prepaid packages down there, via ``core.services.billing.load_account``): the
patient, the visits and their signed notes, the account, episodes, payers and clinicians, the
same-day notes for pair edits, the KX year to date and the KX days' allowed amounts. The bill
itself is made by ``core.rules.superbill.assemble`` from those values (pure; the rules for
lines, modifiers, pointers and KX are in ``core.services.superbill``'s docstring).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from core.domain import billing as b
from core.domain.billing import FeeScheduleEntry
from core.domain.enums import VisitStatus
from core.domain.episode import Episode
from core.domain.errors import InvalidInput
from core.domain.practice import Clinician, Practice
from core.domain.visit import Note, Visit
from core.rules.context import PriorNote
from core.rules.findings import Finding
from core.rules.packs import RulePacks, default_packs
from core.rules.scrub import NothingToBill
from core.rules.superbill import (
    DayKey,
    SuperbillInputs,
    assemble,
    claim_day_key,
    claim_days,
    day_services,
    diagnosis_pointers,
)
from core.services.allowed import KxPrices, kx_days, ytd_by_visit
from core.services.billing import Account, load_account
from core.services.day_context import supervisor
from core.services.pricing import Payer, PricedService, payer_for
from core.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from core.services.superbill import SuperbillRequest

__all__ = ["Preread", "SharedReads", "diagnosis_pointers", "gather"]

_NOT_HELD = (VisitStatus.NO_SHOW, VisitStatus.CANCELLED)


@dataclass(slots=True)
class SharedReads:
    """What the gathers of many patients in one unit of work read alike (``claim_year``),
    each read once: full episodes by id (a missing one is read and kept), the practice and its
    fee-schedule locality; payers (by payer profile) and clinicians as they are first needed."""

    episodes: dict[uuid.UUID, Episode]
    practice: Practice | None
    locality: str
    payers: dict[uuid.UUID | None, Payer] = field(default_factory=dict)
    clinicians: dict[uuid.UUID, Clinician] = field(default_factory=dict)

    def payer(self, uow: UnitOfWork, episode: Episode, packs: RulePacks) -> Payer:
        key = episode.payer_profile_id
        if key not in self.payers:
            self.payers[key] = payer_for(uow, episode, packs)
        return self.payers[key]

    def clinician(self, uow: UnitOfWork, ident: uuid.UUID) -> Clinician:
        if ident not in self.clinicians:
            self.clinicians[ident] = uow.clinicians.get(ident)
        return self.clinicians[ident]


@dataclass(frozen=True, slots=True)
class Preread:
    """Reads a caller made for many patients at once (``claim_year``): the patient's visits
    of the request's range (``BillingReads.visits`` order), full notes by visit id (at least
    those visits'), the fee schedule, and the reads every patient shares."""

    visits: Sequence[Visit]
    notes: Mapping[uuid.UUID, Note]
    fees: Sequence[FeeScheduleEntry]
    shared: SharedReads


def gather(
    uow: UnitOfWork, request: SuperbillRequest, *, packs: RulePacks | None = None,
    account: Account | None = None, preread: Preread | None = None,
) -> tuple[b.Superbill, list[Finding]]:
    """The superbill and its scrub findings, read in ``uow`` (draws packages down first).
    ``account``: the patient's account when the caller already loaded it (``load_accounts``);
    ``preread``: its visits, notes and fees, likewise (a range request only)."""
    packs = packs or default_packs()
    inputs = load_inputs(uow, request, packs, account, preread)
    return assemble(inputs, packs)


def load_inputs(
    uow: UnitOfWork, request: SuperbillRequest, packs: RulePacks, account: Account | None = None,
    preread: Preread | None = None,
) -> SuperbillInputs:
    """Everything ``core.rules.superbill.assemble`` needs, read in ``uow``."""
    patient = uow.patients.get(request.patient_id)
    repos = uow.billing
    if preread is not None:
        if request.visit_id is not None:
            raise InvalidInput("A pre-read gathers a date range, not one visit.")
        visits = [v for v in preread.visits
                  if (request.date_from is None or v.date >= request.date_from)
                  and (request.date_to is None or v.date <= request.date_to)]
    elif request.visit_id is not None:
        visit = uow.visits.get(request.visit_id)
        if visit.patient_id != patient.id:
            raise InvalidInput("That visit belongs to another patient.")
        # A claim prices the whole day: the visit's day comes with it (``pricing.day_key``).
        visits = [v for v in repos.reads.visits(patient.id, visit.date, visit.date)
                  if v.id == visit.id or v.status not in _NOT_HELD]
    else:
        visits = repos.reads.visits(patient.id, request.date_from, request.date_to)
    fees = repos.fees.list() if preread is None else preread.fees
    held = [v for v in visits if v.status not in _NOT_HELD]
    if preread is None:
        notes = repos.reads.notes_for_visits([v.id for v in held])
    else:
        notes = {v.id: preread.notes[v.id] for v in held if v.id in preread.notes}
    signed = [(v, notes[v.id]) for v in held if v.id in notes and notes[v.id].is_signed]
    drafts = sum(1 for v in held if v.id in notes and not notes[v.id].is_signed)
    if not signed:
        what = "That visit's note is not signed" if request.visit_id else "No signed visit"
        raise NothingToBill(f"{what}: nothing to put on a superbill.",
                            hint="Only signed notes appear on a superbill; sign them first.")
    shared = preread.shared if preread is not None else None
    known: dict[uuid.UUID, Episode] = shared.episodes if shared is not None else {}
    if account is None or account.patient_id != patient.id:
        account, _new = load_account(uow, patient.id, packs=packs, fees=fees, episodes=known)
    episodes: dict[uuid.UUID, Episode] = {}
    payers: dict[uuid.UUID, Payer] = {}
    episode_ids = {v.episode_id for v, _n in signed} | {x.episode_id for x in account.billed}
    for eid in sorted(episode_ids, key=str):
        if eid not in known:
            known[eid] = uow.episodes.get(eid)
        episodes[eid] = known[eid]
        payers[eid] = (shared.payer(uow, episodes[eid], packs) if shared is not None
                       else payer_for(uow, episodes[eid], packs))
    clinicians: dict[uuid.UUID, Clinician] = {}
    billed_under: dict[uuid.UUID, uuid.UUID] = {}
    for v, _n in signed:
        if v.clinician_id not in clinicians:
            clinicians[v.clinician_id] = (shared.clinician(uow, v.clinician_id) if shared
                                          else uow.clinicians.get(v.clinician_id))
        if payers[v.episode_id].rules.assistant_modifiers:
            boss = supervisor(uow, episodes[v.episode_id], clinicians[v.clinician_id],
                              clinicians, v)
            if boss is not None and not boss.is_assistant:
                billed_under[v.id] = boss.id
    ytd, kx_missing = _kx_year_to_date(uow, patient.id, signed, account, episodes, payers, packs,
                                       shared)
    return SuperbillInputs(
        patient=patient, practice=shared.practice if shared else uow.practice.get(),
        signed=signed, drafts=drafts,
        episodes=episodes, payers=payers, clinicians=clinicians, billed_under=billed_under,
        charged=account.charged_visits, ledger=account.ledger, payments=account.payments,
        packages=[s.package for s in account.packages],
        issued_on=request.issued_on or dt.date.today(), visit_id=request.visit_id,
        date_from=request.date_from, date_to=request.date_to,
        same_day=_same_day_history(uow, signed, account, preread),
        ytd_by_visit=ytd, kx_missing=kx_missing,
        kx_fees=_kx_fees(uow, signed, account.charged_visits, episodes, payers,
                         shared.locality if shared else None),
    )


def _kx_fees(
    uow: UnitOfWork, signed: list[tuple[Visit, Note]],
    charged: Mapping[uuid.UUID, list[PricedService]], episodes: dict[uuid.UUID, Episode],
    payers: dict[uuid.UUID, Payer], locality: str | None = None,
) -> dict[DayKey, dict[str, Decimal]]:
    """Medicare allowed amounts per unit for each claim day under a KX payer."""
    prices = KxPrices(uow, locality)
    out: dict[DayKey, dict[str, Decimal]] = {}
    for members in claim_days(signed, episodes, payers):
        first = members[0][0]
        if not payers[first.episode_id].rules.uses_kx_threshold:
            continue  # the practice fee prices its KX estimate (``KxPrices.for_day``: None)
        codes = [s.code for s in day_services(members, charged) if not s.supply]
        found = prices.for_day(payers[first.episode_id], first.date, codes)
        if found is not None:
            out[claim_day_key(first, episodes, payers)] = found
    return out


def _same_day_history(
    uow: UnitOfWork, signed: list[tuple[Visit, Note]], account: Account,
    preread: Preread | None = None,
) -> dict[tuple[uuid.UUID, dt.date], tuple[PriorNote, ...]]:
    """Other signed notes of the same episode and day (for same-day pair edits)."""
    keys = {(v.episode_id, v.date) for v, _n in signed}
    ids = [x.visit_id for x in account.billed if (x.episode_id, x.date) in keys]
    if len(ids) == len(signed):
        return {}
    read = {v.id: v for v in preread.visits} if preread is not None else {}
    if preread is not None and all(i in preread.notes and i in read for i in ids):
        notes = {i: preread.notes[i] for i in ids}
    else:
        notes = uow.billing.reads.notes_for_visits(ids)
    out: dict[tuple[uuid.UUID, dt.date], list[PriorNote]] = {}
    for vid, note in notes.items():
        visit = read[vid] if vid in read else uow.visits.get(vid)
        out.setdefault((visit.episode_id, visit.date), []).append(PriorNote(note, visit))
    return {k: tuple(v) for k, v in out.items()}


def _kx_year_to_date(
    uow: UnitOfWork, patient_id: uuid.UUID, signed: list[tuple[Visit, Note]], account: Account,
    episodes: dict[uuid.UUID, Episode], payers: dict[uuid.UUID, Payer], packs: RulePacks,
    shared: SharedReads | None = None,
) -> tuple[dict[uuid.UUID, dict[str, Decimal]], tuple[int, ...]]:
    """Per signed visit under a KX payer: this year's Medicare allowed amounts before its day
    (``core.services.allowed``); and the years the fee-schedule pack lacks."""
    kx = [v for v, _n in signed if payers[v.episode_id].rules.uses_kx_threshold]
    if not kx:
        return {}, ()
    days = kx_days(uow, patient_id, packs=packs, billed=account.billed,
                   episodes=episodes, priced=account.charged_visits, payers=payers,
                   clinicians=shared.clinicians if shared else None,
                   locality=shared.locality if shared else None)
    return ytd_by_visit(days, [(v.id, v.date) for v in kx])
