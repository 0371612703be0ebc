"""Small read-only row DTOs for list screens (no live ORM objects cross the thread boundary)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core.domain.enums import NoteStatus, NoteType, PlaceOfService, VisitStatus


@dataclass(frozen=True, slots=True)
class PatientRow:
    id: uuid.UUID
    first_name: str
    last_name: str
    date_of_birth: dt.date
    active: bool

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


@dataclass(frozen=True, slots=True)
class VisitRow:
    id: uuid.UUID
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    clinician_id: uuid.UUID
    date: dt.date
    start_time: dt.time | None
    end_time: dt.time | None
    status: VisitStatus
    place_of_service: PlaceOfService
    note_id: uuid.UUID | None
    note_type: NoteType | None
    note_status: NoteStatus | None


@dataclass(frozen=True, slots=True)
class NoteRow:
    id: uuid.UUID
    visit_id: uuid.UUID
    note_type: NoteType
    status: NoteStatus
    date: dt.date
    patient_id: uuid.UUID
    signed_at: dt.datetime | None
