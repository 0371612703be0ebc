"""Billing rules speed: ``check_note`` on a typical note, and a whole-chart audit.

Targets: check_note on a typical 4-block Medicare note < 2 ms median (it runs on every edit);
``audit_notes`` over 10,000 notes (500 episodes × 20 visits, each note checked against its
episode's full history) < 5 s. Run: ``python -m bench rules``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from bench._harness import median_time, ms, report
from core.domain.enums import Discipline, GoalTerm, Laterality, NoteType, VisitStatus
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.practice import Clinician
from core.domain.visit import Note, TimedBlock, Visit
from core.rules.checks import audit_notes, check_note
from core.rules.context import NoteContext, PriorNote
from core.rules.units import compute_units

START = dt.date(2025, 2, 3)
FEES = {"97110": Decimal("29.50"), "97112": Decimal("33.10"), "97140": Decimal("27.80"),
        "97530": Decimal("35.40")}


def _t(minutes: int) -> dt.time:
    return dt.time(8 + minutes // 60, minutes % 60)


def _episode(clinician: Clinician) -> Episode:
    ep = Episode(patient_id=uuid.uuid4(), discipline=Discipline.PT, start_date=START,
                 cert_start=START, cert_end=START + dt.timedelta(60), certified_on=START)
    ep.add_diagnosis(Diagnosis(code="M17.11", laterality=Laterality.RIGHT))
    ep.add_diagnosis(Diagnosis(code="R26.89", laterality=Laterality.NOT_APPLICABLE))
    ep.add_goal(Goal(term=GoalTerm.LONG, activity="Climb 12 stairs",
                     functional_purpose="reach bedroom"))
    ep.add_goal(Goal(term=GoalTerm.SHORT, activity="Walk 300 ft", functional_purpose="community"))
    ep.clinician_id = clinician.id
    return ep


def _note(ep: Episode, clinician: Clinician, day: dt.date, index: int) -> tuple[Note, Visit]:
    visit = Visit(patient_id=ep.patient_id, episode_id=ep.id, clinician_id=clinician.id,
                  date=day, start_time=_t(0), end_time=_t(60), status=VisitStatus.COMPLETED)
    kind = NoteType.EVALUATION if index == 0 else (
        NoteType.PROGRESS_REPORT if index == 9 else NoteType.DAILY)
    note = Note(visit_id=visit.id, note_type=kind)
    goal = (ep.goals[0].id,)
    connect = "to improve stair climbing (LTG 1)"
    exercises = [{"name": "Step-ups", "position": "standing", "sets": 3, "reps": 10,
                  "load": 2 + index // 2, "load_unit": "lb", "target_outcome": "strength"},
                 {"name": "Heel slides", "position": "supine", "sets": 2, "reps": 15,
                  "load": 0, "load_unit": "lb", "target_outcome": "ROM"}]
    note.add_block(TimedBlock("97110", _t(0), _t(15), goal, Laterality.RIGHT,
                              {"exercises": exercises}, connect))
    note.add_block(TimedBlock("97112", _t(15), _t(28), goal, Laterality.NOT_APPLICABLE, {},
                              connect))
    note.add_block(TimedBlock("97140", _t(28), _t(40), goal, Laterality.RIGHT,
                              {"technique": "grade III joint mobilization", "region": "knee"},
                              connect))
    note.add_block(TimedBlock("97530", _t(40), _t(55), goal, Laterality.NOT_APPLICABLE, {
        "activity": "Pt performed 5 trips carrying a basket up 4 steps",
        "functional_task": "carrying laundry upstairs", "components": ["balance", "strength"],
        "skilled_cues": "verbal cues for sequencing", "assistance": "CGA"}, connect,
        modifiers=("XU",)))
    note.total_treatment_minutes = 58
    return note, visit


def build_chart(episodes: int, visits: int) -> list[tuple[Note, NoteContext]]:
    clinician = Clinician("Ana", "Lima", Discipline.PT, credentials="PT, DPT")
    items: list[tuple[Note, NoteContext]] = []
    for _ in range(episodes):
        ep = _episode(clinician)
        notes = [_note(ep, clinician, START + dt.timedelta(days=2 * i), i) for i in range(visits)]
        history = tuple(PriorNote(n, v) for n, v in notes)
        for i, (note, visit) in enumerate(notes):
            ctx = NoteContext(visit=visit, episode=ep, payer="medicare", clinician=clinician,
                              history=history, ytd_allowed={"PT": Decimal(120 * i)},
                              fee_schedule=FEES)
            items.append((note, ctx))
    return items


def main() -> None:
    chart = build_chart(episodes=500, visits=20)
    typical_note, typical_ctx = chart[6]  # a daily note with 6 prior visits in its episode
    check_note(typical_note, typical_ctx)  # loads packs and the ICD tables once
    minutes = {"97110": 15, "97112": 13, "97140": 12, "97530": 15}

    one = median_time(lambda: check_note(typical_note, typical_ctx), repeat=301, warmup=20)
    units = median_time(lambda: compute_units(minutes, "cms"), repeat=301, warmup=20)
    audit = median_time(lambda: audit_notes(chart), repeat=3, warmup=1)
    findings = sum(len(v) for v in audit_notes(chart[:20]).values())
    report(
        "rules",
        [
            ("compute_units, 4 codes (CMS)", ms(units)),
            ("check_note, typical 4-block note (target < 2 ms)", ms(one)),
            (f"audit_notes, {len(chart):,} notes (target < 5 s)", ms(audit)),
            ("per note in the audit", ms(audit / len(chart))),
            ("findings in the first episode (20 notes)", str(findings)),
        ],
        raw={"check_note_s": one, "audit_s": audit, "compute_units_s": units,
             "notes": len(chart)},
    )


if __name__ == "__main__":
    main()
