"""Goal progress from scores: baseline → current → target, and the status the scores support.

Contract (the goal-status rule; docs/measures.md repeats it):
- Only a goal that names a measure (``Goal.measure_id``) with a numeric target is evaluated.
  ``Goal.target``/``baseline`` are text; a number counts when its unit (the text after the
  number, else ``Goal.unit``) is one the measure accepts ("%", "points", "ft" for 6MWT…) and it
  lies on the measure's scale. A LEFS goal written in feet is *not evaluable*: its status is
  left alone and the reason says why.
- Discontinued goals are never touched: that is the clinician's decision.
- Baseline: the goal's own baseline number when it has one, else the first scored result.
  A target that is not better than the baseline (direction-aware) is not evaluable.
- With a current score (the latest scored result on or before ``as_of``):
  * **met** — the current value reaches the target (≥ when higher is better, ≤ when lower);
  * **partially met** — not met, but the change from baseline is a clinically important
    improvement (≥ MCID, and ≥ MDC when one is stored; ≥ MDC when only an MDC exists; at
    least half the distance to the target when the measure has neither);
  * **not met** — neither, and the goal's target date has passed;
  * **ongoing** — otherwise (including "only the baseline so far").
- The rule uses the *latest* score: a later regression moves a goal back from met.
- Pure: no storage; ``core.services.measures`` writes the statuses it proposes.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.enums import GoalStatus, GoalTerm
from core.domain.episode import Goal
from core.domain.measures import UnknownMeasure, format_value
from core.rules.measures.change import Change, ChangeCategory, interpret_change
from core.rules.measures.definitions import MeasureDefinition, definition

_NUMBER = re.compile(r"^\s*(?:<=|>=|[<>≤≥=~])?\s*([-+]?\d+(?:[.,]\d+)?)\s*(.*?)\s*$")
Point = tuple[dt.date, float | None]


def value_range(d: MeasureDefinition) -> tuple[float, float]:
    """The values a result can take: the score scale, or the response range of a single test."""
    if d.method == "single":
        return (min(0.0, d.response_min), d.response_max)
    return (d.score_min, d.score_max)


def parse_goal_value(text: str, goal_unit: str, d: MeasureDefinition) -> tuple[float | None, str]:
    """(value on the measure's scale, "") or (None, why the text is not a usable number)."""
    if not (text or "").strip():
        return None, "no number"
    match = _NUMBER.match(text)
    if not match:
        return None, f"“{text}” is not a single number"
    number = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or goal_unit or "").strip().lower()
    factor = d.goal_units.get(unit)
    if factor is None:
        shown = text.strip() if match.group(2) else f"{text.strip()} {goal_unit}".strip()
        return None, f"“{shown}” is not in {d.id} {d.unit}"
    value = number * factor
    low, high = value_range(d)
    if not low <= value <= high:
        return None, f"{number:g} is outside the {d.id} scale ({d.scale})"
    return value, ""


@dataclass(frozen=True, slots=True)
class GoalProgress:
    goal_id: uuid.UUID
    term: GoalTerm
    activity: str
    measure_id: str | None
    stored_status: GoalStatus
    status: GoalStatus  # what the rule supports (== stored_status when not evaluable)
    evaluable: bool
    reason: str
    unit: str = ""
    decimals: int = 0
    baseline: float | None = None
    baseline_date: dt.date | None = None
    current: float | None = None
    current_date: dt.date | None = None
    target: float | None = None
    target_date: dt.date | None = None
    change: Change | None = None
    fraction: float | None = None  # share of the baseline → target distance covered, 0–1

    @property
    def status_changed(self) -> bool:
        return self.evaluable and self.status is not self.stored_status

    def _fmt(self, value: float | None) -> str:
        return "—" if value is None else format_value(value, self.decimals)

    @property
    def path(self) -> str:
        """"52 → 38 → 20 points" (baseline → current → target)."""
        if self.target is None:
            return ""
        return (
            f"{self._fmt(self.baseline)} → {self._fmt(self.current)} → "
            f"{self._fmt(self.target)} {self.unit}"
        ).rstrip()


