"""Gathering a superbill: signed visits → priced, modified, pointed lines and the scrub facts.

Contract: ``gather(uow, request) -> (Superbill, findings)`` reads in the caller's unit of work
(and draws prepaid packages down there, via ``core.services.billing.load_account``). The rules
for lines, modifiers, pointers and KX are in ``core.services.superbill``'s docstring. Pure
helpers (``diagnosis_pointers``) are public for tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from core.domain import billing as b
from core.domain.billing import TELEHEALTH_MODIFIERS
from core.domain.enums import Laterality, PlaceOfService, UnitMethod, VisitStatus
from core.domain.episode import Episode
from core.domain.errors import InvalidInput
from core.domain.patient import Patient
from core.domain.practice import Clinician, Practice
from core.domain.visit import Note, Visit
from core.rules.context import NoteContext, PriorNote
from core.rules.day import day_units
from core.rules.findings import Finding
from core.rules.lines import DISTINCT_MODIFIERS, ServiceLine, note_lines
from core.rules.modifiers import modifiers_for
from core.rules.packs import RulePacks, default_packs
from core.rules.scrub import LeftOff, NothingToBill, ScrubFacts, scrub
from core.rules.units import note_minutes
from core.services.allowed import KxPrices, kx_days, ytd_by_visit
from core.services.billing import Account, load_account
from core.services.pricing import Payer, PricedService, payer_for
from core.services.superbill_days import certification, claim_days, day_services, main_visit
from core.storage.repos_billing import BillingRepos
from core.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from core.services.superbill import SuperbillRequest

_NOT_HELD = (VisitStatus.NO_SHOW, VisitStatus.CANCELLED)
_LETTERS = "ABCDEFGHIJKL"


@dataclass
class _Gathered:
    patient: Patient
    practice: Practice | None
    account: Account
    signed: list[tuple[Visit, Note]]
    drafts: int
    fees: list[b.FeeScheduleEntry]
    episodes: dict[uuid.UUID, Episode] = field(default_factory=dict)
    payers: dict[uuid.UUID, Payer] = field(default_factory=dict)
    clinicians: dict[uuid.UUID, Clinician] = field(default_factory=dict)


def gather(
    uow: UnitOfWork, request: SuperbillRequest, *, packs: RulePacks | None = None,
    account: Account | None = None,
) -> tuple[b.Superbill, list[Finding]]:
    """The superbill and its scrub findings, read in ``uow`` (draws packages down first).
    ``account``: the patient's account when the caller already loaded it (``load_accounts``)."""
    packs = packs or default_packs()
    g = _load(uow, request, packs, account)
    repos = uow.billing
    letters, n_dx = _letters(g)
    ytd_by_visit, kx_missing = _kx_year_to_date(uow, g, packs)
    lines: list[b.SuperbillLine] = []
    left_off: list[LeftOff] = []
    truncated: list[str] = []
    same_day = _same_day_history(uow, repos, g)
    kx_prices = KxPrices(uow)
    combined: list[tuple[str, str]] = []
    for members in claim_days(g.signed, g.episodes, g.payers):
        first = members[0][0]
        episode, payer = g.episodes[first.episode_id], g.payers[first.episode_id]
        priced = day_services(members, g.account)
        priced.sort(key=lambda s: _is_add_on(s.code, packs))  # stable: add-ons after parents
        if len(members) > 1:
            units = day_units([(v.id, note_minutes(n, packs, skip_unknown=True))
                               for v, n in members], payer.rules.unit_method, packs=packs)
            combined.append((first.date.isoformat(), " ".join(units.lines)))
        fee_map = kx_prices.for_day(payer, first.date, [s.code for s in priced]) or {
            s.code: Decimal(s.fee_cents) / 100 for s in priced if s.fee_cents}
        mods: dict[uuid.UUID, tuple[str, ...]] = {}
        service_lines: list[tuple[Visit, ServiceLine]] = []
        for visit, note in members:
            ctx = NoteContext(
                visit=visit, episode=g.episodes[visit.episode_id], payer=payer.context_payer,
                clinician=g.clinicians[visit.clinician_id],
                history=same_day.get((visit.episode_id, visit.date), ()),
                ytd_allowed=ytd_by_visit.get(visit.id, {}), fee_schedule=fee_map,
                today=visit.date, packs=packs,
            )
            lines_of_note = note_lines(note, packs)
            mods.update(modifiers_for(note, ctx, units=_billed_units(g.account, visit.id),
                                      lines=lines_of_note))
            service_lines.extend((visit, ln) for ln in lines_of_note)
        all_lines = [ln for _v, ln in service_lines]
        for s in priced:
            if s.left_off:
                left_off.append(LeftOff(first.date.isoformat(), s.code, s.left_off,
                                        _zero_explanation(s, payer)))
                continue
            mine = [ln for ln in all_lines if ln.code == s.code] or _pool_lines(
                s.code, all_lines, packs)
            modifiers = _merge_modifiers([mods.get(ln.id, ()) for ln in mine])
            tele = TELEHEALTH_MODIFIERS.get(str(first.telehealth_modality or ""))
            remote = PlaceOfService(first.place_of_service).is_telehealth
            if tele and remote and tele not in modifiers:
                modifiers = (*modifiers, tele)
            if len(modifiers) > 4:
                truncated.append(f"{s.code} on {first.date.isoformat()}")
                modifiers = modifiers[:4]
            pointers = _merge(
                [diagnosis_pointers(ln.laterality, episode, letters) for ln in mine]
            )[:4]
            renderer = g.clinicians[main_visit(s.code, service_lines, first).clinician_id]
            lines.append(b.SuperbillLine(
                first.date, str(first.place_of_service), s.code, packs.code(s.code).label,
                modifiers, "".join(pointers), s.units, s.fee_cents, s.charge_cents,
                renderer.npi, first.id,
            ))
    bill = _assemble(g, request, lines, letters)
    expired, unsigned = certification(g.signed, g.episodes, g.payers,
                                      request.issued_on or dt.date.today())
    facts = replace(_facts(g, left_off, truncated, n_dx, combined),
                    kx_fee_schedule_missing=kx_missing, cert_expired=expired,
                    cert_unsigned=unsigned)
    return bill, scrub(bill, facts)





