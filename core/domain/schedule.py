"""The schedule (issue 19): appointments, recurring series, a clinician's working hours and
blocked time, and the waitlist. Pure.

Contract:
- ``Appointment``: patient, clinician, service type, place (office 11, home 12 with an address,
  telehealth 02/10), local wall-clock ``start`` and ``minutes`` (5–480), and a status with the
  transitions a front desk makes — booked → arrived → completed; booked/arrived → cancelled,
  late-cancelled or no-show (with a reason for the last three). A completed, cancelled,
  late-cancelled or no-show appointment does not change status again (``AppointmentStatus.next``).
  ``series_id``/``original_start`` tie an occurrence that was moved or cancelled to its series.
- ``Series``: an RFC 5545 recurrence rule (``RRULE:`` text: FREQ WEEKLY/DAILY, BYDAY, COUNT or
  UNTIL — an open-ended rule is refused: a practice books a plan of care, not forever) expanded
  by ``python-dateutil``'s ``rrulestr``; ``excluded`` lists occurrences cancelled one by one
  (EXDATE). ``core.rules.schedule`` expands, edits one occurrence or the rest of a series, and
  finds conflicts.
- ``WorkingHours``: per weekday (Monday 0) a list of (start, end) intervals; ``Block``: a blocked
  stretch of one clinician's time (meeting, holiday) with a label.
- ``WaitlistEntry``: a patient who wants an earlier or another slot — service, optional
  clinician, preferred weekdays and a time window, and since when they wait.
- ``ServiceType``: a key, a label, its default minutes and place; ``SERVICES`` holds the
  defaults (evaluation 60, daily 45, re-evaluation 45, massage 60/90 …); a practice may add more.

Why a library for recurrences: RRULE semantics (BYDAY with COUNT, UNTIL inclusivity, month ends)
are subtle and ``python-dateutil`` implements RFC 5545's rules; we keep only the validation.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from core.domain.enums import PlaceOfService
from core.domain.errors import ValidationError
from core.domain.ids import new_id

MIN_MINUTES, MAX_MINUTES = 5, 480
_MAX_REASON = 200
_RULE_FREQ = re.compile(r"\bFREQ=(DAILY|WEEKLY|MONTHLY)\b")


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    NO_SHOW = "no_show"

    @property
    def active(self) -> bool:
        """Holds the clinician's time (counts for conflicts and for "booked" in a plan)."""
        return self in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED,
                        AppointmentStatus.COMPLETED)

    @property
    def needs_reason(self) -> bool:
        return self in (AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED,
                        AppointmentStatus.NO_SHOW)

    def next(self) -> frozenset[AppointmentStatus]:
        S = AppointmentStatus
        return {
            S.BOOKED: frozenset({S.ARRIVED, S.CANCELLED, S.LATE_CANCELLED, S.NO_SHOW}),
            S.ARRIVED: frozenset({S.COMPLETED, S.CANCELLED, S.LATE_CANCELLED, S.NO_SHOW}),
        }.get(self, frozenset())


@dataclass(frozen=True, slots=True)
class ServiceType:
    key: str
    label: str
    minutes: int
    place: PlaceOfService = PlaceOfService.OFFICE


SERVICES: dict[str, ServiceType] = {s.key: s for s in (
    ServiceType("evaluation", "Evaluation", 60),
    ServiceType("daily", "Treatment visit", 45),
    ServiceType("re-evaluation", "Re-evaluation", 45),
    ServiceType("discharge", "Discharge visit", 45),
    ServiceType("home-visit", "Home visit", 60, PlaceOfService.HOME),
    ServiceType("telehealth", "Telehealth visit", 30, PlaceOfService.TELEHEALTH_HOME),
    ServiceType("massage-60", "Massage, 60 min", 60),
    ServiceType("massage-90", "Massage, 90 min", 90),
)}


def _minutes(value: int, what: str = "length") -> int:
    if not isinstance(value, int) or not MIN_MINUTES <= value <= MAX_MINUTES:
        raise ValidationError(
            f"An appointment's {what} must be {MIN_MINUTES}–{MAX_MINUTES} minutes (got {value}).",
            field="minutes")
    return value


def _reason(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _MAX_REASON:
        raise ValidationError("The reason is too long (200 characters at most).", field="reason")
    return text


@dataclass
class Appointment:
    patient_id: uuid.UUID
    clinician_id: uuid.UUID
    start: dt.datetime
    minutes: int
    service: str = "daily"
    place: PlaceOfService = PlaceOfService.OFFICE
    address: str = ""
    status: AppointmentStatus = AppointmentStatus.BOOKED
    reason: str = ""
    series_id: uuid.UUID | None = None
    original_start: dt.datetime | None = None  # the series occurrence this one replaces
    visit_id: uuid.UUID | None = None  # the visit "start note" created
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if self.start.tzinfo is not None:
            raise ValidationError("Appointments are in local wall-clock time.", field="start")
        self.start = self.start.replace(second=0, microsecond=0)
        self.minutes = _minutes(self.minutes)
        self.place = PlaceOfService(self.place)
        self.status = AppointmentStatus(self.status)
        self.reason = _reason(self.reason)
        self.address = " ".join(self.address.split())
        if self.place is PlaceOfService.HOME and not self.address:
            raise ValidationError("A home visit needs the address the clinician drives to.",
                                  field="address")
        if self.status.needs_reason and len(self.reason) < 3:
            raise ValidationError(f"Give a reason for the {self.status.value.replace('_', ' ')}.",
                                  field="reason")
        if not self.service.strip():
            raise ValidationError("An appointment needs a service type.", field="service")

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=self.minutes)

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.start < end and start < self.end

    def set_status(self, status: AppointmentStatus, reason: str = "") -> None:
        status = AppointmentStatus(status)
        if status not in self.status.next():
            raise ValidationError(
                f"A {self.status.value.replace('_', ' ')} appointment cannot become "
                f"{status.value.replace('_', ' ')}.", field="status")
        reason = _reason(reason)
        if status.needs_reason and len(reason) < 3:
            raise ValidationError(f"Give a reason for the {status.value.replace('_', ' ')}.",
                                  field="reason")
        self.status, self.reason = status, reason


