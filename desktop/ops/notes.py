"""Note ops: start, open, check, every per-field edit, acknowledge, sign, addendum, void."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QObject

from core.domain.enums import NoteType
from core.services import notes, signing, ui_queries, visits
from desktop.worker import CommandOp, QueryOp


def start_note(
    parent: QObject,
    *,
    episode_id: uuid.UUID,
    clinician_id: uuid.UUID,
    date: dt.date,
    note_type: NoteType = NoteType.DAILY,
    start_time: dt.time | None = None,
    **place: Any,
) -> CommandOp[Any]:
    """``place``: ``place_of_service``, ``address``, ``telehealth_modality``, ``today``."""
    return CommandOp(
        parent,
        lambda chart: notes.start_note(
            chart,
            episode_id=episode_id,
            clinician_id=clinician_id,
            date=date,
            note_type=note_type,
            start_time=start_time,
            **place,
        ),
    )


def set_visit_place(parent: QObject, visit_id: uuid.UUID, **fields: Any) -> CommandOp[Any]:
    """``fields``: ``date``, ``place_of_service``, ``address``, ``telehealth_modality``,
    ``today`` (``core.services.visits.set_visit_place``)."""
    return CommandOp(parent, lambda chart: visits.set_visit_place(chart, visit_id, **fields))


def set_visit_supervisor(parent: QObject, visit_id: uuid.UUID, supervisor_id: uuid.UUID | None
                         ) -> CommandOp[Any]:
    """The supervising therapist an assistant's visit bills under (None: the plan's)."""
    return CommandOp(parent, lambda chart: notes.set_visit_supervisor(
        chart, visit_id, supervisor_id))


def open_note(parent: QObject, note_id: uuid.UUID) -> QueryOp[ui_queries.NoteWorkspace]:
    return QueryOp(parent, lambda chart: ui_queries.open_note(chart, note_id))


def check(parent: QObject, note_id: uuid.UUID) -> QueryOp[ui_queries.NoteCheck]:
    return QueryOp(parent, lambda chart: ui_queries.note_check(chart, note_id))


def edit_section(parent: QObject, note_id: uuid.UUID, section: str, text: str) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: notes.edit_section(chart, note_id, section, text))


def set_total_minutes(parent: QObject, note_id: uuid.UUID, minutes: int | None) -> CommandOp[Any]:
    return CommandOp(
        parent, lambda chart: notes.set_total_treatment_minutes(chart, note_id, minutes)
    )


def add_block(parent: QObject, note_id: uuid.UUID, code: str, **fields: Any) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: notes.add_block(chart, note_id, code, **fields))


def update_block(
    parent: QObject, note_id: uuid.UUID, block_id: uuid.UUID, **changes: Any
) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: notes.update_block(chart, note_id, block_id, **changes))


def remove_block(parent: QObject, note_id: uuid.UUID, block_id: uuid.UUID) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: notes.remove_block(chart, note_id, block_id))


def add_untimed(parent: QObject, note_id: uuid.UUID, code: str, **fields: Any) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: notes.add_untimed(chart, note_id, code, **fields))


def remove_untimed(parent: QObject, note_id: uuid.UUID, service_id: uuid.UUID) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: notes.remove_untimed(chart, note_id, service_id))


def acknowledge(
    parent: QObject, note_id: uuid.UUID, finding_key: str, reason: str
) -> CommandOp[Any]:
    return CommandOp(
        parent, lambda chart: notes.acknowledge_warning(chart, note_id, finding_key, reason)
    )


def sign(
    parent: QObject,
    note_id: uuid.UUID,
    signer_id: uuid.UUID,
    acknowledgements: dict[str, str] | None = None,
) -> CommandOp[Any]:
    """Sign; ``acknowledgements`` (finding key → reason, from the sign dialog) are stored with
    the signature in one transaction."""
    acks = dict(acknowledgements or {})
    return CommandOp(parent, lambda chart: signing.sign_note(
        chart, note_id, signer_id=signer_id, acknowledgements=acks))


def add_addendum(
    parent: QObject, note_id: uuid.UUID, author_id: uuid.UUID, text: str
) -> CommandOp[Any]:
    return CommandOp(
        parent, lambda chart: notes.add_addendum(chart, note_id, author_id=author_id, text=text)
    )


def void_note(parent: QObject, note_id: uuid.UUID, reason: str) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: notes.void_note(chart, note_id, reason=reason))
