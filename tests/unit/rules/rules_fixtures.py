"""Test chart builder for the rules tests: plain domain objects, no database.

A uniquely named module (not conftest) so hypothesis tests can import it directly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from core.domain.enums import Discipline, GoalTerm, Laterality, NoteType
from core.domain.episode import Diagnosis, Episode, Goal
from core.domain.practice import Clinician
from core.domain.visit import Note, TimedBlock, UntimedService, Visit
from core.rules.context import NoteContext, PriorNote

DAY = dt.date(2025, 3, 10)


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


class Chart:
    """One patient, one episode; helpers to add visits and notes and build contexts."""

    def __init__(self, discipline: Discipline = Discipline.PT) -> None:
        self.patient_id = uuid.uuid4()
        self.clinician = Clinician("Ana", "Lima", discipline, credentials="PT, DPT")
        self.episode = Episode(
            patient_id=self.patient_id, discipline=discipline, start_date=DAY - dt.timedelta(7),
            certified_on=DAY - dt.timedelta(6),
        )
        self.goal = self.episode.add_goal(
            Goal(term=GoalTerm.LONG, activity="Climb 12 stairs", functional_purpose="reach bedroom")
        )
        # a plan without a diagnosis cannot sign (episode.no_diagnosis): a side-less default
        self.episode.add_diagnosis(Diagnosis(code="R26.89"))
        self.history: list[PriorNote] = []

    def visit(self, day: dt.date = DAY, start: str = "09:00", end: str = "10:00") -> Visit:
        return Visit(
            patient_id=self.patient_id, episode_id=self.episode.id,
            clinician_id=self.clinician.id, date=day, start_time=t(start), end_time=t(end),
        )

    def diagnosis(self, code: str, side: Laterality) -> Diagnosis:
        return self.episode.add_diagnosis(Diagnosis(code=code, laterality=side))

    def block(self, code: str, start: str | None, stop: str | None, **kw: Any) -> TimedBlock:
        kw.setdefault("goal_ids", (self.goal.id,))
        kw.setdefault("goal_connection", "to improve stair climbing (LTG 1)")
        kw.setdefault("laterality", Laterality.NOT_APPLICABLE)
        return TimedBlock(
            code, t(start) if start else None, t(stop) if stop else None, **kw
        )

    def note(
        self,
        visit: Visit,
        blocks: Iterable[TimedBlock] = (),
        untimed: Iterable[UntimedService] = (),
        note_type: NoteType = NoteType.DAILY,
        total: int | None = -1,
    ) -> Note:
        # every section written: note.section_required is tested on its own (test_sections)
        note = Note(
            visit_id=visit.id,
            note_type=note_type,
            subjective="Reports less pain on stairs.",
            objective="Exercise and training as charted below.",
            assessment="Tolerated well; progressing toward goals.",
            plan="Continue plan of care.",
        )
        for b in blocks:
            note.add_block(b)
        for s in untimed:
            note.add_untimed(s)
        if total == -1:
            total = note.total_timed_minutes + sum(s.minutes or 0 for s in note.untimed)
        note.total_treatment_minutes = total
        return note

    def add_prior(self, note: Note, visit: Visit) -> None:
        self.history.append(PriorNote(note, visit))

    def ctx(self, visit: Visit, **kw: Any) -> NoteContext:
        kw.setdefault("clinician", self.clinician)
        kw.setdefault("history", tuple(self.history))
        return NoteContext(visit=visit, episode=self.episode, **kw)

    def typical(self, day: dt.date = DAY) -> tuple[Note, Visit]:
        """A clean 4-block PT daily note (no findings under the commercial profile)."""
        visit = self.visit(day)
        blocks = [
            self.block("97110", "09:00", "09:15", details={"exercises": [
                {"name": "Step-ups", "position": "standing", "sets": 3, "reps": 10,
                 "load": 4, "load_unit": "lb", "target_outcome": "strength"}]}),
            self.block("97112", "09:15", "09:30"),
            self.block("97140", "09:30", "09:45"),
            self.block("97530", "09:45", "10:00", modifiers=("XU",), details={
                "activity": "Pt performed 5 trips carrying laundry basket up 4 steps",
                "functional_task": "carrying laundry upstairs",
                "components": ["balance", "strength"],
                "skilled_cues": "verbal cues for step sequencing",
                "assistance": "CGA"}),
        ]
        return self.note(visit, blocks), visit
