"""Priced services and the day a claim prices together: values shared by the ledger
(``core.services.pricing``), the superbill (``core.rules.superbill``) and the KX estimate.

Pure: no reads. ``PayerLike`` is what the rules read of an episode's payer
(``core.services.pricing.Payer`` is one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from core.domain.practice import PayerProfile
from core.rules.packs import PayerRules


@dataclass(frozen=True, slots=True)
class PricedService:
    """One code of one visit (or day): its units under the payer's method and its charge."""

    code: str
    units: int
    minutes: int
    fee_cents: int | None  # per unit; None: no fee on file for the day
    charge_cents: int
    left_off: str | None = None  # "zero_units" | "bundled" | "unknown": not billed
    # a billable supply a signed note used (issue 20; HCPCS Level II, e.g. A4556): not a
    # therapy service — no minutes, no modifiers, never counted toward the KX threshold;
    # "no_fee" when the fee schedule has no fee for it (left off, a scrub finding)
    supply: bool = False
    label: str = ""  # the supply's name (supplies are not in the code catalog)


class PayerLike(Protocol):
    """An episode's payer: its effective rules, what a note's context takes, and what tells
    two payers apart."""

    @property
    def rules(self) -> PayerRules: ...
    @property
    def context_payer(self) -> str | PayerProfile: ...
    @property
    def identity(self) -> object: ...


def day_key(date: dt.date, payer: PayerLike, discipline: object) -> tuple[dt.date, object, str]:
    """Visits priced together: one patient, one date, one payer, one discipline (GP/GO/GN)."""
    return date, payer.identity, str(discipline)
