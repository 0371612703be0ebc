"""Typed dates and times (``desktop.typed_values``): the formats people type, and the errors."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop.typed_values import EntryError, parse_date, parse_time, show_date, show_time

TODAY = dt.date(2026, 3, 2)
DOB = dt.date(1958, 4, 12)


@pytest.mark.parametrize(
    "text",
    [
        "1958-04-12", "1958-4-12", "1958/04/12", "19580412",
        "4/12/1958", "04/12/1958", "4-12-1958", "4.12.1958", "4/12/58", "04121958", "041258",
        "Apr 12 1958", "April 12, 1958", "12 Apr 1958", "12 april 1958", " 4/12/1958 ",
    ],
)
def test_dates_people_type(text: str) -> None:
    assert parse_date(text, today=TODAY) == DOB


def test_two_digit_years_pick_the_near_century() -> None:
    assert parse_date("3/2/26", today=TODAY) == dt.date(2026, 3, 2)
    assert parse_date("3/2/36", today=TODAY) == dt.date(2036, 3, 2)  # 10 years ahead: ok
    assert parse_date("3/2/37", today=TODAY) == dt.date(1937, 3, 2)


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_is_no_date(text: str) -> None:
    assert parse_date(text, today=TODAY) is None


@pytest.mark.parametrize(
    "text", ["1958-13-01", "2/30/2020", "04/12", "1958", "yesterday", "12 Foo 1958", "4121958"]
)
def test_not_a_date(text: str) -> None:
    with pytest.raises(EntryError) as err:
        parse_date(text, today=TODAY)
    assert "date" in str(err.value)


@pytest.mark.parametrize(
    ("text", "hour", "minute"),
    [
        ("900", 9, 0), ("0900", 9, 0), ("9:00", 9, 0), ("09:00", 9, 0), ("9.00", 9, 0),
        ("9", 9, 0), ("9a", 9, 0), ("9am", 9, 0), ("9 AM", 9, 0), ("9 a.m.", 9, 0),
        ("13:05", 13, 5), ("1305", 13, 5), ("1:05p", 13, 5), ("1:05 pm", 13, 5),
        ("1:05 p.m.", 13, 5), ("105p", 13, 5), ("12p", 12, 0), ("12a", 0, 0),
        ("12:30 am", 0, 30), ("1:05", 1, 5), ("23:59", 23, 59),
    ],
)
def test_times_people_type(text: str, hour: int, minute: int) -> None:
    assert parse_time(text) == dt.time(hour, minute)


@pytest.mark.parametrize("text", ["", "  "])
def test_empty_is_no_time(text: str) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize(
    "text", ["--:--900", "24:00", "9:60", "13p", "0a", "99999", "noon", "9m", "9:5"]
)
def test_not_a_time(text: str) -> None:
    with pytest.raises(EntryError):
        parse_time(text)


def test_what_the_fields_echo() -> None:
    assert show_date(DOB) == "Apr 12, 1958"
    assert show_date(None) == ""
    assert show_time(dt.time(13, 5)) == "1:05 PM"
    assert show_time(dt.time(9, 0)) == "9:00 AM"