def _not_evaluable(goal: Goal, reason: str, measure: MeasureDefinition | None) -> GoalProgress:
    status = GoalStatus(goal.status)
    return GoalProgress(
        goal_id=goal.id, term=GoalTerm(goal.term), activity=goal.activity,
        measure_id=measure.id if measure else goal.measure_id, stored_status=status,
        status=status, evaluable=False, reason=reason, unit=measure.unit if measure else "",
        decimals=measure.decimals if measure else 0, target_date=goal.target_date,
    )


def _partial(change: Change, fraction: float) -> bool:
    if change.category is ChangeCategory.NO_THRESHOLD:
        return fraction >= 0.5
    if change.mcid is None:
        return change.category.better
    return change.category is ChangeCategory.IMPORTANT_IMPROVEMENT


def goal_progress(goal: Goal, points: Sequence[Point], *, as_of: dt.date) -> GoalProgress:
    """Apply the goal-status rule (module docstring) to ``goal`` and its measure's ``points``."""
    if not goal.measure_id:
        return _not_evaluable(goal, "Not linked to a scored measure.", None)
    try:
        d = definition(goal.measure_id)
    except UnknownMeasure:
        return _not_evaluable(goal, f"{goal.measure_id} is not a measure Chartside scores.", None)
    if GoalStatus(goal.status) is GoalStatus.DISCONTINUED:
        return _not_evaluable(goal, "Discontinued by the clinician.", d)
    target, why = parse_goal_value(goal.target, goal.unit, d)
    if target is None:
        return _not_evaluable(goal, f"Target not usable: {why}.", d)
    scored = sorted(((day, v) for day, v in points if v is not None and day <= as_of),
                    key=lambda p: p[0])
    if not scored:
        return _not_evaluable(goal, f"No {d.id} score recorded yet.", d)
    baseline, _ = parse_goal_value(goal.baseline, goal.unit, d)
    baseline_date = None
    if baseline is None:
        baseline_date, baseline = scored[0]
        follow_up = scored[1:]
    else:
        follow_up = scored
    assert baseline is not None
    if d.reached(baseline, target):
        better = "higher" if d.higher_is_better else "lower"
        return _not_evaluable(
            goal, f"Target {target:g} is not an improvement on baseline {baseline:g} "
            f"({better} is better on the {d.id}).", d)
    common = {
        "goal_id": goal.id, "term": GoalTerm(goal.term), "activity": goal.activity,
        "measure_id": d.id, "stored_status": GoalStatus(goal.status), "evaluable": True,
        "unit": d.unit, "decimals": d.decimals, "baseline": baseline,
        "baseline_date": baseline_date, "target": target, "target_date": goal.target_date,
    }
    if not follow_up:
        return GoalProgress(status=GoalStatus.ONGOING, reason="Only the baseline score so far.",
                            current=baseline, current_date=baseline_date, fraction=0.0,
                            **common)  # type: ignore[arg-type]
    current_date, current = follow_up[-1]
    assert current is not None
    change = interpret_change(d, baseline, current, before_date=baseline_date,
                              after_date=current_date)
    fraction = max(0.0, min(1.0, change.improvement / abs(target - baseline)))
    if d.reached(current, target):
        status, reason = GoalStatus.MET, f"Target reached on {current_date:%Y-%m-%d}."
    elif _partial(change, fraction):
        status, reason = GoalStatus.PARTIALLY_MET, f"Not yet at target; {change.verdict}."
    elif goal.target_date and as_of > goal.target_date:
        status = GoalStatus.NOT_MET
        reason = f"Target date {goal.target_date:%Y-%m-%d} passed; {change.verdict}."
    else:
        status, reason = GoalStatus.ONGOING, f"In progress; {change.verdict}."
    return GoalProgress(status=status, reason=reason, current=current,
                        current_date=current_date, change=change, fraction=fraction,
                        **common)  # type: ignore[arg-type]
