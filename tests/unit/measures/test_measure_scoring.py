"""Scoring engines against the published rules and worked examples (clinical.md §1)."""

from __future__ import annotations

import math

import pytest

from core.domain.errors import InvalidInput
from core.domain.measures import InvalidResponse, UnknownMeasure, format_value
from core.rules.measures import definition, definitions, score

ODI_16 = [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]  # sum 16 over 10 sections
ODI_16_ONE_MISSING = [2, 2, 2, 2, 2, 2, 1, 1, 2, None]  # sum 16 over 9 sections


# -- ODI ---------------------------------------------------------------------------------------
def test_odi_published_example_16_of_50_is_32_percent() -> None:
    s = score("ODI", ODI_16)
    assert s.value == pytest.approx(32.0)
    assert (s.items_used, s.items_expected) == (10, 10)
    assert s.band == "moderate disability"
    assert s.display == "32.0 %"


def test_odi_one_missing_section_drops_denominator_to_45() -> None:
    s = score("ODI", ODI_16_ONE_MISSING)
    assert s.value == pytest.approx(16 / 45 * 100)  # 35.555…, the "35.5%" printed is truncated
    assert s.value != round(s.value, 1)  # the raw value is kept, not rounded
    assert s.display == "35.6 %"
    assert s.items_used == 9


def test_odi_two_missing_sections_is_unscorable_with_reason() -> None:
    s = score("ODI", [2, 2, 2, 2, 2, 2, 1, 1, None, None])
    assert s.value is None and not s.scorable
    assert "2 of 10 ODI items unanswered" in s.reason
    assert "at least 9" in s.reason


@pytest.mark.parametrize(
    ("value", "band"),
    [([0] * 10, "minimal disability"), ([2] * 10, "moderate disability"),
     ([5] * 10, "bed-bound or exaggerating symptoms")],
)
def test_odi_bands(value: list[int], band: str) -> None:
    assert score("ODI", value).band == band


def test_odi_band_uses_whole_number_rounding_of_the_raw_value() -> None:
    d = definition("ODI")
    assert d.band_for(20.4) == "minimal disability"
    assert d.band_for(20.5) == "moderate disability"


# -- NDI: like ODI, raw /50 kept apart from % ---------------------------------------------------
def test_ndi_scores_like_odi_on_the_raw_and_percent_scales() -> None:
    full = score("NDI", ODI_16)
    assert full.value == pytest.approx(16.0) and full.unit == "points"
    assert dict(full.secondary)["%"] == pytest.approx(32.0)
    missing = score("NDI", ODI_16_ONE_MISSING)
    # Vernon: the missing item takes the mean of the answered ones → 16 + 16/9
    assert missing.value == pytest.approx(16 + 16 / 9)
    assert dict(missing.secondary)["%"] == pytest.approx(16 / 45 * 100)
    assert score("NDI", [1] * 8 + [None, None]).value is None


# -- QuickDASH ---------------------------------------------------------------------------------
def test_quickdash_formula_and_ends_of_the_scale() -> None:
    assert score("QuickDASH", [1] * 11).value == pytest.approx(0.0)
    assert score("QuickDASH", [5] * 11).value == pytest.approx(100.0)
    items = [3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2]  # sum 30
    assert score("QuickDASH", items).value == pytest.approx((30 / 11 - 1) * 25)


def test_quickdash_needs_10_of_11_items() -> None:
    ten = score("QuickDASH", [3, 3, 3, 3, 3, 3, 3, 3, 2, 2, None])
    assert ten.value == pytest.approx((28 / 10 - 1) * 25)  # mean of the answered items
    nine = score("QuickDASH", [3, 3, 3, 3, 3, 3, 3, 3, 2, None, None])
    assert nine.value is None
    assert "QuickDASH needs at least 10 answered" in nine.reason


def test_quickdash_modules_need_all_four_items() -> None:
    assert score("QuickDASH-W", [2, 2, 2, 2]).value == pytest.approx(25.0)
    assert score("QuickDASH-S", [2, 2, 2, None]).value is None


def test_quickdash_items_are_1_to_5() -> None:
    with pytest.raises(InvalidResponse, match="Item 4: 0 is outside 1–5"):
        score("QuickDASH", [1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1])


# -- PPS ---------------------------------------------------------------------------------------
def test_pps_rejects_45_percent_and_accepts_10_percent_steps() -> None:
    with pytest.raises(InvalidResponse, match="45 is not a PPS level") as info:
        score("PPS", [45])
    assert isinstance(info.value, InvalidInput)
    assert info.value.item == 1
    assert score("PPS", [50]).value == 50
    assert score("PPS", [0]).value == 0
    with pytest.raises(InvalidResponse):
        score("PPS", [110])


# -- LEFS, Berg (plain sums, nothing missing) ---------------------------------------------------
def test_lefs_is_a_sum_from_0_to_80() -> None:
    assert score("LEFS", [0] * 20).value == 0
    assert score("LEFS", [4] * 20).value == 80
    assert score("LEFS", [2] * 20).value == 40
    assert dict(score("LEFS", [2] * 20).secondary)["% of maximum function"] == 50


