"""The compliance dashboard's rules: pure functions from plain values to dashboard rows.

Contract:
- Nothing here reads the chart: ``core.services.dashboard`` loads the drafts, episodes, visit
  rows, notes, payers and year-to-date charges in one unit of work and calls these functions;
  tests call them with plain domain objects (tests/unit/rules/test_dashboard_rules.py).
- Each ``*_rows`` function returns row dicts (the fields of ``DashboardRow`` without the patient's
  name); ``finish`` names them and sorts them (severity, rule order, date, name).
- Visit and draft rows are anything with the fields named in ``VisitRow``/``DraftRow`` (the
  storage layer's bulk rows; ``core.rules`` never imports storage).
- The rules reuse the sign gate's logic, never a copy of it: KX from ``core.rules.kx``,
  identical 97110 parameters from ``core.rules.checks.forms.check_97110_progression``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar

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
from core.rules.packs import PayerRules, RulePacks
from core.rules.units import compute_units

SEVERITY_ORDER = {"urgent": 0, "due": 1, "soon": 2}
UNSIGNED_DUE_DAYS, UNSIGNED_URGENT_DAYS = 2, 7
PLAN_SIGNATURE_WARN_DAYS = 7
IDENTICAL_TEXT_ID = "note.identical_text"
IDENTICAL_TEXT_MIN_CHARS = 40
NOT_HELD = (VisitStatus.CANCELLED, VisitStatus.NO_SHOW)

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
    "low_stock": ("Low stock", "Order more (Inventory: Reorder list) or record the delivery."),
}
LOW_STOCK_URGENT_DAYS = 7  # a supply that runs out within a week (or is out) is urgent
_RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}


class VisitRow(Protocol):
    """What the rules read of one visit of an episode (``repos_books.EpisodeVisit``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def status(self) -> VisitStatus: ...
    @property
    def note_id(self) -> uuid.UUID | None: ...


class DraftRow(Protocol):
    """What the rules read of one unsigned note (``repos_books.DraftNoteRow``)."""

    @property
    def note_id(self) -> uuid.UUID: ...
    @property
    def patient_id(self) -> uuid.UUID: ...
    @property
    def episode_id(self) -> uuid.UUID: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def note_type(self) -> NoteType | str: ...


class PayerLike(Protocol):
    """An episode's payer (``core.services.pricing.Payer``): its rules and what a note's
    context takes."""

    @property
    def rules(self) -> PayerRules: ...
    @property
    def context_payer(self) -> str | PayerProfile: ...


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


def row(rule: str, severity: str, message: str, kind: str, ep: Episode, *,
        date: dt.date | None = None, detail: str = "", note_id: uuid.UUID | None = None
        ) -> dict[str, Any]:
    """One row (without the patient's name) pointing at the note, episode or patient."""
    target = {"episode": ep.id, "patient": ep.patient_id, "note": note_id}[kind]
    return dict(rule=rule, severity=severity, message=message, target_kind=kind,
                target_id=target, patient_id=ep.patient_id, episode_id=ep.id,
                note_id=note_id, date=date, detail=detail)


def unsigned_rows(drafts: Iterable[DraftRow], today: dt.date) -> list[dict[str, Any]]:
    """Every unsigned note dated up to today: soon (0–1 days), due (2–6), urgent (7+)."""
    out = []
    for d in drafts:
        age = (today - d.date).days
        severity = ("urgent" if age >= UNSIGNED_URGENT_DAYS
                    else "due" if age >= UNSIGNED_DUE_DAYS else "soon")
        kind = NoteType(d.note_type).value.replace("_", " ")
        when = "today" if age == 0 else f"{age} day{'s' if age != 1 else ''} ago"
        out.append(dict(rule="note_unsigned", severity=severity,
                        message=f"The {kind} note of {d.date:%Y-%m-%d} ({when}) is not signed.",
                        target_kind="note", target_id=d.note_id, patient_id=d.patient_id,
                        episode_id=d.episode_id, note_id=d.note_id, date=d.date, age_days=age,
                        detail=unsigned_age_bucket(age)))
    return out


def plan_unsigned_rows(
    ep: Episode, payer: str | PayerProfile, rows: Sequence[VisitRow], today: dt.date
) -> list[dict[str, Any]]:
    """A plan of care the physician/NPP has not signed, under payers with certification rules:
    due within ``PLAN_SIGNATURE_WARN_DAYS`` of the deadline, urgent past it."""
    cert = payer_rules(payer).certification
    if cert is None or ep.certified_on is not None:
        return []
    held = [r.date for r in rows if r.status not in NOT_HELD and r.date <= today]
    start = ep.cert_start or (min(held) if held else None)
    if start is None or start > today:
        return []
    deadline = start + dt.timedelta(days=cert.sign_within_days)
    if today > deadline:
        return [row("plan_of_care_unsigned", "urgent",
                    f"The plan of care is unsigned {(today - start).days} days after "
                    f"{start:%Y-%m-%d}; the signature was due by {deadline:%Y-%m-%d}.",
                    "episode", ep, date=deadline)]
    if (deadline - today).days <= PLAN_SIGNATURE_WARN_DAYS:
        return [row("plan_of_care_unsigned", "due",
                    f"The plan of care awaits the physician/NPP signature, due by "
                    f"{deadline:%Y-%m-%d}.", "episode", ep, date=deadline)]
    return []


def visit_cap_rows(ep: Episode, rows: Sequence[VisitRow], today: dt.date
                   ) -> list[dict[str, Any]]:
    """Authorized visits: urgent when used up, due when scheduled visits go past the cap or
    two or fewer are left, soon when a fifth or less is left."""
    cap = ep.authorized_visits
    if not cap:
        return []
    used = sum(1 for r in rows if r.status not in NOT_HELD and r.date <= today)
    booked = sum(1 for r in rows if r.status is VisitStatus.SCHEDULED and r.date > today)
    left = cap - used
    counts = f"{used} of {cap} authorized visits used"
    if left <= 0:
        return [row("visit_cap", "urgent", f"{counts}: the authorization is exhausted.",
                    "episode", ep, detail=f"{used}/{cap}")]
    if used + booked > cap:
        return [row("visit_cap", "due", f"{counts}; {booked} scheduled visits go past it.",
                    "episode", ep, detail=f"{used}/{cap}")]
    if left <= 2 or left <= cap // 5:
        return [row("visit_cap", "due" if left <= 2 else "soon",
                    f"{counts}: {left} left.", "episode", ep, detail=f"{used}/{cap}")]
    return []


def kx_rows(
    active: Sequence[Episode], payers: Mapping[uuid.UUID, PayerLike],
    ytd: Mapping[uuid.UUID, Mapping[str, Decimal]], today: dt.date, packs: RulePacks,
) -> list[dict[str, Any]]:
    """One row per patient and KX bucket near or over the threshold this year; ``active`` are
    the episodes under KX payers, ``ytd`` this year's charges per patient and discipline."""
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
        out.append(row("kx_threshold", severity, text, "episode", ep, detail=label))
    return out


_V = TypeVar("_V", bound=VisitRow)


def last_held(rows: Sequence[_V], today: dt.date) -> list[_V]:
    """The last three held visits with a note up to today (fewer than two: nothing to compare)."""
    held = [r for r in rows if r.note_id and r.date <= today and r.status not in NOT_HELD]
    return held[-3:] if len(held) >= 2 else []


def identical_rows(
    ep: Episode, loaded: Sequence[tuple[Note, Visit]], payer: str | PayerProfile,
    packs: RulePacks,
) -> list[dict[str, Any]]:
    """The latest of ``loaded`` (oldest first) against the notes before it: unchanged 97110
    parameters, and S/O/A/P text repeated word for word; acknowledgements respected."""
    if len(loaded) < 2:
        return []
    *before, (note, visit) = loaded
    ctx = NoteContext(visit=visit, episode=ep, payer=payer,
                      history=tuple(PriorNote(n, v) for n, v in before), packs=packs)
    out: list[dict[str, Any]] = []
    found = apply_acknowledgements(
        list(forms.check_97110_progression(build_facts(note, ctx))), note.acknowledged)
    for f in found:
        if not f.acknowledged:
            out.append(row("identical_note", "due", f.message, "note", ep,
                           date=visit.date, detail=f.id, note_id=note.id))
    acked = any(a.get("finding_id") == IDENTICAL_TEXT_ID for a in note.acknowledged)
    text, previous = narrative(note), narrative(before[-1][0])
    if not acked and len(text) >= IDENTICAL_TEXT_MIN_CHARS and text == previous:
        out.append(row(
            "identical_note", "due",
            f"The note of {visit.date:%Y-%m-%d} repeats the previous note's S/O/A/P text "
            f"word for word ({before[-1][1].date:%Y-%m-%d}): cloned documentation does "
            "not show this visit's skilled care.", "note", ep, date=visit.date,
            detail=IDENTICAL_TEXT_ID, note_id=note.id))
    return out


def narrative(note: Note) -> str:
    return " ".join(" ".join((note.subjective, note.objective, note.assessment, note.plan))
                    .lower().split())


def low_stock_rows(stock: Iterable[Any], today: dt.date) -> list[dict[str, Any]]:
    """One row per low supply (``core.rules.inventory.StockRow``s): on hand at or below the
    reorder point, with the days left at the last four weeks' pace. Urgent when it is out or
    runs out within ``LOW_STOCK_URGENT_DAYS``; not about a patient (``target_kind``
    "inventory", the item's id in ``target_id`` and ``patient_id``)."""
    from core.domain.inventory import fmt

    out: list[dict[str, Any]] = []
    for s in stock:
        if not s.low:
            continue
        item = s.item
        if s.days_left is None:
            pace = "no use in the last 4 weeks"
        else:
            pace = f"about {s.days_left} day{'s' if s.days_left != 1 else ''} left"
        urgent = s.on_hand <= 0 or (s.days_left is not None
                                    and s.days_left <= LOW_STOCK_URGENT_DAYS)
        out.append({
            "rule": "low_stock", "severity": "urgent" if urgent else "due",
            "message": f"{item.name}: {fmt(s.on_hand)} {item.unit} on hand (reorder at "
                       f"{fmt(item.reorder_point)}); {pace}.",
            "target_kind": "inventory", "target_id": item.id, "patient_id": item.id,
            "date": None if s.days_left is None else today + dt.timedelta(days=s.days_left),
            "detail": "" if s.days_left is None else str(s.days_left),
        })
    return out


def finish(
    raw: Iterable[dict[str, Any]], names: Mapping[uuid.UUID, tuple[str, str]], today: dt.date
) -> Dashboard:
    """Name the rows (``names``: patient id → (first, last)) and sort them: severity, rule
    order, date, patient name. Supply rows name no patient."""
    out = []
    for r in raw:
        if r["target_kind"] == "inventory":
            out.append(DashboardRow(**r, patient_name="", patient_ref=""))
            continue
        first, last = names.get(r["patient_id"], ("", ""))
        out.append(DashboardRow(**r, patient_name=f"{last}, {first}",
                                patient_ref=patient_reference(first, last, r["patient_id"])))
    out.sort(key=lambda r: (SEVERITY_ORDER[r.severity], _RULE_ORDER[r.rule],
                            r.date or today, r.patient_name))
    return Dashboard(today, tuple(out))