def _billed_units(account: Account, visit_id: uuid.UUID) -> dict[str, int] | None:
    """The visit's share of its day's units per code, as the ledger priced them (codes left
    off as unknown or bundled count nothing, as in ``allowed.kx_days``); None if unpriced."""
    priced = account.charged_visits.get(visit_id)
    if priced is None:
        return None
    return {s.code: s.units for s in priced if s.left_off not in ("unknown", "bundled")}


def _is_add_on(code: str, packs: RulePacks) -> bool:
    info = packs.find_code(code)
    return info is not None and info.add_on_to is not None


def _pool_lines(code: str, lines: list[ServiceLine], packs: RulePacks) -> list[ServiceLine]:
    """The documented lines a pooled code's units came from (97129 billed from 97130 minutes)."""
    pool = packs.code(code).unit_pool
    return [ln for ln in lines if pool and ln.info is not None and ln.info.unit_pool == pool]



def _load(
    uow: UnitOfWork, request: SuperbillRequest, packs: RulePacks, account: Account | None
) -> _Gathered:
    patient = uow.patients.get(request.patient_id)
    repos = uow.billing
    if request.visit_id is not None:
        visit = uow.visits.get(request.visit_id)
        if visit.patient_id != patient.id:
            raise InvalidInput("That visit belongs to another patient.")
        # A claim prices the whole day: the visit's day comes with it (``pricing.day_key``).
        visits = [v for v in repos.reads.visits(patient.id, visit.date, visit.date)
                  if v.id == visit.id or v.status not in _NOT_HELD]
    else:
        visits = repos.reads.visits(patient.id, request.date_from, request.date_to)
    fees = repos.fees.list()
    held = [v for v in visits if v.status not in _NOT_HELD]
    notes = repos.reads.notes_for_visits([v.id for v in held])
    signed = [(v, notes[v.id]) for v in held if v.id in notes and notes[v.id].is_signed]
    drafts = sum(1 for v in held if v.id in notes and not notes[v.id].is_signed)
    if not signed:
        what = "That visit's note is not signed" if request.visit_id else "No signed visit"
        raise NothingToBill(f"{what}: nothing to put on a superbill.",
                            hint="Only signed notes appear on a superbill; sign them first.")
    episodes: dict[uuid.UUID, Episode] = {}
    if account is None or account.patient_id != patient.id:
        account, _new = load_account(uow, patient.id, packs=packs, fees=fees,
                                     episodes=episodes)
    g = _Gathered(patient, uow.practice.get(), account, signed, drafts, fees)
    episode_ids = {v.episode_id for v, _n in signed} | {x.episode_id for x in account.billed}
    for eid in sorted(episode_ids, key=str):
        g.episodes[eid] = episodes[eid] if eid in episodes else uow.episodes.get(eid)
        g.payers[eid] = payer_for(uow, g.episodes[eid], packs)
    for v, _n in signed:
        if v.clinician_id not in g.clinicians:
            g.clinicians[v.clinician_id] = uow.clinicians.get(v.clinician_id)
    return g


