"""Mileage (core.domain.books): legs, rates by tax year, the log's exact amounts and rounding —
unit and property tests on plain values (issue 17)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain.books import (
    LONG_LEG_MILES,
    PATIENT_PLACE,
    LongTrip,
    MileageEntry,
    MileageRate,
    MileageRateTable,
    build_mileage_log,
    check_long_leg,
    check_no_patient_name,
    dollars,
    round_cents,
)
from core.domain.errors import ValidationError

CLIN = uuid.UUID(int=1)
RATES = MileageRateTable((
    MileageRate(dt.date(2025, 1, 1), Decimal("70")),
    MileageRate(dt.date(2026, 1, 1), Decimal("72.5")),
    MileageRate(dt.date(2026, 7, 1), Decimal("74")),  # a mid-year change
))


def leg(day: dt.date = dt.date(2026, 3, 2), **kw: object) -> MileageEntry:
    args = {"miles": 10.0, "from_label": "Office", "to_label": "Home base",
            "purpose": "Home visit", **kw}
    return MileageEntry(CLIN, day, **args)  # type: ignore[arg-type]


def log(entries: list[MileageEntry], rates: MileageRateTable = RATES):  # type: ignore[no-untyped-def]
    return build_mileage_log(entries, rates, date_from=dt.date(2024, 1, 1),
                             date_to=dt.date(2027, 12, 31), place=lambda _e, label: label,
                             clinician_names={CLIN: "Ana Lima"})


def test_rates_follow_the_tax_year_and_mid_year_changes() -> None:
    assert RATES.rate_on(dt.date(2026, 6, 30)).cents_per_mile == Decimal("72.5")  # type: ignore[union-attr]
    assert RATES.rate_on(dt.date(2026, 7, 1)).cents_per_mile == Decimal("74")  # type: ignore[union-attr]
    assert RATES.rate_on(dt.date(2027, 2, 1)) is None  # never last year's rate
    assert RATES.rate_on(dt.date(2024, 12, 31)) is None


def test_odometer_readings_give_the_distance() -> None:
    assert leg(miles=None, odometer_start=1000.0, odometer_end=1012.34).miles == 12.3
    assert leg(miles=12.3, odometer_start=1000.0, odometer_end=1012.3).miles == 12.3


@pytest.mark.parametrize(("kw", "field"), [
    ({"miles": None, "odometer_start": 1012.0, "odometer_end": 1000.0}, "odometer_end"),
    ({"miles": None, "odometer_start": 1000.0}, "odometer_end"),
    ({"miles": 20.0, "odometer_start": 1000.0, "odometer_end": 1010.0}, "miles"),
    ({"miles": 0.0}, "miles"),
    ({"miles": 0.04}, "miles"),  # rounds to 0.0
    ({"miles": -3.0}, "miles"),
    ({"miles": float("nan")}, "miles"),
    ({"miles": None}, "miles"),
    ({"purpose": " "}, "purpose"),
    ({"to_label": "12 Elm Street"}, "to_label"),
    ({"from_label": "near 97214"}, "from_label"),
    ({"to_label": PATIENT_PLACE}, "visit_id"),
])
def test_bad_legs_are_refused_with_the_field(kw: dict, field: str) -> None:  # type: ignore[type-arg]
    args = {"from_label": "Office", "to_label": "Home base", "purpose": "Home visit",
            "miles": 10.0, **kw}
    with pytest.raises(ValidationError) as err:
        MileageEntry(CLIN, dt.date(2026, 3, 2), **args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_long_legs_need_confirming() -> None:
    long = leg(miles=LONG_LEG_MILES + 1)
    with pytest.raises(LongTrip):
        check_long_leg(long, confirmed=False)
    check_long_leg(long, confirmed=True)
    check_long_leg(leg(miles=LONG_LEG_MILES), confirmed=False)


def test_the_patients_name_stays_out_of_the_log() -> None:
    entry = leg(purpose="Home visit to Quillfeatherstone")
    with pytest.raises(ValidationError) as err:
        check_no_patient_name(entry, "Zebulon", "Quillfeatherstone", "ZQ-1a2b")
    assert "ZQ-1a2b" in err.value.message
    check_no_patient_name(leg(), "Zebulon", "Quillfeatherstone", "ZQ-1a2b")


def test_log_amounts_are_exact_and_rounded_only_for_display() -> None:
    entries = [leg(dt.date(2026, 3, 2), miles=12.3), leg(dt.date(2026, 3, 3), miles=0.1),
               leg(dt.date(2026, 8, 1), miles=7.7), leg(dt.date(2027, 1, 5), miles=4.0)]
    got = log(entries)
    assert [ln.amount_cents for ln in got.lines] == [
        Decimal("891.75"), Decimal("7.25"), Decimal("569.8"), None]
    assert got.unrated_dates == (dt.date(2027, 1, 5),)
    assert [(r.effective_from.month, r.trips, r.miles) for r in got.by_rate] == [
        (1, 2, Decimal("12.4")), (7, 1, Decimal("7.7"))]
    assert got.total_amount_cents == Decimal("1468.80")
    assert got.total_miles == Decimal("24.1")
    assert dollars(got.total_amount_cents) == "14.69"  # half up at display only
    assert round_cents(Decimal("0.5")) == 1 and round_cents(Decimal("2.5")) == 3


miles = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("499.9"), places=1)
days = st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(days, miles), max_size=12))
def test_log_totals_are_the_sum_of_their_lines(trips: list[tuple[dt.date, Decimal]]) -> None:
    got = log([leg(d, miles=float(m)) for d, m in trips])
    assert got.total_miles == sum((m for _d, m in trips), Decimal(0))
    rated = [ln for ln in got.lines if ln.amount_cents is not None]
    assert got.total_amount_cents == sum((ln.amount_cents or 0 for ln in rated), Decimal(0))
    for ln in rated:
        assert ln.amount_cents == ln.miles * ln.rate_cents  # type: ignore[operator]
        assert ln.amount_cents >= 0  # type: ignore[operator]
    assert sum(r.trips for r in got.by_rate) + len(got.unrated_dates) == len(trips)
    assert [ln.date for ln in got.lines] == sorted(d for d, _m in trips)
    assert abs(Decimal(dollars(got.total_amount_cents)) * 100 - got.total_amount_cents) <= \
        Decimal("0.5")


@settings(max_examples=40, deadline=None)
@given(st.decimals(min_value=0, max_value=200_000, places=1), miles)
def test_odometer_distance_is_the_difference(start: Decimal, distance: Decimal) -> None:
    entry = leg(miles=None, odometer_start=float(start), odometer_end=float(start + distance))
    assert entry.miles == float(distance)
