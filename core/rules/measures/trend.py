"""What a trend chart draws, as plain data: points, the MCID band, the goal targets. Pure.

Contract:
- ``trend_spec(measure_id, points, goals)`` returns a ``TrendSpec`` the desktop paints without
  any further rule: the y-range (the measure's scale, widened to fit the data), which way is
  better, the baseline, the MCID/MDC band around the baseline (changes inside it are not
  clinically important / not beyond error), and one target line per goal on this measure.
- Unscorable points are kept (``value=None``) so the chart can mark the date without a value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.measures import format_value
from core.rules.measures.definitions import definition
from core.rules.measures.goals import GoalProgress, value_range


@dataclass(frozen=True, slots=True)
class TrendPoint:
    date: dt.date
    value: float | None
    label: str  # rounded for display, "unscorable" for None


@dataclass(frozen=True, slots=True)
class TargetLine:
    goal_id: uuid.UUID
    label: str  # "LTG target 20"
    value: float


@dataclass(frozen=True, slots=True)
class TrendSpec:
    measure_id: str
    title: str
    unit: str
    y_min: float
    y_max: float
    higher_is_better: bool
    points: tuple[TrendPoint, ...]
    baseline: float | None
    band_label: str  # "MCID 9 points (…; S1, S2)" — what the shaded band means
    band_low: float | None
    band_high: float | None
    targets: tuple[TargetLine, ...]
    decimals: int

    @property
    def scored(self) -> list[TrendPoint]:
        return [p for p in self.points if p.value is not None]


def trend_spec(
    measure_id: str,
    points: Sequence[tuple[dt.date, float | None]],
    goals: Sequence[GoalProgress] = (),
) -> TrendSpec:
    d = definition(measure_id)
    ordered = sorted(points, key=lambda p: p[0])
    trend = tuple(
        TrendPoint(day, v, "unscorable" if v is None else format_value(v, d.decimals))
        for day, v in ordered
    )
    values = [v for _, v in ordered if v is not None]
    baseline = values[0] if values else None
    low, high = (d.score_min, d.score_max)
    if d.method == "single":
        low, high = value_range(d)[0], d.score_max
    targets = tuple(
        TargetLine(g.goal_id, f"{g.term.name[0]}TG target {format_value(g.target, d.decimals)}",
                   g.target)
        for g in goals
        if g.evaluable and g.target is not None and g.measure_id == d.id
    )
    extent = values + [t.value for t in targets]
    if extent:
        high = max(high, max(extent) * 1.1)
    band_low = band_high = None
    band_label = ""
    threshold = d.threshold("MCID", baseline=baseline) or d.threshold("MDC", baseline=baseline)
    if baseline is not None and threshold is not None:
        band_low = max(low, baseline - threshold.value)
        band_high = min(high, baseline + threshold.value)
        band_label = f"baseline ± {threshold.describe(d.unit)}"
    return TrendSpec(
        measure_id=d.id, title=d.name if d.name.startswith(d.id) else f"{d.id} — {d.name}",
        unit=d.unit, y_min=low, y_max=high,
        higher_is_better=d.higher_is_better, points=trend, baseline=baseline,
        band_label=band_label, band_low=band_low, band_high=band_high, targets=targets,
        decimals=d.decimals,
    )
