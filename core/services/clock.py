"""Clock in / clock out for visits and administrative time; day and week totals.

Contract:
- One function per user action, each one unit of work; writes return ``Result(value, changes)``
  and record one audit row on entity ``"clock"`` (detail: the kind only, no memo text).
- ``clock_in`` refuses a second open entry of the same clinician (``ClockConflict`` naming the
  open one) and a start inside another entry; ``clock_out`` closes the open entry and refuses
  a time before its clock-in (``ValidationError``) or one that would overlap a later entry;
  clocking out in the same minute as the clock-in discards the entry (no time was spent; its
  ``Result`` holds the zero-length entry, which is not stored; audited as a delete).
  ``add_entry`` records a finished interval after the fact under the same rules; ``edit_entry``
  and ``delete_entry`` correct one. Times are local wall-clock times, truncated to the minute.
- ``visit`` time needs the visit (it must exist); documentation/travel may name one.
- ``time_sheet`` totals clinical (visit) vs administrative (documentation, travel, admin)
  minutes per day and per ISO week for one clinician, open entries counted up to ``now``,
  each period flagged with the clinician's unsigned notes (draft notes for their visits).
- Thread: the desktop's database worker or the CLI, never the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from core.domain.books import (
    ClockConflict,
    ClockEntry,
    ClockKind,
    TimeTotals,
    find_conflict,
    timesheet,
    to_minute,
    week_start,
)
from core.domain.errors import InvalidInput, NotFound, ValidationError
from core.services.result import Result
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork


def _now() -> dt.datetime:
    return dt.datetime.now().replace(second=0, microsecond=0)


def _check(uow: UnitOfWork, entry: ClockEntry) -> None:
    uow.clinicians.get(entry.clinician_id)
    if entry.visit_id is not None:
        uow.visits.get(entry.visit_id)
    repo = uow.books.clock
    if entry.is_open:
        for other in repo.open_for(entry.clinician_id):
            if other.id != entry.id:
                raise ClockConflict(
                    f"Already clocked in ({other.kind.value}) since "
                    f"{other.started_at:%Y-%m-%d %H:%M}.", hint="Clock out first.")
    nearby = repo.between(entry.clinician_id, entry.started_at, entry.ended_at)
    clash = find_conflict(entry, nearby)
    if clash is not None:
        until = f"{clash.ended_at:%H:%M}" if clash.ended_at else "now (still open)"
        raise ClockConflict(
            f"That time overlaps {clash.kind.value} time from "
            f"{clash.started_at:%Y-%m-%d %H:%M} to {until}.",
            hint="Adjust the times so entries do not overlap.")


def clock_in(
    chart: ChartSession, clinician_id: uuid.UUID, kind: ClockKind | str, *,
    visit_id: uuid.UUID | None = None, at: dt.datetime | None = None, memo: str = "",
) -> Result[ClockEntry]:
    entry = ClockEntry(clinician_id, kind, at or _now(), None, visit_id, memo)  # type: ignore[arg-type]
    with chart.uow() as uow:
        _check(uow, entry)
        uow.books.clock.save(entry)
        uow.record("create", "clock", entry.id, detail=f"kind={entry.kind.value} open")
        return Result(entry, uow.commit())


def clock_out(
    chart: ChartSession, clinician_id: uuid.UUID, *, at: dt.datetime | None = None
) -> Result[ClockEntry]:
    when = to_minute(at or _now())
    with chart.uow() as uow:
        repo = uow.books.clock
        open_entries = repo.open_for(clinician_id)
        if not open_entries:
            raise InvalidInput("You are not clocked in.", hint="Clock in first.")
        entry = open_entries[0]
        if when == entry.started_at:
            # Clocked out in the minute it started: no time was spent, so nothing is kept.
            # Refusing (as before) left the clock running with no way to stop it.
            repo.delete(entry.id)
            uow.record("delete", "clock", entry.id,
                       detail=f"kind={entry.kind.value} closed in its first minute")
            entry.ended_at = when
            return Result(entry, uow.commit())
        if when < entry.started_at:
            raise ValidationError(
                f"Clock-out ({when:%Y-%m-%d %H:%M}) is not after clock-in "
                f"({entry.started_at:%Y-%m-%d %H:%M}).", field="ended_at")
        entry.ended_at = when
        entry.validate()
        _check(uow, entry)
        repo.save(entry)
        uow.record("update", "clock", entry.id, detail=f"kind={entry.kind.value} closed")
        return Result(entry, uow.commit())


def add_entry(
    chart: ChartSession, clinician_id: uuid.UUID, kind: ClockKind | str, *,
    started_at: dt.datetime, ended_at: dt.datetime, visit_id: uuid.UUID | None = None,
    memo: str = "",
) -> Result[ClockEntry]:
    """A finished interval entered afterwards (same overlap rules)."""
    entry = ClockEntry(clinician_id, kind, started_at, ended_at, visit_id, memo)  # type: ignore[arg-type]
    with chart.uow() as uow:
        _check(uow, entry)
        uow.books.clock.save(entry)
        uow.record("create", "clock", entry.id, detail=f"kind={entry.kind.value}")
        return Result(entry, uow.commit())


def edit_entry(chart: ChartSession, entry_id: uuid.UUID, **fields: object) -> Result[ClockEntry]:
    allowed = {"kind", "started_at", "ended_at", "visit_id", "memo"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"Cannot change {', '.join(sorted(unknown))} on a clock entry.")
    with chart.uow() as uow:
        repo = uow.books.clock
        current = repo.get(entry_id)
        values = {k: getattr(current, k) for k in allowed} | fields
        entry = ClockEntry(clinician_id=current.clinician_id, id=current.id, **values)  # type: ignore[arg-type]
        _check(uow, entry)
        repo.save(entry)
        uow.record("update", "clock", entry.id, detail=",".join(sorted(fields)))
        return Result(entry, uow.commit())


def delete_entry(chart: ChartSession, entry_id: uuid.UUID) -> Result[None]:
    with chart.uow() as uow:
        if not uow.books.clock.delete(entry_id):
            raise NotFound(f"No clock entry with id {entry_id} in this chart.")
        uow.record("delete", "clock", entry_id)
        return Result(None, uow.commit())


def open_entry(chart: ChartSession, clinician_id: uuid.UUID) -> ClockEntry | None:
    """The clinician's running entry, if clocked in."""
    with chart.uow() as uow:
        found = uow.books.clock.open_for(clinician_id)
    return found[0] if found else None


