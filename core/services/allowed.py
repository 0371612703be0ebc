"""Medicare allowed amounts toward the KX threshold, from the physician-fee-schedule pack.

Contract:
- ``kx_days(uow, patient_id, packs)`` prices every held, signed visit of the patient under a
  payer that uses the KX threshold, **per day** (``pricing.day_key``: one date, payer and
  discipline) with ``core.rules.pfs`` at the practice's locality (``practice_locality``), MPPR
  included and CQ/CO days at the assistant rate: a list of ``AllowedDay``. Codes the payer
  bundles (97010 under Medicare) and 0-unit codes count nothing.
- ``ytd_before(days, day)`` adds up, per discipline, the allowed amounts of the same calendar
  year before ``day``, and says whether a year was missing from the pack (then the caller
  reports ``kx.fee_schedule_missing`` instead of pretending the amount is zero).
- The locality is a practice setting stored as the ``pfs_locality`` practice asset (the schema
  has no column for it); unset → ``national``.
- Reads in the caller's unit of work; pure otherwise.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.domain.episode import Episode
from core.domain.practice import Clinician
from core.rules.packs import RulePacks, default_packs
from core.rules.pfs import NATIONAL, FeeScheduleYearMissing, PfsPack, default_pfs
from core.rules.units import compute_units
from core.services.pricing import Payer, PricedService, day_key, payer_for
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.repos_billing import BilledVisit
from core.storage.uow import UnitOfWork

LOCALITY_ASSET = "pfs_locality"


@dataclass(frozen=True, slots=True)
class AllowedDay:
    date: dt.date
    discipline: str
    amount: Decimal | None  # None: the pack has no amounts for the year


def practice_locality(uow: UnitOfWork) -> str:
    stored = uow.billing.assets.get(LOCALITY_ASSET)
    return stored[1].decode("utf-8") if stored else NATIONAL


def set_locality(chart: ChartSession, locality: str, *, pfs: PfsPack | None = None) -> Result[str]:
    """Choose the fee-schedule locality (an id in ``pfs.json``); audited."""
    ident = (pfs or default_pfs()).locality(locality).id  # raises InvalidInput when unknown
    with chart.uow() as uow:
        uow.billing.assets.put(LOCALITY_ASSET, "text/plain", ident.encode("utf-8"))
        uow.record("update", "practice_asset", LOCALITY_ASSET, detail=f"locality={ident}")
        return Result(ident, uow.commit())


def kx_days(
    uow: UnitOfWork,
    patient_id: uuid.UUID,
    *,
    packs: RulePacks | None = None,
    pfs: PfsPack | None = None,
    billed: Sequence[BilledVisit] | None = None,
    episodes: dict[uuid.UUID, Episode] | None = None,
    before: dt.date | None = None,
    priced: Mapping[uuid.UUID, Sequence[PricedService]] | None = None,
    payers: Mapping[uuid.UUID, Payer] | None = None,
    clinicians: dict[uuid.UUID, Clinician] | None = None,
    locality: str | None = None,
) -> list[AllowedDay]:
    """Allowed amount of each KX-payer day of the patient (see the module docstring).
    ``priced``: the ledger's priced services per visit (``Account.charged_visits``), whose
    units per day are reused instead of computed again. ``payers`` (by episode),
    ``clinicians`` (a cache it fills) and ``locality``: when the caller has read them."""
    packs, pfs = packs or default_packs(), pfs or default_pfs()
    if billed is None:
        end = before - dt.timedelta(days=1) if before else None
        billed = uow.billing.reads.billed_minutes(patient_id, end)
    known = {} if episodes is None else episodes
    payers = dict(payers or {})
    groups: dict[tuple[dt.date, object, str], list[BilledVisit]] = {}
    for b in billed:
        if before is not None and (b.date >= before or b.date.year != before.year):
            continue
        if b.episode_id not in known:
            known[b.episode_id] = uow.episodes.get(b.episode_id)
        if b.episode_id not in payers:
            payers[b.episode_id] = payer_for(uow, known[b.episode_id], packs)
        payer = payers[b.episode_id]
        if payer.rules.uses_kx_threshold:
            key = day_key(b.date, payer, known[b.episode_id].discipline)
            groups.setdefault(key, []).append(b)
    if not groups:
        return []
    locality = practice_locality(uow) if locality is None else locality
    unread = [b.visit_id for g in groups.values() for b in g if b.clinician_id is None]
    visits = uow.visits.get_many(unread) if unread else {}
    clinicians = {} if clinicians is None else clinicians
    out: list[AllowedDay] = []
    # a year of visits repeats a few day shapes: price each (units, year, assistant) once
    amounts: dict[tuple[tuple[tuple[str, int], ...], int, bool], Decimal | None] = {}
    for (date, _p, discipline), members in groups.items():
        payer = payers[members[0].episode_id]
        if priced is not None and all(b.visit_id in priced for b in members):
            units: dict[str, int] = {}
            for b in members:
                for s in priced[b.visit_id]:
                    if s.left_off not in ("unknown", "bundled") and not s.supply:
                        units[s.code] = units.get(s.code, 0) + s.units
        else:
            minutes = [m for b in members for m in b.minutes
                       if packs.find_code(m[0]) is not None]
            units = dict(compute_units(minutes, payer.rules.unit_method, packs=packs,
                                       explain=False).units)
        for code in list(units):
            note = packs.code(code).payer_note(payer.rules.key)
            if note is not None and note.action == "bundled":
                units[code] = 0
        assistant = False
        for b in members:
            cid = b.clinician_id or visits[b.visit_id].clinician_id
            if cid not in clinicians:
                clinicians[cid] = uow.clinicians.get(cid)
            assistant = assistant or clinicians[cid].is_assistant
        shape = (tuple(units.items()), date.year, assistant)  # order matters in PE ties
        if shape not in amounts:
            try:
                amounts[shape] = pfs.allowed_for_day(
                    units, date.year, locality,
                    assistant_codes=frozenset(units) if assistant else frozenset()).total
            except FeeScheduleYearMissing:
                amounts[shape] = None
        out.append(AllowedDay(date, discipline, amounts[shape]))
    out.sort(key=lambda d: d.date)
    return out


def ytd_before(days: Sequence[AllowedDay], day: dt.date) -> tuple[dict[str, Decimal], bool]:
    """Per-discipline allowed amounts of ``day``'s year before ``day``; and whether any of
    those days (or ``day``'s year itself) lacked fee-schedule amounts."""
    totals = {"PT": Decimal(0), "OT": Decimal(0), "SLP": Decimal(0)}
    missing = False
    for d in days:
        if d.date.year != day.year or d.date >= day:
            continue
        if d.amount is None:
            missing = True
        else:
            totals[d.discipline] = totals.get(d.discipline, Decimal(0)) + d.amount
    return totals, missing


def ytd_by_visit(
    days: Sequence[AllowedDay], visits: Sequence[tuple[uuid.UUID, dt.date]]
) -> tuple[dict[uuid.UUID, dict[str, Decimal]], tuple[int, ...]]:
    """``ytd_before`` of many visits in one pass over ``days`` (sorted by date): per visit the
    per-discipline amounts of its year before its day; and the years lacking amounts (a day
    of the year before the visit without them, or the visit's own year)."""
    out: dict[uuid.UUID, dict[str, Decimal]] = {}
    missing: set[int] = set()
    running: dict[str, Decimal] = {}
    year, lacking, i = 0, False, 0
    for vid, date in sorted(visits, key=lambda x: x[1]):
        while i < len(days) and days[i].date < date:
            d = days[i]
            if d.date.year != year:
                year, running, lacking = d.date.year, {}, False
            if d.amount is None:
                lacking = True
            else:
                running[d.discipline] = running.get(d.discipline, Decimal(0)) + d.amount
            i += 1
        same = year == date.year
        ytd = {"PT": Decimal(0), "OT": Decimal(0), "SLP": Decimal(0)}
        if same:
            ytd.update(running)
        out[vid] = ytd
        if (same and lacking) or not year_priced(date):
            missing.add(date.year)
    return out, tuple(sorted(missing))


class KxPrices:
    """Fee-schedule amounts per unit for a visit's KX estimate, read once per caller."""

    def __init__(self, uow: UnitOfWork, locality: str | None = None) -> None:
        self.uow = uow
        self.locality = locality
        self.amounts: dict[tuple[int, str], Decimal] = {}

    def for_day(self, payer: Payer, day: dt.date, codes: list[str]) -> dict[str, Decimal] | None:
        """Allowed amount per unit of each code (KX payers), else None (the caller uses the
        practice fee)."""
        if not payer.rules.uses_kx_threshold or not year_priced(day):
            return None
        if self.locality is None:
            self.locality = practice_locality(self.uow)
        pfs = default_pfs()
        for c in codes:
            if (day.year, c) not in self.amounts:
                self.amounts[(day.year, c)] = pfs.allowed_for_day(
                    {c: 1}, day.year, self.locality).total
        return {c: self.amounts[(day.year, c)] for c in codes}


def year_priced(day: dt.date, pfs: PfsPack | None = None) -> bool:
    return day.year in (pfs or default_pfs()).years
