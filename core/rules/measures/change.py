"""Change interpretation: is a change in a measure beyond error, and clinically important?

Contract:
- ``interpret_change(measure_id, before, after)`` compares two raw values. ``improvement`` is
  direction-aware (positive = better: a *fall* in ODI, NDI, QuickDASH, NPRS, TUG, 5xSTS).
- Thresholds come from the definition (value, population and source travel with the result).
  The MCID and MDC used are the defaults for the *earlier* value as baseline (Berg's MDC depends
  on it) and the days between the two scores (NPRS 1.5 after 4 weeks, else 2.2).
- Category rule:
  * important — |improvement| ≥ MCID and, when an MDC is stored, also ≥ MDC (a change inside
    measurement error is not called important even if it reaches the MCID);
  * detectable — ≥ MDC but not important;
  * no reliable change — below those; ``no_threshold`` when the measure has neither.
- ``since_baseline_and_last`` gives both comparisons for a dated series (trend, reports).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from core.domain.measures import format_value
from core.rules.measures.definitions import MeasureDefinition, Threshold, definition

EPS = 1e-9


class ChangeCategory(StrEnum):
    IMPORTANT_IMPROVEMENT = "important_improvement"
    DETECTABLE_IMPROVEMENT = "detectable_improvement"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    DETECTABLE_DECLINE = "detectable_decline"
    IMPORTANT_DECLINE = "important_decline"
    NO_THRESHOLD = "no_threshold"

    @property
    def better(self) -> bool:
        return self in (ChangeCategory.IMPORTANT_IMPROVEMENT, ChangeCategory.DETECTABLE_IMPROVEMENT)

    @property
    def worse(self) -> bool:
        return self in (ChangeCategory.IMPORTANT_DECLINE, ChangeCategory.DETECTABLE_DECLINE)


@dataclass(frozen=True, slots=True)
class Change:
    measure_id: str
    before: float
    after: float
    delta: float  # after − before, on the measure's own scale
    improvement: float  # positive = better
    category: ChangeCategory
    mcid: Threshold | None
    mdc: Threshold | None
    unit: str
    decimals: int
    before_date: dt.date | None = None
    after_date: dt.date | None = None

    @property
    def signed_delta(self) -> str:
        text = format_value(self.delta, self.decimals)
        return text if text.startswith("-") else f"+{text}"

    @property
    def verdict(self) -> str:
        """The category in words, with the thresholds it was judged against."""
        mcid, mdc, unit = self.mcid, self.mdc, self.unit
        mcid_t = f"the {mcid.label} {mcid.value:g} {unit}".rstrip() if mcid else ""
        mdc_t = f"the {mdc.label} {mdc.value:g} {unit}".rstrip() if mdc else ""
        c = self.category
        if c is ChangeCategory.NO_THRESHOLD:
            return "no MCID/MDC stored for this measure"
        way = "improvement" if c.better else "decline"
        if c in (ChangeCategory.IMPORTANT_IMPROVEMENT, ChangeCategory.IMPORTANT_DECLINE):
            both = f"{mcid_t} and {mdc_t}" if mdc else mcid_t
            return f"clinically important {way} (reaches {both})"
        if c.better or c.worse:
            tail = f", below {mcid_t}" if mcid else ""
            return f"{way} beyond measurement error (reaches {mdc_t}{tail})"
        size = abs(self.improvement)
        if mcid and mdc and size + EPS >= mcid.value:
            return f"reaches {mcid_t} but not {mdc_t}: may be measurement error"
        if mdc:
            return f"within measurement error (below {mdc_t})"
        return f"smaller than {mcid_t}"

    @property
    def direction_word(self) -> str:
        if abs(self.improvement) < EPS:
            return "no change"
        return "better" if self.improvement > 0 else "worse"

    def describe(self) -> str:
        """"40 → 52 points (+12, better): clinically important improvement (reaches …)"."""
        before = format_value(self.before, self.decimals)
        after = format_value(self.after, self.decimals)
        span = f"{before} → {after} {self.unit}".rstrip()
        return f"{span} ({self.signed_delta}, {self.direction_word}): {self.verdict}"

    def sources(self) -> str:
        return "; ".join(t.describe(self.unit) for t in (self.mcid, self.mdc) if t)


def interpret_change(
    measure: str | MeasureDefinition,
    before: float,
    after: float,
    *,
    before_date: dt.date | None = None,
    after_date: dt.date | None = None,
) -> Change:
    d = measure if isinstance(measure, MeasureDefinition) else definition(measure)
    days = (after_date - before_date).days if before_date and after_date else None
    mcid = d.threshold("MCID", baseline=before, interval_days=days)
    mdc = d.threshold("MDC", baseline=before, interval_days=days)
    improvement = d.improvement(before, after)
    size = abs(improvement)
    if mcid is None and mdc is None:
        category = ChangeCategory.NO_THRESHOLD
    else:
        important = (
            mcid is not None and size + EPS >= mcid.value
            and (mdc is None or size + EPS >= mdc.value)
        )
        detectable = mdc is not None and size + EPS >= mdc.value
        if size < EPS or not (important or detectable):
            category = ChangeCategory.NO_RELIABLE_CHANGE
        elif improvement > 0:
            category = (ChangeCategory.IMPORTANT_IMPROVEMENT if important
                        else ChangeCategory.DETECTABLE_IMPROVEMENT)
        else:
            category = (ChangeCategory.IMPORTANT_DECLINE if important
                        else ChangeCategory.DETECTABLE_DECLINE)
    return Change(
        measure_id=d.id, before=before, after=after, delta=after - before,
        improvement=improvement, category=category, mcid=mcid, mdc=mdc, unit=d.unit,
        decimals=d.decimals, before_date=before_date, after_date=after_date,
    )


@dataclass(frozen=True, slots=True)
class SeriesChange:
    """Change of the latest score since the first (baseline) and since the one before it."""

    since_baseline: Change | None
    since_last: Change | None


def since_baseline_and_last(
    measure: str | MeasureDefinition, points: Sequence[tuple[dt.date, float | None]]
) -> SeriesChange:
    """``points`` in date order; unscorable points (None) are skipped."""
    scored = [(day, v) for day, v in points if v is not None]
    if len(scored) < 2:
        return SeriesChange(None, None)
    (d0, v0), (dp, vp), (dl, vl) = scored[0], scored[-2], scored[-1]
    return SeriesChange(
        interpret_change(measure, v0, vl, before_date=d0, after_date=dl),
        interpret_change(measure, vp, vl, before_date=dp, after_date=dl),
    )
