"""Units per day of service: all of one patient's signed visits of a day priced together.

Contract (pure):
- CMS counts timed minutes per day (Pub. 100-04 Ch. 5 §20.2), and the per-code method charts
  each code's minutes of the day: ``day_units(visits, method)`` runs
  ``core.rules.units.compute_units`` over the minutes of every visit of the day (repeats of a
  code are summed), so two 10-minute 97110 visits earn 1 unit, not 2.
- ``DayUnits.by_visit`` splits each code's day units back over the visits that documented it,
  in proportion to their minutes (largest remainder; ties go to the earlier visit; untimed
  codes to the first visit that has them), so per-visit charges add up to the day's claim
  lines exactly. One visit → its own units, unchanged.
- ``DayUnits.lines`` explains the day (how many visits, which units were combined).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.domain.enums import UnitMethod
from core.rules.packs import RulePacks, default_packs
from core.rules.units import UnitResult, compute_units

VisitMinutes = tuple[uuid.UUID, Sequence[tuple[str, int]]]


@dataclass(frozen=True)
class DayUnits:
    result: UnitResult  # the day's units per code
    by_visit: Mapping[uuid.UUID, Mapping[str, int]]
    visit_count: int
    lines: tuple[str, ...]

    @property
    def combined(self) -> bool:
        """More than one visit documented services on this day."""
        return self.visit_count > 1

    @property
    def explanation(self) -> str:
        return "\n".join((*self.lines, *self.result.lines))


def day_units(
    visits: Sequence[VisitMinutes],
    method: UnitMethod | str,
    *,
    packs: RulePacks | None = None,
    result: UnitResult | None = None,
) -> DayUnits:
    """Units of one patient-day over ``visits`` (``(visit_id, [(code, minutes)])`` in time
    order). ``result`` may pass a unit result already computed for the same minutes."""
    packs = packs or default_packs()
    pooled = [(c, m) for _vid, mins in visits for c, m in mins]
    result = result or compute_units(pooled, method, packs=packs)
    if len(visits) <= 1:
        vid = visits[0][0] if visits else None
        single = {vid: dict(result.units)} if vid is not None else {}
        return DayUnits(result, single, len(visits), ())
    by_visit: dict[uuid.UUID, dict[str, int]] = {vid: {} for vid, _m in visits}
    for code, units in result.units.items():
        share = _apportion(code, units, visits)
        for vid, n in share.items():
            by_visit[vid][code] = n
    combined = [c for c in result.units
                if sum(1 for _v, mins in visits if any(x == c for x, _m in mins)) > 1]
    lines = [
        f"{len(visits)} visits on this day are billed together: units come from the day's "
        f"minutes (one claim line per code per day, Pub. 100-04 Ch. 5 §20.2)."
    ]
    if combined:
        parts = []
        for c in combined:
            each = " + ".join(str(sum(m for x, m in mins if x == c)) for _v, mins in visits
                              if any(x == c for x, _m in mins))
            parts.append(f"{c} {each} = {result.minutes.get(c, 0)} min → "
                         f"{result.units_for(c)} unit{'s' if result.units_for(c) != 1 else ''}")
        lines.append("Same code in several visits: " + "; ".join(parts) + ".")
    return DayUnits(result, by_visit, len(visits), tuple(lines))


def _apportion(code: str, units: int, visits: Sequence[VisitMinutes]) -> dict[uuid.UUID, int]:
    mine = [(vid, sum(m for c, m in mins if c == code)) for vid, mins in visits
            if any(c == code for c, _m in mins)]
    out = {vid: 0 for vid, _m in mine}
    if not mine or units <= 0:
        return out
    total = sum(m for _v, m in mine)
    if total <= 0:
        out[mine[0][0]] = units
        return out
    exact = [(vid, units * m / total) for vid, m in mine]
    for vid, x in exact:
        out[vid] = int(x)
    left = units - sum(out.values())
    ranked = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - int(exact[i][1])), i))
    for i in ranked[:left]:
        out[exact[i][0]] += 1
    return out
