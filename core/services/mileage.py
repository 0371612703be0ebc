"""Mileage to home visits: record, change and remove legs; a period's log; its CSV/PDF export.

Contract:
- One function per user action, each one unit of work; writes return ``Result(value, changes)``
  and record one audit row on entity ``"mileage"`` whose detail holds no PHI (no labels, no
  purpose text: only counts and the distance).
- ``record_trip`` validates through ``core.domain.books.MileageEntry`` (clear ``ValidationError``s
  for end odometer < start, negative or zero distance, address-like labels, a missing purpose)
  and refuses a leg over 500 miles with ``LongTrip`` unless ``confirm_long=True``. Linking a
  ``visit_id`` fills the patient and (by default) the date, "to" = the patient's home. Labels
  and purpose may not spell the linked patient's name.
- Rates come from resources/books/irs_mileage_rates.json (``load_rates``); the rate of each leg
  is the one in force on its date, so a log spanning two years uses both years' rates.
- ``mileage_log`` reads a period; the log prints the patient as ``patient_reference``
  (initials + short id), never a name or address. ``export_mileage_log`` writes ``.csv`` or
  ``.pdf`` (by extension) and audits the export.
- Thread: the desktop's database worker or the CLI, never the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from pathlib import Path

from core.domain.books import (
    PATIENT_PLACE,
    MileageEntry,
    MileageLog,
    MileageRate,
    MileageRateTable,
    build_mileage_log,
    check_long_leg,
    check_no_patient_name,
    patient_reference,
)
from core.domain.errors import InvalidInput, NotFound
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

RATES_PACKAGE = "resources.books"
RATES_FILE = "irs_mileage_rates.json"
DEFAULT_FROM = "Office"
DEFAULT_PURPOSE = "Home visit"


@lru_cache(maxsize=1)
def load_rates() -> MileageRateTable:
    """The IRS business standard mileage rates shipped as data (parsed once per process)."""
    try:
        doc = json.loads(resources.files(RATES_PACKAGE).joinpath(RATES_FILE).read_text("utf-8"))
        rates = tuple(
            MileageRate(dt.date.fromisoformat(r["effective_from"]), Decimal(r["cents_per_mile"]),
                        r.get("source", ""), bool(r.get("verified", True)))
            for r in doc["rates"]
        )
    except (OSError, KeyError, ValueError, ArithmeticError) as exc:
        raise InvalidInput(f"The mileage rate file {RATES_FILE} is unreadable: {exc!r}.") from exc
    return MileageRateTable(rates, doc.get("source", ""))


def _patient_ref(uow: UnitOfWork, patient_id: uuid.UUID) -> tuple[str, str, str]:
    p = uow.patients.get(patient_id)
    return p.first_name, p.last_name, patient_reference(p.first_name, p.last_name, p.id)


def _prepare(uow: UnitOfWork, entry: MileageEntry, confirm_long: bool) -> None:
    uow.clinicians.get(entry.clinician_id)
    if entry.visit_id is not None:
        visit = uow.visits.get(entry.visit_id)
        if entry.patient_id not in (None, visit.patient_id):
            raise InvalidInput("That visit belongs to another patient.")
        entry.patient_id = visit.patient_id
    if entry.patient_id is not None:
        first, last, ref = _patient_ref(uow, entry.patient_id)
        check_no_patient_name(entry, first, last, ref)
    check_long_leg(entry, confirmed=confirm_long)


def save_trip(uow: UnitOfWork, entry: MileageEntry, *, confirm_long: bool = False) -> None:
    """Validate, store and audit one leg in the caller's unit of work (several legs that must
    land together, e.g. a home-health day's, share one transaction)."""
    _prepare(uow, entry, confirm_long)
    uow.books.mileage.save(entry)
    uow.record("create", "mileage", entry.id, detail=f"miles={entry.miles}")


def record_trip(
    chart: ChartSession,
    clinician_id: uuid.UUID,
    *,
    date: dt.date | None = None,
    miles: float | None = None,
    odometer_start: float | None = None,
    odometer_end: float | None = None,
    visit_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    from_label: str = DEFAULT_FROM,
    to_label: str | None = None,
    purpose: str | None = None,
    vehicle: str = "",
    confirm_long: bool = False,
) -> Result[MileageEntry]:
    """One leg driven for the practice (see the module docstring for the rules)."""
    with chart.uow() as uow:
        linked = visit_id is not None or patient_id is not None
        if visit_id is not None and (date is None or patient_id is None):
            visit = uow.visits.get(visit_id)  # a linked visit supplies its date and patient
            date = date or visit.date
            patient_id = patient_id or visit.patient_id
        if date is None:
            raise InvalidInput("Give the date of the trip.")
        entry = MileageEntry(
            clinician_id, date, miles, odometer_start, odometer_end, visit_id, patient_id,
            from_label, to_label if to_label is not None else (PATIENT_PLACE if linked else ""),
            purpose if purpose is not None else (DEFAULT_PURPOSE if linked else ""), vehicle,
        )
        _prepare(uow, entry, confirm_long)
        uow.books.mileage.save(entry)
        uow.record("create", "mileage", entry.id, detail=f"miles={entry.miles}")
        return Result(entry, uow.commit())


