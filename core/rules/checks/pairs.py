"""Same-day pair edits (NCCI PTP and payer-specific pairs) and the 59/X modifier prompts.

Policy (also in docs/rules.md), for a pair found on one date of service:
- indicator 0, verified edit → ``pair.not_payable_together`` (block): no modifier helps.
- indicator 1 and the two lines overlap in time → ``pair.same_time`` (block): the column-2
  service is not billable for the same minutes, and 59/X must not be used.
- indicator 1, distinct in time (or an untimed line), column 2 without 59/X:
  verified NCCI edit → ``pair.modifier_required`` (block until 59 or an X modifier is chosen
  on the column-2 line, because a signed note can no longer take it);
  payer-specific pair → ``pair.modifier_suggested`` (warn).
- an unverified NCCI edit never blocks: ``pair.unverified_edit`` (warn).
- 59/X chosen on a line that is not column 2 of such a pair → ``block.modifier_not_allowed``
  (warn): it will be left off the claim (NCCI: never add a modifier just to pass an edit).
"""

from __future__ import annotations

from collections.abc import Iterator

from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding
from core.rules.lines import PairHit, distinct_modifier_allowed


def _fix_modifier(hit: PairHit) -> str:
    return (
        f"If {hit.column2.code} was done in a separate time block from {hit.column1.code}, "
        f"choose XU (or 59) on the {hit.column2.code} line; otherwise remove one of them."
    )


def _finding_for(hit: PairHit) -> Finding | None:
    edit, c1, c2 = hit.edit, hit.column1, hit.column2
    target = c2 if c2.current else c1
    where = "" if c1.current and c2.current else " (the other is on another note today)"
    source = "NCCI" if hit.is_ncci else "this payer"
    if edit.indicator == 0:
        if not edit.verified:
            return make_finding(
                "pair.unverified_edit",
                f"{c2.code} is reported as never payable with {c1.code} on the same day"
                f"{where}; this edit is not yet verified against the CMS PTP file.",
                f"{target.field}.code", "Check the current PTP file before billing both.",
                block_id=target.id,
            )
        return make_finding(
            "pair.not_payable_together",
            f"{c2.code} cannot be billed with {c1.code} on the same day{where} "
            "(NCCI modifier indicator 0: no modifier allowed).",
            f"{target.field}.code", f"Remove {c2.code}, or move the service to another day.",
            block_id=target.id,
        )
    if hit.overlapping:
        return make_finding(
            "pair.same_time",
            f"{c1.code} and {c2.code} overlap in time ({c1.start:%H:%M}–{c1.stop:%H:%M} and "
            f"{c2.start:%H:%M}–{c2.stop:%H:%M}): {c2.code} is not billable for the same "
            "time block, and 59/X must not be used.",
            f"{target.field}.start",
            "Correct the times if they were separate; otherwise remove one of the codes.",
            block_id=target.id,
        )
    if c2.distinct_modifier:
        return None
    if hit.is_ncci and not edit.verified:
        return make_finding(
            "pair.unverified_edit",
            f"{c2.code} with {c1.code} on the same day{where} may need 59 or an X modifier "
            f"on the {c2.code} line (reported edit, not yet verified).",
            f"{c2.field}.modifiers" if c2.current else f"{target.field}.code",
            _fix_modifier(hit), block_id=target.id,
        )
    if hit.is_ncci:
        return make_finding(
            "pair.modifier_required",
            f"{c2.code} is bundled into {c1.code} on the same day{where} unless it carries "
            "59 or an X modifier (NCCI indicator 1).",
            f"{c2.field}.modifiers" if c2.current else f"{target.field}.code",
            _fix_modifier(hit), block_id=target.id,
        )
    return make_finding(
        "pair.modifier_suggested",
        f"{source.capitalize()} expects 59 or an X modifier on {c2.code} when billed with "
        f"{c1.code}{where}.",
        f"{c2.field}.modifiers" if c2.current else f"{target.field}.code",
        _fix_modifier(hit), block_id=target.id,
    )


def check_pairs(f: NoteFacts) -> Iterator[Finding]:
    seen: set[tuple[str, object, str]] = set()
    for hit in f.hits:
        finding = _finding_for(hit)
        if finding is None:
            continue
        other = hit.column1.code if finding.block_id == hit.column2.id else hit.column2.code
        key = (finding.id, finding.block_id, other)
        if key not in seen:
            seen.add(key)
            yield finding


def check_chosen_modifiers(f: NoteFacts) -> Iterator[Finding]:
    for line in f.lines:
        chosen = line.distinct_modifier
        if chosen and not distinct_modifier_allowed(line, f.hits):
            yield make_finding(
                "block.modifier_not_allowed",
                f"{chosen} on {line.code} will be left off the claim: {line.code} is not the "
                "second code of a pair edit billed in a separate time block today.",
                f"{line.field}.modifiers",
                f"Remove {chosen}; 59/X belong only on the column-2 code of a pair edit.",
                block_id=line.id,
            )
