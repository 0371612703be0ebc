"""Plan-of-care and claim rules of the payer: progress reports, certification, GP/GO/GN,
CQ/CO, and the KX threshold.

Contract: functions take ``NoteFacts`` and yield ``Finding``s. They run only when the
effective payer rules ask for them (Medicare in the shipped packs).

Counting treatment days for the progress report (Pub. 100-02 Ch. 15 §220.3.D): distinct
dates of held visits. An evaluation or re-evaluation starts a period and counts as its day 1;
a **signed** progress report or discharge summary (the final progress report) ends one, so
counting restarts the day after it. An unsigned report never resets the count. With no such
note, the count starts at the episode's first visit. A discharge summary, like a progress
report, is never itself "overdue".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from core.domain.enums import Discipline, NoteType
from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding
from core.rules.kx import kx_status

_STARTS = (NoteType.EVALUATION, NoteType.RE_EVALUATION)
_ENDS = (NoteType.PROGRESS_REPORT, NoteType.DISCHARGE)  # end a period only once signed
_RESETS = (*_STARTS, *_ENDS)
_ASSISTANT = {Discipline.PT: "CQ", Discipline.OT: "CO"}


def treatment_day(f: NoteFacts) -> tuple[int, dt.date | None, NoteType | None]:
    """(this visit's treatment-day number in the reporting period, anchor date, anchor type)."""
    prior = [*f.earlier, *f.same_day]
    anchor = next((p for p in reversed(prior) if p.note.note_type in _STARTS
                   or (p.note.note_type in _ENDS and p.note.is_signed)), None)
    dates = {p.visit.date for p in prior}
    if anchor is not None:
        start = anchor.visit.date
        if anchor.note.note_type in _STARTS:
            dates = {d for d in dates if d >= start}
        else:
            dates = {d for d in dates if d > start}
    dates.add(f.ctx.visit.date)
    return len(dates), (anchor.visit.date if anchor else None), (
        anchor.note.note_type if anchor else None)


def check_progress_report(f: NoteFacts) -> Iterator[Finding]:
    every = f.payer.progress_report_every
    if not every or f.note.note_type in _RESETS:
        return
    day, anchor, kind = treatment_day(f)
    since = (f"since the {kind.value.replace('_', ' ')} of {anchor:%Y-%m-%d}"
             if anchor and kind else "since the start of the episode")
    rule = f"{f.payer.name} needs a progress report at least every {every} treatment days"
    fix = "Write this note as a progress report (note type), covering each goal."
    if day > every:
        yield make_finding(
            "plan.progress_report_overdue",
            f"This is treatment day {day} {since}; {rule}.", "note_type", fix)
    elif day == every:
        yield make_finding(
            "plan.progress_report_due",
            f"This is treatment day {day} {since}; {rule}.", "note_type",
            fix + " Acknowledge only if a separate progress report is written today.")
    elif day >= every - 2:
        yield make_finding(
            "plan.progress_report_upcoming",
            f"Treatment day {day} {since}: a progress report is due by day {every}.",
            "note_type", "Plan the progress report within the next visits.")


def _first_visit(f: NoteFacts) -> dt.date:
    dates = [p.visit.date for p in f.earlier] + [f.ctx.visit.date]
    return min(dates)


def check_certification(f: NoteFacts) -> Iterator[Finding]:
    cert = f.payer.certification
    if cert is None:
        return
    ep = f.ctx.episode
    day = f.ctx.visit.date
    start = ep.cert_start or _first_visit(f)
    cap = start + dt.timedelta(days=cert.max_days - 1)
    end = min(ep.cert_end, cap) if ep.cert_end else cap
    if day > end:
        why = (f"the plan's certification ended {end:%Y-%m-%d}" if ep.cert_end and end ==
               ep.cert_end else f"{cert.max_days} days from {start:%Y-%m-%d} ended {end:%Y-%m-%d}")
        yield make_finding(
            "plan.cert_expired",
            f"This visit ({day:%Y-%m-%d}) is after the certified period: {why}.",
            "episode.cert_end",
            "Send an updated plan of care for recertification; claims wait for it.",
        )
    deadline = start + dt.timedelta(days=cert.sign_within_days)
    if ep.certified_on is None:
        if f.ctx.check_date > deadline:
            yield make_finding(
                "plan.cert_unsigned",
                f"The plan of care is still unsigned {cert.sign_within_days} days after "
                f"{start:%Y-%m-%d} (deadline {deadline:%Y-%m-%d}).",
                "episode.certified_on",
                "Get the physician/NPP signature; document the reason for the delay.",
            )
        else:
            yield make_finding(
                "plan.cert_pending",
                f"The plan of care awaits the physician/NPP signature (due by "
                f"{deadline:%Y-%m-%d}).",
                "episode.certified_on",
                "Follow up on the signature before the deadline.",
            )
    elif ep.certified_on > deadline:
        yield make_finding(
            "plan.cert_late",
            f"The plan of care was signed {ep.certified_on:%Y-%m-%d}, after the "
            f"{cert.sign_within_days}-day deadline ({deadline:%Y-%m-%d}).",
            "episode.certified_on",
            "Delayed certification is accepted with an explanation: document the reason.",
        )


def check_claim_modifiers(f: NoteFacts) -> Iterator[Finding]:
    discipline = f.ctx.discipline
    clinician = f.ctx.clinician
    if f.payer.requires_discipline_modifier and f.lines:
        if discipline is None:
            yield make_finding(
                "claim.discipline_missing",
                f"{f.payer.name} requires GP, GO or GN on every line, but neither the plan "
                "of care nor the clinician has a discipline.",
                "episode.discipline",
                "Set the plan of care's discipline (PT, OT or SLP).",
            )
        elif discipline.modifier:
            yield make_finding(
                "claim.discipline_modifier",
                f"{discipline.modifier} will be added to every line ({discipline} plan of care).",
                "episode.discipline",
                "Nothing to do.",
            )
    if clinician is not None and discipline is not None and clinician.discipline != discipline:
        yield make_finding(
            "claim.discipline_mismatch",
            f"A {clinician.discipline} clinician is documenting under a {discipline} plan of "
            "care.",
            "visit.clinician_id",
            "Check the clinician or the episode.",
        )
    if (clinician is not None and clinician.is_assistant and f.payer.assistant_modifiers
            and f.lines):
        mod = _ASSISTANT.get(Discipline(clinician.discipline))
        if mod:
            yield make_finding(
                "claim.assistant_modifier",
                f"{mod} will be added: services furnished in whole or part by a "
                f"{clinician.discipline} assistant are paid at 85%.",
                "visit.clinician_id",
                "Nothing to do.",
            )


def check_kx(f: NoteFacts) -> Iterator[Finding]:
    status = kx_status(f.ctx, f.units)
    if status is None:
        return
    if status.threshold is None:
        yield make_finding(
            "kx.threshold_unknown",
            f"The rules pack has no KX threshold for {status.year}.",
            "visit.date",
            "Update resources/rules/kx_thresholds.json with the year's amount.",
        )
        return
    amounts = f"${status.total:,.2f} of ${status.threshold:,.2f} ({status.year})"
    if status.applies:
        yield make_finding(
            "kx.applied",
            f"Therapy this year reaches the KX threshold: {amounts}. KX will be added.",
            "assessment",
            "Make sure the assessment shows why continued skilled therapy is necessary.",
        )
    elif status.near:
        yield make_finding(
            "kx.near", f"Close to the KX threshold: {amounts}.", "assessment",
            "Document medical necessity; KX will be needed soon.")
    if status.over_targeted_review and status.targeted_review is not None:
        yield make_finding(
            "kx.targeted_review",
            f"Therapy this year (${status.total:,.2f}) is above the ${status.targeted_review:,.2f}"
            " targeted medical review threshold.",
            "assessment",
            "Expect review: the record must support each service's medical necessity.",
        )
