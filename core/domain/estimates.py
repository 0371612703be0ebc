"""Good-faith estimates for self-pay and out-of-network patients (No Surprises Act, 45 CFR
149.610; issue 18): what the plan of care is expected to cost, issued and kept with the episode.

Amounts are integer cents. ``lines`` are frozen at issue: a later fee change does not alter an
estimate already given to the patient. ``pdf`` is the document as issued (kept 6 years with the
chart, like the rest of the record).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from core.domain.errors import ValidationError
from core.domain.ids import new_id

DISPUTE_THRESHOLD_CENTS = 40_000  # billed ≥ $400 over the estimate: the patient may dispute
MAX_PERIOD_DAYS = 366  # an estimate for recurring services covers up to 12 months


@dataclass(frozen=True, slots=True)
class EstimateLine:
    code: str
    label: str
    units: int  # in total over the period
    visits: int  # on how many visits it is expected
    fee_cents: int  # per unit
    total_cents: int


@dataclass(eq=False)
class GoodFaithEstimate:
    episode_id: uuid.UUID
    patient_id: uuid.UUID
    issued_on: dt.date
    period_from: dt.date
    period_to: dt.date
    visits: int
    lines: list[EstimateLine]
    diagnoses: list[str]
    total_cents: int
    sha256: str = ""
    pdf: bytes = b""
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.period_to < self.period_from:
            raise ValidationError("The estimate's period ends before it starts.",
                                  field="period_to")
        if (self.period_to - self.period_from).days > MAX_PERIOD_DAYS:
            raise ValidationError("A good-faith estimate covers at most 12 months.",
                                  field="period_to", hint="Issue a new estimate for the rest.")
        if self.visits <= 0:
            raise ValidationError("An estimate needs at least one expected visit.",
                                  field="visits")
