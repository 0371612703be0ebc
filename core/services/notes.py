"""Visit and note use cases. Each call is one unit of work: load, change the domain, save, audit.

Every edit is saved as it is made (the desktop calls these per field change), so there is no
unsaved state for a crash to lose. Signing lives in ``core.services.signing``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from core.domain.enums import NoteType, PlaceOfService, TelehealthModality, VisitStatus
from core.domain.errors import ValidationError
from core.domain.visit import Addendum, Note, TimedBlock, UntimedService, Visit
from core.services.result import Result
from core.services.visits import check_place_and_date
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class NoteView:
    note: Note
    visit: Visit


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def start_note(
    chart: ChartSession,
    *,
    episode_id: uuid.UUID,
    clinician_id: uuid.UUID,
    date: dt.date,
    note_type: NoteType = NoteType.DAILY,
    place_of_service: PlaceOfService = PlaceOfService.OFFICE,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    address: str = "",
    telehealth_modality: TelehealthModality | str | None = None,
    today: dt.date | None = None,
) -> Result[NoteView]:
    """Create a visit on ``date`` with an empty draft note of ``note_type``. A home visit needs
    its ``address``, a telehealth visit its modality; with ``today`` given (the desktop and
    the CLI pass it) a future date or one before the episode started is refused
    (``core.services.visits.check_place_and_date``)."""
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        uow.clinicians.get(clinician_id)
        visit = Visit(
            patient_id=episode.patient_id,
            episode_id=episode.id,
            clinician_id=clinician_id,
            date=date,
            place_of_service=place_of_service,
            start_time=start_time,
            end_time=end_time,
            status=VisitStatus.COMPLETED,
            address=address,
            telehealth_modality=(
                TelehealthModality(telehealth_modality) if telehealth_modality else None
            ),
        )
        check_place_and_date(visit, episode, today=today)
        note = Note(visit_id=visit.id, note_type=note_type, updated_at=_now())
        uow.visits.save(visit)
        uow.notes.save(note)
        uow.record("create", "visit", visit.id)
        uow.record("create", "note", note.id)
        return Result(NoteView(note, visit), uow.commit())


def record_missed_visit(
    chart: ChartSession,
    *,
    episode_id: uuid.UUID,
    clinician_id: uuid.UUID,
    date: dt.date,
    status: VisitStatus,
) -> Result[Visit]:
    """A no-show or cancellation: a visit without a note."""
    if status not in (VisitStatus.NO_SHOW, VisitStatus.CANCELLED, VisitStatus.SCHEDULED):
        raise ValidationError("Use start_note for a visit that took place.", field="status")
    with chart.uow() as uow:
        episode = uow.episodes.get(episode_id)
        visit = Visit(
            patient_id=episode.patient_id,
            episode_id=episode_id,
            clinician_id=clinician_id,
            date=date,
            status=status,
        )
        uow.visits.save(visit)
        uow.record("create", "visit", visit.id, detail=status.value)
        return Result(visit, uow.commit())


def get_note(chart: ChartSession, note_id: uuid.UUID) -> NoteView:
    """The note with its visit; audited as a view."""
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        visit = uow.visits.get(note.visit_id)
        uow.record("view", "note", note_id)
        uow.commit()
    return NoteView(note, visit)


def _edit(chart: ChartSession, note_id: uuid.UUID, detail: str, change: Any,
          *, text_only: bool = False) -> Result[Any]:
    """Load the note, apply ``change(note, uow)``, save, audit one ``update`` (``text_only``:
    a section's text, so lists that show no text do not re-query — ``Changes.text``)."""
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        value = change(note, uow)
        note.updated_at = _now()
        uow.notes.save(note)
        uow.record("update", "note", note.id, detail=detail, text_only=text_only)
        return Result(value, uow.commit())


def edit_section(chart: ChartSession, note_id: uuid.UUID, section: str, text: str) -> Result[None]:
    return _edit(chart, note_id, section, lambda n, _: n.set_section(section, text),
                 text_only=True)


def set_total_treatment_minutes(
    chart: ChartSession, note_id: uuid.UUID, minutes: int | None
) -> Result[None]:
    return _edit(
        chart,
        note_id,
        "total_treatment_minutes",
        lambda n, _: n.set_total_treatment_minutes(minutes),
    )


def set_note_type(chart: ChartSession, note_id: uuid.UUID, note_type: NoteType) -> Result[None]:
    """Change a draft's type (e.g. make the 10th treatment day a progress report)."""

    def change(note: Note, _: UnitOfWork) -> None:
        note.ensure_editable()
        note.note_type = NoteType(note_type)

    return _edit(chart, note_id, "note_type", change)


def set_visit_times(
    chart: ChartSession, visit_id: uuid.UUID, start: dt.time | None, end: dt.time | None
) -> Result[Visit]:
    with chart.uow() as uow:
        visit = uow.visits.get(visit_id)
        note = uow.notes.for_visit(visit_id)
        if note is not None:
            note.ensure_editable()
        visit.start_time, visit.end_time = start, end
        visit.validate()
        uow.visits.save(visit)
        uow.record("update", "visit", visit.id, detail="times")
        return Result(visit, uow.commit())


def set_visit_supervisor(
    chart: ChartSession, visit_id: uuid.UUID, supervisor_id: uuid.UUID | None
) -> Result[Visit]:
    """Name the PT/OT who supervised an assistant's (PTA/COTA) visit, or clear it (None).

    Medicare bills an assistant's services under the supervising therapist (24J and the
    signature; CQ/CO on the line). Refused: a visit whose clinician is not an assistant, a
    supervisor who is an assistant or of another discipline, a visit whose note is signed
    (the database freezes it too). Audited ``update visit supervisor`` (ids only)."""
    with chart.uow() as uow:
        visit = uow.visits.get(visit_id)
        note = uow.notes.for_visit(visit_id)
        if note is not None:
            note.ensure_editable()
        if supervisor_id is not None:
            clinician = uow.clinicians.get(visit.clinician_id)
            supervisor = uow.clinicians.get(supervisor_id)
            if not clinician.is_assistant:
                raise ValidationError(
                    "Only an assistant's (PTA/COTA) visit has a supervising therapist.",
                    field="supervisor_id")
            if supervisor.is_assistant:
                raise ValidationError(
                    "An assistant cannot supervise: choose the supervising PT or OT.",
                    field="supervisor_id")
            if supervisor.discipline != clinician.discipline:
                raise ValidationError(
                    f"A {clinician.discipline} assistant is supervised by a "
                    f"{clinician.discipline}, not a {supervisor.discipline}.",
                    field="supervisor_id")
        visit.supervisor_id = supervisor_id
        uow.visits.save(visit)
        uow.record("update", "visit", visit.id, detail="supervisor")
        return Result(visit, uow.commit())


def check_goal_links(uow: UnitOfWork, note: Note, goal_ids: tuple[uuid.UUID, ...]) -> None:
    """``ValidationError`` unless every goal is on the note's plan of care."""
    if not goal_ids:
        return
    visit = uow.visits.get(note.visit_id)
    episode = uow.episodes.get(visit.episode_id)
    known = {g.id for g in episode.goals}
    if any(g not in known for g in goal_ids):
        raise ValidationError("A linked goal is not on this plan of care.", field="goal_ids")


def add_block(
    chart: ChartSession, note_id: uuid.UUID, code: str, **fields: Any
) -> Result[TimedBlock]:
    block = TimedBlock(code=code, **fields)

    def change(note: Note, uow: UnitOfWork) -> TimedBlock:
        check_goal_links(uow, note, block.goal_ids)
        return note.add_block(block)

    return _edit(chart, note_id, "block added", change)


def update_block(
    chart: ChartSession, note_id: uuid.UUID, block_id: uuid.UUID, **changes: Any
) -> Result[TimedBlock]:
    def change(note: Note, uow: UnitOfWork) -> TimedBlock:
        if "goal_ids" in changes:
            check_goal_links(uow, note, tuple(changes["goal_ids"]))
        return note.update_block(block_id, **changes)

    return _edit(chart, note_id, "block " + ",".join(sorted(changes)), change)


def remove_block(chart: ChartSession, note_id: uuid.UUID, block_id: uuid.UUID) -> Result[None]:
    return _edit(chart, note_id, "block removed", lambda n, _: n.remove_block(block_id))


def add_untimed(
    chart: ChartSession, note_id: uuid.UUID, code: str, **fields: Any
) -> Result[UntimedService]:
    service = UntimedService(code=code, **fields)
    return _edit(chart, note_id, "untimed added", lambda n, _: n.add_untimed(service))


def update_untimed(
    chart: ChartSession, note_id: uuid.UUID, service_id: uuid.UUID, **changes: Any
) -> Result[UntimedService]:
    """Change an untimed service's minutes, side, goal links, details or modifiers."""

    def change(note: Note, uow: UnitOfWork) -> UntimedService:
        if "goal_ids" in changes:
            check_goal_links(uow, note, tuple(changes["goal_ids"]))
        return note.update_untimed(service_id, **changes)

    return _edit(chart, note_id, "untimed " + ",".join(sorted(changes)), change)


def remove_untimed(chart: ChartSession, note_id: uuid.UUID, service_id: uuid.UUID) -> Result[None]:
    return _edit(chart, note_id, "untimed removed", lambda n, _: n.remove_untimed(service_id))


def acknowledge_warning(
    chart: ChartSession, note_id: uuid.UUID, finding_id: str, reason: str
) -> Result[None]:
    return _edit(
        chart, note_id, f"acknowledged {finding_id}", lambda n, _: n.acknowledge(finding_id, reason)
    )


def void_note(chart: ChartSession, note_id: uuid.UUID, *, reason: str) -> Result[Note]:
    """Void a draft started by mistake: the note stays (read-only, status ``voided``), is never
    signed or billed and no longer counts as a visit's note for the rules; audited as an
    ``update`` whose detail is ``voided: <reason>`` (one of ``VOID_REASONS``, no PHI)."""
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        note.void(reason)
        note.updated_at = _now()
        uow.notes.save(note)
        uow.record("update", "note", note.id, detail=f"voided: {reason}")
        return Result(note, uow.commit())


def add_addendum(
    chart: ChartSession, note_id: uuid.UUID, *, author_id: uuid.UUID, text: str
) -> Result[Addendum]:
    with chart.uow() as uow:
        note = uow.notes.get(note_id)
        addendum = note.add_addendum(
            Addendum(note_id=note.id, author_id=author_id, text=text, created_at=_now())
        )
        uow.notes.add_addendum(addendum)
        uow.record("addendum", "note", note.id)
        return Result(addendum, uow.commit())
