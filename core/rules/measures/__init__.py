"""Outcome measures: scoring engines, change vs MCID/MDC, goal progress, report drafts, alerts.

Pure functions over ``core.domain`` values and the definitions pack in ``resources/measures``;
no Qt, no SQL. See docs/measures.md.

    score("ODI", [2, 1, 2, 1, 2, 2, 2, 1, 2, 1]).value   # 32.0
    score("ODI", [2, 1, 2, 1, 2, 2, 2, 1, 2, None]).value  # 35.555…  (16/45)
"""

from core.rules.measures.alerts import Alert, AlertKind, certified_until, episode_alerts
from core.rules.measures.change import (
    Change,
    ChangeCategory,
    SeriesChange,
    interpret_change,
    since_baseline_and_last,
)
from core.rules.measures.definitions import (
    MeasureDefinition,
    MeasurePackError,
    Threshold,
    definition,
    definitions,
)
from core.rules.measures.goals import GoalProgress, goal_progress, parse_goal_value
from core.rules.measures.reports import PLACEHOLDER, ReportInputs, ScorePoint, compose
from core.rules.measures.scoring import response_error, score, validated
from core.rules.measures.trend import TargetLine, TrendPoint, TrendSpec, trend_spec

__all__ = [
    "PLACEHOLDER", "Alert", "AlertKind", "Change", "ChangeCategory", "GoalProgress",
    "MeasureDefinition", "MeasurePackError", "ReportInputs", "ScorePoint", "SeriesChange",
    "TargetLine", "Threshold", "TrendPoint", "TrendSpec", "certified_until", "compose",
    "definition", "definitions", "episode_alerts", "goal_progress", "interpret_change",
    "parse_goal_value", "response_error", "score", "since_baseline_and_last", "trend_spec",
    "validated",
]
