"""A/R aging: a patient's (or a practice's) open balances by the age of the date of service."""

from __future__ import annotations

import datetime as dt

from core.domain.billing import Ledger

AGING_BUCKETS = ("0-30", "31-60", "61-90", "90+")


def ar_aging(ledger: Ledger, as_of: dt.date) -> dict[str, int]:
    """Open balances by age of the date of service as of ``as_of``, in cents: 0–30, 31–60,
    61–90 and over 90 days. Unapplied credit is not spread over the buckets (it is reported
    separately by the ledger); visits after ``as_of`` and paid-up visits count nothing."""
    out = dict.fromkeys(AGING_BUCKETS, 0)
    for v in ledger.visits.values():
        if v.date > as_of or v.balance_cents <= 0:
            continue
        age = (as_of - v.date).days
        key = "0-30" if age <= 30 else "31-60" if age <= 60 else "61-90" if age <= 90 else "90+"
        out[key] += v.balance_cents
    return out
