"""Patient use cases: create, edit, search, open (an audited view)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from core.domain.episode import Episode
from core.domain.errors import DuplicatePatient
from core.domain.patient import Patient
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.rows import PatientRow, VisitRow


def find_duplicates(
    chart: ChartSession, *, first_name: str, last_name: str, date_of_birth: dt.date
) -> list[PatientRow]:
    """Patients with this date of birth and the same first and last name, ignoring case,
    accents and spacing ("José  Smith" = "jose smith")."""
    with chart.uow() as uow:
        return uow.patients.same_person(first_name, last_name, date_of_birth)


def create_patient(
    chart: ChartSession, *, allow_duplicate: bool = False, **fields: Any
) -> Result[Patient]:
    """Create a patient. One with the same name and date of birth as a patient already in the
    chart is refused with ``DuplicatePatient`` (naming them) unless ``allow_duplicate``: the
    clinician chose to create a second record after seeing the first."""
    patient = Patient(**fields)
    with chart.uow() as uow:
        if not allow_duplicate:
            same = uow.patients.same_person(
                patient.first_name, patient.last_name, patient.date_of_birth
            )
            if same:
                raise DuplicatePatient(
                    f"{same[0].first_name} {same[0].last_name}, born "
                    f"{patient.date_of_birth:%b %d, %Y}".replace(" 0", " ")
                    + " is already in the chart.",
                    existing=tuple(row.id for row in same),
                    hint="Open the existing patient, or create a second record anyway.",
                )
        uow.patients.save(patient)
        uow.record("create", "patient", patient.id)
        return Result(patient, uow.commit())


def update_patient(chart: ChartSession, patient_id: uuid.UUID, **fields: Any) -> Result[Patient]:
    with chart.uow() as uow:
        current = uow.patients.get(patient_id)
        data = {k: getattr(current, k) for k in current.__dataclass_fields__} | fields
        patient = Patient(**data)
        uow.patients.save(patient)
        uow.record("update", "patient", patient.id, detail=",".join(sorted(fields)))
        return Result(patient, uow.commit())


def search_patients(
    chart: ChartSession, query: str = "", *, limit: int = 50, active_only: bool = False
) -> list[PatientRow]:
    """Name/DOB search for the patient list. Not audited per keystroke: it shows names only,
    and opening a patient's chart (``open_patient``) is the audited view."""
    with chart.uow() as uow:
        return uow.patients.search(query, limit=limit, active_only=active_only)


@dataclass(frozen=True, slots=True)
class PatientChart:
    patient: Patient
    episodes: list[Episode]
    visits: list[VisitRow]


def open_patient(
    chart: ChartSession, patient_id: uuid.UUID, *, visit_limit: int | None = None
) -> PatientChart:
    """Everything the patient chart screen shows, read in one transaction; audited as a view."""
    with chart.uow() as uow:
        patient = uow.patients.get(patient_id)
        episodes = uow.episodes.for_patient(patient_id)
        visits = uow.visits.rows(patient_id=patient_id, limit=visit_limit)
        uow.record("view", "patient", patient_id)
        uow.commit()
    return PatientChart(patient, episodes, visits)
