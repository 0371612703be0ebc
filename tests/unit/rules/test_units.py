"""core.rules.units: the CMS manual's examples, the unit chart, contrast vectors, properties."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.enums import UnitMethod
from core.domain.errors import InvalidCode, InvalidInput
from core.rules.packs import default_packs
from core.rules.units import chart_units, compute_units, units_for_note

if TYPE_CHECKING:
    from rules_fixtures import Chart

CMS = UnitMethod.CMS_TOTAL_TIME
PER_CODE = UnitMethod.PER_CODE


# -- the chart (First Coast reproduction of Pub. 100-04 Ch. 5 §20.2) ----------------------------
@pytest.mark.parametrize(
    ("minutes", "units"),
    [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4),
     (68, 5), (82, 5), (83, 6), (97, 6), (98, 7), (112, 7), (113, 8), (127, 8), (128, 9)],
)
def test_unit_chart(minutes: int, units: int) -> None:
    assert chart_units(minutes) == units
    assert compute_units({"97110": minutes}, CMS).units["97110"] == units


# -- the manual's numbered examples (billing.md §1.4) -------------------------------------------
def test_example_1_24_and_23() -> None:
    r = compute_units({"97112": 24, "97110": 23}, CMS)
    assert dict(r.units) == {"97112": 2, "97110": 1}
    assert r.ties == ()


def test_example_2_20_and_20_is_a_tie() -> None:
    r = compute_units({"97112": 20, "97110": 20}, CMS)
    assert r.timed_units == 3
    assert sorted(r.units.values()) == [1, 2]  # either code may take the 2
    (tie,) = r.ties
    assert set(tie.codes) == {"97112", "97110"} and tie.units == 1
    assert tie.default == ("97112",) and r.units["97112"] == 2  # default: first listed
    assert "TIE" in r.explanation and "clinician chooses" in r.explanation


def test_example_3_33_and_7_bills_the_larger_leftover() -> None:
    r = compute_units({"97110": 33, "97140": 7}, CMS)
    assert dict(r.units) == {"97110": 2, "97140": 1}
    assert "40 timed minutes → 3 units" in r.explanation
    assert "97140 (7 min left) over 97110 (3)" in r.explanation


def test_example_4_ultrasound_gets_no_unit() -> None:
    r = compute_units({"97110": 18, "97140": 13, "97116": 10, "97035": 8}, CMS)
    assert dict(r.units) == {"97110": 1, "97140": 1, "97116": 1, "97035": 0}
    assert "97035 (8 min) earns no unit; still document it" in r.explanation


def test_seven_seven_seven_bills_one_unit_to_any_one_code() -> None:
    r = compute_units({"97112": 7, "97110": 7, "97140": 7}, CMS)
    assert r.timed_units == 1
    assert sum(1 for n in r.units.values() if n == 1) == 1
    (tie,) = r.ties
    assert set(tie.codes) == {"97112", "97110", "97140"} and tie.remainder_minutes == 7


def test_never_gives_one_code_every_unit_on_a_tie() -> None:
    r = compute_units({"97110": 22, "97140": 7}, CMS)
    assert r.timed_units == 2
    # tie at 7 leftover minutes: default prefers the code with fewer full units
    assert dict(r.units) == {"97110": 1, "97140": 1}
    assert r.ties and r.ties[0].default == ("97140",)


# -- contrast vectors (billing.md §2) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("minutes", "cms_total", "per_code_total"),
    [
        ({"97112": 24, "97110": 23}, 3, 4),
        ({"97110": 33, "97140": 7}, 3, 2),
        ({"97110": 18, "97140": 13, "97116": 10, "97035": 8}, 3, 4),
        ({"97112": 7, "97110": 7, "97140": 7}, 1, 0),
        ({"97110": 10, "97140": 10}, 1, 2),
    ],
)
def test_contrast_vectors(minutes: dict[str, int], cms_total: int, per_code_total: int) -> None:
    assert compute_units(minutes, CMS).timed_units == cms_total
    per_code = compute_units(minutes, PER_CODE)
    assert per_code.timed_units == per_code_total
    assert per_code.ties == ()


def test_per_code_33_7_is_2_and_0() -> None:
    assert dict(compute_units({"97110": 33, "97140": 7}, PER_CODE).units) == {
        "97110": 2, "97140": 0}


# -- untimed, cognitive pool, 30-minute codes ---------------------------------------------------
def test_untimed_is_always_one_unit_and_not_pooled() -> None:
    r = compute_units({"97161": 45, "97010": 0, "97110": 7}, CMS)
    assert dict(r.units) == {"97161": 1, "97010": 1, "97110": 0}
    assert r.untimed_units == 2 and r.timed_minutes == 7 and r.total_units == 2


@pytest.mark.parametrize("method", [CMS, PER_CODE])
@pytest.mark.parametrize(
    ("minutes", "u97129", "u97130"),
    [({"97129": 7}, 0, 0), ({"97129": 8}, 1, 0), ({"97129": 22}, 1, 0), ({"97129": 23}, 1, 1),
     ({"97129": 15, "97130": 30}, 1, 2), ({"97129": 40}, 1, 2)],
)
def test_cognitive_pool(minutes: dict[str, int], u97129: int, u97130: int,
                        method: UnitMethod) -> None:
    r = compute_units(minutes, method)
    assert r.units_for("97129") == u97129
    assert r.units_for("97130") == u97130


def test_cognitive_pool_competes_as_one_service_under_cms() -> None:
    r = compute_units({"97129": 15, "97130": 10, "97110": 5}, CMS)  # 30 min → 2 units
    assert r.units_for("97129") == 1 and r.units_for("97130") == 1 and r.units_for("97110") == 0


@pytest.mark.parametrize(("minutes", "units"), [(15, 0), (16, 1), (45, 1), (46, 2), (75, 2)])
def test_thirty_minute_education_units(minutes: int, units: int) -> None:
    r = compute_units({"98960": minutes, "97110": 8}, CMS)
    assert r.units["98960"] == units
    assert r.units["97110"] == 1  # never pooled with 15-minute codes


# -- input handling -----------------------------------------------------------------------------
def test_list_input_sums_repeated_codes() -> None:
    r = compute_units([("97110", 10), ("97140", 7), ("97110", 13)], CMS)
    assert r.minutes["97110"] == 23 and dict(r.units) == {"97110": 2, "97140": 0}


def test_note_convenience_sums_blocks(chart: Chart) -> None:
    visit = chart.visit()
    note = chart.note(visit, [
        chart.block("97110", "09:00", "09:10"),
        chart.block("97140", "09:10", "09:17"),
        chart.block("97110", "09:17", "09:30"),
    ])
    r = units_for_note(note, CMS)
    assert r.minutes["97110"] == 23 and r.units["97110"] == 2 and r.units["97140"] == 0


def test_note_convenience_tolerates_draft_blocks(chart: Chart) -> None:
    note = chart.note(chart.visit(), [chart.block("97110", "09:00", None),
                                      chart.block("97140", "09:30", "09:10")])
    assert units_for_note(note, CMS).timed_units == 0


@pytest.mark.parametrize(
    ("value", "error", "text"),
    [
        ({"99999": 10}, InvalidCode, "not in Chartside's therapy code catalog"),
        ({"abc": 10}, InvalidCode, "not in Chartside's therapy code catalog"),
        ({"97110": -5}, InvalidInput, "cannot be negative"),
        ({"97110": 7.5}, InvalidInput, "whole number"),
        ({"97110": True}, InvalidInput, "whole number"),
        ([("97110",)], InvalidInput, "(code, minutes) pairs"),
        ([(97110, 5)], InvalidInput, "not a procedure code"),
    ],
)
def test_malformed_input(value: object, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text.replace("(", r"\(").replace(")", r"\)")):
        compute_units(value, CMS)  # type: ignore[arg-type]


def test_unknown_method() -> None:
    with pytest.raises(InvalidInput, match="not a unit method"):
        compute_units({"97110": 10}, "hourly")


# -- properties ---------------------------------------------------------------------------------
FIFTEEN = sorted(
    c.code for c in default_packs().codes.values()
    if c.timed and c.unit_minutes == 15 and not c.unit_pool
)
minutes_maps = st.dictionaries(st.sampled_from(FIFTEEN), st.integers(0, 130), max_size=6)


@given(minutes_maps)
def test_cms_total_equals_chart_of_total_minutes(minutes: dict[str, int]) -> None:
    r = compute_units(minutes, CMS)
    assert r.timed_units == chart_units(sum(minutes.values()))


@given(minutes_maps)
def test_cms_never_gives_a_unit_without_minutes(minutes: dict[str, int]) -> None:
    r = compute_units(minutes, CMS)
    for code, m in minutes.items():
        assert m // 15 <= r.units[code] <= m // 15 + (1 if m % 15 else 0)
        if m == 0:
            assert r.units[code] == 0


@given(minutes_maps)
def test_cms_leftover_units_follow_the_largest_remainders(minutes: dict[str, int]) -> None:
    r = compute_units(minutes, CMS)
    got = [c for c, m in minutes.items() if r.units[c] > m // 15]
    missed = [c for c, m in minutes.items() if r.units[c] == m // 15 and m % 15]
    if got and missed:
        assert min(minutes[c] % 15 for c in got) >= max(minutes[c] % 15 for c in missed)


@given(minutes_maps, st.sampled_from(FIFTEEN), st.integers(0, 130))
def test_per_code_never_pools(minutes: dict[str, int], extra: str, extra_min: int) -> None:
    r = compute_units(minutes, PER_CODE)
    for code, m in minutes.items():
        assert r.units[code] == chart_units(m)
    more = compute_units({**minutes, extra: minutes.get(extra, 0) + extra_min}, PER_CODE)
    for code in minutes:
        if code != extra:
            assert more.units[code] == r.units[code]


_ANY_CODE = st.sampled_from(sorted(default_packs().codes))


@given(st.lists(st.tuples(_ANY_CODE, st.integers(0, 200)), max_size=6),
       st.sampled_from(list(UnitMethod)))
def test_pricing_without_the_explanation_gives_the_same_units(
    minutes: list[tuple[str, int]], method: UnitMethod
) -> None:
    """``explain=False`` (the ledger's pricing) skips only the sentences: units, minutes,
    totals and ties are those of the explained result, for every code of the catalog."""
    full = compute_units(minutes, method)
    bare = compute_units(minutes, method, explain=False)
    assert bare.lines == () and (full.lines or not minutes)
    assert (bare.units, bare.minutes, bare.timed_minutes, bare.timed_units,
            bare.untimed_units, bare.ties) == (full.units, full.minutes, full.timed_minutes,
                                                full.timed_units, full.untimed_units, full.ties)
    assert list(bare.units) == list(full.units)  # the same order (ties and lines follow it)
