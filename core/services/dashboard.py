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
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.domain.books import patient_reference
from core.domain.enums import NoteType, VisitStatus
from core.domain.episode import Episode
from core.domain.practice import PayerProfile
from core.domain.visit import Note, Visit
from core.rules.checks import forms
from core.rules.checks.facts import build_facts
from core.rules.context import NoteContext, PriorNote
from core.rules.findings import apply_acknowledgements
from core.rules.kx import kx_status
from core.rules.measures.alerts import payer_rules
from core.rules.packs import RulePacks, default_packs
from core.rules.units import compute_units
from core.services.billing import Payer, payer_for, price_services
from core.services.progress import alerts_for, stub_visit
from core.storage.chart import ChartSession
from core.storage.repos_books import BooksReads, DraftNoteRow, EpisodeVisit
from core.storage.uow import UnitOfWork

SEVERITY_ORDER = {"urgent": 0, "due": 1, "soon": 2}
UNSIGNED_DUE_DAYS, UNSIGNED_URGENT_DAYS = 2, 7
PLAN_SIGNATURE_WARN_DAYS = 7
IDENTICAL_TEXT_ID = "note.identical_text"
IDENTICAL_TEXT_MIN_CHARS = 40
_NOT_HELD = (VisitStatus.CANCELLED, VisitStatus.NO_SHOW)

# rule id → (title, what clears it)
RULES: dict[str, tuple[str, str]] = {
    "note_unsigned": ("Unsigned note", "Sign the note."),
    "progress_report_overdue": ("Progress report overdue", "Write and sign a progress report "
                                "(or re-evaluation); discharge ends it too."),
    "progress_report_due": ("Progress report due", "A progress report at the next visit."),
    "progress_report_upcoming": ("Progress report soon", "A progress report within the "
                                 "next visits."),
    "plan_of_care_expired": ("Plan of care expired", "Recertify: enter the new certified "
                             "period on the episode, or discharge."),
    "plan_of_care_expiring": ("Plan of care expiring", "Recertify or discharge."),
    "plan_of_care_unsigned": ("Plan of care unsigned", "Enter the date the physician/NPP "
                              "signed the plan (episode: certified on)."),
    "kx_threshold": ("KX threshold", "Nothing to undo: document medical necessity; the row "
                     "leaves when the year ends or the episode is discharged."),
    "visit_cap": ("Authorized visits", "Enter the new authorization (episode: authorized "
                  "visits), or discharge."),
    "identical_note": ("Identical documentation", "Progress the exercise parameters or change "
                       "the text at the next visit, or acknowledge the warning with a reason."),
}
_RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}


@dataclass(frozen=True, slots=True)
class DashboardRow:
    rule: str
    severity: str  # urgent | due | soon
    message: str
    target_kind: str  # note | episode | patient
    target_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    patient_ref: str
    episode_id: uuid.UUID | None = None
    note_id: uuid.UUID | None = None
    date: dt.date | None = None  # visit date, deadline or period end, by rule
    age_days: int | None = None  # unsigned notes: days since the visit
    detail: str = ""  # finding id, KX bucket, …

    @property
    def title(self) -> str:
        return RULES[self.rule][0]


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    rows: tuple[DashboardRow, ...]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(RULES, 0)
        for r in self.rows:
            out[r.rule] += 1
        return out

    def of(self, rule: str) -> list[DashboardRow]:
        return [r for r in self.rows if r.rule == rule]


def unsigned_age_bucket(age_days: int) -> str:
    if age_days < UNSIGNED_DUE_DAYS:
        return "0-1 days"
    if age_days < UNSIGNED_URGENT_DAYS:
        return "2-6 days"
    return "7-13 days" if age_days < 14 else "14+ days"


def compliance_dashboard(
    chart: ChartSession, *, today: dt.date | None = None, packs: RulePacks | None = None
) -> Dashboard:
    today = today or dt.date.today()
    with chart.uow() as uow:
        return load_dashboard(uow, today, packs or default_packs())


