"""The Medicare KX threshold for one visit: year-to-date amount, this visit's estimate, status.

Contract: ``kx_status(context, units)`` returns None when the payer does not use the KX
threshold or the year-to-date amount is unknown (empty ``NoteContext.ytd_allowed``).
KX applies once the bucket's year-to-date amount has reached the threshold, or when this
visit's estimated amount (``fee_schedule`` × units) takes it over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from core.domain.errors import NotFound
from core.rules.context import NoteContext
from core.rules.units import UnitResult


@dataclass(frozen=True, slots=True)
class KxStatus:
    year: int
    threshold: Decimal | None  # None: the pack has no amount for the year
    ytd: Decimal
    visit_estimate: Decimal
    targeted_review: Decimal | None
    near_fraction: Decimal

    @property
    def total(self) -> Decimal:
        return self.ytd + self.visit_estimate

    @property
    def applies(self) -> bool:
        if self.threshold is None:
            return False
        return self.ytd >= self.threshold or self.total > self.threshold

    @property
    def near(self) -> bool:
        return (
            self.threshold is not None
            and not self.applies
            and self.total >= self.threshold * self.near_fraction
        )

    @property
    def over_targeted_review(self) -> bool:
        return self.targeted_review is not None and self.total > self.targeted_review


def visit_estimate(context: NoteContext, units: UnitResult | Mapping[str, int]) -> Decimal:
    fees = context.fee_schedule or {}
    per_code = units.units if isinstance(units, UnitResult) else units
    return sum(
        (Decimal(fees[code]) * n for code, n in per_code.items() if code in fees and n),
        Decimal(0),
    )


def kx_status(
    context: NoteContext, units: UnitResult | Mapping[str, int]
) -> KxStatus | None:
    """``units``: the visit's units (a ``UnitResult``, or units per code)."""
    if not context.payer_rules.uses_kx_threshold:
        return None
    ytd = context.ytd_bucket_amount()
    if ytd is None:
        return None
    kx = context.rules.kx
    year = context.visit.date.year
    try:
        threshold: Decimal | None = kx.threshold(year)
    except NotFound:
        threshold = None
    return KxStatus(
        year=year,
        threshold=threshold,
        ytd=ytd,
        visit_estimate=visit_estimate(context, units),
        targeted_review=kx.targeted_review_amount(year),
        near_fraction=kx.near_fraction,
    )
