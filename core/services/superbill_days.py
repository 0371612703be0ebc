"""Claim days for a superbill: grouping signed visits into days, the day's priced codes from
the ledger, the rendering visit of a line, and the certification gate.

Contract: pure helpers of ``core.services.superbill_gather`` over values it already read.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core.domain.episode import Episode
from core.domain.visit import Note, Visit
from core.rules.lines import ServiceLine
from core.services.billing import Account
from core.services.pricing import Payer, PricedService, day_key

Signed = list[tuple[Visit, Note]]


def claim_days(
    signed: Signed, episodes: Mapping[uuid.UUID, Episode], payers: Mapping[uuid.UUID, Payer]
) -> list[Signed]:
    """The signed visits grouped into claim days (``pricing.day_key``), in date order."""
    groups: dict[Any, list[tuple[Visit, Note]]] = {}
    for visit, note in signed:
        key = day_key(visit.date, payers[visit.episode_id],
                      episodes[visit.episode_id].discipline)
        groups.setdefault(key, []).append((visit, note))
    return list(groups.values())


def day_services(members: list[tuple[Visit, Note]], account: Account) -> list[PricedService]:
    """The day's priced codes: the ledger's per-visit shares (``pricing.price_by_day``, the
    same day grouping) added back up, so the lines and the ledger agree to the cent."""
    out: dict[str, PricedService] = {}
    for visit, _note in members:
        for s in account.charged_visits.get(visit.id, []):
            seen = out.get(s.code)
            if seen is None:
                out[s.code] = s
                continue
            left = s.left_off if s.left_off in ("unknown", "bundled") else seen.left_off
            out[s.code] = PricedService(
                s.code, seen.units + s.units, seen.minutes + s.minutes,
                seen.fee_cents if seen.fee_cents is not None else s.fee_cents,
                seen.charge_cents + s.charge_cents, left)
    fixed = []
    for s in out.values():
        left = s.left_off
        if left == "zero_units" and s.units > 0:
            left = None
        elif left is None and s.units <= 0:
            left = "zero_units"
        fixed.append(replace(s, left_off=left))
    return fixed


def main_visit(code: str, lines: list[tuple[Visit, ServiceLine]], default: Visit) -> Visit:
    """The visit (and so the rendering clinician) with the most minutes of ``code``."""
    minutes: dict[uuid.UUID, int] = {}
    visits: dict[uuid.UUID, Visit] = {}
    for visit, ln in lines:
        if ln.code == code:
            minutes[visit.id] = minutes.get(visit.id, 0) + max(ln.minutes or 0, 0)
            visits[visit.id] = visit
    if not minutes:
        return default
    best = max(minutes, key=lambda vid: minutes[vid])  # first of equals wins
    return visits[best]


def certification(
    signed: Signed, episodes: Mapping[uuid.UUID, Episode], payers: Mapping[uuid.UUID, Payer],
    today: dt.date,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Services after the certified period, and plans unsigned past the grace period as of
    ``today``, for payers with certification rules (Medicare; Pub. 100-02 Ch. 15 §220.1)."""
    expired: list[str] = []
    unsigned: list[str] = []
    for eid in sorted({v.episode_id for v, _n in signed}, key=str):
        cert = payers[eid].rules.certification
        if cert is None:
            continue
        ep = episodes[eid]
        visits = sorted(v.date for v, _n in signed if v.episode_id == eid)
        start = ep.cert_start or min([ep.start_date, *visits])
        end = start + dt.timedelta(days=cert.max_days - 1)
        if ep.cert_end is not None:
            end = min(end, ep.cert_end)
        expired.extend(f"{d.isoformat()} (certified through {end.isoformat()})"
                       for d in visits if d > end)
        deadline = start + dt.timedelta(days=cert.sign_within_days)
        if ep.certified_on is None and today > deadline:
            unsigned.append(f"{start.isoformat()} (signature due {deadline.isoformat()})")
    return tuple(expired), tuple(unsigned)
