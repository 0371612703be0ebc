"""``Finding``: one problem (or notice) the rules found in a note, and the catalog of their ids.

Contract:
- ``Finding.id`` is a stable string (``"block.missing_goal_link"``); the UI, acknowledgements
  and tests key on it, so ids are never renamed. Every id is declared once in ``CATALOG``
  with its severity; ``make_finding`` refuses undeclared ids.
- Severity: ``block`` stops signing and can never be acknowledged; ``warn`` stops signing
  until it is acknowledged with a reason (``Note.acknowledged``: ``{"finding_id", "reason"}``),
  after which it is reported with ``acknowledged=True``; ``info`` tells what will happen (e.g.
  a modifier) and never stops anything.
- An acknowledgement names a finding ``id`` (covers every instance) or a ``key``
  (``"<id>@<block uuid>"``, one instance).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    severity: Severity
    message: str
    field: str  # "blocks[<uuid>].goal_ids", "subjective", "episode.cert_end", ...
    fix: str
    block_id: uuid.UUID | None = None  # the timed block or untimed service it points at
    acknowledged: bool = False
    ack_reason: str | None = None

    @property
    def key(self) -> str:
        """Identifies this instance: the id, plus the block when there is one."""
        return f"{self.id}@{self.block_id}" if self.block_id else self.id

    @property
    def blocks_signing(self) -> bool:
        return self.severity is Severity.BLOCK

    @property
    def needs_attention(self) -> bool:
        """Blocks, and warnings nobody has acknowledged yet."""
        return self.severity is Severity.BLOCK or (
            self.severity is Severity.WARN and not self.acknowledged
        )


@dataclass(frozen=True, slots=True)
class FindingSpec:
    id: str
    severity: Severity
    summary: str


def _spec(id_: str, severity: str, summary: str) -> tuple[str, FindingSpec]:
    return id_, FindingSpec(id_, Severity(severity), summary)


CATALOG: Mapping[str, FindingSpec] = dict(
    [
        # timing and daily-note elements
        _spec("block.missing_time", "block", "A timed block has no start or stop time."),
        _spec("block.stop_before_start", "block", "A block stops before (or when) it starts."),
        _spec("block.overlap", "block", "Two timed blocks overlap in time."),
        _spec("visit.timed_exceeds_visit", "block", "Timed minutes exceed the visit length."),
        _spec("note.total_time_missing", "warn", "Total treatment time is not documented."),
        _spec("note.total_time_below_timed", "block", "Total treatment time < timed minutes."),
        _spec("note.section_required", "block", "A section this note type needs is empty."),
        # goals
        _spec("block.missing_goal_link", "block", "A timed block is linked to no goal."),
        _spec("block.goal_not_on_plan", "block", "A linked goal is not on the plan of care."),
        _spec("block.goal_inactive", "warn", "A linked goal is met or discontinued."),
        _spec("block.missing_goal_connection", "warn", "No sentence ties the block to a goal."),
        # laterality and diagnoses
        _spec("block.missing_laterality", "block", "A one-sided service has no side."),
        _spec("block.laterality_conflict", "block", "The block's side contradicts the diagnoses."),
        _spec("block.body_side_conflict", "warn",
              "The block's side is not the side the body diagram marks."),
        _spec("payer.massage_not_enrolled", "block",
              "The payer does not enroll licensed massage therapists (Medicare)."),
        _spec("dx.unspecified_laterality", "warn", "A diagnosis has no side but one exists."),
        # code-specific forms
        _spec("form.97110.multiple_targets", "warn", "97110 names more than one target outcome."),
        _spec("form.97110.no_progression", "warn", "97110 parameters unchanged for 3 visits."),
        _spec("form.97530.few_components", "warn", "97530 lists fewer than 2 components."),
        _spec("form.97530.no_skilled_cues", "warn", "97530 documents no skilled direction."),
        _spec("form.97530.no_functional_task", "warn", "97530 names no functional task."),
        _spec("form.97530.reads_as_instruction", "warn", "97530 reads as instruction."),
        # codes
        _spec("code.unknown", "block", "A code is not in the therapy code catalog."),
        _spec("code.discipline_mismatch", "warn", "A code is not one this discipline bills."),
        _spec("code.unlisted_description", "block",
              "An unlisted code (97139, 97039, 97799) has no description of the service."),
        _spec("code.addon_without_parent", "block", "97130 without 97129."),
        _spec("code.eval_on_daily_note", "warn", "An evaluation code on a daily note."),
        _spec("code.eval_twice_same_day", "block", "Two evaluations, one discipline, one day."),
        _spec("payer.code_bundled", "info", "The payer never pays this code separately."),
        _spec("payer.code_replaced", "block", "The payer wants another code for this service."),
        # pairs
        _spec("pair.not_payable_together", "block", "An indicator-0 pair on the same day."),
        _spec("pair.same_time", "block", "A pair of edited codes in the same time block."),
        _spec("pair.modifier_required", "block", "A verified pair needs 59/X on column 2."),
        _spec("pair.modifier_suggested", "warn", "A payer-specific pair wants 59/X."),
        _spec("pair.unverified_edit", "warn", "An unverified NCCI edit applies."),
        _spec("block.modifier_not_allowed", "warn", "59/X chosen where no pair calls for it."),
        # plan of care
        _spec("plan.progress_report_upcoming", "info", "A progress report is due soon."),
        _spec("plan.progress_report_due", "warn", "A progress report is due at this visit."),
        _spec("plan.progress_report_overdue", "block", "The progress report is overdue."),
        _spec("plan.cert_expired", "warn", "The visit is after the certification period."),
        _spec("plan.cert_unsigned", "warn", "Plan of care unsigned past the deadline."),
        _spec("plan.cert_pending", "info", "Plan of care awaiting signature (not yet late)."),
        _spec("plan.cert_late", "warn", "Plan of care signed after the deadline."),
        # claim modifiers and thresholds
        _spec("claim.discipline_modifier", "info", "GP/GO/GN will be added to each line."),
        _spec("claim.discipline_missing", "block", "No discipline: GP/GO/GN cannot be chosen."),
        _spec("claim.discipline_mismatch", "warn", "Clinician and plan disciplines differ."),
        _spec("claim.assistant_modifier", "info", "CQ/CO will be added (assistant)."),
        _spec("kx.near", "info", "Year-to-date amount is near the KX threshold."),
        _spec("kx.applied", "warn", "Over the KX threshold: KX will be added."),
        _spec("kx.targeted_review", "warn", "Over the targeted medical review threshold."),
        _spec("kx.threshold_unknown", "warn", "No KX threshold for the visit's year."),
        # the day of service (core.rules.checks.day)
        _spec("day.overlap_same_patient", "block", "Times overlap the patient's other note."),
        _spec("day.overlap_clinician", "block", "Times overlap your note for another patient."),
        _spec("block.outside_visit", "block", "A block falls outside the visit's times."),
        _spec("block.implausible_length", "block", "One block lasts more than 3 hours."),
        _spec("visit.times_missing", "warn", "Timed blocks but no visit start/end time."),
        _spec("note.total_time_exceeds_visit", "block", "Total treatment time > the visit."),
        _spec("day.units_combined", "info", "Units are counted over the day's notes."),
        _spec("day.units_above_mue", "warn", "Units of a code today exceed its MUE."),
        _spec("kx.fee_schedule_missing", "warn", "No Medicare fee schedule for the year."),
        # payer rules on the note (core.rules.checks.payer)
        _spec("claim.supervisor_missing", "block", "An assistant's visit has no supervisor."),
        _spec("claim.billed_under_supervisor", "info", "Billed under the supervising PT/OT."),
        _spec("claim.supervisor_discipline", "block", "Supervisor of another discipline."),
        _spec("claim.supervisor_npi_missing", "warn", "The supervising PT/OT has no NPI."),
        _spec("code.modifier_50", "block", "Modifier 50 on a therapy code."),
        _spec("block.bilateral_one_sided_plan", "block", "Bilateral block, one-sided plan."),
        # what the claim needs from the plan (core.rules.checks.claim_gate)
        _spec("episode.no_diagnosis", "block", "The plan of care has no diagnosis."),
        _spec("dx.initial_encounter", "warn", "An injury code with 7th character A."),
        _spec("eval.plan_incomplete", "warn", "An evaluation without goals/frequency/duration."),
        _spec("note.no_outcome_measure", "warn", "No outcome measure scored for this note."),
        # authorship
        _spec("note.unfinished_text", "block", "A drafted section still awaits the clinician."),
        _spec("note.assistant_author", "block", "An assistant cannot author this note type."),
    ]
)


def make_finding(
    id_: str,
    message: str,
    field: str,
    fix: str,
    *,
    block_id: uuid.UUID | None = None,
) -> Finding:
    """A finding with its catalog severity; an undeclared id is a programming error."""
    spec = CATALOG[id_]
    return Finding(spec.id, spec.severity, message, field, fix, block_id=block_id)


def apply_acknowledgements(
    findings: Iterable[Finding], acknowledged: Iterable[Mapping[str, Any] | Any]
) -> list[Finding]:
    """Mark acknowledged warnings. Blocks stay unacknowledged whatever the note says."""
    reasons: dict[str, str] = {}
    for item in acknowledged:
        if isinstance(item, Mapping):
            fid, reason = item.get("finding_id"), item.get("reason", "")
        else:  # core.domain.visit.AcknowledgedWarning
            fid, reason = getattr(item, "finding_id", None), getattr(item, "reason", "")
        if fid and str(reason).strip():
            reasons[str(fid)] = str(reason).strip()
    if not reasons:
        return list(findings)
    out = []
    for f in findings:
        reason = reasons.get(f.key) or reasons.get(f.id)
        if reason and f.severity is Severity.WARN:
            f = replace(f, acknowledged=True, ack_reason=reason)
        out.append(f)
    return out


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that stop signing."""
    return [f for f in findings if f.blocks_signing]


def unacknowledged_warnings(findings: Iterable[Finding]) -> list[Finding]:
    """Warnings nobody acknowledged with a reason: they stop signing too (after blocks)."""
    return [f for f in findings if f.severity is Severity.WARN and not f.acknowledged]


def needing_attention(findings: Iterable[Finding]) -> list[Finding]:
    """Blocks plus unacknowledged warnings (what the sign dialog should show)."""
    return [f for f in findings if f.needs_attention]
