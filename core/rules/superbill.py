"""Superbill assembly: signed visits → priced, modified, pointed lines, the bill and its scrub.

Contract:
- ``assemble(inputs, packs) -> (Superbill, findings)`` is pure: ``core.services.superbill_gather``
  reads everything it needs in one unit of work (``SuperbillInputs``) and calls it; tests call it
  with plain domain objects (tests/unit/rules/test_superbill_assembly.py).
- The rules for lines, modifiers, pointers and KX are in ``core.services.superbill``'s docstring.
- Lines come from the ledger's priced services (``charged``) added up per claim day
  (``claim_days``: one date, payer and discipline), so lines and ledger agree to the cent.
- Fees for a KX payer's day (Medicare allowed amounts per unit, ``kx_fees`` keyed by
  ``day_key``) are read by the service; other days use the practice fee of the priced services.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from core.domain import billing as b
from core.domain.billing import TELEHEALTH_MODIFIERS
from core.domain.enums import Laterality, PlaceOfService, UnitMethod
from core.domain.episode import Episode
from core.domain.patient import Patient
from core.domain.practice import Clinician, Practice
from core.domain.visit import Note, Visit
from core.rules.context import NoteContext, PriorNote
from core.rules.day import day_units
from core.rules.findings import Finding
from core.rules.lines import DISTINCT_MODIFIERS, ServiceLine, note_lines
from core.rules.modifiers import modifiers_for
from core.rules.packs import RulePacks
from core.rules.pricing import PayerLike, PricedService, day_key
from core.rules.scrub import LeftOff, ScrubFacts, scrub
from core.rules.units import note_minutes

Signed = Sequence[tuple[Visit, Note]]
DayKey = tuple[dt.date, object, str]
_LETTERS = "ABCDEFGHIJKL"


@dataclass(frozen=True)
class SuperbillInputs:
    """Everything a superbill is made from, as plain values."""

    patient: Patient
    practice: Practice | None
    signed: Signed  # the billed visits with their signed notes, in date order
    drafts: int  # held visits left out because their note is unsigned
    episodes: Mapping[uuid.UUID, Episode]
    payers: Mapping[uuid.UUID, PayerLike]  # by episode id
    clinicians: Mapping[uuid.UUID, Clinician]  # the visits' clinicians and their supervisors
    charged: Mapping[uuid.UUID, Sequence[PricedService]]  # the ledger's services per visit
    ledger: b.Ledger
    payments: Sequence[b.Payment]
    packages: Sequence[b.Package]
    issued_on: dt.date
    visit_id: uuid.UUID | None = None  # a one-visit superbill
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    same_day: Mapping[tuple[uuid.UUID, dt.date], tuple[PriorNote, ...]] = field(
        default_factory=dict)  # other signed notes of the episode that day (pair edits)
    ytd_by_visit: Mapping[uuid.UUID, dict[str, Decimal]] = field(default_factory=dict)
    kx_missing: tuple[int, ...] = ()  # years the fee-schedule pack lacks
    kx_fees: Mapping[DayKey, Mapping[str, Decimal]] = field(default_factory=dict)
    # visit id -> the supervising therapist an assistant's visit bills under (payers with
    # assistant modifiers: Medicare does not enroll PTAs/COTAs; 24J and item 31 are theirs)
    billed_under: Mapping[uuid.UUID, uuid.UUID] = field(default_factory=dict)


def claim_days(
    signed: Signed, episodes: Mapping[uuid.UUID, Episode], payers: Mapping[uuid.UUID, PayerLike]
) -> list[list[tuple[Visit, Note]]]:
    """The signed visits grouped into claim days (``day_key``), in date order."""
    groups: dict[Any, list[tuple[Visit, Note]]] = {}
    for visit, note in signed:
        groups.setdefault(claim_day_key(visit, episodes, payers), []).append((visit, note))
    return list(groups.values())


def claim_day_key(
    visit: Visit, episodes: Mapping[uuid.UUID, Episode], payers: Mapping[uuid.UUID, PayerLike]
) -> DayKey:
    return day_key(visit.date, payers[visit.episode_id], episodes[visit.episode_id].discipline)


def day_services(
    members: Sequence[tuple[Visit, Note]], charged: Mapping[uuid.UUID, Sequence[PricedService]]
) -> list[PricedService]:
    """The day's priced codes: the ledger's per-visit shares (``pricing.price_by_day``, the
    same day grouping) added back up, so the lines and the ledger agree to the cent."""
    out: dict[str, PricedService] = {}
    for visit, _note in members:
        for s in charged.get(visit.id, []):
            seen = out.get(s.code)
            if seen is None:
                out[s.code] = s
                continue
            left = (s.left_off if s.left_off in ("unknown", "bundled", "no_fee")
                    else seen.left_off)
            out[s.code] = PricedService(
                s.code, seen.units + s.units, seen.minutes + s.minutes,
                seen.fee_cents if seen.fee_cents is not None else s.fee_cents,
                seen.charge_cents + s.charge_cents, left, seen.supply, seen.label)
    fixed = []
    for s in out.values():
        left = s.left_off
        if s.supply:  # units are what was used; only a missing fee leaves it off
            pass
        elif left == "zero_units" and s.units > 0:
            left = None
        elif left is None and s.units <= 0:
            left = "zero_units"
        fixed.append(s if left == s.left_off else replace(s, left_off=left))
    return fixed


def main_visit(code: str, lines: list[tuple[Visit, ServiceLine]], default: Visit) -> Visit:
    """The visit (and so the rendering clinician) with the most minutes of ``code``."""
    minutes: dict[uuid.UUID, int] = {}
    visits: dict[uuid.UUID, Visit] = {}
    for visit, ln in lines:
        if ln.code == code:
            minutes[visit.id] = minutes.get(visit.id, 0) + max(ln.minutes or 0, 0)
            visits[visit.id] = visit
    if not minutes:
        return default
    best = max(minutes, key=lambda vid: minutes[vid])  # first of equals wins
    return visits[best]


def billing_clinician(visit: Visit, billed_under: Mapping[uuid.UUID, uuid.UUID]) -> uuid.UUID:
    """Whose NPI bills the visit (24J): the supervising therapist of an assistant's visit
    under a payer that does not enroll assistants, else the visit's own clinician."""
    return billed_under.get(visit.id, visit.clinician_id)


