"""Body side: sided services need a side, the side must fit the diagnoses, and diagnoses
should name a side when ICD-10-CM offers one. The note's body diagram (issue 18) counts as
the side of a line that records none, and a line marked one side when the diagram marks only
the other is flagged.

Contract: functions take ``NoteFacts`` and yield ``Finding``s. ``core.domain.icd`` is
consulted (lazily, cached) only for diagnoses whose laterality is *unspecified*.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.domain import icd
from core.domain.enums import Laterality
from core.domain.errors import InvalidCode
from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding
from core.rules.packs import Sidedness

_MISSING = (None, Laterality.UNSPECIFIED)


def check_laterality(f: NoteFacts) -> Iterator[Finding]:
    sided = [d for d in f.ctx.episode.diagnoses if Laterality(d.laterality).is_sided]
    sides = {Laterality(d.laterality) for d in sided}
    for line in f.lines:
        info = line.info
        if info is None:
            continue
        side = line.side  # its own, else the body diagram's
        from_diagram = line.laterality in _MISSING and side is not line.laterality
        if side in _MISSING:
            if info.laterality is Sidedness.USUALLY or (
                info.laterality is Sidedness.SOMETIMES and sided
            ):
                why = "usually treats one side" if info.usually_sided else (
                    "may treat one side and the plan has one-sided diagnoses")
                yield make_finding(
                    "block.missing_laterality",
                    f"{line.code} {why}, but no side is recorded.",
                    f"{line.field}.laterality",
                    "Record right, left, bilateral, or not applicable.",
                    block_id=line.id,
                )
        elif side in (Laterality.RIGHT, Laterality.LEFT) and sided and not (
            side in sides or Laterality.BILATERAL in sides
        ):
            assert side is not None
            codes = ", ".join(f"{d.code} ({Laterality(d.laterality).value})" for d in sided)
            marked = ("has no side, and the body diagram marks only the "
                      f"{side.value} side" if from_diagram else f"is marked {side.value}")
            yield make_finding(
                "block.laterality_conflict",
                f"The {line.code} block {marked}, but no one-sided diagnosis on the plan is: "
                f"{codes}.",
                f"{line.field}.laterality",
                "Correct the block's side (or the diagram's marks), or add the diagnosis for "
                "that side to the plan.",
                block_id=line.id,
            )
        if line.laterality in (Laterality.RIGHT, Laterality.LEFT) and line.body_side in (
            Laterality.RIGHT, Laterality.LEFT
        ) and line.laterality is not line.body_side:
            assert line.body_side is not None
            yield make_finding(
                "block.body_side_conflict",
                f"The {line.code} block is marked {line.laterality.value}, but the body "
                f"diagram marks only the {line.body_side.value} side.",
                f"{line.field}.laterality",
                "Correct the block's side or the marks on the body diagram.",
                block_id=line.id,
            )


def check_unspecified_diagnoses(f: NoteFacts) -> Iterator[Finding]:
    treated = {x.laterality for x in f.lines if x.laterality in (Laterality.RIGHT,
                                                                 Laterality.LEFT)}
    for dx in f.ctx.episode.diagnoses:
        if Laterality(dx.laterality) is not Laterality.UNSPECIFIED:
            continue
        try:
            alternatives = icd.specific_alternatives(dx.code)
        except InvalidCode:
            continue
        if not alternatives:
            continue
        hint = ""
        if len(treated) == 1:
            hint = f" This note treats the {next(iter(treated)).value} side."
        yield make_finding(
            "dx.unspecified_laterality",
            f"{dx.code} does not name a side, but ICD-10-CM has side-specific codes.{hint}",
            f"episode.diagnoses[{dx.id}].code",
            f"Use a side-specific code on the plan of care: {', '.join(alternatives[:4])}.",
        )
