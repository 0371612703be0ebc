"""Clock-time checks and the daily-note time elements (Pub. 100-02 Ch. 15 §220.3.E).

Contract: each function takes ``NoteFacts`` and yields ``Finding``s; no other effect.
Overlaps between two codes of a pair edit are left to ``pairs`` (``pair.same_time``).
"""

from __future__ import annotations

from collections.abc import Iterator

from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding
from core.rules.lines import ServiceLine


def _span(line: ServiceLine) -> str:
    if line.start is None or line.stop is None:
        return line.code
    return f"{line.code} ({line.start:%H:%M}–{line.stop:%H:%M})"


def check_times(f: NoteFacts) -> Iterator[Finding]:
    for line in (x for x in f.lines if x.kind == "block"):
        if line.start is None or line.stop is None:
            which = "start and stop" if line.start is None and line.stop is None else (
                "start" if line.start is None else "stop")
            yield make_finding(
                "block.missing_time",
                f"The {line.code} block has no {which} time.",
                f"{line.field}.{'start' if line.start is None else 'stop'}",
                "Enter the clock times the service started and stopped; units come from them.",
                block_id=line.id,
            )
        elif line.stop <= line.start:
            yield make_finding(
                "block.stop_before_start",
                f"The {line.code} block stops at {line.stop:%H:%M}, not after its start "
                f"at {line.start:%H:%M}.",
                f"{line.field}.stop",
                "Correct the start or stop time.",
                block_id=line.id,
            )


def check_overlaps(f: NoteFacts) -> Iterator[Finding]:
    blocks = [x for x in f.timed_lines if x.start is not None and x.stop is not None]
    # an indicator-1 pair in the same minutes is reported once, as ``pair.same_time``
    edited = {
        frozenset((h.column1.id, h.column2.id))
        for h in f.hits if h.overlapping and h.edit.indicator == 1
    }
    for i, a in enumerate(blocks):
        for b in blocks[i + 1:]:
            if a.overlaps(b) and frozenset((a.id, b.id)) not in edited:
                yield make_finding(
                    "block.overlap",
                    f"{_span(b)} overlaps {_span(a)}: one-on-one timed minutes cannot be "
                    "counted twice.",
                    f"{b.field}.start",
                    "Correct the times so each minute belongs to one service.",
                    block_id=b.id,
                )


def check_visit_length(f: NoteFacts) -> Iterator[Finding]:
    visit_minutes = f.ctx.visit.minutes
    if visit_minutes is None:
        return
    timed = sum(max(x.minutes or 0, 0) for x in f.timed_lines)
    if timed > visit_minutes:
        yield make_finding(
            "visit.timed_exceeds_visit",
            f"Timed blocks add up to {timed} minutes but the visit lasted {visit_minutes}.",
            "visit.end_time",
            "Correct the block times or the visit's start and end.",
        )


def check_total_time(f: NoteFacts) -> Iterator[Finding]:
    if not f.lines:
        return
    total = f.note.total_treatment_minutes
    timed = sum(max(x.minutes or 0, 0) for x in f.timed_lines)
    if total is None:
        yield make_finding(
            "note.total_time_missing",
            f"Total treatment time is not documented (timed minutes: {timed}).",
            "total_treatment_minutes",
            "Enter the total treatment time, timed and untimed, excluding rest and waiting.",
        )
    elif total < timed:
        yield make_finding(
            "note.total_time_below_timed",
            f"Total treatment time ({total} min) is less than the timed minutes ({timed}).",
            "total_treatment_minutes",
            "Total treatment time includes all timed minutes; correct it or the block times.",
        )
