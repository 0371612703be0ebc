"""Payer rules on the note: supervision of assistants, modifier 50, bilateral blocks.

Contract: each function takes ``NoteFacts`` and yields ``Finding``s; no other effect.
- Medicare does not enroll PTAs/COTAs: their services are billed under the supervising
  therapist's NPI (24J, signature) with CQ/CO (claims.md §1). A payer with
  ``assistant_modifiers`` and an assistant clinician needs ``NoteContext.supervisor``.
- Modifier 50 (bilateral procedure) is not for therapy codes: their units are time, and both
  sides are one service; the side belongs on the block (bilateral), not in a modifier.
- A bilateral block when every sided diagnosis on the plan is one side contradicts the plan.
- A licensed massage therapist's visit cannot be billed to a payer that does not enroll
  massage therapists (Medicare, claims.md §5): blocked, with the ways that remain.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.domain.enums import Discipline, Laterality
from core.rules.checks.facts import NoteFacts
from core.rules.findings import Finding, make_finding


def check_supervision(f: NoteFacts) -> Iterator[Finding]:
    clinician = f.ctx.clinician
    if clinician is None or not clinician.is_assistant or not f.payer.assistant_modifiers:
        return
    supervisor = f.ctx.supervisor
    field = ("visit.supervisor_id" if f.ctx.visit.supervisor_id is not None
             else "episode.clinician_id")
    if supervisor is None or supervisor.is_assistant:
        yield make_finding(
            "claim.supervisor_missing",
            f"{f.payer.name} bills an assistant's services under the supervising therapist, "
            "and this visit names none (nor does the plan of care).", "visit.supervisor_id",
            "Choose the supervising PT/OT on the visit (or set the plan of care's therapist).")
        return
    name = f"{supervisor.first_name} {supervisor.last_name}".strip()
    if supervisor.discipline != clinician.discipline:
        yield make_finding(
            "claim.supervisor_discipline",
            f"The supervising therapist {name} is a {supervisor.discipline}; a "
            f"{clinician.discipline} assistant's visit bills under a {clinician.discipline}.",
            field, f"Choose a supervising {clinician.discipline} on the visit.")
        return
    if not supervisor.npi:
        yield make_finding(
            "claim.supervisor_npi_missing",
            f"The supervising therapist {name} has no NPI on file: the claim (24J) cannot "
            "bill under them.", field, "Add the supervisor's NPI in the practice settings.")
    npi = f" (NPI {supervisor.npi})" if supervisor.npi else " (no NPI on file)"
    yield make_finding(
        "claim.billed_under_supervisor",
        f"Billed under the supervising therapist {name}{npi}: 24J and the claim signature are "
        "theirs; each line carries CQ/CO.", field, "—")


def check_massage_therapist_payer(f: NoteFacts) -> Iterator[Finding]:
    clinician = f.ctx.clinician
    massage = f.ctx.discipline is Discipline.LMT or (
        clinician is not None and Discipline(clinician.discipline) is Discipline.LMT)
    if massage and f.lines and not f.payer.enrolls_massage_therapists:
        yield make_finding(
            "payer.massage_not_enrolled",
            f"{f.payer.name} does not enroll licensed massage therapists: this visit cannot "
            "be billed to it.", "episode.payer",
            "Bill the patient (cash, with a superbill or a good-faith estimate) or the payer "
            "that covers the massage (auto or workers' compensation, a commercial plan).")


def check_modifier_50(f: NoteFacts) -> Iterator[Finding]:
    for line in f.lines:
        if "50" in line.modifiers and line.info is not None:
            yield make_finding(
                "code.modifier_50",
                f"Modifier 50 (bilateral procedure) does not apply to {line.code}: therapy "
                "units are time, and treating both sides is one service.",
                f"{line.field}.modifiers",
                "Remove 50 and record the side as bilateral on the block.", block_id=line.id)


def check_bilateral_against_plan(f: NoteFacts) -> Iterator[Finding]:
    sides = {Laterality(d.laterality) for d in f.ctx.episode.diagnoses
             if Laterality(d.laterality).is_sided}
    if not sides or Laterality.BILATERAL in sides or len(sides) != 1:
        return
    side = next(iter(sides)).value
    for line in f.lines:
        if line.laterality is Laterality.BILATERAL:
            yield make_finding(
                "block.bilateral_one_sided_plan",
                f"The {line.code} block is bilateral, but the plan's sided diagnoses are all "
                f"{side}.", f"{line.field}.laterality",
                f"Mark the block {side}, or add the other side's diagnosis to the plan.",
                block_id=line.id)
