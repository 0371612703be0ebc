"""Dashboard alerts for an episode: progress report due, plan of care expiring. Pure.

Contract:
- ``episode_alerts(episode, payer, history, today)`` returns ``Alert`` rows, most urgent first.
  ``history`` is the episode's notes with their visits (``PriorNote``), any order, any status.
- Progress reports reuse ``core.rules.checks.plan.treatment_day`` (the same counting the sign
  gate enforces: distinct dates of held visits; an evaluation/re-evaluation starts a period as
  day 1, a progress report ends one). The count is taken for a hypothetical next visit on
  ``today`` (or the day after the last visit when one was held today):
  day > every → *overdue* (the period already had ``every`` treatment days without a report);
  day == every → *due* at the next visit; day ≥ every − 2 → *upcoming*.
  Only payers with an interval (Medicare: 10) get these.
- Plan of care: the certified period ends at ``cert_end``, capped by the payer's maximum
  (Medicare 90 days from ``cert_start``, as ``plan.check_certification`` computes it).
  Within ``expiring_within_days`` (7) of the end → *expiring*; after it → *expired*.
- Discharged episodes (``discharged_on`` on or before ``today``) have no alerts.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from core.domain.enums import NoteType, VisitStatus
from core.domain.episode import Episode
from core.domain.practice import PayerProfile
from core.domain.visit import Note, Visit
from core.rules.checks.facts import build_facts
from core.rules.checks.plan import treatment_day
from core.rules.context import NoteContext, PriorNote, effective_payer_rules
from core.rules.packs import PayerRules, default_packs

EXPIRING_WITHIN_DAYS = 7
_NOT_HELD = (VisitStatus.CANCELLED, VisitStatus.NO_SHOW)  # as build_facts counts them


class AlertKind(StrEnum):
    PROGRESS_REPORT_OVERDUE = "progress_report_overdue"
    PROGRESS_REPORT_DUE = "progress_report_due"
    PROGRESS_REPORT_UPCOMING = "progress_report_upcoming"
    PLAN_EXPIRED = "plan_of_care_expired"
    PLAN_EXPIRING = "plan_of_care_expiring"


_SEVERITY = {
    AlertKind.PROGRESS_REPORT_OVERDUE: "urgent",
    AlertKind.PLAN_EXPIRED: "urgent",
    AlertKind.PROGRESS_REPORT_DUE: "due",
    AlertKind.PLAN_EXPIRING: "due",
    AlertKind.PROGRESS_REPORT_UPCOMING: "soon",
}
_ORDER = {"urgent": 0, "due": 1, "soon": 2}


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    episode_id: uuid.UUID
    patient_id: uuid.UUID
    message: str
    due_date: dt.date | None = None
    treatment_day: int | None = None

    @property
    def severity(self) -> str:
        return _SEVERITY[self.kind]


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """The current reporting period as the sign gate counts it."""

    start: dt.date | None  # first day counted (None: no visit yet)
    anchor: str  # "evaluation of 2026-10-01" | "start of the episode"
    day: int  # treatment-day number of a visit on ``on``


def report_period(
    episode: Episode, payer: str | PayerProfile, history: Sequence[PriorNote], on: dt.date
) -> ReportPeriod:
    """Treatment-day count for a (hypothetical) visit on ``on``, via ``plan.treatment_day``."""
    visit = Visit(patient_id=episode.patient_id, episode_id=episode.id,
                  clinician_id=episode.clinician_id or uuid.UUID(int=0), date=on)
    note = Note(visit_id=visit.id, note_type=NoteType.DAILY)
    ctx = NoteContext(visit=visit, episode=episode, payer=payer, history=tuple(history))
    facts = build_facts(note, ctx)
    day, anchor_date, kind = treatment_day(facts)
    held = sorted(p.visit.date for p in facts.earlier)
    if anchor_date is not None and kind is not None:
        ends = (NoteType.PROGRESS_REPORT, NoteType.DISCHARGE)  # the count restarts after them
        start = anchor_date if kind not in ends else None
        if start is None:
            start = next((d for d in held if d > anchor_date), on)
        anchor = f"{kind.value.replace('_', ' ')} of {anchor_date:%Y-%m-%d}"
    else:
        start = min([episode.start_date, *held[:1]])
        anchor = "start of the episode"
    return ReportPeriod(start=start, anchor=anchor, day=day)


def payer_rules(payer: str | PayerProfile) -> PayerRules:
    """The effective payer rules (the pack entry, overridden by a domain profile)."""
    return effective_payer_rules(default_packs(), payer)


def _progress_alert(
    episode: Episode, payer: str | PayerProfile, history: Sequence[PriorNote], today: dt.date
) -> Alert | None:
    rules = payer_rules(payer)
    every = rules.progress_report_every
    held = [p.visit.date for p in history if p.visit.status not in _NOT_HELD]
    if not every or not held:
        return None
    last = max(held)
    next_day = max(today, last + dt.timedelta(days=1))
    period = report_period(episode, payer, history, next_day)
    day = period.day
    since = f"since the {period.anchor}"
    if day > every:
        kind = AlertKind.PROGRESS_REPORT_OVERDUE
        text = (f"Progress report overdue: {day - 1} treatment days {since}; {rules.name} needs "
                f"one at least every {every}.")
    elif day == every:
        kind = AlertKind.PROGRESS_REPORT_DUE
        text = f"Progress report due at the next visit (treatment day {day} {since})."
    elif day >= every - 2:
        kind = AlertKind.PROGRESS_REPORT_UPCOMING
        text = (f"Progress report due in {every - day + 1} visits (next visit is treatment day "
                f"{day} {since}).")
    else:
        return None
    return Alert(kind, episode.id, episode.patient_id, text, next_day, day)


def certified_until(episode: Episode, payer: str | PayerProfile) -> dt.date | None:
    """The last certified day: ``cert_end`` capped by the payer's maximum period."""
    cert = payer_rules(payer).certification
    if cert is None:
        return episode.cert_end
    start = episode.cert_start or episode.start_date
    cap = start + dt.timedelta(days=cert.max_days - 1)
    return min(episode.cert_end, cap) if episode.cert_end else cap


def _plan_alert(
    episode: Episode, payer: str | PayerProfile, today: dt.date, within: int
) -> Alert | None:
    end = certified_until(episode, payer)
    if end is None:
        return None
    left = (end - today).days
    if left < 0:
        text = (f"Plan of care expired {end:%Y-%m-%d} ({-left} days ago): send an updated plan "
                "for recertification before the next visit.")
        return Alert(AlertKind.PLAN_EXPIRED, episode.id, episode.patient_id, text, end)
    if left <= within:
        when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
        text = (f"Plan of care ends {end:%Y-%m-%d} ({when}): recertify, or plan the "
                "discharge summary.")
        return Alert(AlertKind.PLAN_EXPIRING, episode.id, episode.patient_id, text, end)
    return None


def episode_alerts(
    episode: Episode,
    payer: str | PayerProfile,
    history: Sequence[PriorNote],
    today: dt.date,
    *,
    expiring_within_days: int = EXPIRING_WITHIN_DAYS,
) -> list[Alert]:
    """Alerts for one episode on ``today`` (module docstring), most urgent first."""
    if episode.discharged_on is not None and episode.discharged_on <= today:
        return []
    found = [
        a for a in (
            _progress_alert(episode, payer, history, today),
            _plan_alert(episode, payer, today, expiring_within_days),
        ) if a is not None
    ]
    return sorted(found, key=lambda a: (_ORDER[a.severity], a.due_date or today))
