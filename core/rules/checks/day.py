"""Checks across the day of service: clock times against the visit and against the patient's
and the clinician's other notes of the day, plausible lengths, units per day and the MUE.

Contract: each function takes ``NoteFacts`` and yields ``Finding``s; no other effect. The other
notes come from ``NoteContext.day_notes`` (same patient any episode, or same clinician any
patient) and the episode history of the same day; cancelled and no-show visits are skipped.
Messages about another patient's note never name that patient.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.domain.enums import VisitStatus
from core.rules.checks.facts import NoteFacts
from core.rules.context import PriorNote
from core.rules.findings import Finding, make_finding
from core.rules.lines import ServiceLine, note_lines
from core.rules.mue import over_mue
from core.rules.units import compute_units, note_minutes

MAX_BLOCK_MINUTES = 180  # Chartside plausibility ceiling for one timed block (not a CMS rule)
_NOT_HELD = (VisitStatus.CANCELLED, VisitStatus.NO_SHOW)


def _others(f: NoteFacts) -> tuple[list[PriorNote], list[PriorNote]]:
    """(same patient, same clinician other patients) notes of the day, without this note."""
    visit = f.ctx.visit
    seen = {f.note.id}
    mine: list[PriorNote] = []
    theirs: list[PriorNote] = []
    for p in [*f.same_day, *f.ctx.day_notes]:
        if p.note.id in seen or p.visit.date != visit.date or p.visit.status in _NOT_HELD:
            continue
        seen.add(p.note.id)
        if p.visit.patient_id == visit.patient_id:
            mine.append(p)
        elif p.visit.clinician_id == visit.clinician_id:
            theirs.append(p)
    return mine, theirs


def _span(line: ServiceLine) -> str:
    assert line.start is not None and line.stop is not None
    return f"{line.start:%H:%M}–{line.stop:%H:%M}"


def _timed(lines: list[ServiceLine]) -> list[ServiceLine]:
    return [x for x in lines if x.kind == "block" and x.start is not None
            and x.stop is not None and x.stop > x.start and (x.info is None or x.info.timed)]


def check_day_overlaps(f: NoteFacts) -> Iterator[Finding]:
    mine, theirs = _others(f)
    blocks = _timed(f.lines)
    if not blocks:
        return
    for kind, others in (("day.overlap_same_patient", mine), ("day.overlap_clinician", theirs)):
        for other in others:
            for b in _timed(note_lines(other.note, f.packs, current=False)):
                a = next((x for x in blocks if x.overlaps(b)), None)
                if a is None:
                    continue
                where = f"other_note[{other.note.id}].blocks[{b.id}]"
                if kind == "day.overlap_same_patient":
                    message = (f"{a.code} ({_span(a)}) overlaps {b.code} ({_span(b)}) in this "
                               f"patient's other note of the day: the same minutes cannot be "
                               "billed twice.")
                    fix = "Correct the times here or in the other note (open it from the link)."
                else:
                    message = (f"{a.code} ({_span(a)}) overlaps {b.code} ({_span(b)}) in your "
                               "note for another patient: one therapist cannot treat two "
                               "patients one-on-one at once.")
                    fix = ("Correct the times, or document the other session as group "
                           "therapy (97150).")
                yield make_finding(kind, message, where, fix, block_id=a.id)


def check_block_in_visit(f: NoteFacts) -> Iterator[Finding]:
    visit = f.ctx.visit
    blocks = _timed(f.lines)
    if visit.start_time is None or visit.end_time is None:
        if blocks and visit.status not in _NOT_HELD:
            yield make_finding(
                "visit.times_missing",
                "The visit has no start and end time, so its timed blocks cannot be checked "
                "against it.", "visit.start_time", "Enter the visit's start and end times.")
        return
    for b in blocks:
        assert b.start is not None and b.stop is not None
        if b.start < visit.start_time or b.stop > visit.end_time:
            yield make_finding(
                "block.outside_visit",
                f"{b.code} ({_span(b)}) falls outside the visit "
                f"({visit.start_time:%H:%M}–{visit.end_time:%H:%M}).",
                f"{b.field}.start", "Correct the block's times or the visit's start and end.",
                block_id=b.id)


def check_block_length(f: NoteFacts) -> Iterator[Finding]:
    for b in _timed(f.lines):
        if (b.minutes or 0) > MAX_BLOCK_MINUTES:
            yield make_finding(
                "block.implausible_length",
                f"The {b.code} block lasts {b.minutes} minutes (more than "
                f"{MAX_BLOCK_MINUTES // 60} hours of one service).",
                f"{b.field}.stop", "Check the start and stop times.", block_id=b.id)


def check_total_vs_visit(f: NoteFacts) -> Iterator[Finding]:
    total, visit_minutes = f.note.total_treatment_minutes, f.ctx.visit.minutes
    if total is not None and visit_minutes is not None and total > visit_minutes:
        yield make_finding(
            "note.total_time_exceeds_visit",
            f"Total treatment time ({total} min) is longer than the visit ({visit_minutes} min).",
            "total_treatment_minutes", "Correct the total treatment time or the visit's times.")


def check_day_units(f: NoteFacts) -> Iterator[Finding]:
    mine, _theirs = _others(f)
    minutes = note_minutes(f.note, f.packs, skip_unknown=True)
    if mine:
        pooled = [*minutes, *(m for p in mine for m in note_minutes(p.note, f.packs,
                                                                 skip_unknown=True))]
        day = compute_units(pooled, f.payer.unit_method, packs=f.packs)
        shared = sorted({c for c, _m in minutes} & {c for p in mine for c, _m in
                                                    note_minutes(p.note, f.packs)})
        parts = [f"{c} {day.minutes.get(c, 0)} min → {day.units_for(c)}" for c in shared]
        yield make_finding(
            "day.units_combined",
            f"This patient has {len(mine) + 1} notes today; the claim prices the day's "
            f"{day.timed_minutes} timed minutes together ({day.timed_units} timed unit"
            f"{'s' if day.timed_units != 1 else ''})" + (": " + "; ".join(parts) if parts else "")
            + ".", "visit.date", "Nothing to fix: one claim line per code per day.")
    else:
        day = f.units
    for code, units, value in over_mue(day.units):
        checked = "" if value.verified else " (value not yet checked against the CMS file)"
        yield make_finding(
            "day.units_above_mue",
            f"{code}: {units} units today, above the medically unlikely edit of {value.units}"
            f"{checked}.", "blocks",
            "Check the block times; if the time is right, document why (units above the MUE "
            "are usually denied).")


def check_kx_fee_schedule(f: NoteFacts) -> Iterator[Finding]:
    if f.ctx.kx_year_missing and f.payer.uses_kx_threshold:
        year = f.ctx.visit.date.year
        yield make_finding(
            "kx.fee_schedule_missing",
            f"The Medicare fee-schedule pack has no amounts for {year}: the year-to-date "
            "amount toward the KX threshold cannot be computed.", "visit.date",
            "Install the rules update for the year (resources/rules/pfs.json).")
