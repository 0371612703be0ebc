"""Outcome-measure values: a computed ``Score`` and the stored ``MeasureScore`` record.

Contract:
- Numbers only. Responses are the item answers as numbers (``None`` = left blank); no item
  wording is ever held here (most instruments' text is licensed, see docs/measures.md).
- ``Score.value`` is the raw, unrounded result (e.g. 35.555…% for ODI 16/45); it is rounded
  only by ``Score.display`` for the screen. ``value is None`` means unscorable and
  ``reason`` says why in words a clinician can act on.
- A ``MeasureScore`` is written once when the clinician records the measure ("scored once"):
  the value, scale, band and unit stored with it are what trends and reports show later.
- Invalid input (wrong count, out of range, not a number) raises ``InvalidResponse``; a form
  that is valid but fails the missing-item rule is an unscorable ``Score`` instead, because the
  answers themselves are legitimate documentation.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from core.domain.errors import InvalidInput
from core.domain.ids import new_id

Response = float | int | None


class UnknownMeasure(InvalidInput):
    """A measure id that no definition in ``resources/measures`` declares."""


class InvalidResponse(InvalidInput):
    """An answer that cannot be a response to this measure (range, count, type)."""

    def __init__(self, message: str, *, item: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.item = item  # 1-based item number, None when the whole form is wrong


@dataclass(frozen=True, slots=True)
class Score:
    """The result of scoring one administration of a measure."""

    measure_id: str
    value: float | None
    scale: str
    unit: str
    band: str = ""
    items_used: int = 0
    items_expected: int = 0
    reason: str = ""
    decimals: int = 0
    secondary: tuple[tuple[str, float], ...] = ()  # e.g. (("%", 71.1),) for NDI

    @property
    def scorable(self) -> bool:
        return self.value is not None

    @property
    def display(self) -> str:
        """The value rounded for display ("35.6 %"), or "unscorable"."""
        if self.value is None:
            return "unscorable"
        return f"{format_value(self.value, self.decimals)} {self.unit}".strip()


def format_value(value: float, decimals: int) -> str:
    """Round half away from zero (35.555 → "35.6"), never banker's rounding."""
    sign = -1 if value < 0 else 1
    scaled = abs(value) * 10**decimals + 1e-9
    rounded = sign * int(scaled + 0.5) / 10**decimals
    return f"{rounded:.{decimals}f}"


@dataclass(frozen=True)
class MeasureScore:
    """One recorded administration of a measure for a patient (a row of ``measure_scores``)."""

    patient_id: uuid.UUID
    measure_id: str
    date: dt.date
    responses: tuple[Response, ...]
    value: float | None
    scale: str
    unit: str
    band: str
    created_at: dt.datetime
    episode_id: uuid.UUID | None = None
    note_id: uuid.UUID | None = None
    id: uuid.UUID = field(default_factory=new_id)

    @property
    def scorable(self) -> bool:
        return self.value is not None