def test_lefs_blank_item_is_unscorable_and_bad_input_raises() -> None:
    assert score("LEFS", [3] * 19 + [None]).value is None
    with pytest.raises(InvalidResponse, match="LEFS has 20 items; got 19"):
        score("LEFS", [3] * 19)
    with pytest.raises(InvalidResponse, match="Item 20: 5 is outside 0–4"):
        score("LEFS", [3] * 19 + [5])


def test_berg_is_0_to_56_with_the_45_cut_off() -> None:
    assert score("Berg", [4] * 14).value == 56
    assert score("Berg", [0] * 14).value == 0
    assert score("Berg", [4] * 11 + [0, 0, 0]).band.startswith("below 45")
    assert score("Berg", [4] * 11 + [1, 0, 0]).band.startswith("at or above")  # 45
    assert score("Berg", [4] * 13 + [None]).value is None


# -- KOOS --------------------------------------------------------------------------------------
def test_koos_subscale_transform_0_to_100() -> None:
    assert score("KOOS-PAIN", [0] * 9).value == 100
    assert score("KOOS-PAIN", [4] * 9).value == 0
    items = [1, 2, 1, 0, 2, 3, 1, 1, 2]  # mean 13/9
    assert score("KOOS-PAIN", items).value == pytest.approx(100 - (13 / 9) / 4 * 100)


@pytest.mark.parametrize(
    ("measure", "count", "needed"),
    [("KOOS-PAIN", 9, 5), ("KOOS-SYMPTOMS", 7, 4), ("KOOS-ADL", 17, 9),
     ("KOOS-SPORT", 5, 3), ("KOOS-QOL", 4, 2)],
)
def test_koos_needs_half_of_each_subscale(measure: str, count: int, needed: int) -> None:
    enough = [2] * needed + [None] * (count - needed)
    assert score(measure, enough).value == pytest.approx(50.0)  # mean of the answered items
    too_few = [2] * (needed - 1) + [None] * (count - needed + 1)
    assert score(measure, too_few).value is None


# -- PSFS, NPRS, timed tests -------------------------------------------------------------------
def test_psfs_is_the_average_of_the_rated_activities() -> None:
    assert score("PSFS", [3, 5, 7]).value == pytest.approx(5.0)
    assert score("PSFS", [4, None, 6]).value == pytest.approx(5.0)
    assert score("PSFS", [2, 3, 4, 5, 6]).value == pytest.approx(4.0)
    assert score("PSFS", [None, None, None]).value is None
    with pytest.raises(InvalidResponse, match="1–5 responses"):
        score("PSFS", [1, 2, 3, 4, 5, 6])
    with pytest.raises(InvalidResponse):
        score("PSFS", [11, 2, 3])


def test_nprs_takes_one_whole_number_0_to_10() -> None:
    assert score("NPRS", [7]).value == 7
    with pytest.raises(InvalidResponse, match="not a whole number"):
        score("NPRS", [2.5])
    with pytest.raises(InvalidResponse):
        score("NPRS", [11])


def test_tug_band_at_the_steadi_cut_off() -> None:
    assert score("TUG", [9.4]).band.startswith("below")
    assert score("TUG", [12.0]).band.startswith("at risk")
    assert score("TUG", [11.96]).band.startswith("at risk")  # shown as 12.0 s


def test_five_times_sit_to_stand_without_a_time_is_recorded_as_failed() -> None:
    s = score("5xSTS", [None])
    assert s.value is None
    assert "upper-extremity support" in s.reason
    assert score("5xSTS", [13.2]).value == pytest.approx(13.2)


def test_six_minute_walk_stores_metres_and_converts_feet() -> None:
    metres = score("6MWT", [350])
    assert (metres.value, metres.unit) == (350, "m")
    feet = score("6MWT", [1000], unit="ft")
    assert feet.value == pytest.approx(304.8) and feet.unit == "m"
    with pytest.raises(InvalidResponse, match="not 'yards'"):
        score("6MWT", [300], unit="yards")


# -- invalid input -----------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["3", True, math.nan, math.inf, object()])
def test_non_numeric_responses_raise_a_clear_error(bad: object) -> None:
    with pytest.raises(InvalidResponse, match="Item 1"):
        score("NPRS", [bad])  # type: ignore[list-item]


def test_responses_must_be_a_list() -> None:
    with pytest.raises(InvalidResponse, match="list of numbers"):
        score("NPRS", "7")  # type: ignore[arg-type]


def test_unknown_measure() -> None:
    with pytest.raises(UnknownMeasure, match="not a measure Chartside scores"):
        score("WOMAC", [1])
    assert definition("lefs").id == "LEFS"


def test_display_rounds_half_away_from_zero() -> None:
    assert format_value(35.55, 1) == "35.6"
    assert format_value(2.5, 0) == "3"
    assert format_value(-0.25, 1) == "-0.3"


def test_every_measure_scores_a_full_mid_range_form() -> None:
    for d in definitions().values():
        if d.response_values:
            mid = d.response_values[len(d.response_values) // 2]
        else:
            mid = (d.response_min + d.response_max) / 2
            mid = round(mid) if d.integer else mid
        s = score(d.id, [mid] * d.max_items)
        assert s.scorable, d.id
        assert s.scale and s.unit, d.id
