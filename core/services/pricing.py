"""Pricing: units by the payer's method and charges from the fee schedule, per visit and per day.

Contract:
- ``price_services(minutes, payer, day, fees, packs)`` prices one set of minutes (a visit, or a
  whole day): Σ fee × units over the codes the payer pays; a code is left off (charge 0) when it
  earns 0 units (``zero_units``), the payer never pays it separately (``bundled``) or the
  catalog lacks it (``unknown``).
- ``price_day(visits, payer, day, fees, packs)`` prices a patient-day: the units come from all
  the day's minutes (``core.rules.day.day_units``) and are split back over the visits, so the
  visits' charges add up to the day's claim lines. ``price_by_day`` groups many billed visits
  by (date, payer, discipline) and prices each group; every charge in the ledger comes from it.
- Pure apart from the memo dict; callers read fees and minutes in their unit of work.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.domain.billing import FeeScheduleEntry, fee_for
from core.domain.episode import Episode
from core.domain.practice import PayerProfile
from core.rules.context import effective_payer_rules
from core.rules.day import DayUnits, day_units
from core.rules.packs import PayerRules, RulePacks
from core.rules.pricing import PricedService as PricedService  # re-exported
from core.rules.pricing import day_key as day_key  # re-exported
from core.rules.units import UnitResult, compute_units
from core.storage.repos_billing import BilledVisit
from core.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Payer:
    """The payer an episode bills: the stored profile (if any) and its effective rules."""

    profile_id: uuid.UUID | None
    rules: PayerRules
    profile: PayerProfile | None = None

    @property
    def context_payer(self) -> str | PayerProfile:
        """What ``NoteContext.payer`` takes (the profile, else the pack key)."""
        return self.profile if self.profile is not None else self.rules.key

    @property
    def identity(self) -> object:
        return self.profile_id or self.rules.key


def payer_for(uow: UnitOfWork, episode: Episode, packs: RulePacks) -> Payer:
    """Like ``signing.build_context``: the episode's profile, else the pack's "cash" rules."""
    if episode.payer_profile_id is None:
        return Payer(None, packs.payer("cash"))
    profile = uow.payers.get(episode.payer_profile_id)
    return Payer(profile.id, effective_payer_rules(packs, profile), profile)


def _units(
    known: tuple[tuple[str, int], ...], payer: Payer, packs: RulePacks,
    memo: dict[Any, UnitResult] | None, explain: bool = True,
) -> UnitResult:
    key = (known, payer.rules.unit_method, explain)
    result = memo.get(key) if memo is not None else None
    if result is None:
        result = compute_units(known, payer.rules.unit_method, packs=packs, explain=explain)
        if memo is not None:
            memo[key] = result
    return result


def _priced(
    minutes: Sequence[tuple[str, int]], units: Mapping[str, int], result: UnitResult,
    payer: Payer, day: dt.date, fees: Sequence[FeeScheduleEntry], packs: RulePacks,
) -> list[PricedService]:
    out: list[PricedService] = []
    for code, m in minutes:
        if packs.find_code(code) is None and all(s.code != code for s in out):
            out.append(PricedService(code, 0, m, None, 0, "unknown"))
    for code, n in units.items():
        fee = fee_for(fees, code, day, payer.profile_id)
        note = packs.code(code).payer_note(payer.rules.key)
        left_off = "bundled" if note and note.action == "bundled" else None
        if left_off is None and n <= 0:
            left_off = "zero_units"
        charge = 0 if left_off else (fee or 0) * n
        mine = sum(x for c, x in minutes if c == code)
        out.append(PricedService(code, n, mine if mine else result.minutes.get(code, 0), fee,
                                 charge, left_off))
    return out


def price_services(
    minutes: Sequence[tuple[str, int]],
    payer: Payer,
    day: dt.date,
    fees: Sequence[FeeScheduleEntry],
    packs: RulePacks,
    *,
    memo: dict[Any, UnitResult] | None = None,
    explain: bool = True,
) -> tuple[UnitResult, list[PricedService]]:
    """Units by the payer's method (``core.rules.units``) and charges from the fee schedule.
    ``memo`` caches unit results by (minutes, method) across calls; ``explain=False``: the
    unit result without its explanation (the caller keeps only the priced services)."""
    known = tuple((c, m) for c, m in minutes if packs.find_code(c) is not None)
    result = _units(known, payer, packs, memo, explain)
    return result, _priced(minutes, result.units, result, payer, day, fees, packs)


def price_day(
    visits: Sequence[tuple[uuid.UUID, Sequence[tuple[str, int]]]],
    payer: Payer,
    day: dt.date,
    fees: Sequence[FeeScheduleEntry],
    packs: RulePacks,
    *,
    memo: dict[Any, UnitResult] | None = None,
    explain: bool = True,
) -> tuple[DayUnits, dict[uuid.UUID, list[PricedService]]]:
    """One patient-day under one payer: the day's units and each visit's share, priced
    (``explain=False``: as ``price_services``)."""
    known = tuple((c, m) for _v, mins in visits for c, m in mins
                  if packs.find_code(c) is not None)
    result = _units(known, payer, packs, memo, explain)
    known_visits = [(vid, [(c, m) for c, m in mins if packs.find_code(c) is not None])
                    for vid, mins in visits]
    units = day_units(known_visits, payer.rules.unit_method, packs=packs, result=result)
    priced = {
        vid: _priced(mins, units.by_visit.get(vid, {}), result, payer, day, fees, packs)
        for vid, mins in visits
    }
    return units, priced


def price_by_day(
    billed: Iterable[BilledVisit],
    payers: Mapping[uuid.UUID, Payer],
    episodes: Mapping[uuid.UUID, Episode],
    fees: Sequence[FeeScheduleEntry],
    packs: RulePacks,
    memo: dict[Any, UnitResult],
) -> dict[uuid.UUID, list[PricedService]]:
    """Each billed visit's priced services, its units shared with the rest of its day."""
    groups: dict[tuple[dt.date, object, str], list[BilledVisit]] = {}
    for b in billed:
        payer = payers[b.episode_id]
        groups.setdefault(day_key(b.date, payer, episodes[b.episode_id].discipline),
                          []).append(b)
    out: dict[uuid.UUID, list[PricedService]] = {}
    for (date, _p, _d), visits in groups.items():
        payer = payers[visits[0].episode_id]
        if len(visits) == 1:
            out[visits[0].visit_id] = price_services(
                visits[0].minutes, payer, date, fees, packs, memo=memo, explain=False)[1]
            continue
        _u, priced = price_day([(b.visit_id, b.minutes) for b in visits], payer, date, fees,
                               packs, memo=memo, explain=False)
        out.update(priced)
    return out
