"""Schedule use cases (issue 19): book (once or recurring), a day's list, cancel / no-show,
working hours and blocked time, the waitlist, and the calendar feed. One transaction per
action, shared by the CLI and the app; rules in ``core.rules.schedule``.

- **Booking** refuses a double booking of the clinician, blocked time, and (unless allowed) time
  outside their working hours, naming what is in the way. A recurring booking is checked
  occurrence by occurrence over its whole span before anything is written.
- **A day** is the stored appointments plus the occurrences of recurring series that fall on it
  (occurrence ids are derived from the series and the start, so the CLI and the app can act on
  one).
- **Cancelling** inside the practice's window (meta ``schedule_policy``: late-cancel hours and
  fees) makes it a late cancellation; the fee the policy sets is posted to the patient's account
  in the same transaction (``AppointmentFee``: a ledger charge, one per appointment — its id is
  derived from the appointment's, so two devices marking the same no-show post it once) and
  returned, and the waitlist entries the freed slot suits come back longest-waiting first.
  Acting on one occurrence of a series stores it as its own appointment.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from core.domain.enums import NoteType, PlaceOfService, VisitStatus
from core.domain.errors import NotFound, ValidationError
from core.domain.schedule import (
    SERVICES,
    Appointment,
    AppointmentFee,
    AppointmentStatus,
    Block,
    FeeKind,
    Series,
    WaitlistEntry,
    WorkingHours,
)
from core.rules import schedule as rules
from core.storage.chart import ChartSession
from core.storage.uow import UnitOfWork

POLICY = "schedule_policy"
_HORIZON = dt.timedelta(days=400)


def _policy(uow: UnitOfWork) -> rules.CancellationPolicy:
    raw = uow.meta.get(POLICY)
    try:
        return rules.CancellationPolicy(**json.loads(raw)) if raw else rules.CancellationPolicy()
    except (ValueError, TypeError):
        return rules.CancellationPolicy()


def set_policy(chart: ChartSession, policy: rules.CancellationPolicy) -> None:
    if policy.late_window_hours < 0 or policy.late_cancel_fee_cents < 0 \
            or policy.no_show_fee_cents < 0:
        raise ValidationError("Cancellation settings cannot be negative.")
    with chart.uow() as uow:
        uow.meta.set(POLICY, json.dumps({"late_window_hours": policy.late_window_hours,
                                         "late_cancel_fee_cents": policy.late_cancel_fee_cents,
                                         "no_show_fee_cents": policy.no_show_fee_cents}))
        uow.record("update", "chart", chart.chart_id, detail="schedule policy")
        uow.commit()


def _window(uow: UnitOfWork, start: dt.datetime, end: dt.datetime,
            clinician_id: uuid.UUID | None = None) -> list[Appointment]:
    """Stored appointments and series occurrences overlapping [start, end)."""
    stored = uow.schedule.appointments_between(start, end, clinician_id)
    series = uow.schedule.series(clinician_id)
    moved = uow.schedule.moved_in_series([s.id for s in series]) if series else []
    occurrences = [
        o for s in series
        for o in rules.expand(s, start - dt.timedelta(hours=8), end, moved)
        if o.end > start
    ]
    return sorted(stored + occurrences, key=lambda a: (a.start, str(a.id)))


def _check(uow: UnitOfWork, candidate: Appointment, allow_outside_hours: bool) -> None:
    around = _window(uow, candidate.start - dt.timedelta(hours=8),
                     candidate.end + dt.timedelta(hours=8), candidate.clinician_id)
    blocks = uow.schedule.blocks_between(candidate.start, candidate.end, candidate.clinician_id)
    rules.check_bookable(candidate, around, blocks, uow.schedule.hours_for(candidate.clinician_id),
                         allow_outside_hours=allow_outside_hours)


@dataclass(frozen=True, slots=True)
class Booked:
    appointment: Appointment | None = None
    series: Series | None = None
    occurrences: int = 1


def book(
    chart: ChartSession,
    patient_id: uuid.UUID,
    clinician_id: uuid.UUID,
    start: dt.datetime,
    minutes: int | None = None,
    *,
    service: str = "daily",
    place: PlaceOfService | None = None,
    address: str = "",
    repeat: str | None = None,
    allow_outside_hours: bool = False,
) -> Booked:
    kind = SERVICES.get(service)
    minutes = minutes or (kind.minutes if kind else 45)
    place = place or (kind.place if kind else PlaceOfService.OFFICE)
    with chart.uow() as uow:
        uow.patients.get(patient_id)
        uow.clinicians.get(clinician_id)
        if repeat:
            series = Series(patient_id, clinician_id, start, minutes, repeat, service=service,
                            place=place, address=address)
            every = rules.expand(series, series.start, series.start + _HORIZON)
            for occurrence in every:
                _check(uow, occurrence, allow_outside_hours)
            uow.schedule.save_series([series])
            uow.record("create", "appointment_series", series.id)
            uow.commit()
            return Booked(series=series, occurrences=len(every))
        appt = Appointment(patient_id, clinician_id, start, minutes, service=service,
                           place=place, address=address)
        _check(uow, appt, allow_outside_hours)
        uow.schedule.save_appointments([appt])
        uow.record("create", "appointment", appt.id)
        uow.commit()
    return Booked(appointment=appt)


def day(chart: ChartSession, on: dt.date, clinician_id: uuid.UUID | None = None
        ) -> list[Appointment]:
    start = dt.datetime.combine(on, dt.time.min)
    with chart.uow() as uow:
        return [a for a in _window(uow, start, start + dt.timedelta(days=1), clinician_id)
                if a.start.date() == on]


def _find(uow: UnitOfWork, ident: uuid.UUID) -> tuple[Appointment, Series | None]:
    """A stored appointment, or a series occurrence by its derived id."""
    try:
        return uow.schedule.appointment(ident), None
    except NotFound:
        pass
    for series in uow.schedule.series():
        for occurrence in rules.expand(series, series.start, series.start + _HORIZON):
            if occurrence.id == ident:
                return occurrence, series
    raise NotFound(f"No appointment with id {ident} in this chart.",
                   hint="chartside schedule --day DATE lists them with their ids.")


@dataclass(frozen=True, slots=True)
class StatusChange:
    appointment: Appointment
    fee_cents: int
    offers: tuple[WaitlistEntry, ...]


def set_status(
    chart: ChartSession, ident: uuid.UUID, status: AppointmentStatus, reason: str = "",
    *, now: dt.datetime | None = None,
) -> StatusChange:
    """Arrived, completed, cancelled (late when inside the policy's window), no-show."""
    now = now or dt.datetime.now().replace(second=0, microsecond=0)
    with chart.uow() as uow:
        appt, series = _find(uow, ident)
        policy = _policy(uow)
        if status is AppointmentStatus.CANCELLED and rules.late_cancel(appt, now, policy):
            status = AppointmentStatus.LATE_CANCELLED
        if series is not None:
            series, appt = rules.move_one(series, appt.start, id=appt.id)  # keeps its id
            uow.schedule.save_series([series])
            uow.record("update", "appointment_series", series.id, detail="one occurrence")
        appt.set_status(status, reason)
        uow.schedule.save_appointments([appt])
        uow.record("update" if series is None else "create", "appointment", appt.id,
                   detail=status.value)
        fee = rules.fee_cents(status, policy)
        if fee:  # on the patient's account (issue 19): a charge on the ledger, once
            kind = FeeKind.NO_SHOW if status is AppointmentStatus.NO_SHOW \
                else FeeKind.LATE_CANCEL
            posted = AppointmentFee(appt.patient_id, appt.id, appt.start.date(), kind, fee)
            uow.schedule.save_fees([posted])
            uow.record("create", "appointment_fee", posted.id, detail=kind.value)
        offers: tuple[WaitlistEntry, ...] = ()
        if not status.active:
            offers = tuple(rules.waitlist_offers(uow.schedule.waitlist(), appt.start,
                                                 appt.minutes, appt.clinician_id, appt.service))
        uow.commit()
    return StatusChange(appt, rules.fee_cents(status, policy), offers)


def set_hours(chart: ChartSession, clinician_id: uuid.UUID,
              days: tuple[tuple[tuple[dt.time, dt.time], ...], ...]) -> WorkingHours:
    with chart.uow() as uow:
        uow.clinicians.get(clinician_id)
        current = uow.schedule.hours_for(clinician_id)
        hours = WorkingHours(clinician_id, days, **({"id": current.id} if current else {}))
        uow.schedule.save_hours([hours])
        uow.record("update" if current else "create", "working_hours", hours.id)
        uow.commit()
    return hours


def block_time(chart: ChartSession, clinician_id: uuid.UUID, start: dt.datetime,
               end: dt.datetime, label: str = "Blocked") -> Block:
    block = Block(clinician_id, start, end, " ".join(label.split()) or "Blocked")
    with chart.uow() as uow:
        uow.clinicians.get(clinician_id)
        uow.schedule.save_blocks([block])
        uow.record("create", "schedule_block", block.id)
        uow.commit()
    return block


def add_to_waitlist(chart: ChartSession, entry: WaitlistEntry) -> WaitlistEntry:
    with chart.uow() as uow:
        uow.patients.get(entry.patient_id)
        uow.schedule.save_waitlist([entry])
        uow.record("create", "waitlist_entry", entry.id)
        uow.commit()
    return entry


def waitlist(chart: ChartSession) -> list[WaitlistEntry]:
    """Everyone waiting for a slot, longest waiting first."""
    with chart.uow() as uow:
        return uow.schedule.waitlist()


def calendar(chart: ChartSession, clinician_id: uuid.UUID, start: dt.date, days: int = 90,
             *, with_initials: bool = False) -> bytes:
    """The clinician's .ics feed for ``days`` from ``start``: no names, addresses or reasons."""
    begin = dt.datetime.combine(start, dt.time.min)
    with chart.uow() as uow:
        items = _window(uow, begin, begin + dt.timedelta(days=days), clinician_id)
        initials: dict[uuid.UUID, str] = {}
        if with_initials:
            for a in items:
                if a.patient_id not in initials:
                    p = uow.patients.get(a.patient_id)
                    initials[a.patient_id] = f"{p.first_name[:1]}{p.last_name[:1]}".upper()
        uow.record("export", "calendar", str(clinician_id), detail=f"{len(items)} appointments")
        uow.commit()
    def mark(patient_id: uuid.UUID) -> str:
        return initials.get(patient_id, "")

    return rules.ics(items, initials=mark if with_initials else None)


@dataclass(frozen=True, slots=True)
class DayRow:
    """An appointment on a day list: with the patient's name (for the app's screen only)."""

    appointment: Appointment
    patient_name: str
    clinician_name: str


def day_rows(chart: ChartSession, on: dt.date, clinician_id: uuid.UUID | None = None
             ) -> list[DayRow]:
    items = day(chart, on, clinician_id)
    with chart.uow() as uow:
        names = {c.id: f"{c.first_name} {c.last_name}" for c in uow.clinicians.list()}
        people = {}
        for a in items:
            if a.patient_id not in people:
                p = uow.patients.get(a.patient_id)
                people[a.patient_id] = f"{p.last_name}, {p.first_name}"
    return [DayRow(a, people[a.patient_id], names.get(a.clinician_id, "")) for a in items]


_NOTE_TYPES = {"evaluation": NoteType.EVALUATION, "re-evaluation": NoteType.RE_EVALUATION,
               "discharge": NoteType.DISCHARGE}


def start_note(chart: ChartSession, ident: uuid.UUID, *, today: dt.date | None = None
               ) -> uuid.UUID:
    """"Start note" from an appointment, in one transaction: the visit is created with the
    appointment's date, times, place and address on the patient's active episode, the draft
    note of the service's type opens, the appointment is marked arrived and linked to the visit.
    Returns the note id (the existing one when the appointment already has its note)."""
    from core.domain.visit import Note, Visit

    with chart.uow() as uow:
        appt, series = _find(uow, ident)
        if appt.visit_id is not None:
            existing = uow.notes.for_visit(appt.visit_id)
            if existing is not None:
                return existing.id
        if not appt.status.active:
            raise ValidationError(
                f"This appointment is {appt.status.value.replace('_', ' ')}; book it again "
                "to chart a visit.")
        episodes = [e for e in uow.episodes.for_patient(appt.patient_id) if e.is_active]
        if not episodes:
            raise NotFound("This patient has no open episode of care to chart in.",
                           hint="Start a plan of care for them first.")
        episode = max(episodes, key=lambda e: e.start_date)
        visit = Visit(patient_id=appt.patient_id, episode_id=episode.id,
                      clinician_id=appt.clinician_id, date=appt.start.date(),
                      place_of_service=appt.place, address=appt.address,
                      start_time=appt.start.time(), end_time=appt.end.time(),
                      status=VisitStatus.COMPLETED)
        from core.services.visits import check_place_and_date

        check_place_and_date(visit, episode, today=today)
        note = Note(visit_id=visit.id, note_type=_NOTE_TYPES.get(appt.service, NoteType.DAILY),
                    updated_at=dt.datetime.now().replace(microsecond=0))
        uow.visits.save(visit)
        uow.notes.save(note)
        uow.record("create", "visit", visit.id)
        uow.record("create", "note", note.id)
        if series is not None:
            series, appt = rules.move_one(series, appt.start, id=appt.id)
            uow.schedule.save_series([series])
            uow.record("update", "appointment_series", series.id, detail="one occurrence")
        if appt.status is AppointmentStatus.BOOKED:
            appt.set_status(AppointmentStatus.ARRIVED)
        appt.visit_id = visit.id
        uow.schedule.save_appointments([appt])
        uow.record("update" if series is None else "create", "appointment", appt.id,
                   detail="note started")
        uow.commit()
    return note.id
