"""The body diagram of a note (issue 18): read, mark, unmark, and copy into Objective.

Contract: every change is one audited transaction through ``notes._edit`` (the note's one
write path: saved, synced and frozen at signing with the rest of the note). A mark that does
not fit the diagram (an unknown region, a side a midline region does not have, a severity
outside 0–10, a signed note) raises ``ValidationError`` / ``SignedNoteImmutable`` and nothing
is written. ``at(view, x, y)`` names the region and patient side under a point of the
outline, so a click and a typed entry make the same mark. Views carry region labels, sides and
findings only: no PHI beyond what the note itself holds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.domain import body
from core.domain.enums import Discipline, Laterality
from core.domain.errors import ValidationError
from core.services.notes import _edit
from core.services.result import Result
from core.storage.chart import ChartSession


@dataclass(frozen=True, slots=True)
class BodyDiagram:
    note_id: uuid.UUID
    marks: tuple[body.BodyMark, ...]
    signed: bool
    editable: bool
    discipline: Discipline | None
    side: Laterality | None  # what the marks give lines that record no side

    @property
    def text(self) -> str:
        return body.describe(self.marks)


def for_note(chart: ChartSession, note_id: uuid.UUID) -> BodyDiagram:
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        visit = uow.visits.get(note.visit_id)
        episode = uow.episodes.get(visit.episode_id)
        marks = tuple(note.marks)
        return BodyDiagram(
            note.id, marks, note.is_signed, not (note.is_signed or note.is_voided),
            Discipline(episode.discipline), body.body_side(marks),
        )


def at(view: str, x: float, y: float) -> tuple[body.Region, Laterality] | None:
    return body.locate(view, x, y)


def add(
    chart: ChartSession,
    note_id: uuid.UUID,
    *,
    region: str,
    side: Laterality | str,
    finding: str,
    severity: int | None = None,
    x: float | None = None,
    y: float | None = None,
) -> Result[body.BodyMark]:
    mark = body.BodyMark(region, Laterality(side) if side in set(Laterality) else side,  # type: ignore[arg-type]
                         finding, severity, x, y)
    return _edit(chart, note_id, "body diagram", lambda n, _: n.add_body_mark(mark))


def add_at(
    chart: ChartSession, note_id: uuid.UUID, *, view: str, x: float, y: float, finding: str,
    severity: int | None = None,
) -> Result[body.BodyMark]:
    """A mark where the clinician clicked: the region and side under the point."""
    found = body.locate(view, x, y)
    if found is None:
        raise ValidationError("Click inside the outline to mark a region.", field="region")
    region, side = found
    return add(chart, note_id, region=region.id, side=side, finding=finding,
               severity=severity, x=x, y=y)


def remove(chart: ChartSession, note_id: uuid.UUID, mark_id: str) -> Result[None]:
    return _edit(chart, note_id, "body diagram", lambda n, _: n.remove_body_mark(mark_id))


def copy_to_objective(chart: ChartSession, note_id: uuid.UUID) -> Result[str]:
    """Append the marks' text to the Objective section (once: lines already there are not
    added again); returns the section's new text."""

    def change(note, _uow):  # type: ignore[no-untyped-def]
        lines = [m.text() for m in note.marks]
        if not lines:
            raise ValidationError("Mark the body diagram first.", field="body_marks")
        have = set(note.objective.splitlines())
        new = [line for line in lines if line not in have]
        if new:
            text = note.objective.rstrip()
            block = "Body diagram:\n" + "\n".join(new) if "Body diagram:" not in have else \
                "\n".join(new)
            note.set_section("objective", f"{text}\n{block}" if text else block)
        return note.objective

    return _edit(chart, note_id, "objective", change, text_only=True)