def load_dashboard(uow: UnitOfWork, today: dt.date, packs: RulePacks) -> Dashboard:
    """The dashboard read in ``uow`` (see the module docstring)."""
    reads = uow.books.reads
    raw: list[dict[str, Any]] = list(_unsigned(reads.draft_notes(today), today))
    episodes = reads.active_episodes(today)
    profiles = {p.id: p for p in uow.payers.list()}
    payer_of = {e.id: profiles.get(e.payer_profile_id) if e.payer_profile_id else None
                for e in episodes}
    visits = reads.episode_visits(episodes)
    for ep, alert in alerts_for(episodes, payer_of, visits, today):
        raw.append(_row(alert.kind.value, alert.severity, alert.message, "episode", ep,
                        date=alert.due_date))
    for ep in episodes:
        rows = visits.get(ep.id, [])
        raw += _plan_unsigned(ep, payer_of[ep.id] or "cash", rows, today)
        raw += _visit_cap(ep, rows, today)
    raw += _kx(uow, reads, episodes, today, packs)
    raw += _identical(reads, episodes, visits, payer_of, today, packs)
    names = reads.patient_names(r["patient_id"] for r in raw)
    out = []
    for r in raw:
        first, last = names.get(r["patient_id"], ("", ""))
        out.append(DashboardRow(**r, patient_name=f"{last}, {first}",
                                patient_ref=patient_reference(first, last, r["patient_id"])))
    out.sort(key=lambda r: (SEVERITY_ORDER[r.severity], _RULE_ORDER[r.rule],
                            r.date or today, r.patient_name))
    return Dashboard(today, tuple(out))


def _row(rule: str, severity: str, message: str, kind: str, ep: Episode, *,
         date: dt.date | None = None, detail: str = "", note_id: uuid.UUID | None = None
         ) -> dict[str, Any]:
    target = {"episode": ep.id, "patient": ep.patient_id, "note": note_id}[kind]
    return dict(rule=rule, severity=severity, message=message, target_kind=kind,
                target_id=target, patient_id=ep.patient_id, episode_id=ep.id,
                note_id=note_id, date=date, detail=detail)


def _unsigned(drafts: Iterable[DraftNoteRow], today: dt.date) -> Iterable[dict[str, Any]]:
    for d in drafts:
        age = (today - d.date).days
        severity = ("urgent" if age >= UNSIGNED_URGENT_DAYS
                    else "due" if age >= UNSIGNED_DUE_DAYS else "soon")
        kind = NoteType(d.note_type).value.replace("_", " ")
        when = "today" if age == 0 else f"{age} day{'s' if age != 1 else ''} ago"
        yield dict(rule="note_unsigned", severity=severity,
                   message=f"The {kind} note of {d.date:%Y-%m-%d} ({when}) is not signed.",
                   target_kind="note", target_id=d.note_id, patient_id=d.patient_id,
                   episode_id=d.episode_id, note_id=d.note_id, date=d.date, age_days=age,
                   detail=unsigned_age_bucket(age))


def _plan_unsigned(
    ep: Episode, payer: str | PayerProfile, rows: Sequence[EpisodeVisit], today: dt.date
) -> list[dict[str, Any]]:
    cert = payer_rules(payer).certification
    if cert is None or ep.certified_on is not None:
        return []
    held = [r.date for r in rows if r.status not in _NOT_HELD and r.date <= today]
    start = ep.cert_start or (min(held) if held else None)
    if start is None or start > today:
        return []
    deadline = start + dt.timedelta(days=cert.sign_within_days)
    if today > deadline:
        return [_row("plan_of_care_unsigned", "urgent",
                     f"The plan of care is unsigned {(today - start).days} days after "
                     f"{start:%Y-%m-%d}; the signature was due by {deadline:%Y-%m-%d}.",
                     "episode", ep, date=deadline)]
    if (deadline - today).days <= PLAN_SIGNATURE_WARN_DAYS:
        return [_row("plan_of_care_unsigned", "due",
                     f"The plan of care awaits the physician/NPP signature, due by "
                     f"{deadline:%Y-%m-%d}.", "episode", ep, date=deadline)]
    return []


def _visit_cap(ep: Episode, rows: Sequence[EpisodeVisit], today: dt.date
               ) -> list[dict[str, Any]]:
    cap = ep.authorized_visits
    if not cap:
        return []
    used = sum(1 for r in rows if r.status not in _NOT_HELD and r.date <= today)
    booked = sum(1 for r in rows if r.status is VisitStatus.SCHEDULED and r.date > today)
    left = cap - used
    counts = f"{used} of {cap} authorized visits used"
    if left <= 0:
        return [_row("visit_cap", "urgent", f"{counts}: the authorization is exhausted.",
                     "episode", ep, detail=f"{used}/{cap}")]
    if used + booked > cap:
        return [_row("visit_cap", "due", f"{counts}; {booked} scheduled visits go past it.",
                     "episode", ep, detail=f"{used}/{cap}")]
    if left <= 2 or left <= cap // 5:
        return [_row("visit_cap", "due" if left <= 2 else "soon",
                     f"{counts}: {left} left.", "episode", ep, detail=f"{used}/{cap}")]
    return []


