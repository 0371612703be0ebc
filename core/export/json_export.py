"""The whole chart as one readable JSON document, for the user's own backup or migration.

The output is PHI by design (it is the user's data, exported at their request); the export is
audited. Structure: ``{"format", "version", "exported_at", "chart_id", "practice", "clinicians",
"payer_profiles", "fees", "mileage", "clock_entries", "patients": [{..., "payments" (refunds
included), "packages", "package_uses", "measure_scores", "episodes": [{..., "diagnoses",
"goals", "visits": [{..., "note": {..., "blocks", "untimed", "addenda"}}]}]}], "audit":
{"rows", "verified"}}``. Version 2 added the books (fees, payments, refunds, packages and
their uses, mileage, clock entries, measure scores): the export is the user's way out, whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import uuid
from typing import Any

from core.storage import audit
from core.storage.repos_billing import BillingRepos
from core.storage.repos_books import BooksRepos
from core.storage.repos_measures import MeasureScoreRepo
from core.storage.uow import UnitOfWork

FORMAT = "chartside-export"
VERSION = 2


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def export_chart(uow: UnitOfWork, chart_id: str) -> dict[str, Any]:
    """Gather everything inside the caller's unit of work (the caller audits the export)."""
    practice = uow.practice.get()
    patients_out = []
    billing = BillingRepos(uow.conn)
    books = BooksRepos(uow.conn)
    scores = MeasureScoreRepo(uow.conn)
    for pid in uow.patients.all_ids():
        patient = _plain(uow.patients.get(pid))
        patient["payments"] = _plain(billing.payments.for_patient(pid))
        patient["packages"] = _plain(billing.packages.for_patient(pid))
        patient["package_uses"] = _plain(billing.packages.uses_for_patient(pid))
        patient["measure_scores"] = _plain(scores.list(patient_id=pid))
        episodes = []
        for episode in uow.episodes.for_patient(pid):
            ep = _plain(episode)
            visits = []
            for row in sorted(uow.visits.rows(episode_id=episode.id), key=lambda r: r.date):
                visit = _plain(uow.visits.get(row.id))
                note = uow.notes.for_visit(row.id)
                visit["note"] = _plain(note) if note else None
                visits.append(visit)
            ep["visits"] = visits
            episodes.append(ep)
        patient["episodes"] = episodes
        patients_out.append(patient)
    report = audit.verify(uow.conn)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(),
        "chart_id": chart_id,
        "practice": _plain(practice) if practice else None,
        "clinicians": _plain(uow.clinicians.list()),
        "payer_profiles": _plain(uow.payers.list()),
        "fees": _plain(billing.fees.list()),
        "mileage": _plain(books.mileage.list(dt.date.min, dt.date.max)),
        "clock_entries": _plain([e for c in uow.clinicians.list()
                                 for e in books.clock.between(c.id, dt.datetime.min, None)]),
        "patients": patients_out,
        "audit": {"rows": report.rows, "verified": report.ok},
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
