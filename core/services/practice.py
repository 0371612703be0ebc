"""Practice setup: the practice itself, its clinicians, its payer profiles."""

from __future__ import annotations

import uuid
from typing import Any

from core.domain.errors import NotFound
from core.domain.practice import Clinician, PayerProfile, Practice
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork


def save_practice(chart: ChartSession, **fields: Any) -> Result[Practice]:
    """Create the practice or update its fields (a chart holds one practice)."""
    with chart.uow() as uow:
        practice = save_practice_within(uow, **fields)
        return Result(practice, uow.commit())


def save_practice_within(uow: UnitOfWork, **fields: Any) -> Practice:
    """``save_practice`` inside the caller's unit of work (the caller commits)."""
    current = uow.practice.get()
    if current is None:
        practice = Practice(**fields)
        action = "create"
    else:
        data = {k: getattr(current, k) for k in current.__dataclass_fields__} | fields
        practice = Practice(**data)
        action = "update"
    uow.practice.save(practice)
    uow.record(action, "practice", practice.id, detail=",".join(sorted(fields)))
    return practice


def get_practice(chart: ChartSession) -> Practice:
    with chart.uow() as uow:
        practice = uow.practice.get()
    if practice is None:
        raise NotFound("This chart has no practice details yet.", hint="Add them in Settings.")
    return practice


def add_clinician(chart: ChartSession, **fields: Any) -> Result[Clinician]:
    clinician = Clinician(**fields)
    with chart.uow() as uow:
        uow.clinicians.save(clinician)
        uow.record("create", "clinician", clinician.id)
        return Result(clinician, uow.commit())


def update_clinician(
    chart: ChartSession, clinician_id: uuid.UUID, **fields: Any
) -> Result[Clinician]:
    with chart.uow() as uow:
        current = uow.clinicians.get(clinician_id)
        data = {k: getattr(current, k) for k in current.__dataclass_fields__} | fields
        clinician = Clinician(**data)
        uow.clinicians.save(clinician)
        uow.record("update", "clinician", clinician.id, detail=",".join(sorted(fields)))
        return Result(clinician, uow.commit())


def list_clinicians(chart: ChartSession) -> list[Clinician]:
    with chart.uow() as uow:
        return uow.clinicians.list()


def add_payer_profile(chart: ChartSession, **fields: Any) -> Result[PayerProfile]:
    payer = PayerProfile(**fields)
    with chart.uow() as uow:
        uow.payers.save(payer)
        uow.record("create", "payer_profile", payer.id)
        return Result(payer, uow.commit())


def list_payer_profiles(chart: ChartSession) -> list[PayerProfile]:
    with chart.uow() as uow:
        return uow.payers.list()