def _kx(
    uow: UnitOfWork, reads: BooksReads, episodes: Sequence[Episode], today: dt.date,
    packs: RulePacks,
) -> list[dict[str, Any]]:
    """Year-to-date charges under KX payers per patient and bucket (as the superbill counts)."""
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
    out: list[dict[str, Any]] = []
    seen: set[tuple[uuid.UUID, frozenset[Any]]] = set()
    for ep in active:
        bucket = packs.kx.bucket(ep.discipline)
        if (ep.patient_id, bucket) in seen or ep.patient_id not in ytd:
            continue
        seen.add((ep.patient_id, bucket))
        payer = payers[ep.id]
        visit = Visit(patient_id=ep.patient_id, episode_id=ep.id,
                      clinician_id=ep.clinician_id or uuid.UUID(int=0), date=today)
        ctx = NoteContext(visit=visit, episode=ep, payer=payer.context_payer,
                          ytd_allowed=dict(ytd[ep.patient_id]), packs=packs)
        status = kx_status(ctx, compute_units([], payer.rules.unit_method, packs=packs))
        if status is None or status.threshold is None:
            continue
        label = "+".join(sorted(str(d) for d in bucket))
        amounts = f"${status.ytd:,.2f} of ${status.threshold:,.2f} ({label}, {today.year})"
        if status.over_targeted_review and status.targeted_review is not None:
            severity, text = "urgent", (f"Above the ${status.targeted_review:,.2f} targeted "
                                        f"review threshold: {amounts}; expect medical review.")
        elif status.applies:
            severity, text = "due", (f"Over the KX threshold: {amounts}. KX is added; "
                                     "document medical necessity at each visit.")
        elif status.near:
            severity, text = "due", f"Approaching the KX threshold: {amounts}."
        else:
            continue
        out.append(_row("kx_threshold", severity, text, "episode", ep, detail=label))
    return out


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
    """The latest note of each active episode vs the two before it."""
    last3 = {}
    for ep in episodes:
        held = [r for r in visits.get(ep.id, []) if r.note_id and r.date <= today
                and r.status not in _NOT_HELD]
        if len(held) >= 2:
            last3[ep.id] = held[-3:]
    ids = [r.id for rows in last3.values() for r in rows]
    notes = reads.latest_notes(ids) if ids else {}
    out: list[dict[str, Any]] = []
    for ep in episodes:
        rows = last3.get(ep.id)
        if not rows:
            continue
        loaded = [(notes[r.id], stub_visit(r, ep)) for r in rows if r.id in notes]
        if len(loaded) < 2:
            continue
        *before, (note, visit) = loaded
        ctx = NoteContext(visit=visit, episode=ep, payer=payer_of[ep.id] or "cash",
                          history=tuple(PriorNote(n, v) for n, v in before), packs=packs)
        found = apply_acknowledgements(
            list(forms.check_97110_progression(build_facts(note, ctx))), note.acknowledged)
        for f in found:
            if not f.acknowledged:
                out.append(_row("identical_note", "due", f.message, "note", ep,
                                date=visit.date, detail=f.id, note_id=note.id))
        acked = any(a.get("finding_id") == IDENTICAL_TEXT_ID for a in note.acknowledged)
        text, previous = _narrative(note), _narrative(before[-1][0])
        if not acked and len(text) >= IDENTICAL_TEXT_MIN_CHARS and text == previous:
            out.append(_row(
                "identical_note", "due",
                f"The note of {visit.date:%Y-%m-%d} repeats the previous note's S/O/A/P text "
                f"word for word ({before[-1][1].date:%Y-%m-%d}): cloned documentation does "
                "not show this visit's skilled care.", "note", ep, date=visit.date,
                detail=IDENTICAL_TEXT_ID, note_id=note.id))
    return out


def _narrative(note: Note) -> str:
    return " ".join(" ".join((note.subjective, note.objective, note.assessment, note.plan))
                    .lower().split())
