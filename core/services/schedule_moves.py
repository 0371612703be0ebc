"""Moving and resizing appointments (issue 19), with what it takes to undo the move.

Contract:
- ``move(chart, ident, start=..., minutes=..., clinician_id=..., following=False)``: one
  transaction. ``ident`` is a stored appointment's id or a series occurrence's derived id.
  - a stored appointment changes in place;
  - one occurrence of a series becomes an appointment of its own (same id; the series excludes
    the occurrence) — ``core.rules.schedule.move_one``;
  - ``following=True`` on an occurrence moves it and every later one: the series is split
    (``rules.split``) and the new tail series is shifted by the same amount of time (a day change
    shifts the rule's BYDAY days, its exclusions and the occurrences already moved out of it);
    on the first occurrence the whole series moves.
  Every appointment the move produces is checked like a booking (double booking, blocked time,
  outside working hours) before anything is stored; a refusal raises ``ScheduleConflict`` and
  nothing changes.
- The returned ``Moved`` carries ``undo``: the records as they were and the ones the move
  created. ``restore(chart, undo)`` puts them back in one transaction (records the move created
  are deleted — synced as deletions), checking the old times again (someone may have booked the
  freed slot since: then ``ScheduleConflict`` and nothing changes). Redo is ``move`` again.
- Only booked or arrived appointments move; a completed, cancelled or no-show one is history.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from dataclasses import dataclass, field, replace

from core.domain.errors import InvalidInput
from core.domain.schedule import Appointment, AppointmentStatus, Series
from core.rules import schedule as rules
from core.services.schedule import _HORIZON, _check, _find
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class Undo:
    """What a move replaced (as it was) and what it created (to delete on undo)."""

    series: tuple[Series, ...] = ()
    appointments: tuple[Appointment, ...] = ()
    created_series: tuple[uuid.UUID, ...] = ()
    created_appointments: tuple[uuid.UUID, ...] = ()
    after: tuple[Appointment, ...] = ()  # the stored appointments as the move left them


@dataclass(frozen=True, slots=True)
class Moved:
    appointment: Appointment  # the moved appointment (an occurrence: as it is now)
    undo: Undo = field(default_factory=Undo)
    occurrences: int = 1  # how many appointments moved ("this and following": all of them)


def shift_rule(rule: str, days: int) -> str:
    """The rule with its BYDAY weekdays moved by ``days`` (MO,TH + 1 → TU,FR). Pure."""
    if days % 7 == 0 or "BYDAY=" not in rule:
        return rule
    parts = []
    for part in rule.split(";"):
        if part.startswith("BYDAY="):
            names = part[6:].split(",")
            if any(n not in _DAYS for n in names):  # "1MO", "-1FR": positional, not weekly
                raise InvalidInput("This repeat names positions in a month; move the "
                                   "occurrences one by one, or keep the day.")
            part = "BYDAY=" + ",".join(_DAYS[(_DAYS.index(n) + days) % 7] for n in names)
        parts.append(part)
    return ";".join(parts)


def _movable(appt: Appointment) -> None:
    if appt.status not in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED):
        raise InvalidInput(f"A {appt.status.value.replace('_', ' ')} appointment stays where it "
                           "was; book a new one instead.")


def move(
    chart: ChartSession,
    ident: uuid.UUID,
    *,
    start: dt.datetime | None = None,
    minutes: int | None = None,
    clinician_id: uuid.UUID | None = None,
    following: bool = False,
    allow_outside_hours: bool = False,
) -> Moved:
    with chart.uow() as uow:
        appt, series = _find(uow, ident)
        _movable(appt)
        changes: dict[str, object] = {
            "start": start or appt.start, "minutes": minutes or appt.minutes,
            "clinician_id": clinician_id or appt.clinician_id}
        if clinician_id is not None and clinician_id != appt.clinician_id:
            uow.clinicians.get(clinician_id)
        if following:
            if series is None:
                raise InvalidInput(
                    "Only an occurrence still in its series moves with the following ones; "
                    "this one was already changed on its own — move it alone.")
            moved = _move_following(uow, series, appt, changes, allow_outside_hours)
        elif series is not None:
            new_series, one = rules.move_one(series, appt.start, id=appt.id, **changes)
            uow.schedule.save_series([new_series])
            _check(uow, one, allow_outside_hours)
            uow.schedule.save_appointments([one])
            uow.record("update", "appointment_series", series.id, detail="one occurrence moved")
            uow.record("create", "appointment", one.id, detail="moved")
            moved = Moved(one, Undo(series=(series,), created_appointments=(one.id,),
                                    after=(copy.copy(one),)))
        else:
            before = copy.copy(appt)
            after = replace(appt, **changes)  # type: ignore[arg-type]  # validated again
            _check(uow, after, allow_outside_hours)
            uow.schedule.save_appointments([after])
            uow.record("update", "appointment", after.id, detail="moved")
            moved = Moved(after, Undo(appointments=(before,), after=(copy.copy(after),)))
        uow.commit()
    return moved


def _move_following(uow: UnitOfWork, series: Series, appt: Appointment,
                    changes: dict[str, object], allow_outside_hours: bool) -> Moved:
    start, minutes, clinician = changes["start"], changes["minutes"], changes["clinician_id"]
    assert isinstance(start, dt.datetime) and isinstance(minutes, int)
    assert isinstance(clinician, uuid.UUID)
    delta = start - appt.start
    days = (start.date() - appt.start.date()).days
    detached = [a for a in uow.schedule.moved_in_series([series.id])
                if a.original_start is not None and a.original_start >= appt.start]
    if appt.start == series.start:  # the first occurrence: the whole series moves
        head: Series | None = None
        tail = replace(series, start=start, rule=shift_rule(series.rule, days),
                       minutes=minutes, clinician_id=clinician,
                       excluded=tuple(d + delta for d in series.excluded))
        created: tuple[uuid.UUID, ...] = ()
    else:
        head, tail = rules.split(series, appt.start)
        tail = replace(tail, start=start, rule=shift_rule(tail.rule, days),
                       minutes=minutes, clinician_id=clinician,
                       excluded=tuple(d + delta for d in tail.excluded))
        created = (tail.id,)
    repointed = [replace(a, series_id=tail.id, original_start=a.original_start + delta)
                 for a in detached if a.original_start is not None]
    if head is not None:
        uow.schedule.save_series([head])
    uow.schedule.save_series([tail])
    uow.schedule.save_appointments(repointed)
    every = rules.expand(tail, tail.start, tail.start + _HORIZON, repointed)
    for occurrence in every:
        _check(uow, occurrence, allow_outside_hours)
    if head is not None:
        uow.record("update", "appointment_series", series.id, detail="split: following moved")
        uow.record("create", "appointment_series", tail.id, detail="following moved")
    else:
        uow.record("update", "appointment_series", series.id, detail="series moved")
    for a in repointed:
        uow.record("update", "appointment", a.id, detail="series moved")
    undo = Undo(series=(series,), appointments=tuple(copy.copy(a) for a in detached),
                created_series=created, after=tuple(copy.copy(a) for a in repointed))
    return Moved(every[0] if every else appt, undo, occurrences=len(every) + len(repointed))


def restore(chart: ChartSession, undo: Undo) -> None:
    """Put back what a move replaced and delete what it created (see the module contract)."""
    with chart.uow() as uow:
        created = set(undo.created_series)
        expected = {a.id: (a.status, a.visit_id, a.start, a.minutes) for a in undo.after}
        now = {a.id: (a.status, a.visit_id, a.start, a.minutes)
               for a in uow.schedule.appointments_by_id(list(expected))}
        later = [a for a in uow.schedule.moved_in_series(list(created)) if a.id not in expected]
        if now != expected or later:
            raise InvalidInput("The moved appointment was changed since (cancelled, moved again "
                               "or charted); this move can no longer be undone.")
        uow.schedule.delete_appointments(list(undo.created_appointments))
        for ident in undo.created_appointments:
            uow.record("delete", "appointment", ident, detail="move undone")
        # the old rows first (they may point at a series about to go), then the created series
        uow.schedule.save_series(list(undo.series))
        uow.schedule.save_appointments(list(undo.appointments))
        uow.schedule.delete_series(list(created))
        for ident in created:
            uow.record("delete", "appointment_series", ident, detail="move undone")
        for s in undo.series:
            uow.record("update", "appointment_series", s.id, detail="move undone")
            for occurrence in rules.expand(s, s.start, s.start + _HORIZON):
                _check(uow, occurrence, allow_outside_hours=True)
        for a in undo.appointments:
            uow.record("update", "appointment", a.id, detail="move undone")
            _check(uow, a, allow_outside_hours=True)
        uow.commit()


# -- filling a freed slot from the waitlist ----------------------------------------------------


def book_from_waitlist(chart: ChartSession, entry_id: uuid.UUID, clinician_id: uuid.UUID,
                       start: dt.datetime, minutes: int | None = None) -> Appointment:
    """Book a waiting patient into a slot (the entry's service) and take them off the waitlist,
    in one transaction; a clash refuses it and the patient stays on the list."""
    from core.domain.enums import PlaceOfService
    from core.domain.schedule import SERVICES

    with chart.uow() as uow:
        entry = next((e for e in uow.schedule.waitlist() if e.id == entry_id), None)
        if entry is None:
            raise InvalidInput("That patient is no longer on the waitlist.")
        kind = SERVICES.get(entry.service)
        appt = Appointment(entry.patient_id, clinician_id, start,
                           minutes or (kind.minutes if kind else 45), service=entry.service,
                           place=kind.place if kind else PlaceOfService.OFFICE)
        _check(uow, appt, allow_outside_hours=False)
        uow.schedule.save_appointments([appt])
        uow.schedule.remove_from_waitlist(entry.id)
        uow.record("create", "appointment", appt.id, detail="from the waitlist")
        uow.record("delete", "waitlist_entry", entry.id, detail="booked")
        uow.commit()
    return appt


def remove_from_waitlist(chart: ChartSession, entry_id: uuid.UUID) -> None:
    with chart.uow() as uow:
        if not uow.schedule.remove_from_waitlist(entry_id):
            raise InvalidInput("That patient is no longer on the waitlist.")
        uow.record("delete", "waitlist_entry", entry_id)
        uow.commit()
