"""Schedule rules over plain domain objects (issue 19). Pure.

- ``expand``: the occurrences of a series in a window (``python-dateutil``'s RFC 5545
  expansion), minus those cancelled one by one and those replaced by a moved occurrence. Each
  occurrence's id is derived from (series, start) so the same occurrence has the same id on
  every device and every expansion.
- ``move_one`` / ``cancel_one``: edit one occurrence — it becomes an appointment of its own
  (``original_start`` says which occurrence it replaces) and the series excludes that start.
- ``split``: edit "this and the following": the series ends before the occurrence (UNTIL, or a
  COUNT cut to what came before) and a new series starts there with the changes and what was
  left of the COUNT.
- ``conflicts``: what an appointment would overlap for its clinician — other active appointments
  (cancelled and no-show ones free the time) and blocked time; ``check_bookable`` turns them and
  hours outside the clinician's working hours into ``ScheduleConflict`` naming the other thing.
- ``late_cancel`` / ``fee_cents``: a cancellation inside the practice's window (24 h by default)
  is late; the practice's fee for a late cancel or no-show (0 = none).
- ``plan_progress``: a plan of care's frequency × duration against what is booked in its period:
  "2×/week for 6 weeks: 7 of 12 booked".
- ``free_slots``: starts on a day where a service fits (working hours, nothing booked or blocked),
  on a step grid; ``waitlist_offers``: who on the waitlist a freed slot suits, longest waiting
  first.
- ``ics``: an iCalendar feed for one clinician's phone: "Appointment" (and at most the patient's
  initials when the practice allows), times and place kind — never a name, address or reason.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from core.domain.errors import InvalidInput
from core.domain.schedule import (
    SERVICES,
    Appointment,
    AppointmentStatus,
    Block,
    Series,
    WaitlistEntry,
    WorkingHours,
    check_rule,
)

_NS = uuid.UUID("0b8f6d1e-5c3a-4e0f-a7d2-93b1c4e5f607")
MAX_EXPANSION = 2000  # occurrences per expansion: far more than any plan of care


class ScheduleConflict(InvalidInput):
    """The time is taken (another appointment, blocked time) or outside working hours."""

    def __init__(self, message: str, *, other: uuid.UUID | None = None, hint: str = "") -> None:
        super().__init__(message, hint=hint or "Pick another time or clinician.")
        self.other = other


def occurrence_id(series_id: uuid.UUID, start: dt.datetime) -> uuid.UUID:
    return uuid.uuid5(_NS, f"{series_id.hex}:{start:%Y%m%dT%H%M}")


@functools.lru_cache(maxsize=512)
def _all_starts(rule_text: str, dtstart: dt.datetime) -> tuple[dt.datetime, ...]:
    """Every occurrence of a (bounded) rule, computed once per rule and start: a series' rule
    ends (``check_rule``), and a day list asks for the same series again and again."""
    from dateutil.rrule import rrulestr

    out: list[dt.datetime] = []
    for start in rrulestr(rule_text, dtstart=dtstart):  # type: ignore[attr-defined]
        out.append(start)
        if len(out) >= MAX_EXPANSION:
            break
    return tuple(out)


def _starts(series: Series, until: dt.datetime | None = None) -> list[dt.datetime]:
    every = _all_starts(series.rule, series.start)
    if until is None:
        return list(every)
    return list(every[:bisect.bisect_left(every, until)])


def expand(
    series: Series,
    window_start: dt.datetime,
    window_end: dt.datetime,
    moved: Iterable[Appointment] = (),
) -> list[Appointment]:
    """The series' occurrences that start in [window_start, window_end)."""
    replaced = {a.original_start for a in moved if a.series_id == series.id}
    skip = set(series.excluded) | replaced
    every = _all_starts(series.rule, series.start)
    first = bisect.bisect_left(every, window_start)
    last = bisect.bisect_left(every, window_end)
    return [
        Appointment(series.patient_id, series.clinician_id, start, series.minutes,
                    service=series.service, place=series.place, address=series.address,
                    series_id=series.id, original_start=start,
                    id=occurrence_id(series.id, start))
        for start in every[first:last]
        if start not in skip
    ]


