"""Draft text of a progress report and a discharge summary, placed in S/O/A/P. Pure.

Contract:
- ``compose(inputs) -> dict[section, text]`` for ``NoteType.PROGRESS_REPORT`` or
  ``NoteType.DISCHARGE``; ``core.services.progress`` gathers the inputs and writes the note.
- Everything the chart knows is filled in: the period and treatment days, every measure's
  scores with change since baseline and since the previous score judged against the stored
  MCID/MDC (value, population, source), each goal's baseline → current → target and status.
  What only the clinician knows is left as ``PLACEHOLDER`` so it cannot pass unnoticed:
  the patient's report, the assessment of each goal, plan changes, the discharge reason,
  home program, equipment and care coordination (Medicare Pub. 100-02 Ch. 15 §220.3;
  clinical.md §4).
- Values are rounded for display only; the stored scores keep their raw values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.domain.enums import GoalStatus, GoalTerm, NoteType
from core.domain.episode import Episode, Goal
from core.domain.measures import format_value
from core.rules.measures.change import since_baseline_and_last
from core.rules.measures.definitions import definition
from core.rules.measures.goals import GoalProgress

PLACEHOLDER = "[clinician to complete]"
_TERM = {GoalTerm.SHORT: "STG", GoalTerm.LONG: "LTG"}


@dataclass(frozen=True, slots=True)
class ScorePoint:
    date: dt.date
    value: float | None
    band: str = ""


@dataclass(frozen=True)
class ReportInputs:
    kind: NoteType
    episode: Episode
    report_date: dt.date
    period_start: dt.date
    period_anchor: str  # "evaluation of 2026-10-01"
    treatment_days: int
    visits_held: int
    visits_missed: int
    series: Mapping[str, Sequence[ScorePoint]]  # every score of the episode, by measure
    goals: Sequence[GoalProgress]
    payer_name: str = ""
    certified_until: dt.date | None = None


def has_placeholders(text: str) -> bool:
    """True while a drafted section still holds a part only the clinician can write."""
    return PLACEHOLDER in text


def _fmt(value: float | None, decimals: int, unit: str) -> str:
    if value is None:
        return "unscorable"
    return f"{format_value(value, decimals)} {unit}".rstrip()


def _measure_lines(
    inputs: ReportInputs, *, since: dt.date | None, first_to_last: bool
) -> list[str]:
    lines: list[str] = []
    references: list[str] = []
    for measure_id in sorted(inputs.series):
        points = sorted(inputs.series[measure_id], key=lambda p: p.date)
        shown = [p for p in points if since is None or p.date >= since]
        d = definition(measure_id)
        if not shown:
            last = next((p for p in reversed(points) if p.value is not None), None)
            if last is not None:
                lines.append(f"- {d.id}: not rescored this period (last "
                             f"{_fmt(last.value, d.decimals, d.unit)} on {last.date:%Y-%m-%d}).")
            continue
        dated = "; ".join(
            f"{p.date:%Y-%m-%d} {_fmt(p.value, d.decimals, d.unit)}"
            + (f" ({p.band})" if p.band and p.value is not None else "")
            for p in shown
        )
        title = d.name if d.name.startswith(d.id) else f"{d.id} ({d.name})"
        line = f"- {title}: {dated}."
        change = since_baseline_and_last(d, [(p.date, p.value) for p in points])
        if change.since_baseline is not None:
            line += f" Since baseline: {change.since_baseline.describe()}."
            references.append(change.since_baseline.sources())
        if change.since_last is not None and not first_to_last:
            line += f" Since the previous score: {change.since_last.describe()}."
        lines.append(line)
    refs = sorted({r for r in references if r})
    if refs:
        lines.append("Thresholds used: " + "; ".join(refs) + ".")
    return lines


def _goal_line(goal: Goal | None, progress: GoalProgress, *, discharge: bool) -> str:
    label = _TERM.get(progress.term, "Goal")
    if progress.evaluable and progress.path:
        purpose = f" to {goal.functional_purpose}" if goal and goal.functional_purpose else ""
        head = f"- {label}: {progress.activity}{purpose} — {progress.measure_id} {progress.path}"
    else:
        head = f"- {label}: {goal.summary if goal else progress.activity}"
        if goal is not None and goal.measure_id and not progress.evaluable:
            head += f" — {goal.measure_id}: {progress.reason.rstrip('.')}"
    status = progress.status.value.replace("_", " ")
    line = f"{head}. Status: {status}"
    if progress.evaluable:
        line += f" ({progress.reason.rstrip('.')})"
    line += f". Clinician assessment: {PLACEHOLDER}"
    if discharge and progress.status is not GoalStatus.MET:
        line += f" Reason not met: {PLACEHOLDER}"
    return line


def _goal_lines(inputs: ReportInputs, *, discharge: bool) -> list[str]:
    goals = {g.id: g for g in inputs.episode.goals}
    order = sorted(inputs.goals, key=lambda p: (p.term is not GoalTerm.SHORT, p.activity))
    return [_goal_line(goals.get(p.goal_id), p, discharge=discharge) for p in order] or [
        "- No goals on the plan of care."
    ]


def _plan_lines(inputs: ReportInputs) -> list[str]:
    ep = inputs.episode
    lines = []
    if ep.frequency_per_week and ep.duration_weeks:
        lines.append(
            f"Plan of care: {ep.frequency_per_week}x/week for {ep.duration_weeks} weeks"
            + (f" ({inputs.payer_name})" if inputs.payer_name else "") + "."
        )
    if inputs.certified_until:
        left = (inputs.certified_until - inputs.report_date).days
        lines.append(
            f"Certified through {inputs.certified_until:%Y-%m-%d} "
            f"({left} days from this report)." if left >= 0 else
            f"Certification ended {inputs.certified_until:%Y-%m-%d}: recertification needed."
        )
    met = [p.activity for p in inputs.goals if p.status is GoalStatus.MET]
    missed = [p.activity for p in inputs.goals if p.status is GoalStatus.NOT_MET]
    if met:
        lines.append("Goals met: " + "; ".join(met) + ". Set new goals or plan discharge.")
    if missed:
        lines.append("Goals not met by their date: " + "; ".join(missed)
                     + ". Revise the goal, its date or the plan.")
    lines.append(f"Changes to goals or plan: {PLACEHOLDER}")
    return lines


def _progress_report(inputs: ReportInputs) -> dict[str, str]:
    missed = (f"; {inputs.visits_missed} missed visit{'s' if inputs.visits_missed != 1 else ''}"
              if inputs.visits_missed else "")
    subjective = (
        f"Progress report for {inputs.period_start:%Y-%m-%d} to {inputs.report_date:%Y-%m-%d}: "
        f"{inputs.treatment_days} treatment days since the {inputs.period_anchor}{missed}.\n"
        f"Patient's report of progress: {PLACEHOLDER}"
    )
    measures = _measure_lines(inputs, since=inputs.period_start, first_to_last=False)
    objective = "\n".join(
        ["Outcome measures this period:", *measures] if measures
        else ["No outcome measures recorded this period."]
    )
    assessment = "\n".join(
        ["Progress toward goals:", *_goal_lines(inputs, discharge=False),
         f"Overall assessment and need for continued skilled care: {PLACEHOLDER}"]
    )
    return {"subjective": subjective, "objective": objective, "assessment": assessment,
            "plan": "\n".join(_plan_lines(inputs))}


def _discharge(inputs: ReportInputs) -> dict[str, str]:
    ep = inputs.episode
    subjective = (
        f"Discharge summary: episode {ep.start_date:%Y-%m-%d} to "
        f"{inputs.report_date:%Y-%m-%d}, {inputs.visits_held} visits held"
        + (f", {inputs.visits_missed} missed" if inputs.visits_missed else "") + ".\n"
        f"Reason for discharge: {PLACEHOLDER}\nPatient's report at discharge: {PLACEHOLDER}"
    )
    measures = _measure_lines(inputs, since=None, first_to_last=True)
    objective = "\n".join(
        ["Outcome measures over the episode:", *measures] if measures
        else ["No outcome measures recorded in this episode."]
    )
    assessment = "\n".join(
        ["Goals at discharge:", *_goal_lines(inputs, discharge=True),
         f"Status at discharge: {PLACEHOLDER}"]
    )
    referrer = f" ({ep.referring_provider})" if ep.referring_provider else ""
    plan = "\n".join([
        f"Home program: {PLACEHOLDER}",
        f"Equipment: {PLACEHOLDER}",
        f"Care coordination — referring provider{referrer} informed: {PLACEHOLDER}",
        f"Follow-up: {PLACEHOLDER}",
    ])
    return {"subjective": subjective, "objective": objective, "assessment": assessment,
            "plan": plan}


def compose(inputs: ReportInputs) -> dict[str, str]:
    """S/O/A/P text of the draft (module docstring)."""
    if inputs.kind is NoteType.PROGRESS_REPORT:
        return _progress_report(inputs)
    if inputs.kind is NoteType.DISCHARGE:
        return _discharge(inputs)
    raise ValueError(f"no report template for {inputs.kind}")