def check_rule(rule: str) -> str:
    """Validate an RRULE (``FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12`` with or without ``RRULE:``)."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    text = text.upper()
    if not _RULE_FREQ.search(text):
        raise ValidationError("A repeat needs FREQ=DAILY, WEEKLY or MONTHLY.", field="repeat",
                              hint="e.g. FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12")
    if "COUNT=" not in text and "UNTIL=" not in text:
        raise ValidationError("A repeat must end: add COUNT=n or UNTIL=date.", field="repeat",
                              hint="e.g. FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12")
    from dateutil.rrule import rrulestr

    try:
        rrulestr(text, dtstart=dt.datetime(2026, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"That repeat rule is not valid ({exc}).", field="repeat") from None
    return text


@dataclass
class Series:
    """A recurring appointment: the first occurrence's fields, a rule, and the occurrences
    cancelled one by one. Occurrences that were moved are appointments of their own."""

    patient_id: uuid.UUID
    clinician_id: uuid.UUID
    start: dt.datetime
    minutes: int
    rule: str
    service: str = "daily"
    place: PlaceOfService = PlaceOfService.OFFICE
    address: str = ""
    excluded: tuple[dt.datetime, ...] = ()
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None:
            raise ValidationError("Appointments are in local wall-clock time.", field="start")
        self.start = self.start.replace(second=0, microsecond=0)
        self.minutes = _minutes(self.minutes)
        self.place = PlaceOfService(self.place)
        self.rule = check_rule(self.rule)
        self.excluded = tuple(sorted(  # stored as ISO text
            d if isinstance(d, dt.datetime) else dt.datetime.fromisoformat(str(d))
            for d in self.excluded))
        if self.place is PlaceOfService.HOME and not self.address.strip():
            raise ValidationError("A home visit needs the address the clinician drives to.",
                                  field="address")


def _time(value: object) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


@dataclass
class WorkingHours:
    """Per weekday (0 = Monday) the intervals a clinician sees patients."""

    clinician_id: uuid.UUID
    days: tuple[tuple[tuple[dt.time, dt.time], ...], ...]  # 7 entries
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValidationError("Working hours need all 7 weekdays (empty for days off).")
        self.days = tuple(tuple((_time(a), _time(b)) for a, b in day) for day in self.days)
        for intervals in self.days:
            for start, end in intervals:
                if end <= start:
                    raise ValidationError("Working hours must end after they start.",
                                          field="hours")

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        if start.date() != end.date() and end.time() != dt.time(0):
            return False
        day_end = end.time() if end.date() == start.date() else dt.time.max
        return any(a <= start.time() and day_end <= b for a, b in self.days[start.weekday()])


@dataclass(frozen=True, slots=True)
class Block:
    clinician_id: uuid.UUID
    start: dt.datetime
    end: dt.datetime
    label: str = "Blocked"
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError("Blocked time must end after it starts.", field="end")


@dataclass
class WaitlistEntry:
    patient_id: uuid.UUID
    service: str
    since: dt.datetime
    clinician_id: uuid.UUID | None = None
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    earliest: dt.time = dt.time(7)
    latest: dt.time = dt.time(19)
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        days = tuple(sorted({int(d) for d in self.weekdays}))
        if not days or not set(days) <= set(range(7)):
            raise ValidationError("Pick the weekdays the patient can come.", field="weekdays")
        self.weekdays = days
        if self.latest <= self.earliest:
            raise ValidationError("The latest time must be after the earliest.", field="latest")

    def fits(self, start: dt.datetime, minutes: int, clinician_id: uuid.UUID) -> bool:
        end = (start + dt.timedelta(minutes=minutes)).time()
        return (start.weekday() in self.weekdays
                and self.earliest <= start.time() and end <= self.latest
                and self.clinician_id in (None, clinician_id))


# -- fees a cancellation policy charges ----------------------------------------------------------

_FEE_NS = uuid.UUID("5d0f3c52-8a4e-4f7b-9b1c-2e6a7d8c9f01")
MAX_FEE_CENTS = 100_000_00  # $100,000: anything above is a typo


class FeeKind(StrEnum):
    LATE_CANCEL = "late_cancel"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return "Late cancellation fee" if self is FeeKind.LATE_CANCEL else "No-show fee"


def fee_id(appointment_id: uuid.UUID) -> uuid.UUID:
    """One fee per appointment: the same id on every device that marks it, so a sync merges two
    postings of the same no-show into one record instead of charging twice."""
    return uuid.uuid5(_FEE_NS, appointment_id.hex)


@dataclass
class AppointmentFee:
    """A late-cancellation or no-show fee on the patient's account, posted when the appointment
    was marked (the practice's policy at that moment). A charge on the ledger like a visit's,
    dated the appointment's day; payments apply to it oldest first."""

    patient_id: uuid.UUID
    appointment_id: uuid.UUID
    date: dt.date
    kind: FeeKind
    amount_cents: int
    id: uuid.UUID = field(default=uuid.UUID(int=0))

    def __post_init__(self) -> None:
        self.kind = FeeKind(self.kind)
        if not 0 < self.amount_cents <= MAX_FEE_CENTS:
            raise ValidationError("A fee must be more than $0 and at most $100,000.",
                                  field="amount")
        if self.id == uuid.UUID(int=0):
            self.id = fee_id(self.appointment_id)
