"""Books ops (Anki's aqt/operations pattern): each builds one ``QueryOp``/``CommandOp`` that
calls exactly one ``core.services`` function on the database worker; nothing runs until
``run()``."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from core.services import clock, dashboard, mileage, reports
from desktop.worker import CommandOp, QueryOp


def compliance(parent: QObject, today: dt.date) -> QueryOp[dashboard.Dashboard]:
    return QueryOp(parent, lambda chart: dashboard.compliance_dashboard(chart, today=today))


def mileage_log(parent: QObject, year: int, clinician_id: uuid.UUID | None = None
                ) -> QueryOp[Any]:
    return QueryOp(parent, lambda chart: mileage.mileage_log(chart, year=year,
                                                             clinician_id=clinician_id))


def record_trip(parent: QObject, clinician_id: uuid.UUID, **fields: Any) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: mileage.record_trip(chart, clinician_id, **fields))


def delete_trip(parent: QObject, entry_id: uuid.UUID) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: mileage.delete_trip(chart, entry_id))


def export_mileage(parent: QObject, path: Path, year: int,
                   clinician_id: uuid.UUID | None = None) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: mileage.export_mileage_log(
        chart, path, year=year, clinician_id=clinician_id))


def clock_in(parent: QObject, clinician_id: uuid.UUID, kind: str,
             visit_id: uuid.UUID | None = None, at: dt.datetime | None = None
             ) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: clock.clock_in(chart, clinician_id, kind,
                                                          visit_id=visit_id, at=at))


def clock_out(parent: QObject, clinician_id: uuid.UUID, at: dt.datetime | None = None
              ) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: clock.clock_out(chart, clinician_id, at=at))


def time_sheet(parent: QObject, clinician_id: uuid.UUID, week_of: dt.date,
               now: dt.datetime | None = None) -> QueryOp[clock.TimeSheet]:
    monday = week_of - dt.timedelta(days=week_of.weekday())
    return QueryOp(parent, lambda chart: clock.time_sheet(
        chart, clinician_id, date_from=monday, date_to=monday + dt.timedelta(days=6), now=now))


def report(parent: QObject, kind: str, date_from: dt.date, date_to: dt.date) -> QueryOp[Any]:
    fn = {"revenue": reports.revenue_report, "visits": reports.visits_report,
          "units": reports.units_report}[kind]
    return QueryOp(parent, lambda chart: fn(chart, date_from=date_from, date_to=date_to))


def export_report(parent: QObject, kind: str, path: Path, date_from: dt.date,
                  date_to: dt.date, today: dt.date | None = None) -> CommandOp[Any]:
    return CommandOp(parent, lambda chart: reports.export_report_csv(
        chart, kind, path, date_from=date_from, date_to=date_to, today=today))