def certification(
    signed: Signed, episodes: Mapping[uuid.UUID, Episode], payers: Mapping[uuid.UUID, PayerLike],
    today: dt.date,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Services after the certified period, and plans unsigned past the grace period as of
    ``today``, for payers with certification rules (Medicare; Pub. 100-02 Ch. 15 §220.1)."""
    expired: list[str] = []
    unsigned: list[str] = []
    for eid in sorted({v.episode_id for v, _n in signed}, key=str):
        cert = payers[eid].rules.certification
        if cert is None:
            continue
        ep = episodes[eid]
        visits = sorted(v.date for v, _n in signed if v.episode_id == eid)
        start = ep.cert_start or min([ep.start_date, *visits])
        end = start + dt.timedelta(days=cert.max_days - 1)
        if ep.cert_end is not None:
            end = min(end, ep.cert_end)
        expired.extend(f"{d.isoformat()} (certified through {end.isoformat()})"
                       for d in visits if d > end)
        deadline = start + dt.timedelta(days=cert.sign_within_days)
        if ep.certified_on is None and today > deadline:
            unsigned.append(f"{start.isoformat()} (signature due {deadline.isoformat()})")
    return tuple(expired), tuple(unsigned)


def assemble(inputs: SuperbillInputs, packs: RulePacks) -> tuple[b.Superbill, list[Finding]]:
    """The superbill and its scrub findings (see the module docstring)."""
    g = inputs
    letters, n_dx = diagnosis_letters(g.signed, g.episodes)
    lines: list[b.SuperbillLine] = []
    left_off: list[LeftOff] = []
    truncated: list[str] = []
    combined: list[tuple[str, str]] = []
    memo: dict[tuple[Laterality | None, uuid.UUID], list[str]] = {}

    def pointers_of(side: Laterality | None, episode: Episode) -> list[str]:
        key = (side, episode.id)  # one episode's diagnoses and letters: a side's are fixed
        if key not in memo:
            memo[key] = diagnosis_pointers(side, episode, letters)
        return memo[key]

    for members in claim_days(g.signed, g.episodes, g.payers):
        first = members[0][0]
        episode, payer = g.episodes[first.episode_id], g.payers[first.episode_id]
        priced = day_services(members, g.charged)
        priced.sort(key=lambda s: _is_add_on(s.code, packs))  # stable: add-ons after parents
        if len(members) > 1:
            units = day_units([(v.id, note_minutes(n, packs, skip_unknown=True))
                               for v, n in members], payer.rules.unit_method, packs=packs)
            combined.append((first.date.isoformat(), " ".join(units.lines)))
        fee_map = dict(g.kx_fees.get(claim_day_key(first, g.episodes, g.payers)) or {
            s.code: Decimal(s.fee_cents) / 100 for s in priced if s.fee_cents})
        mods: dict[uuid.UUID, tuple[str, ...]] = {}
        service_lines: list[tuple[Visit, ServiceLine]] = []
        for visit, note in members:
            ctx = NoteContext(
                visit=visit, episode=g.episodes[visit.episode_id], payer=payer.context_payer,
                clinician=g.clinicians[visit.clinician_id],
                history=g.same_day.get((visit.episode_id, visit.date), ()),
                ytd_allowed=g.ytd_by_visit.get(visit.id, {}), fee_schedule=fee_map,
                today=visit.date, packs=packs,
            )
            lines_of_note = note_lines(note, packs)
            mods.update(modifiers_for(note, ctx, units=_billed_units(g.charged, visit.id),
                                      lines=lines_of_note))
            service_lines.extend((visit, ln) for ln in lines_of_note)
        all_lines = [ln for _v, ln in service_lines]
        tele = TELEHEALTH_MODIFIERS.get(str(first.telehealth_modality or ""))
        remote = PlaceOfService(first.place_of_service).is_telehealth
        place = str(first.place_of_service)
        for s in priced:
            if s.left_off:
                left_off.append(LeftOff(first.date.isoformat(), s.code, s.left_off,
                                        s.label if s.supply else _zero_explanation(s, payer)))
                continue
            if s.supply:  # a billable supply: no modifiers, the day's primary diagnosis
                lines.append(b.SuperbillLine(
                    first.date, place, s.code, s.label, (),
                    "".join(diagnosis_pointers(None, episode, letters)[:1]), s.units,
                    s.fee_cents, s.charge_cents,
                    g.clinicians[billing_clinician(first, g.billed_under)].npi, first.id))
                continue
            mine = [ln for ln in all_lines if ln.code == s.code] or _pool_lines(
                s.code, all_lines, packs)
            modifiers = merge_modifiers([mods.get(ln.id, ()) for ln in mine])
            if tele and remote and tele not in modifiers:
                modifiers = (*modifiers, tele)
            if len(modifiers) > 4:
                truncated.append(f"{s.code} on {first.date.isoformat()}")
                modifiers = modifiers[:4]
            # a line with no side of its own takes the side its note's body diagram marks
            pointers = _merge([pointers_of(ln.side, episode) for ln in mine])[:4]
            rendered = main_visit(s.code, service_lines, first) if len(members) > 1 else first
            renderer = g.clinicians[billing_clinician(rendered, g.billed_under)]
            lines.append(b.SuperbillLine(
                first.date, place, s.code, packs.code(s.code).label,
                modifiers, "".join(pointers), s.units, s.fee_cents, s.charge_cents,
                renderer.npi, first.id,
            ))
    bill = _bill(g, lines, letters)
    expired, unsigned = certification(g.signed, g.episodes, g.payers, g.issued_on)
    facts = replace(scrub_facts(g, left_off, truncated, n_dx, combined),
                    kx_fee_schedule_missing=g.kx_missing, cert_expired=expired,
                    cert_unsigned=unsigned)
    return bill, scrub(bill, facts)


def _billed_units(
    charged: Mapping[uuid.UUID, Sequence[PricedService]], visit_id: uuid.UUID
) -> dict[str, int] | None:
    """The visit's share of its day's units per code, as the ledger priced them (codes left
    off as unknown or bundled count nothing, as in ``allowed.kx_days``); None if unpriced."""
    priced = charged.get(visit_id)
    if priced is None:
        return None
    return {s.code: s.units for s in priced
            if s.left_off not in ("unknown", "bundled") and not s.supply}


def _is_add_on(code: str, packs: RulePacks) -> bool:
    info = packs.find_code(code)
    return info is not None and info.add_on_to is not None


def _pool_lines(code: str, lines: list[ServiceLine], packs: RulePacks) -> list[ServiceLine]:
    """The documented lines a pooled code's units came from (97129 billed from 97130 minutes)."""
    pool = packs.code(code).unit_pool
    return [ln for ln in lines if pool and ln.info is not None and ln.info.unit_pool == pool]


def diagnosis_letters(
    signed: Signed, episodes: Mapping[uuid.UUID, Episode]
) -> tuple[dict[str, str], int]:
    """Superbill-wide letters A–L by code, over the billed episodes' plans in order; and how
    many diagnoses there are in all (more than 12 do not fit a claim)."""
    seen: list[str] = []
    order = sorted({v.episode_id for v, _n in signed},
                   key=lambda e: (episodes[e].start_date, str(e)))
    for eid in order:
        for dx in sorted(episodes[eid].diagnoses, key=lambda d: d.rank):
            if dx.code not in seen:
                seen.append(dx.code)
    return {code: _LETTERS[i] for i, code in enumerate(seen[:12])}, len(seen)


def diagnosis_pointers(
    side: Laterality | None, episode: Episode, letters: dict[str, str]
) -> list[str]:
    """Letters for a line on ``side``: matching sided diagnoses, else the primary."""
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


def merge_modifiers(groups: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Union in claim order; one 59/X at most (never 59 and X on one line)."""
    merged = _merge(groups)
    distinct = [m for m in merged if m in DISTINCT_MODIFIERS]
    return tuple(m for m in merged if m not in DISTINCT_MODIFIERS or m == distinct[0])


def _zero_explanation(s: PricedService, payer: PayerLike) -> str:
    if s.left_off != "zero_units":
        return ""
    method = ("CMS total-time" if payer.rules.unit_method is UnitMethod.CMS_TOTAL_TIME
              else "per-code")
    return f"{s.minutes} min earn no unit under the {method} method."


def _bill(g: SuperbillInputs, lines: list[b.SuperbillLine], letters: dict[str, str]
          ) -> b.Superbill:
    p, pr = g.patient, g.practice
    dates = [v.date for v, _n in g.signed]
    if g.visit_id is not None:
        period = (dates[0], dates[0])
    else:
        period = (g.date_from or min(dates), g.date_to or max(dates))
    provider = b.BillingProvider(
        pr.name if pr else "(practice details missing)",
        _address(pr.address_line1, pr.address_line2, pr.city, pr.state, pr.postal_code)
        if pr else (), pr.phone if pr else "", pr.npi if pr else None, pr.tax_id if pr else None,
        pr.taxonomy_code if pr else None, pr.license_number if pr else "",
    )
    billing_ids = dict.fromkeys(billing_clinician(v, g.billed_under) for v, _n in g.signed)
    renderers = tuple(
        b.RenderingProvider(f"{c.first_name} {c.last_name}", c.credentials, c.npi,
                            c.license_number, str(c.discipline))
        for c in (g.clinicians[i] for i in billing_ids)
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
    ledger = g.ledger
    ours = [ledger.visits[v.id] for v, _n in g.signed if v.id in ledger.visits]
    payments = _payments(g, {v.id for v, _n in g.signed})
    digest = hashlib.sha256(
        "|".join([str(p.id), *(f"{v.id}:{n.content_hash}" for v, n in g.signed),
                  *(f"{x.visit_id}:{x.paid_cents}:{x.adjustment_cents}"
                    + (f":{x.written_off_cents}" if x.written_off_cents else "")
                    for x in ours)]).encode()
    ).hexdigest()
    return b.Superbill(
        number=f"SB-{digest[:10].upper()}",
        issued_on=g.issued_on,
        period_from=period[0],
        period_to=period[1],
        provider=provider, renderers=renderers, patient=patient, referrers=tuple(referrers),
        diagnoses=tuple(sorted(dx_rows, key=lambda d: d.letter)), lines=tuple(lines),
        payments=tuple(payments), charges_cents=sum(ln.charge_cents for ln in lines),
        adjustments_cents=sum(x.adjustment_cents for x in ours),
        paid_cents=sum(x.paid_cents for x in ours),
        visit_ids=tuple(v.id for v, _n in g.signed),
        written_off_cents=sum(x.written_off_cents for x in ours),
    )


def _payments(g: SuperbillInputs, visit_ids: set[uuid.UUID]) -> list[b.SuperbillPayment]:
    out: list[b.SuperbillPayment] = []
    for pay in g.payments:
        if pay.visit_id in visit_ids and not pay.is_adjustment:  # no money: a totals row
            kind = "Refund" if pay.kind is b.PaymentKind.REFUND else "Payment"
            ref = f", ref {pay.reference}" if pay.reference else ""
            out.append(b.SuperbillPayment(pay.date, f"{kind} ({pay.method}{ref})",
                                          pay.amount_cents))
    ledger = g.ledger
    for package in g.packages:
        used = [x for x in ledger.visits.values()
                if x.package_id == package.id and x.visit_id in visit_ids]
        if used:
            out.append(b.SuperbillPayment(
                package.purchased_on,
                f"Prepaid package: {package.name} ({len(used)} visit"
                f"{'s' if len(used) != 1 else ''} here)",
                sum(x.paid_package_cents for x in used)))
    applied = sum(x.paid_applied_cents for x in ledger.visits.values() if x.visit_id in visit_ids)
    if applied:
        out.append(b.SuperbillPayment(None, "Payments on account applied", applied))
    return out


def _address(line1: str, line2: str, city: str, state: str, postal: str) -> tuple[str, ...]:
    last = ", ".join(x for x in (city, f"{state} {postal}".strip()) if x)
    return tuple(x for x in (line1, line2, last) if x)


def scrub_facts(
    g: SuperbillInputs, left_off: list[LeftOff], truncated: list[str], n_dx: int,
    combined: list[tuple[str, str]],
) -> ScrubFacts:
    """What the scrub needs beyond the bill (referrers, diagnoses, left-off services …)."""
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
