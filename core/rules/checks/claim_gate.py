"""What the claim needs from the plan of care, checked at sign-off.

Contract: each function takes ``NoteFacts`` and yields ``Finding``s; no other effect.
- ``episode.no_diagnosis`` (block): a note on a plan of care without a diagnosis cannot be
  billed (item 21/24E), so it is stopped before it is frozen, not at the superbill.
- ``dx.initial_encounter`` (warn): an injury code (ICD-10-CM chapter 19, S/T) with 7th
  character A (initial encounter) on a therapy plan: therapy after the injury is treated is a
  subsequent encounter, 7th character D (ICD-10-CM guideline I.C.19.a).
- ``eval.plan_incomplete`` (warn): an evaluation or re-evaluation whose plan lacks goals,
  frequency or duration (Pub. 100-02 Ch. 15 §220.1.2).
- ``note.no_outcome_measure`` (warn): an evaluation, re-evaluation, progress report or
  discharge with no standardized outcome measure scored for the episode that day
  (``NoteContext.measures_on_day``; None = unknown, no finding).
"""

from __future__ import annotations

from collections.abc import Iterator

from core.domain.enums import NoteType
from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding

_EVALS = (NoteType.EVALUATION, NoteType.RE_EVALUATION)
_MEASURED = (*_EVALS, NoteType.PROGRESS_REPORT, NoteType.DISCHARGE)


def is_initial_injury(code: str) -> bool:
    """An S/T code whose 7th character is A (initial encounter)."""
    compact = code.replace(".", "").upper()
    return len(compact) == 7 and compact[0] in "ST" and compact[-1] == "A"


def check_diagnosis_present(f: NoteFacts) -> Iterator[Finding]:
    if not f.ctx.episode.diagnoses:
        yield make_finding(
            "episode.no_diagnosis",
            "The plan of care has no diagnosis: nothing on this note can be billed.",
            "episode.diagnoses", "Add the treating diagnosis (ICD-10-CM) to the plan of care.")


def check_initial_encounter(f: NoteFacts) -> Iterator[Finding]:
    for dx in f.ctx.episode.diagnoses:
        if is_initial_injury(dx.code):
            suggested = dx.code[:-1] + "D"
            yield make_finding(
                "dx.initial_encounter",
                f"{dx.code} is an initial-encounter injury code (7th character A); therapy "
                f"is a subsequent encounter.", f"episode.diagnoses[{dx.id}].code",
                f"Use {suggested} (7th character D, ICD-10-CM guideline I.C.19.a).")


def check_evaluation_plan(f: NoteFacts) -> Iterator[Finding]:
    if f.note.note_type not in _EVALS:
        return
    ep = f.ctx.episode
    missing = [name for name, absent in (
        ("goals", not ep.goals), ("frequency", ep.frequency_per_week is None),
        ("duration", ep.duration_weeks is None)) if absent]
    if missing:
        yield make_finding(
            "eval.plan_incomplete",
            f"The plan of care set at this evaluation has no {', '.join(missing)}.",
            "episode", "Add them to the plan of care: goals, visits per week and weeks.")


def check_outcome_measure(f: NoteFacts) -> Iterator[Finding]:
    if f.note.note_type not in _MEASURED or f.ctx.measures_on_day is None:
        return
    if not f.ctx.measures_on_day:
        kind = str(f.note.note_type).replace("_", " ")
        yield make_finding(
            "note.no_outcome_measure",
            f"No standardized functional outcome measure is scored for this {kind}.",
            "measures", "Score the plan's outcome measure (e.g. LEFS, ODI, Berg) today.")


__all__ = ["check_diagnosis_present", "check_evaluation_plan",
           "check_initial_encounter", "check_outcome_measure", "is_initial_injury"]
