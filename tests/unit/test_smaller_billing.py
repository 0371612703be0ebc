"""Smaller billing fixes: measure aliases, mileage years without an IRS rate, non-finite
miles."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from core.domain.books import MileageEntry, MileageRate, MileageRateTable
from core.domain.errors import ValidationError
from core.rules.measures.definitions import UnknownMeasure, definition


@pytest.mark.parametrize(
    ("name", "expected"),
    [("BBS", "Berg"), ("Oswestry", "ODI"), ("FTSTS", "5xSTS"), ("KOOS Pain", "KOOS-PAIN"),
     ("koos adl", "KOOS-ADL"), ("Lower Extremity Functional Scale", "LEFS"), ("lefs", "LEFS"),
     ("6MWD", "6MWT"), ("Berg", "Berg")],
)
def test_measures_answer_to_common_names(name: str, expected: str) -> None:
    assert definition(name).id == expected


def test_an_unknown_measure_is_a_clear_lookup_error() -> None:
    with pytest.raises(UnknownMeasure) as err:
        definition("Frobnitz scale")
    assert "Frobnitz scale" in str(err.value) and "Known measures" in str(err.value)


def test_a_year_without_an_irs_rate_is_not_priced_at_last_years() -> None:
    table = MileageRateTable((MileageRate(dt.date(2025, 1, 1), Decimal("70.0")),
                              MileageRate(dt.date(2026, 1, 1), Decimal("72.5")),
                              MileageRate(dt.date(2026, 7, 1), Decimal("74.0"))))
    assert table.rate_on(dt.date(2025, 12, 31)).cents_per_mile == Decimal("70.0")
    assert table.rate_on(dt.date(2026, 3, 1)).cents_per_mile == Decimal("72.5")
    assert table.rate_on(dt.date(2026, 8, 1)).cents_per_mile == Decimal("74.0")  # mid-year
    assert table.rate_on(dt.date(2027, 2, 1)) is None
    assert table.rate_on(dt.date(2024, 6, 1)) is None


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_miles_are_refused(bad: float) -> None:
    with pytest.raises(ValidationError):
        MileageEntry(uuid.uuid4(), dt.date(2026, 3, 1), miles=bad)
    with pytest.raises(ValidationError):
        MileageEntry(uuid.uuid4(), dt.date(2026, 3, 1), odometer_start=10.0, odometer_end=bad)