@dataclass(frozen=True)
class TimeSheet:
    clinician_id: uuid.UUID
    date_from: dt.date
    date_to: dt.date
    entries: tuple[ClockEntry, ...]
    days: tuple[TimeTotals, ...]
    weeks: tuple[TimeTotals, ...]
    open_entry: ClockEntry | None

    @property
    def clinical_minutes(self) -> int:
        return sum(d.clinical_minutes for d in self.days)

    @property
    def admin_minutes(self) -> int:
        return sum(d.admin_minutes for d in self.days)

    @property
    def flagged_days(self) -> tuple[TimeTotals, ...]:
        return tuple(d for d in self.days if d.flagged)

    def day(self, day: dt.date) -> TimeTotals | None:
        return next((d for d in self.days if d.start == day), None)

    def week(self, day: dt.date) -> TimeTotals | None:
        start = week_start(day)
        return next((w for w in self.weeks if w.start == start), None)


def time_sheet(
    chart: ChartSession, clinician_id: uuid.UUID, *, date_from: dt.date, date_to: dt.date,
    now: dt.datetime | None = None,
) -> TimeSheet:
    """Entries, day and week totals for ``[date_from, date_to]`` (for whole weeks pass a Monday
    and a Sunday). Minutes outside the range (an entry crossing its edge) are left out."""
    if date_to < date_from:
        raise InvalidInput("The period ends before it starts.")
    start = dt.datetime.combine(date_from, dt.time())
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time())
    with chart.uow() as uow:
        uow.clinicians.get(clinician_id)
        repo = uow.books.clock
        entries = repo.between(clinician_id, start, end)
        unsigned = repo.unsigned_by_day(clinician_id, date_from, date_to)
    days, weeks = timesheet(entries, now=now or _now(), unsigned_by_day=unsigned,
                            date_from=date_from, date_to=date_to)
    running = next((e for e in entries if e.is_open), None)
    return TimeSheet(clinician_id, date_from, date_to, tuple(entries), days, weeks, running)

