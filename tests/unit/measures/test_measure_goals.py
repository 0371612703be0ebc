"""The goal-status rule: met / partially met / not met / ongoing from measure scores."""

from __future__ import annotations

import datetime as dt

from core.domain.enums import GoalStatus, GoalTerm
from core.domain.episode import Goal
from core.rules.measures import goal_progress, parse_goal_value
from core.rules.measures.definitions import definition

DAY = dt.date(2026, 10, 1)
S = GoalStatus


def goal(measure: str = "LEFS", baseline: str = "", target: str = "60", unit: str = "",
         status: GoalStatus = S.ONGOING, weeks: int = 8) -> Goal:
    return Goal(term=GoalTerm.LONG, activity="Walk community distances", measure_id=measure,
                baseline=baseline, target=target, unit=unit, status=status,
                target_date=DAY + dt.timedelta(weeks=weeks))


def pts(*values: float | None, step: int = 14) -> list[tuple[dt.date, float | None]]:
    return [(DAY + dt.timedelta(days=i * step), v) for i, v in enumerate(values)]


def test_met_when_the_latest_score_reaches_the_target() -> None:
    p = goal_progress(goal(), pts(38, 50, 61), as_of=DAY + dt.timedelta(30))
    assert p.status is S.MET and p.evaluable
    assert (p.baseline, p.current, p.target) == (38, 61, 60)
    assert p.path == "38 → 61 → 60 points"
    assert p.fraction == 1.0


def test_partially_met_when_the_change_is_clinically_important() -> None:
    p = goal_progress(goal(), pts(38, 47), as_of=DAY + dt.timedelta(20))  # +9 = MCID = MDC
    assert p.status is S.PARTIALLY_MET
    assert "clinically important" in p.reason


def test_ongoing_below_the_mcid_before_the_target_date() -> None:
    p = goal_progress(goal(), pts(38, 44), as_of=DAY + dt.timedelta(20))
    assert p.status is S.ONGOING


def test_not_met_after_the_target_date_without_important_change() -> None:
    p = goal_progress(goal(weeks=2), pts(38, 44), as_of=DAY + dt.timedelta(20))
    assert p.status is S.NOT_MET
    assert "Target date" in p.reason


def test_partially_met_stays_after_the_target_date() -> None:
    p = goal_progress(goal(weeks=2), pts(38, 50), as_of=DAY + dt.timedelta(20))
    assert p.status is S.PARTIALLY_MET


def test_only_the_baseline_is_ongoing_and_no_score_is_not_evaluable() -> None:
    assert goal_progress(goal(), pts(38), as_of=DAY).status is S.ONGOING
    none = goal_progress(goal(status=S.NOT_MET), [], as_of=DAY)
    assert not none.evaluable and none.status is S.NOT_MET  # left alone
    assert "No LEFS score" in none.reason


def test_lower_is_better_goal_with_the_goal_baseline() -> None:
    g = goal("QuickDASH", baseline="52", target="20", unit="points")
    p = goal_progress(g, pts(52.3, 36.4), as_of=DAY + dt.timedelta(14))
    assert p.baseline == 52 and p.baseline_date is None  # from the goal's own text
    assert p.status is S.PARTIALLY_MET  # −15.6 ≥ MCID 14
    assert goal_progress(g, pts(52.3, 19.9), as_of=DAY + dt.timedelta(14)).status is S.MET


def test_a_regression_moves_a_met_goal_back() -> None:
    p = goal_progress(goal(status=S.MET), pts(38, 61, 45), as_of=DAY + dt.timedelta(40))
    assert p.status is S.ONGOING and p.status_changed


def test_discontinued_goals_are_never_touched() -> None:
    p = goal_progress(goal(status=S.DISCONTINUED), pts(38, 70), as_of=DAY + dt.timedelta(20))
    assert p.status is S.DISCONTINUED and not p.evaluable


def test_goal_in_another_unit_is_not_evaluable() -> None:
    g = goal("LEFS", baseline="300", target="1500", unit="feet")  # the demo's LEFS goal
    p = goal_progress(g, pts(38, 50), as_of=DAY + dt.timedelta(20))
    assert not p.evaluable and p.status is S.ONGOING
    assert "not in LEFS points" in p.reason


def test_target_not_an_improvement_is_not_evaluable() -> None:
    p = goal_progress(goal("ODI", baseline="15", target="60", unit="%"), pts(40),
                      as_of=DAY)
    assert not p.evaluable
    assert "lower is better" in p.reason


def test_unlinked_or_unknown_measure() -> None:
    unlinked = Goal(term=GoalTerm.SHORT, activity="Climb 12 stairs")
    assert goal_progress(unlinked, [], as_of=DAY).reason == "Not linked to a scored measure."
    assert not goal_progress(goal("WOMAC"), pts(3), as_of=DAY).evaluable


def test_unscorable_and_future_points_are_ignored() -> None:
    p = goal_progress(goal(), [*pts(38, None), (DAY + dt.timedelta(90), 70.0)],
                      as_of=DAY + dt.timedelta(30))
    assert p.status is S.ONGOING and p.current == 38


def test_no_threshold_measure_uses_half_the_distance() -> None:
    g = goal("KOOS-PAIN", baseline="40", target="80")
    assert goal_progress(g, pts(60), as_of=DAY).status is S.PARTIALLY_MET
    assert goal_progress(g, pts(55), as_of=DAY).status is S.ONGOING


def test_parse_goal_value_units() -> None:
    ndi = definition("NDI")
    assert parse_goal_value("20%", "", ndi) == (10.0, "")  # % → raw points
    assert parse_goal_value("12", "points", ndi) == (12.0, "")
    assert parse_goal_value("≤ 12", "", ndi) == (12.0, "")
    walk = definition("6MWT")
    value, _ = parse_goal_value("1000", "ft", walk)
    assert value is not None and abs(value - 304.8) < 1e-9
    assert parse_goal_value("4 with rail", "", definition("LEFS"))[0] is None
    assert parse_goal_value("", "", ndi) == (None, "no number")
    assert "outside" in parse_goal_value("90", "", definition("LEFS"))[1]