def _same_day_history(
    uow: UnitOfWork, repos: BillingRepos, g: _Gathered
) -> dict[tuple[uuid.UUID, dt.date], tuple[PriorNote, ...]]:
    """Other signed notes of the same episode and day (for same-day pair edits)."""
    keys = {(v.episode_id, v.date) for v, _n in g.signed}
    ids = [x.visit_id for x in g.account.billed if (x.episode_id, x.date) in keys]
    if len(ids) == len(g.signed):
        return {}
    notes = repos.reads.notes_for_visits(ids)
    out: dict[tuple[uuid.UUID, dt.date], list[PriorNote]] = {}
    for vid, note in notes.items():
        visit = uow.visits.get(vid)
        out.setdefault((visit.episode_id, visit.date), []).append(PriorNote(note, visit))
    return {k: tuple(v) for k, v in out.items()}


def _kx_year_to_date(
    uow: UnitOfWork, g: _Gathered, packs: RulePacks
) -> tuple[dict[uuid.UUID, dict[str, Decimal]], tuple[int, ...]]:
    """Per signed visit under a KX payer: this year's Medicare allowed amounts before its day
    (``core.services.allowed``); and the years the fee-schedule pack lacks."""
    kx = [v for v, _n in g.signed if g.payers[v.episode_id].rules.uses_kx_threshold]
    if not kx:
        return {}, ()
    days = kx_days(uow, g.patient.id, packs=packs, billed=g.account.billed,
                   episodes=g.episodes, priced=g.account.charged_visits)
    return ytd_by_visit(days, [(v.id, v.date) for v in kx])


def _letters(g: _Gathered) -> tuple[dict[str, str], int]:
    """Superbill-wide letters A–L by code, over the billed episodes' plans in order."""
    seen: list[str] = []
    order = sorted({v.episode_id for v, _n in g.signed},
                   key=lambda e: (g.episodes[e].start_date, str(e)))
    for eid in order:
        for dx in sorted(g.episodes[eid].diagnoses, key=lambda d: d.rank):
            if dx.code not in seen:
                seen.append(dx.code)
    return {code: _LETTERS[i] for i, code in enumerate(seen[:12])}, len(seen)


def diagnosis_pointers(
    side: Laterality | None, episode: Episode, letters: dict[str, str]
) -> list[str]:
    """Letters for a line on ``side``: matching sided diagnoses, else the primary (see top)."""
    dx = sorted(episode.diagnoses, key=lambda d: d.rank)
    lat = Laterality(side) if side else None
    if lat in (Laterality.RIGHT, Laterality.LEFT):
        matched = [d for d in dx if d.laterality in (lat, Laterality.BILATERAL)]
    elif lat is Laterality.BILATERAL:
        matched = [d for d in dx if Laterality(d.laterality).is_sided]
    else:
        matched = []
    return [letters[d.code] for d in (matched or dx[:1]) if d.code in letters]


def _merge(groups: Sequence[Sequence[str]]) -> list[str]:
    out: list[str] = []
    for group in groups:
        out.extend(x for x in group if x not in out)
    return out


