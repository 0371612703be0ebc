"""Weekdays and time spans as a therapist types them ("Mon-Fri", "08:00-12:00"): shared by the
``chartside schedule hours/block`` commands and the Schedule page's hours panel. Pure."""

from __future__ import annotations

import datetime as dt

from core.domain.errors import InvalidInput

_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def parse_weekdays(text: str) -> list[int]:
    """"Mon-Fri", "Mon,Wed,Fri", "Sat" or "Fri-Mon" (wraps) → weekday numbers (Monday 0)."""
    out: list[int] = []
    for part in text.lower().replace(" ", "").split(","):
        ends = part.split("-")
        try:
            first, last = _DAYS[ends[0][:3]], _DAYS[ends[-1][:3]]
        except (KeyError, IndexError):
            raise InvalidInput(f"{part[:20]!r} is not a weekday (Mon…Sun).") from None
        out += list(range(first, last + 1)) if first <= last else [*range(first, 7),
                                                                    *range(0, last + 1)]
    return sorted(set(out))


def parse_span(text: str) -> tuple[dt.time, dt.time]:
    """"08:00-12:00" → (08:00, 12:00)."""
    try:
        a, b = text.split("-")
        return dt.time.fromisoformat(a.strip()), dt.time.fromisoformat(b.strip())
    except ValueError:
        raise InvalidInput(f"{text[:20]!r} is not HH:MM-HH:MM.") from None