def update_trip(
    chart: ChartSession, entry_id: uuid.UUID, *, confirm_long: bool = False, **fields: object
) -> Result[MileageEntry]:
    """Change fields of a leg (same validation as ``record_trip``). Passing odometer readings
    recomputes the distance; pass ``miles=None`` with them when the old distance is stale."""
    allowed = {"date", "miles", "odometer_start", "odometer_end", "visit_id", "patient_id",
               "from_label", "to_label", "purpose", "vehicle"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"Cannot change {', '.join(sorted(unknown))} on a mileage entry.")
    with chart.uow() as uow:
        repo = uow.books.mileage
        current = repo.get(entry_id)
        values = {k: getattr(current, k) for k in allowed} | fields
        if ("odometer_start" in fields or "odometer_end" in fields) and "miles" not in fields:
            values["miles"] = None
        entry = MileageEntry(clinician_id=current.clinician_id, id=current.id, **values)  # type: ignore[arg-type]
        _prepare(uow, entry, confirm_long)
        repo.save(entry)
        uow.record("update", "mileage", entry.id, detail=",".join(sorted(fields)))
        return Result(entry, uow.commit())


def delete_trip(chart: ChartSession, entry_id: uuid.UUID) -> Result[None]:
    with chart.uow() as uow:
        if not uow.books.mileage.delete(entry_id):
            raise NotFound(f"No mileage entry with id {entry_id} in this chart.")
        uow.record("delete", "mileage", entry_id)
        return Result(None, uow.commit())


def year_range(year: int) -> tuple[dt.date, dt.date]:
    if not 1990 <= year <= 2200:
        raise InvalidInput(f"{year} is not a plausible tax year.")
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def load_log(
    uow: UnitOfWork, date_from: dt.date, date_to: dt.date,
    clinician_id: uuid.UUID | None = None,
) -> MileageLog:
    """The log of the period, read in ``uow`` (patients as references only)."""
    if date_to < date_from:
        raise InvalidInput("The period ends before it starts.")
    repos = uow.books
    entries = repos.mileage.list(date_from, date_to, clinician_id)
    names = repos.reads.patient_names(e.patient_id for e in entries if e.patient_id)
    refs = {pid: patient_reference(f, last, pid) for pid, (f, last) in names.items()}
    clinicians = repos.reads.clinician_names()

    def place(entry: MileageEntry, label: str) -> str:
        if label == PATIENT_PLACE:
            return f"Patient {refs.get(entry.patient_id, '?') if entry.patient_id else '?'}"
        return label

    who = clinicians.get(clinician_id, "") if clinician_id else "all clinicians"
    practice = uow.practice.get()
    title = f"{practice.name + ' — ' if practice else ''}Mileage log, {who}"
    return build_mileage_log(entries, load_rates(), date_from=date_from, date_to=date_to,
                             place=place, clinician_names=clinicians, title=title)


def mileage_log(
    chart: ChartSession, *, year: int | None = None, date_from: dt.date | None = None,
    date_to: dt.date | None = None, clinician_id: uuid.UUID | None = None,
) -> MileageLog:
    """A year's log (or any period): lines, totals per rate, grand totals. Not audited (a
    screen of the practice's own trips; exporting it is)."""
    start, end = _period(year, date_from, date_to)
    with chart.uow() as uow:
        return load_log(uow, start, end, clinician_id)


def _period(
    year: int | None, date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.date, dt.date]:
    if year is not None:
        if date_from or date_to:
            raise InvalidInput("Give a year or a date range, not both.")
        return year_range(year)
    if date_from is None or date_to is None:
        raise InvalidInput("Give a year, or both ends of the period.")
    return date_from, date_to


@dataclass(frozen=True, slots=True)
class MileageExport:
    path: Path
    format: str  # "csv" | "pdf"
    log: MileageLog


def export_mileage_log(
    chart: ChartSession, path: Path, *, year: int | None = None,
    date_from: dt.date | None = None, date_to: dt.date | None = None,
    clinician_id: uuid.UUID | None = None,
) -> Result[MileageExport]:
    """Write the period's log as CSV or PDF (chosen by ``path``'s extension); audited."""
    from core.export import mileage_log as render

    kind = Path(path).suffix.lower().lstrip(".")
    if kind not in ("csv", "pdf"):
        raise InvalidInput("The mileage log is written as .csv or .pdf.",
                           hint="Name the output file e.g. mileage-2025.csv.")
    start, end = _period(year, date_from, date_to)
    with chart.uow() as uow:
        log = load_log(uow, start, end, clinician_id)
        if kind == "csv":
            render.write_csv(log, Path(path))
        else:
            render.write_pdf(log, Path(path))
        uow.record("export", "mileage", "", detail=f"format={kind} {start}..{end} "
                   f"lines={len(log.lines)}")
        return Result(MileageExport(Path(path), kind, log), uow.commit())
