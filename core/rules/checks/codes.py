"""Code validity: catalog, discipline, add-ons, evaluation codes, payer-specific code rules.

Contract: functions take ``NoteFacts`` and yield ``Finding``s. Evaluation-per-day counting
looks at this note and the episode's other notes of the same date.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.domain.enums import NoteType
from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding
from core.rules.lines import ServiceLine


def check_catalog(f: NoteFacts) -> Iterator[Finding]:
    discipline = f.ctx.discipline
    for line in f.lines:
        if line.info is None:
            yield make_finding(
                "code.unknown",
                f"{line.code} is not in Chartside's therapy code catalog.",
                f"{line.field}.code",
                "Check the code; if it is right, the code pack needs updating.",
                block_id=line.id,
            )
        elif discipline is not None and discipline not in line.info.disciplines:
            allowed = "/".join(sorted(str(d) for d in line.info.disciplines))
            yield make_finding(
                "code.discipline_mismatch",
                f"{line.code} ({line.info.label}) is billed by {allowed}, not under this "
                f"{discipline} plan of care.",
                f"{line.field}.code",
                "Choose the code your discipline bills for this service.",
                block_id=line.id,
            )


UNLISTED_FAMILY = "unlisted"


def unlisted_description(details: object) -> str:
    """The service description typed for an unlisted code (``details["description"]``)."""
    text = details.get("description", "") if isinstance(details, dict) else ""
    return " ".join(str(text).split())


def check_unlisted_description(f: NoteFacts) -> Iterator[Finding]:
    """An unlisted code (97139, 97039, 97799) must say what was done: the claim carries the
    description (CMS-1500 item 19, 837P SV101-7); a payer denies the line without it."""
    for line in f.lines:
        if line.info is not None and line.info.family == UNLISTED_FAMILY and len(
                unlisted_description(dict(line.details))) < 5:
            yield make_finding(
                "code.unlisted_description",
                f"{line.code} ({line.info.label}) needs a description of the service.",
                f"{line.field}.details.description",
                "Describe what was done in a few words, e.g. 'instrument-assisted soft tissue "
                "mobilization'.",
                block_id=line.id,
            )


def check_add_ons(f: NoteFacts) -> Iterator[Finding]:
    day_codes = {x.code for x in (*f.lines, *f.same_day_lines)}
    for line in f.lines:
        parent = line.info.add_on_to if line.info else None
        if parent and parent not in day_codes:
            yield make_finding(
                "code.addon_without_parent",
                f"{line.code} is an add-on to {parent}, which is not documented today.",
                f"{line.field}.code",
                f"Record the first 15 minutes as {parent}; {line.code} covers only the "
                "minutes after it.",
                block_id=line.id,
            )


def check_evaluations(f: NoteFacts) -> Iterator[Finding]:
    evals = [x for x in f.lines if x.info and x.info.is_evaluation]
    if f.note.note_type is NoteType.DAILY:
        for line in evals:
            yield make_finding(
                "code.eval_on_daily_note",
                f"{line.code} ({line.info.label if line.info else ''}) is on a daily note.",
                "note_type",
                "Make this an evaluation or re-evaluation note, or remove the code.",
                block_id=line.id,
            )
    groups: dict[str, list[ServiceLine]] = {}
    for line in (*f.lines, *f.same_day_lines):
        if line.info and line.info.is_evaluation:
            groups.setdefault(line.info.eval_group or line.code, []).append(line)
    for key, lines in groups.items():
        mine = [x for x in lines if x.current]
        if len(lines) < 2 or not mine:
            continue
        codes = " and ".join(sorted({x.code for x in lines}))
        where = " (one on another note today)" if len(mine) < len(lines) else ""
        what = f"{key} evaluation codes" if key in ("PT", "OT") else f"{key} entries"
        yield make_finding(
            "code.eval_twice_same_day",
            f"{len(lines)} {what} on {f.ctx.visit.date:%Y-%m-%d}: {codes}{where}. Only one "
            "evaluation or re-evaluation per discipline is billable a day.",
            f"{mine[-1].field}.code",
            "Keep one evaluation or re-evaluation code for the day.",
            block_id=mine[-1].id,
        )


def check_payer_codes(f: NoteFacts) -> Iterator[Finding]:
    for line in f.lines:
        rule = line.info.payer_note(f.payer.key) if line.info else None
        if rule is None:
            continue
        if rule.action == "bundled":
            yield make_finding(
                "payer.code_bundled",
                f"{line.code}: {rule.note}",
                f"{line.field}.code",
                "Keep documenting it; it will be left off the claim.",
                block_id=line.id,
            )
        elif rule.action == "replace" and rule.replacement:
            yield make_finding(
                "payer.code_replaced",
                f"{line.code}: {rule.note}",
                f"{line.field}.code",
                f"Change the code to {rule.replacement}.",
                block_id=line.id,
            )