def _merge_modifiers(groups: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Union in claim order; one 59/X at most (never 59 and X on one line)."""
    merged = _merge(groups)
    distinct = [m for m in merged if m in DISTINCT_MODIFIERS]
    return tuple(m for m in merged if m not in DISTINCT_MODIFIERS or m == distinct[0])


def _zero_explanation(s: PricedService, payer: Payer) -> str:
    if s.left_off != "zero_units":
        return ""
    method = ("CMS total-time" if payer.rules.unit_method is UnitMethod.CMS_TOTAL_TIME
              else "per-code")
    return f"{s.minutes} min earn no unit under the {method} method."


def _assemble(
    g: _Gathered, request: SuperbillRequest, lines: list[b.SuperbillLine], letters: dict[str, str]
) -> b.Superbill:
    p, pr = g.patient, g.practice
    dates = [v.date for v, _n in g.signed]
    if request.visit_id is not None:
        period = (dates[0], dates[0])
    else:
        period = (request.date_from or min(dates), request.date_to or max(dates))
    provider = b.BillingProvider(
        pr.name if pr else "(practice details missing)",
        _address(pr.address_line1, pr.address_line2, pr.city, pr.state, pr.postal_code)
        if pr else (), pr.phone if pr else "", pr.npi if pr else None, pr.tax_id if pr else None,
        pr.taxonomy_code if pr else None, pr.license_number if pr else "",
    )
    renderers = tuple(
        b.RenderingProvider(f"{c.first_name} {c.last_name}", c.credentials, c.npi,
                            c.license_number, str(c.discipline))
        for c in g.clinicians.values()
    )
    patient = b.SuperbillPatient(
        f"{p.last_name}, {p.first_name}", p.date_of_birth, str(p.sex),
        _address(p.address_line1, p.address_line2, p.city, p.state, p.postal_code), p.phone,
        p.insurance_name, p.member_id, p.group_number,
    )
    referrers: list[b.Referrer] = []
    for eid in sorted({v.episode_id for v, _n in g.signed}, key=str):
        ep = g.episodes[eid]
        ref = b.Referrer(ep.referring_provider.strip(), ep.referring_npi)
        if (ref.name or ref.npi) and ref not in referrers:
            referrers.append(ref)
    dx_rows: list[b.SuperbillDiagnosis] = []
    for ep in g.episodes.values():
        for dx in ep.diagnoses:
            letter = letters.get(dx.code)
            if letter and all(d.code != dx.code for d in dx_rows):
                dx_rows.append(b.SuperbillDiagnosis(letter, dx.code, dx.description))
    ledger = g.account.ledger
    ours = [ledger.visits[v.id] for v, _n in g.signed if v.id in ledger.visits]
    payments = _payments(g, {v.id for v, _n in g.signed})
    digest = hashlib.sha256(
        "|".join([str(p.id), *(f"{v.id}:{n.content_hash}" for v, n in g.signed),
                  *(f"{x.visit_id}:{x.paid_cents}:{x.adjustment_cents}" for x in ours)]).encode()
    ).hexdigest()
    return b.Superbill(
        number=f"SB-{digest[:10].upper()}",
        issued_on=request.issued_on or dt.date.today(),
        period_from=period[0],
        period_to=period[1],
        provider=provider, renderers=renderers, patient=patient, referrers=tuple(referrers),
        diagnoses=tuple(sorted(dx_rows, key=lambda d: d.letter)), lines=tuple(lines),
        payments=tuple(payments), charges_cents=sum(ln.charge_cents for ln in lines),
        adjustments_cents=sum(x.adjustment_cents for x in ours),
        paid_cents=sum(x.paid_cents for x in ours),
        visit_ids=tuple(v.id for v, _n in g.signed),
    )


def _payments(g: _Gathered, visit_ids: set[uuid.UUID]) -> list[b.SuperbillPayment]:
    out: list[b.SuperbillPayment] = []
    for pay in g.account.payments:
        if pay.visit_id in visit_ids:
            kind = "Refund" if pay.kind is b.PaymentKind.REFUND else "Payment"
            ref = f", ref {pay.reference}" if pay.reference else ""
            out.append(b.SuperbillPayment(pay.date, f"{kind} ({pay.method}{ref})",
                                          pay.amount_cents))
    ledger = g.account.ledger
    for status in g.account.packages:
        used = [x for x in ledger.visits.values()
                if x.package_id == status.package.id and x.visit_id in visit_ids]
        if used:
            out.append(b.SuperbillPayment(
                status.package.purchased_on,
                f"Prepaid package: {status.package.name} ({len(used)} visit"
                f"{'s' if len(used) != 1 else ''} here)",
                sum(x.paid_package_cents for x in used)))
    applied = sum(x.paid_applied_cents for x in ledger.visits.values() if x.visit_id in visit_ids)
    if applied:
        out.append(b.SuperbillPayment(None, "Payments on account applied", applied))
    return out


def _address(line1: str, line2: str, city: str, state: str, postal: str) -> tuple[str, ...]:
    last = ", ".join(x for x in (city, f"{state} {postal}".strip()) if x)
    return tuple(x for x in (line1, line2, last) if x)


def _facts(
    g: _Gathered, left_off: list[LeftOff], truncated: list[str], n_dx: int,
    combined: list[tuple[str, str]],
) -> ScrubFacts:
    required, missing, no_npi = False, False, []
    for eid in sorted({v.episode_id for v, _n in g.signed}, key=str):
        if g.payers[eid].rules.certification is None:
            continue
        required = True
        ep = g.episodes[eid]
        missing = missing or not ep.referring_provider.strip()
        if not ep.referring_npi:
            no_npi.append(ep.referring_provider.strip() or "The referring provider")
    return ScrubFacts(
        practice_missing=g.practice is None, referrer_required=required,
        referrer_npi_missing=tuple(dict.fromkeys(no_npi)), referrer_missing=missing,
        too_many_diagnoses=n_dx if n_dx > 12 else 0, left_off=tuple(left_off),
        drafts_excluded=g.drafts, modifiers_truncated=tuple(truncated),
        days_combined=tuple(combined),
        claim_route_payers=tuple(dict.fromkeys(
            g.payers[v.episode_id].rules.name for v, _n in g.signed
            if g.payers[v.episode_id].rules.mandatory_claim_submission)),
    )
