"""What the schedule grid shows (issue 19): the appointments of a run of days for one or a few
clinicians side by side, with their working hours and blocked time, and a patient's plan of
care frequency against what is booked. Read-only, one transaction per call.

Contract: ``grid(chart, first_day, days, clinician_ids)`` — ``clinician_ids`` empty means every
clinician of the practice (the screen shows at most ``MAX_SIDE_BY_SIDE``); names and initials are
for the app's screen only. ``plan_line(chart, patient_id)`` is "2×/week for 6 weeks: 7 of 12
booked" for the patient's open episode with a frequency, or "" when none is set.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.schedule import Appointment, Block, WaitlistEntry, WorkingHours
from core.rules import schedule as rules
from core.services.schedule import _window
from core.storage.chart import ChartSession

MAX_SIDE_BY_SIDE = 4


@dataclass(frozen=True, slots=True)
class GridItem:
    appointment: Appointment
    patient_name: str  # "Last, First"
    initials: str  # "NT"
    occurrence: bool = False  # still an occurrence of its series (not stored on its own)


@dataclass(frozen=True, slots=True)
class GridClinician:
    id: uuid.UUID
    name: str
    hours: WorkingHours | None


@dataclass(frozen=True, slots=True)
class GridData:
    first_day: dt.date
    days: int
    clinicians: tuple[GridClinician, ...]
    items: tuple[GridItem, ...]
    blocks: tuple[Block, ...]


def grid(chart: ChartSession, first_day: dt.date, days: int = 1,
         clinician_ids: Sequence[uuid.UUID] = ()) -> GridData:
    start = dt.datetime.combine(first_day, dt.time.min)
    end = start + dt.timedelta(days=days)
    with chart.uow() as uow:
        every = uow.clinicians.list()
        chosen = [c for c in every if c.id in clinician_ids] if clinician_ids else list(every)
        chosen = chosen[:MAX_SIDE_BY_SIDE]
        ids = {c.id for c in chosen}
        columns = tuple(GridClinician(c.id, f"{c.first_name} {c.last_name}",
                                      uow.schedule.hours_for(c.id)) for c in chosen)
        items = [a for a in _window(uow, start, end, None if len(ids) != 1 else next(iter(ids)))
                 if a.clinician_id in ids and first_day <= a.start.date() < end.date()]
        stored = uow.schedule.stored_ids_between(start, end)
        blocks = tuple(b for b in uow.schedule.blocks_between(start, end) if b.clinician_id in ids)
        names = uow.schedule.patient_names(list({a.patient_id for a in items}))
        people = {pid: (f"{last}, {first}", f"{first[:1]}{last[:1]}".upper())
                  for pid, (first, last) in names.items()}
    return GridData(first_day, days, columns,
                    tuple(GridItem(a, *people[a.patient_id],
                                   occurrence=a.series_id is not None and a.id not in stored)
                          for a in items), blocks)


def plan_line(chart: ChartSession, patient_id: uuid.UUID) -> str:
    with chart.uow() as uow:
        episodes = [e for e in uow.episodes.for_patient(patient_id)
                    if e.is_active and e.frequency_per_week and e.duration_weeks]
        if not episodes:
            return ""
        episode = max(episodes, key=lambda e: e.start_date)
        assert episode.frequency_per_week and episode.duration_weeks
        first = episode.cert_start or episode.start_date
        begin = dt.datetime.combine(first, dt.time.min)
        end = begin + dt.timedelta(weeks=episode.duration_weeks)
        mine = [a for a in _window(uow, begin, end) if a.patient_id == patient_id]
    progress = rules.plan_progress(episode.frequency_per_week, episode.duration_weeks, first,
                                   patient_id, mine)
    return str(progress)


@dataclass(frozen=True, slots=True)
class WaitingRow:
    entry: WaitlistEntry
    patient_name: str


def waitlist_rows(chart: ChartSession) -> list[WaitingRow]:
    """The waitlist, longest waiting first, with names (for the app's screen only)."""
    with chart.uow() as uow:
        rows = []
        for e in uow.schedule.waitlist():
            p = uow.patients.get(e.patient_id)
            rows.append(WaitingRow(e, f"{p.last_name}, {p.first_name}"))
    return rows


def policy(chart: ChartSession) -> rules.CancellationPolicy:
    """The practice's late-cancellation window and its fees (defaults when never set)."""
    from core.services.schedule import _policy

    with chart.uow() as uow:
        return _policy(uow)
