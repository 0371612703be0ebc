"""Patient use cases: create, edit, search, open (an audited view)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from core.domain.episode import Episode
from core.domain.patient import Patient
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.rows import PatientRow, VisitRow


def create_patient(chart: ChartSession, **fields: Any) -> Result[Patient]:
    patient = Patient(**fields)
    with chart.uow() as uow:
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
