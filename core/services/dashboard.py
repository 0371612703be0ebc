"""The compliance dashboard: what needs doing, each row naming the record that fixes it.

Contract:
- ``compliance_dashboard(chart, today=...) -> Dashboard`` reads in one unit of work with a fixed
  number of statements (``core.storage.repos_books.BooksReads``), whatever the chart's size;
  nothing is written and the refresh is not audited (names and dates only, like the patient
  list). Call it on the database worker, never the GUI thread.
- Every ``DashboardRow`` has a ``rule`` (see ``RULES``), a severity (``urgent`` > ``due`` >
  ``soon``), a message without amounts of PHI beyond the patient's name, and a target
  (``target_kind`` "note" | "episode" | "patient", ``target_id``) that the UI opens.
  ``patient_ref`` (initials + short id) is what exports print instead of the name.
- The rules reuse the sign gate's logic, never a copy of it: progress reports and plan-of-care
  expiry come from ``core.rules.measures.episode_alerts`` (``plan.treatment_day`` counting)
  through ``core.services.progress.alerts_for``, as the measures panel's alerts do;
  plan-of-care signature deadlines from the payer's ``CertificationRules``; the KX threshold
  from ``core.rules.kx.kx_status`` over this year's charges priced by
  ``core.services.billing.price_services`` (as the superbill does); identical 97110 parameters
  from ``core.rules.checks.forms.check_97110_progression`` (acknowledgements respected).
  The rules and what clears each are listed in ``RULES`` and docs/books.md.
- The rules themselves are pure functions in ``core.rules.dashboard`` (tested on plain domain
  objects); this service loads what they need in one unit of work and calls them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from core.domain.episode import Episode
from core.domain.practice import PayerProfile
from core.rules import dashboard as rules
from core.rules.dashboard import (
    RULES,
    SEVERITY_ORDER,
    Dashboard,
    DashboardRow,
    unsigned_age_bucket,
)
from core.rules.packs import RulePacks, default_packs
from core.services import inventory
from core.services.billing import Payer, payer_for, price_services
from core.services.progress import alerts_for, stub_visit
from core.storage.chart import ChartSession
from core.storage.repos_books import BooksReads, EpisodeVisit
from core.storage.uow import UnitOfWork

__all__ = [
    "RULES",
    "SEVERITY_ORDER",
    "Dashboard",
    "DashboardRow",
    "compliance_dashboard",
    "load_dashboard",
    "payers_by_episode",
    "unsigned_age_bucket",
]


def compliance_dashboard(
    chart: ChartSession, *, today: dt.date | None = None, packs: RulePacks | None = None
) -> Dashboard:
    today = today or dt.date.today()
    with chart.uow() as uow:
        return load_dashboard(uow, today, packs or default_packs())


def load_dashboard(uow: UnitOfWork, today: dt.date, packs: RulePacks) -> Dashboard:
    """The dashboard read in ``uow`` (see the module docstring)."""
    reads = uow.books.reads
    raw: list[dict[str, Any]] = rules.unsigned_rows(reads.draft_notes(today), today)
    episodes = reads.active_episodes(today)
    profiles = {p.id: p for p in uow.payers.list()}
    payer_of = {e.id: profiles.get(e.payer_profile_id) if e.payer_profile_id else None
                for e in episodes}
    visits = reads.episode_visits(episodes)
    for ep, alert in alerts_for(episodes, payer_of, visits, today):
        raw.append(rules.row(alert.kind.value, alert.severity, alert.message, "episode", ep,
                             date=alert.due_date))
    for ep in episodes:
        rows = visits.get(ep.id, [])
        raw += rules.plan_unsigned_rows(ep, payer_of[ep.id] or "cash", rows, today)
        raw += rules.visit_cap_rows(ep, rows, today)
    raw += _kx(uow, reads, episodes, today, packs)
    raw += _identical(reads, episodes, visits, payer_of, today, packs)
    raw += rules.low_stock_rows(inventory.stock_within(uow, today), today)  # issue 20
    return rules.finish(raw, reads.patient_names(r["patient_id"] for r in raw), today)


def _kx(
    uow: UnitOfWork, reads: BooksReads, episodes: Sequence[Episode], today: dt.date,
    packs: RulePacks,
) -> list[dict[str, Any]]:
    """Year-to-date charges under KX payers per patient and bucket (as the superbill counts),
    read here; the rows come from ``rules.kx_rows``."""
    payers = payers_by_episode(uow, {e.id: e for e in episodes}, packs)
    active = [e for e in episodes if payers[e.id].rules.uses_kx_threshold]
    if not active:
        return []
    fees = uow.billing.fees.list()
    ytd: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    start = dt.date(today.year, 1, 1)
    visits = reads.signed_minutes(start, today, sorted({e.patient_id for e in active}, key=str))
    episode_by_id = {e.id: e for e in episodes}
    episode_by_id.update(reads.episodes(v.episode_id for v in visits
                                        if v.episode_id not in episode_by_id))
    payers.update(payers_by_episode(uow, episode_by_id, packs))
    for v in visits:
        payer = payers[v.episode_id]
        if not payer.rules.uses_kx_threshold:
            continue
        _units, priced = price_services(v.minutes, payer, v.date, fees, packs)
        cents = sum(s.charge_cents for s in priced)
        ytd[v.patient_id][str(episode_by_id[v.episode_id].discipline)] += Decimal(cents) / 100
    return rules.kx_rows(active, payers, ytd, today, packs)


def payers_by_episode(
    uow: UnitOfWork, episodes: dict[uuid.UUID, Episode], packs: RulePacks
) -> dict[uuid.UUID, Payer]:
    """``billing.payer_for`` of each episode, called once per payer profile (not per episode)."""
    by_profile: dict[uuid.UUID | None, Payer] = {}
    for e in episodes.values():
        if e.payer_profile_id not in by_profile:
            by_profile[e.payer_profile_id] = payer_for(uow, e, packs)
    return {eid: by_profile[e.payer_profile_id] for eid, e in episodes.items()}


def _identical(
    reads: BooksReads, episodes: Sequence[Episode],
    visits: dict[uuid.UUID, list[EpisodeVisit]],
    payer_of: dict[uuid.UUID, PayerProfile | None], today: dt.date, packs: RulePacks,
) -> list[dict[str, Any]]:
    """The latest note of each active episode vs the two before it (``rules.identical_rows``)."""
    last3 = {ep.id: rows for ep in episodes
             if (rows := rules.last_held(visits.get(ep.id, []), today))}
    ids = [r.id for rows in last3.values() for r in rows]
    notes = reads.latest_notes(ids) if ids else {}
    out: list[dict[str, Any]] = []
    for ep in episodes:
        loaded = [(notes[r.id], stub_visit(r, ep)) for r in last3.get(ep.id, ())
                  if r.id in notes]
        out += rules.identical_rows(ep, loaded, payer_of[ep.id] or "cash", packs)
    return out
