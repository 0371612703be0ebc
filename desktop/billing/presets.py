"""Date-range presets for monthly statements (pure; no Qt)."""

from __future__ import annotations

import datetime as dt

PRESETS = ("This month", "Last month", "Last 3 months", "This year", "Last 12 months", "Custom")


def _months_back(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def preset_range(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The inclusive dates of a preset ("This month", …) as of ``today``; the "last N months"
    presets are whole calendar months including the current one. "Custom" → this month."""
    first = today.replace(day=1)
    if name == "Last month":
        return _months_back(first, 1), first - dt.timedelta(days=1)
    if name == "Last 3 months":
        return _months_back(first, 2), today
    if name == "This year":
        return today.replace(month=1, day=1), today
    if name == "Last 12 months":
        return _months_back(first, 11), today
    return first, today
