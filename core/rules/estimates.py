"""Good-faith estimate arithmetic and its findings (pure; issue 18).

Contract:
- ``plan_estimate(episode, per_visit, fees, ...)``: the expected visits are the plan of care's
  frequency × duration (both required); ``per_visit`` lists (code, units) expected at a visit;
  an ``evaluation`` code, when given, is one unit on the first visit (and is not a treatment
  visit's code). Each code's fee is the self-pay fee schedule's on the issue date; a code
  without a fee is refused (an estimate with a $0 line would mislead the patient).
- ``estimate_findings(self_pay, estimate, billed_cents)``: ``estimate.missing`` (warn) when a
  self-pay or out-of-network episode has none; ``estimate.exceeded`` (warn) when the billed total
  is $400 or more above it (the patient may dispute the bill: 45 CFR 149.620).
- ``parse_per_visit(text)``: ``97110x2, 97140`` → [("97110", 2), ("97140", 1)]; a malformed
  part raises ``InvalidInput`` naming it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from core.domain.billing import FeeScheduleEntry, fee_for, format_cents
from core.domain.episode import Episode
from core.domain.errors import InvalidInput, ValidationError
from core.domain.estimates import DISPUTE_THRESHOLD_CENTS, EstimateLine, GoodFaithEstimate
from core.rules.findings import Finding, Severity
from core.rules.packs import RulePacks


def plan_estimate(
    episode: Episode, per_visit: Sequence[tuple[str, int]], fees: Iterable[FeeScheduleEntry],
    *, issued_on: dt.date, packs: RulePacks, evaluation: str | None = None,
    period_from: dt.date | None = None,
) -> GoodFaithEstimate:
    if not episode.frequency_per_week or not episode.duration_weeks:
        raise ValidationError(
            "The plan of care needs its frequency and duration for an estimate.",
            field="frequency_per_week", hint="Set visits per week and weeks on the plan.")
    if not per_visit and not evaluation:
        raise ValidationError("Say which services a visit is expected to include.",
                              field="per_visit", hint="E.g. 97110 x2, 97140 x1.")
    fees = list(fees)
    visits = episode.frequency_per_week * episode.duration_weeks
    start = period_from or max(issued_on, episode.start_date)
    end = start + dt.timedelta(weeks=episode.duration_weeks) - dt.timedelta(days=1)
    wanted: list[tuple[str, int, int]] = []  # code, units in total, visits
    if evaluation:
        wanted.append((evaluation, 1, 1))
    treatment_visits = visits - 1 if evaluation else visits
    for code, units in per_visit:
        if units <= 0:
            raise ValidationError(f"{code}: units per visit must be positive.", field="per_visit")
        if treatment_visits > 0:
            wanted.append((code, units * treatment_visits, treatment_visits))
    lines = []
    missing = []
    for code, units, on in wanted:
        info = packs.code(code)
        fee = fee_for(fees, info.code, start, None)
        if fee is None:
            missing.append(info.code)
            continue
        lines.append(EstimateLine(info.code, info.label, units, on, fee, fee * units))
    if missing:
        raise ValidationError(
            f"No self-pay fee for {', '.join(missing)} on {start:%m/%d/%Y}.",
            field="fees", hint="Set the fee schedule first (chartside fees set …).")
    return GoodFaithEstimate(
        episode.id, episode.patient_id, issued_on, start, end, visits, lines,
        [d.code for d in sorted(episode.diagnoses, key=lambda d: d.rank)],
        sum(ln.total_cents for ln in lines))


def estimate_findings(
    *, self_pay: bool, estimate: GoodFaithEstimate | None, billed_cents: int,
) -> list[Finding]:
    if not self_pay:
        return []
    if estimate is None:
        return [Finding(
            "estimate.missing", Severity.WARN,
            "This self-pay episode has no good-faith estimate.", "episode",
            "Issue one (chartside estimate --episode ID --out F.pdf): the No Surprises Act "
            "requires it for self-pay and uninsured patients when care is scheduled.")]
    over = billed_cents - estimate.total_cents
    if over >= DISPUTE_THRESHOLD_CENTS:
        return [Finding(
            "estimate.exceeded", Severity.WARN,
            f"Billed {format_cents(billed_cents)} is {format_cents(over)} above the good-faith "
            f"estimate of {format_cents(estimate.total_cents)} ($400 or more: the patient may "
            "dispute the bill).", "episode",
            "Issue an updated estimate before further visits, and review the charges.")]
    return []


_PER_VISIT = re.compile(r"^([A-Za-z0-9]{5})(?:\s*[xX×*]\s*([0-9]{1,2}))?$")


def parse_per_visit(text: str) -> list[tuple[str, int]]:
    """``97110x2, 97140`` → [("97110", 2), ("97140", 1)]: the services a visit is expected to
    include (``chartside estimate --per-visit`` and the desktop's estimate dialog). Units are
    1–99 ASCII digits after ``x``; anything else is refused with the part named (the catalog
    check of each code is ``plan_estimate``'s)."""
    out = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        m = _PER_VISIT.match(part)
        if m is None or (m.group(2) is not None and int(m.group(2)) == 0):
            raise InvalidInput(f"{part!r} is not CODE or CODExUNITS.",
                               hint="E.g. 97110x2, 97140 (units 1 to 99).")
        out.append((m.group(1).upper(), int(m.group(2) or 1)))
    return out