def _is_occurrence(series: Series, start: dt.datetime) -> None:
    if start in series.excluded or start not in _starts(series, start + dt.timedelta(minutes=1)):
        raise InvalidInput("That time is not an occurrence of this series.")


def move_one(
    series: Series, occurrence: dt.datetime, **changes: object
) -> tuple[Series, Appointment]:
    """Edit one occurrence (new time, length, clinician…): it becomes its own appointment."""
    _is_occurrence(series, occurrence)
    base = Appointment(series.patient_id, series.clinician_id, occurrence, series.minutes,
                       service=series.service, place=series.place, address=series.address,
                       series_id=series.id, original_start=occurrence)
    moved = replace(base, **changes)  # type: ignore[arg-type]  # validated again
    return replace(series, excluded=(*series.excluded, occurrence)), moved


def cancel_one(
    series: Series, occurrence: dt.datetime, status: AppointmentStatus, reason: str
) -> tuple[Series, Appointment]:
    """Cancel (or mark no-show) one occurrence; kept as an appointment with its status."""
    new_series, appt = move_one(series, occurrence)
    appt.set_status(status, reason)
    return new_series, appt


def _rule_parts(rule: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rule.split(";") if "=" in part)


def split(series: Series, occurrence: dt.datetime, **changes: object) -> tuple[Series, Series]:
    """Edit this occurrence and all that follow: (the series up to it, a new series from it)."""
    _is_occurrence(series, occurrence)
    if occurrence == series.start:
        raise InvalidInput("That is the first occurrence: edit the whole series instead.")
    parts = _rule_parts(series.rule)
    before = _starts(series, occurrence)
    head = dict(parts)
    head.pop("COUNT", None)
    head["UNTIL"] = (occurrence - dt.timedelta(minutes=1)).strftime("%Y%m%dT%H%M%S")
    tail = dict(parts)
    if "COUNT" in parts:
        tail["COUNT"] = str(int(parts["COUNT"]) - len(before))
    text = ";".join(f"{k}={v}" for k, v in head.items())
    old = replace(series, rule=check_rule(text),
                  excluded=tuple(d for d in series.excluded if d < occurrence))
    new = Series(series.patient_id, series.clinician_id, occurrence, series.minutes,
                 ";".join(f"{k}={v}" for k, v in tail.items()), service=series.service,
                 place=series.place, address=series.address,
                 excluded=tuple(d for d in series.excluded if d >= occurrence))
    if changes:
        new = replace(new, **changes)  # type: ignore[arg-type]  # validated again
    return old, new


# -- conflicts and hours --------------------------------------------------------------------


def conflicts(
    candidate: Appointment, appointments: Iterable[Appointment], blocks: Iterable[Block] = ()
) -> list[Appointment | Block]:
    """Active appointments and blocked time of the candidate's clinician that it overlaps."""
    found: list[Appointment | Block] = [
        a for a in appointments
        if a.id != candidate.id and a.clinician_id == candidate.clinician_id
        and a.status.active and a.overlaps(candidate.start, candidate.end)
    ]
    found += [b for b in blocks if b.clinician_id == candidate.clinician_id
              and b.start < candidate.end and candidate.start < b.end]
    return found


def check_bookable(
    candidate: Appointment,
    appointments: Iterable[Appointment],
    blocks: Iterable[Block] = (),
    hours: WorkingHours | None = None,
    *,
    describe: Callable[[Appointment], str] = lambda a: "another appointment",
    allow_outside_hours: bool = False,
) -> None:
    """Refuse a double booking, blocked time, and (unless allowed) hours outside work."""
    if not candidate.status.active:
        return
    clash = conflicts(candidate, appointments, blocks)
    if clash:
        other = clash[0]
        if isinstance(other, Block):
            raise ScheduleConflict(
                f"{other.label} from {other.start:%H:%M} to {other.end:%H:%M} on "
                f"{other.start:%a %b} {other.start.day}.", other=other.id)
        raise ScheduleConflict(
            f"The clinician already has {describe(other)} at {other.start:%H:%M}–"
            f"{other.end:%H:%M} on {other.start:%a %b} {other.start.day}.", other=other.id)
    if hours is not None and not allow_outside_hours and not hours.covers(
        candidate.start, candidate.end
    ):
        raise ScheduleConflict(
            f"{candidate.start:%H:%M}–{candidate.end:%H:%M} on {candidate.start:%A} is outside "
            "the clinician's working hours.", hint="Book inside them, or confirm to book anyway.")


