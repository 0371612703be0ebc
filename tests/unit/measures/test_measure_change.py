"""Change since baseline / since last against the stored MCID/MDC, direction-aware."""

from __future__ import annotations

import datetime as dt

import pytest

from core.rules.measures import ChangeCategory, interpret_change, since_baseline_and_last

C = ChangeCategory
DAY = dt.date(2026, 10, 1)


def test_lefs_gain_of_the_mcid_is_important_and_one_less_is_not() -> None:
    assert interpret_change("LEFS", 40, 49).category is C.IMPORTANT_IMPROVEMENT
    assert interpret_change("LEFS", 40, 48).category is C.NO_RELIABLE_CHANGE
    assert interpret_change("LEFS", 40, 31).category is C.IMPORTANT_DECLINE


def test_lower_is_better_measures_count_a_fall_as_improvement() -> None:
    for measure, before, after in [("ODI", 40, 26), ("NPRS", 7, 4), ("QuickDASH", 60, 40),
                                   ("TUG", 20.0, 1.0), ("5xSTS", 16.0, 13.0), ("NDI", 30, 18)]:
        change = interpret_change(measure, before, after)
        assert change.improvement > 0, measure
        assert change.delta < 0, measure
        assert change.category.better or change.category is C.NO_THRESHOLD, measure
    assert interpret_change("ODI", 26, 40).category is C.IMPORTANT_DECLINE


def test_odi_between_mdc_and_mcid_is_detectable_only() -> None:
    change = interpret_change("ODI", 40, 30)
    assert change.category is C.DETECTABLE_IMPROVEMENT
    assert change.mdc is not None and change.mdc.value == 10
    assert change.mcid is not None and change.mcid.value == 12
    assert "beyond measurement error" in change.verdict
    assert "S3" in change.sources() and "S12" in change.sources()


def test_reaching_the_mcid_inside_measurement_error_is_not_called_important() -> None:
    change = interpret_change("NDI", 20, 12)  # −8 raw: ≥ MCID 7.5, < MDC 10.2
    assert change.category is C.NO_RELIABLE_CHANGE
    assert "may be measurement error" in change.verdict


def test_only_an_mcid_stored_quickdash() -> None:
    assert interpret_change("QuickDASH", 50, 36).category is C.IMPORTANT_IMPROVEMENT
    small = interpret_change("QuickDASH", 50, 40)
    assert small.category is C.NO_RELIABLE_CHANGE
    assert "smaller than the MCID 14" in small.verdict


def test_berg_mdc_depends_on_the_baseline() -> None:
    assert interpret_change("Berg", 50, 54).mdc.value == 4  # type: ignore[union-attr]
    assert interpret_change("Berg", 40, 45).mdc.value == 5  # type: ignore[union-attr]
    assert interpret_change("Berg", 30, 36).mdc.value == 7  # type: ignore[union-attr]
    assert interpret_change("Berg", 30, 36).category is C.NO_RELIABLE_CHANGE
    assert interpret_change("Berg", 20, 25).mdc.value == 5  # type: ignore[union-attr]


def test_nprs_mcid_depends_on_the_interval() -> None:
    week = interpret_change("NPRS", 6, 4, before_date=DAY, after_date=DAY + dt.timedelta(7))
    month = interpret_change("NPRS", 6, 4, before_date=DAY, after_date=DAY + dt.timedelta(28))
    assert week.mcid.value == 2.2  # type: ignore[union-attr]
    assert month.mcid.value == 1.5  # type: ignore[union-attr]
    assert week.category is C.DETECTABLE_IMPROVEMENT  # 2 ≥ MDC 2, < MCID 2.2
    assert month.category is C.IMPORTANT_IMPROVEMENT


def test_measures_without_thresholds_say_so() -> None:
    change = interpret_change("KOOS-PAIN", 50, 80)
    assert change.category is C.NO_THRESHOLD
    assert change.verdict == "no MCID/MDC stored for this measure"


def test_describe_shows_rounded_values_with_direction() -> None:
    text = interpret_change("ODI", 16 / 45 * 100, 20).describe()
    assert text.startswith("35.6 → 20.0 % (-15.6, better)")


def test_since_baseline_and_since_last_skip_unscorable_points() -> None:
    points = [(DAY, 40.0), (DAY + dt.timedelta(7), None), (DAY + dt.timedelta(14), 46.0),
              (DAY + dt.timedelta(21), 52.0)]
    change = since_baseline_and_last("LEFS", points)
    assert change.since_baseline is not None and change.since_last is not None
    assert change.since_baseline.delta == pytest.approx(12)
    assert change.since_last.delta == pytest.approx(6)
    assert change.since_baseline.before_date == DAY
    assert since_baseline_and_last("LEFS", [(DAY, 40.0)]).since_baseline is None
