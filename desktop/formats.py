"""How the desktop writes dates and counts: one format everywhere (issue 13 found ISO, "Apr 09,
2026", "04/09" and "Apr 9, 2026" side by side, and "1 visits", "0 sentence", "note(s)").

Contract (pure Python, no Qt; every screen uses these, tests/desktop/test_formats.py):
- ``show_date(d)``: "Apr 9, 1958"; ``show_day(d)``: "Apr 9" (axes, lists within a year);
  ``show_when(t)``: "Apr 9, 2026 14:05" (timestamps); ``None`` reads as "".
- Typing a date stays free (``typed_values.parse_date``); what the app *shows* is these.
- ``count(n, "visit")``: "1 visit", "2 visits", "0 visits" (irregular plurals passed in:
  ``count(n, "entry", "entries")``). ``count_or(n, "visit", none="No visits yet")`` says the
  empty case in words.
- Printed forms keep their own formats (the superbill and CMS-1500: MM/DD/YYYY) in core.export.
"""

from __future__ import annotations

import datetime as dt


def show_date(day: dt.date | None) -> str:
    """"Apr 9, 1958"."""
    return f"{day:%b} {day.day}, {day.year}" if day else ""


def show_day(day: dt.date | None) -> str:
    """"Apr 9": where the year is plain from the context (an axis, this year's list)."""
    return f"{day:%b} {day.day}" if day else ""


def show_when(moment: dt.datetime | None) -> str:
    """"Apr 9, 2026 14:05" (the 24-hour clock, as the visit times are shown)."""
    return f"{show_date(moment.date())} {moment:%H:%M}" if moment else ""


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """The word alone, agreeing with ``n``: plural("visit", 1) → "visit"."""
    return singular if n == 1 else (plural_form or singular + "s")


def count(n: int, singular: str, plural_form: str | None = None) -> str:
    """"1 visit", "2 visits", "0 visits"."""
    return f"{n} {plural(n, singular, plural_form)}"


def count_or(n: int, singular: str, plural_form: str | None = None, *, none: str) -> str:
    """``count`` but ``none`` (e.g. "No visits yet") when ``n`` is 0."""
    return none if n == 0 else count(n, singular, plural_form)