# -- fees, plans, slots, waitlist -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    late_window_hours: int = 24
    late_cancel_fee_cents: int = 0
    no_show_fee_cents: int = 0


def late_cancel(appt: Appointment, cancelled_at: dt.datetime, policy: CancellationPolicy) -> bool:
    return appt.start - cancelled_at < dt.timedelta(hours=policy.late_window_hours)


def fee_cents(status: AppointmentStatus, policy: CancellationPolicy) -> int:
    if status is AppointmentStatus.LATE_CANCELLED:
        return policy.late_cancel_fee_cents
    if status is AppointmentStatus.NO_SHOW:
        return policy.no_show_fee_cents
    return 0


@dataclass(frozen=True, slots=True)
class PlanProgress:
    per_week: int
    weeks: int
    booked: int

    @property
    def planned(self) -> int:
        return self.per_week * self.weeks

    def __str__(self) -> str:
        return (f"{self.per_week}×/week for {self.weeks} weeks: "
                f"{self.booked} of {self.planned} booked")


def plan_progress(
    per_week: int, weeks: int, start: dt.date, patient_id: uuid.UUID,
    appointments: Iterable[Appointment],
) -> PlanProgress:
    end = start + dt.timedelta(weeks=weeks)
    booked = sum(1 for a in appointments if a.patient_id == patient_id and a.status.active
                 and start <= a.start.date() < end)
    return PlanProgress(per_week, weeks, booked)


def free_slots(
    day: dt.date,
    minutes: int,
    clinician_id: uuid.UUID,
    hours: WorkingHours,
    appointments: Sequence[Appointment],
    blocks: Sequence[Block] = (),
    step: int = 15,
) -> list[dt.datetime]:
    """Starts on ``day`` where ``minutes`` fit inside working hours and clash with nothing."""
    slots = []
    for a, b in hours.days[day.weekday()]:
        t = dt.datetime.combine(day, a)
        end = dt.datetime.combine(day, b)
        while t + dt.timedelta(minutes=minutes) <= end:
            probe = Appointment(uuid.UUID(int=0), clinician_id, t, minutes, id=uuid.UUID(int=0))
            if not conflicts(probe, appointments, blocks):
                slots.append(t)
            t += dt.timedelta(minutes=step)
    return slots


def waitlist_offers(
    entries: Iterable[WaitlistEntry], start: dt.datetime, minutes: int,
    clinician_id: uuid.UUID, service: str | None = None,
) -> list[WaitlistEntry]:
    """Who a freed slot suits, longest waiting first."""
    fits = [e for e in entries if e.fits(start, minutes, clinician_id)
            and (service is None or e.service == service)]
    return sorted(fits, key=lambda e: e.since)


# -- calendar feed ------------------------------------------------------------------------------

_INITIALS = re.compile(r"^[A-Z]{1,3}$")


def ics(
    appointments: Iterable[Appointment],
    *,
    calendar_name: str = "Chartside",
    initials: Callable[[uuid.UUID], str] | None = None,
    stamp: dt.datetime | None = None,
) -> bytes:
    """An iCalendar (RFC 5545) feed: one event per active appointment, no PHI — the summary is
    "Appointment" (or "Appointment · AB" when ``initials`` is given and returns 1–3 capitals),
    the location only says office/home/telehealth."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Chartside//Schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", calendar_name)
    now = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    for a in sorted(appointments, key=lambda a: a.start):
        if not a.status.active:
            continue
        event = Event()
        event.add("uid", f"{a.id}@chartside")
        event.add("dtstamp", now)
        event.add("dtstart", a.start)
        event.add("dtend", a.end)
        summary = "Appointment"
        if initials is not None:
            mark = initials(a.patient_id)
            if _INITIALS.match(mark):
                summary += f" · {mark}"
        event.add("summary", summary)
        service = SERVICES.get(a.service)
        event.add("description", service.label if service else "Visit")
        event.add("location", {"11": "Office", "12": "Home visit"}.get(a.place.value,
                                                                     "Telehealth"))
        cal.add_component(event)
    return bytes(cal.to_ical())
