"""Dates and clock times as people type them, read into ``datetime`` values. Pure: no Qt, no
I/O, so the rules are unit-tested alone (tests/unit/test_typed_values.py).

Contract:
- ``parse_date(text, today=...)``: ``None`` for empty text; a ``dt.date`` for ISO
  (``1958-04-12``, ``1958/4/12``, ``19580412``), US month-first (``4/12/1958``, ``4-12-58``,
  ``04121958``, ``041258``) and month names (``Apr 12 1958``, ``12 April 1958``); otherwise
  ``EntryError`` with a message a clinician can act on. Two-digit years are this century
  unless that would be more than 10 years ahead of ``today`` (``4/12/58`` → 1958).
- ``parse_time(text)``: ``None`` for empty text; a ``dt.time`` for ``900``, ``0900``,
  ``9:00``, ``9.00``, ``9``, ``9a``, ``9 am``, ``1:05p``, ``1:05 p.m.``, ``13:05``, ``1305``.
  Without am/pm the hour is read on the 24-hour clock (``1:05`` is 01:05); nothing is guessed.
- ``show_date`` / ``show_time``: what the fields echo back ("Apr 12, 1958", "1:05 PM").
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
DATE_EXAMPLE = "4/12/1958 or 1958-04-12"
TIME_EXAMPLE = "9:00, 900, 9a or 13:05"

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_US = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$")
_WORDS = re.compile(r"[a-z]+|\d+")
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(?:([ap])\.?\s*(?:m\.?)?)?$")


class EntryError(ValueError):
    """Typed text that is not a date or time; ``str(error)`` says what to type."""


def _century(yy: int, today: dt.date) -> int:
    year = 2000 + yy
    return year if year <= today.year + 10 else year - 100


def _make(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise EntryError(f"{text!r} is not a date on the calendar.") from None


def parse_date(text: str, *, today: dt.date | None = None) -> dt.date | None:
    """The date ``text`` names, or ``None`` when it is empty (see the module docstring)."""
    s = text.strip().lower().rstrip(".,")
    if not s:
        return None
    today = today or dt.date.today()
    if m := _ISO.match(s):
        return _make(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _US.match(s):
        year = int(m[3]) if len(m[3]) == 4 else _century(int(m[3]), today)
        return _make(year, int(m[1]), int(m[2]), text)
    if s.isdigit():
        if len(s) == 8 and s[:2] in ("19", "20"):  # 19580412: no month starts with 19/20
            return _make(int(s[:4]), int(s[4:6]), int(s[6:]), text)
        if len(s) == 8:
            return _make(int(s[4:]), int(s[:2]), int(s[2:4]), text)
        if len(s) == 6:
            return _make(_century(int(s[4:]), today), int(s[:2]), int(s[2:4]), text)
    words = _WORDS.findall(s)
    names = [w for w in words if not w.isdigit()]
    numbers = [int(w) for w in words if w.isdigit()]
    if len(names) == 1 and names[0] in MONTHS and len(numbers) == 2:
        day, year = (numbers[0], numbers[1]) if numbers[1] > 31 else (numbers[1], numbers[0])
        if year < 100:
            year = _century(year, today)
        return _make(year, MONTHS[names[0]], day, text)
    raise EntryError(f"{text.strip()!r} is not a date. Type it like {DATE_EXAMPLE}.")


def parse_time(text: str) -> dt.time | None:
    """The clock time ``text`` names, or ``None`` when it is empty (see the module docstring)."""
    s = text.strip().lower()
    if not s:
        return None
    m = _TIME.match(s)
    if m is None and s.isdigit() and len(s) in (3, 4):  # 900, 0900, 1305
        m = _TIME.match(f"{s[:-2]}:{s[-2:]}")
    elif m is None and (d := re.match(r"^(\d{3,4})\s*([ap]\.?\s*m?\.?)$", s)):  # 905a
        m = _TIME.match(f"{d[1][:-2]}:{d[1][-2:]}{d[2]}")
    if m is None:
        raise EntryError(f"{text.strip()!r} is not a time. Type it like {TIME_EXAMPLE}.")
    hour, minute, half = int(m[1]), int(m[2] or 0), m[3]
    if half:
        if not 1 <= hour <= 12:
            raise EntryError(f"{text.strip()!r}: with am/pm the hour is 1 to 12.")
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        raise EntryError(f"{text.strip()!r} is not a time on the clock.")
    return dt.time(hour, minute)


def show_date(day: dt.date | None) -> str:
    """How a date reads back to the user: "Apr 12, 1958" (as the lists show dates)."""
    return f"{day:%b} {day.day}, {day.year}" if day else ""  # as desktop.formats.show_date


def show_time(t: dt.time | None) -> str:
    """How a time reads back to the user: "1:05 PM"."""
    return t.strftime("%I:%M %p").lstrip("0") if t else ""


def iso_date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def clock_time(t: dt.time | None) -> str:
    return t.strftime("%H:%M") if t else ""
