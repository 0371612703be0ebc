"""The practice's own books: mileage driven to home visits and clinicians' clocked time. Pure.

Contract (no I/O; storage is ``core.storage.repos_books``, use cases ``core.services.mileage`` /
``core.services.clock``):
- ``MileageEntry`` is one leg: a distance in miles (one decimal), given directly or derived from
  both odometer readings. It refuses an end reading below the start, a distance ≤ 0 or one that
  disagrees with the odometer, a missing business purpose, and any place label that looks like
  a street address: a leg names places ("Office", "Home base") and the patient is the linked
  record, shown on every export as ``patient_reference`` (initials + short id), never an
  address. ``PATIENT_PLACE`` as a label means "the patient's home". A leg over
  ``LONG_LEG_MILES`` is valid but must be confirmed (``check_long_leg`` raises ``LongTrip``).
- Rates are data (resources/books/irs_mileage_rates.json): ``MileageRateTable.rate_on(day)`` is
  the rate whose ``effective_from`` is the latest on or before ``day``. Amounts are exact
  ``Decimal`` cents (miles × ¢/mile); only display rounds (half up) to whole cents.
- ``ClockEntry`` is one clocked interval of one clinician, in local wall-clock time to the
  minute. ``visit`` time is clinical; ``documentation``, ``travel`` and ``admin`` are
  administrative. Clock-out must follow clock-in; an entry may not exceed
  ``MAX_CLOCK_HOURS``; ``find_conflict`` finds an overlap (an open entry runs "until now", so it
  overlaps everything after its start).
- ``timesheet`` splits entries at midnight and totals clinical vs administrative minutes per day
  and per ISO week (Monday first); days carry the clinician's unsigned-note count as a flag.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.domain.errors import InvalidInput, ValidationError
from core.domain.ids import new_id

LONG_LEG_MILES = 500.0
MAX_CLOCK_HOURS = 16
PATIENT_PLACE = "@patient"
_MAX_LABEL, _MAX_PURPOSE, _MAX_VEHICLE, _MAX_MEMO = 80, 200, 60, 200
_STREET = re.compile(
    r"\b\d{1,6}\s+(\w+\s+){0,4}(st|street|ave|avenue|rd|road|dr|drive|ln|lane|blvd|boulevard|"
    r"ct|court|way|pl|place|hwy|highway|pkwy|parkway|cir|circle|ter|terrace|apt|suite|unit)\b",
    re.I,
)
_ZIP = re.compile(r"\b\d{5}(-\d{4})?\b")


class LongTrip(InvalidInput):
    """A leg longer than ``LONG_LEG_MILES``: probably a typo; save it only when confirmed."""

    def __init__(self, miles: float) -> None:
        super().__init__(
            f"{miles:,.1f} miles in one leg is more than {LONG_LEG_MILES:,.0f}: is that right?",
            hint="Check the odometer readings; confirm to save it anyway.",
        )
        self.miles = miles


class ClockConflict(InvalidInput):
    """A clock entry that would overlap another, or a second open clock-in."""


# -- references and money ---------------------------------------------------------------------
def patient_reference(first_name: str, last_name: str, ident: uuid.UUID) -> str:
    """``"RE-9C41D2"``: initials and the last 6 hex digits of the id (random in a UUIDv7)."""
    initials = "".join(n.strip()[:1].upper() for n in (first_name, last_name) if n.strip())
    return f"{initials or '?'}-{ident.hex[-6:].upper()}"


def looks_like_address(text: str) -> bool:
    return bool(_STREET.search(text) or _ZIP.search(text))


def round_cents(cents: Decimal) -> Decimal:
    return cents.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def dollars(cents: Decimal | int) -> str:
    """Exact cents → ``"1234.57"`` (half up), for CSV."""
    value = round_cents(Decimal(cents)) / 100
    return f"{value:.2f}"


# -- mileage ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MileageRate:
    effective_from: dt.date
    cents_per_mile: Decimal
    source: str = ""
    verified: bool = True


@dataclass(frozen=True)
class MileageRateTable:
    rates: tuple[MileageRate, ...]
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", tuple(sorted(self.rates, key=lambda r: r.effective_from)))

    def rate_on(self, day: dt.date) -> MileageRate | None:
        """The rate in force on ``day``: the latest one from the same calendar year (the IRS
        sets rates per year, sometimes changing mid-year). None when the year has no rate:
        a trip is never priced at last year's rate (the log lists it as unrated)."""
        found = None
        for rate in self.rates:
            if rate.effective_from <= day and rate.effective_from.year == day.year:
                found = rate
        return found


def _label(value: str, field_name: str, limit: int) -> str:
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise ValidationError(f"Keep the {field_name.replace('_', ' ')} under {limit} "
                              "characters.", field=field_name)
    return text


@dataclass(eq=False)
class MileageEntry:
    clinician_id: uuid.UUID
    date: dt.date
    miles: float | None = None
    odometer_start: float | None = None
    odometer_end: float | None = None
    visit_id: uuid.UUID | None = None
    patient_id: uuid.UUID | None = None
    from_label: str = ""
    to_label: str = ""
    purpose: str = ""
    vehicle: str = ""
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        start, end = self.odometer_start, self.odometer_end
        for name in ("miles", "odometer_start", "odometer_end"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(float(value)):
                raise ValidationError(f"The {name.replace('_', ' ')} must be a number of "
                                      f"miles, not {value!r}.", field=name)
        if (start is None) != (end is None):
            raise ValidationError("Give both odometer readings, or only the distance.",
                                  field="odometer_end" if end is None else "odometer_start")
        if start is not None and end is not None:
            if start < 0 or end < 0:
                raise ValidationError("An odometer reading cannot be negative.",
                                      field="odometer_start")
            if end < start:
                raise ValidationError(
                    f"The end odometer reading ({end:,.1f}) is lower than the start "
                    f"({start:,.1f}).", field="odometer_end",
                    hint="Swap the readings or correct the typo.")
            distance = round(end - start, 1)
            if self.miles is not None and abs(self.miles - distance) > 0.05:
                raise ValidationError(
                    f"The distance ({self.miles:,.1f} mi) does not match the odometer "
                    f"({distance:,.1f} mi).", field="miles",
                    hint="Give the readings or the distance, not both.")
            self.miles = distance
        if self.miles is None:
            raise ValidationError("Give the distance or both odometer readings.", field="miles")
        if self.miles < 0:
            raise ValidationError("A distance cannot be negative.", field="miles")
        self.miles = round(float(self.miles), 1)
        if self.miles == 0:
            raise ValidationError("A trip needs a distance above 0 miles.", field="miles")
        self.from_label = _label(self.from_label, "from_label", _MAX_LABEL)
        self.to_label = _label(self.to_label, "to_label", _MAX_LABEL)
        self.purpose = _label(self.purpose, "purpose", _MAX_PURPOSE)
        self.vehicle = _label(self.vehicle, "vehicle", _MAX_VEHICLE)
        for name in ("from_label", "to_label", "purpose"):
            if looks_like_address(getattr(self, name)):
                raise ValidationError(
                    f"The {name.replace('_label', '').replace('_', ' ')} looks like a street "
                    "address; the mileage log must not carry patients' addresses.", field=name,
                    hint="Use a place name (Office, Home base); link the visit for the patient.")
        if not self.from_label or not self.to_label:
            raise ValidationError("Say where the trip started and ended.",
                                  field="from_label" if not self.from_label else "to_label")
        if not self.purpose:
            raise ValidationError("Give the business purpose of the trip (e.g. home visit).",
                                  field="purpose")
        if PATIENT_PLACE in (self.from_label, self.to_label) and self.patient_id is None:
            raise ValidationError("Link the visit or patient the trip went to.", field="visit_id")

    @property
    def needs_confirmation(self) -> bool:
        return (self.miles or 0) > LONG_LEG_MILES


def check_long_leg(entry: MileageEntry, *, confirmed: bool) -> None:
    if entry.needs_confirmation and not confirmed:
        raise LongTrip(entry.miles or 0.0)


def check_no_patient_name(entry: MileageEntry, first: str, last: str, reference: str) -> None:
    """Refuse labels or purpose that spell out the linked patient's name (exports show the ref)."""
    names = [n.lower() for n in (first.strip(), last.strip()) if len(n.strip()) > 1]
    for attr in ("from_label", "to_label", "purpose"):
        words = set(re.findall(r"[\w'-]+", getattr(entry, attr).lower()))
        if any(n in words for n in names):
            raise ValidationError(
                f"Leave the patient's name out of the {attr.replace('_label', '')}: the log "
                f"references the patient as {reference}.", field=attr)


@dataclass(frozen=True, slots=True)
class MileageLine:
    entry_id: uuid.UUID
    date: dt.date
    clinician: str
    from_place: str
    to_place: str
    purpose: str
    vehicle: str
    odometer_start: float | None
    odometer_end: float | None
    miles: Decimal
    rate_cents: Decimal | None  # None: no rate on file for the date
    amount_cents: Decimal | None  # exact (miles × rate)
    visit_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class RateTotal:
    """Trips at one rate (one rate period: a tax year unless the IRS changed it mid-year)."""

    effective_from: dt.date
    rate_cents: Decimal
    trips: int
    miles: Decimal
    amount_cents: Decimal
    source: str


@dataclass(frozen=True)
class MileageLog:
    date_from: dt.date
    date_to: dt.date
    lines: tuple[MileageLine, ...]
    by_rate: tuple[RateTotal, ...]
    unrated_dates: tuple[dt.date, ...] = ()  # trips with no rate on file (amount unknown)
    title: str = ""

    @property
    def total_miles(self) -> Decimal:
        return sum((ln.miles for ln in self.lines), Decimal(0))

    @property
    def total_amount_cents(self) -> Decimal:
        return sum((r.amount_cents for r in self.by_rate), Decimal(0))


def build_mileage_log(
    entries: Iterable[MileageEntry],
    rates: MileageRateTable,
    *,
    date_from: dt.date,
    date_to: dt.date,
    place: Callable[[MileageEntry, str], str],
    clinician_names: Mapping[uuid.UUID, str],
    title: str = "",
) -> MileageLog:
    """Lines in date order with exact amounts, totals per rate period. ``place(entry, label)``
    turns a stored label into what the log prints (``PATIENT_PLACE`` → the patient reference)."""
    lines: list[MileageLine] = []
    totals: dict[MileageRate, list[Decimal]] = {}
    unrated: list[dt.date] = []
    chosen = sorted((e for e in entries if date_from <= e.date <= date_to),
                    key=lambda e: (e.date, str(e.id)))
    for e in chosen:
        miles = Decimal(str(e.miles))
        rate = rates.rate_on(e.date)
        amount = miles * rate.cents_per_mile if rate else None
        if rate is None:
            unrated.append(e.date)
        else:
            acc = totals.setdefault(rate, [Decimal(0), Decimal(0), Decimal(0)])
            acc[0] += 1
            acc[1] += miles
            acc[2] += amount or Decimal(0)
        lines.append(MileageLine(
            e.id, e.date, clinician_names.get(e.clinician_id, ""), place(e, e.from_label),
            place(e, e.to_label), e.purpose, e.vehicle, e.odometer_start, e.odometer_end, miles,
            rate.cents_per_mile if rate else None, amount, e.visit_id,
        ))
    by_rate = tuple(
        RateTotal(r.effective_from, r.cents_per_mile, int(v[0]), v[1], v[2], r.source)
        for r, v in sorted(totals.items(), key=lambda kv: kv[0].effective_from)
    )
    return MileageLog(date_from, date_to, tuple(lines), by_rate, tuple(unrated), title)


# -- clock ------------------------------------------------------------------------------------
class ClockKind(StrEnum):
    VISIT = "visit"
    DOCUMENTATION = "documentation"
    TRAVEL = "travel"
    ADMIN = "admin"

    @property
    def clinical(self) -> bool:
        return self is ClockKind.VISIT


def to_minute(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is not None:
        raise ValidationError("Clock times are local wall-clock times (no time zone).")
    return when.replace(second=0, microsecond=0)


@dataclass(eq=False)
class ClockEntry:
    clinician_id: uuid.UUID
    kind: ClockKind
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    visit_id: uuid.UUID | None = None
    memo: str = ""
    id: uuid.UUID = field(default_factory=new_id)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        try:
            self.kind = ClockKind(self.kind)
        except ValueError:
            raise ValidationError(f"{self.kind!r} is not a kind of time (visit, documentation, "
                                  "travel, admin).", field="kind") from None
        self.started_at = to_minute(self.started_at)
        if self.ended_at is not None:
            self.ended_at = to_minute(self.ended_at)
            if self.ended_at <= self.started_at:
                raise ValidationError(
                    f"Clock-out ({self.ended_at:%Y-%m-%d %H:%M}) is not after clock-in "
                    f"({self.started_at:%Y-%m-%d %H:%M}).", field="ended_at",
                    hint="Correct the times.")
            if self.ended_at - self.started_at > dt.timedelta(hours=MAX_CLOCK_HOURS):
                raise ValidationError(
                    f"A clock entry cannot run longer than {MAX_CLOCK_HOURS} hours.",
                    field="ended_at", hint="Was a clock-out forgotten? Correct the end time.")
        if self.kind is ClockKind.VISIT and self.visit_id is None:
            raise ValidationError("Visit time needs the visit it was spent on.", field="visit_id")
        self.memo = _label(self.memo, "memo", _MAX_MEMO)

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def end_or(self, now: dt.datetime) -> dt.datetime:
        return self.ended_at if self.ended_at is not None else max(to_minute(now), self.started_at)

    def overlaps(self, other: ClockEntry) -> bool:
        far = dt.datetime.max
        return self.started_at < (other.ended_at or far) and other.started_at < (
            self.ended_at or far)


def find_conflict(entry: ClockEntry, others: Iterable[ClockEntry]) -> ClockEntry | None:
    """The first other entry of the same clinician that ``entry`` overlaps (or None)."""
    for other in sorted(others, key=lambda o: o.started_at):
        if other.id != entry.id and other.clinician_id == entry.clinician_id \
                and entry.overlaps(other):
            return other
    return None


def split_by_day(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.date, int]]:
    """Whole minutes of [start, end) on each calendar day."""
    out: list[tuple[dt.date, int]] = []
    cursor = start
    while cursor < end:
        midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time())
        stop = min(end, midnight)
        out.append((cursor.date(), int((stop - cursor).total_seconds() // 60)))
        cursor = stop
    return out


@dataclass(frozen=True, slots=True)
class TimeTotals:
    """Minutes in one period (a day, or an ISO week starting ``start``)."""

    start: dt.date
    clinical_minutes: int
    admin_minutes: int
    by_kind: Mapping[str, int]
    unsigned_notes: int = 0  # the clinician's draft notes for visits in the period
    open_entry: bool = False

    @property
    def total_minutes(self) -> int:
        return self.clinical_minutes + self.admin_minutes

    @property
    def flagged(self) -> bool:
        return self.unsigned_notes > 0


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def timesheet(
    entries: Sequence[ClockEntry], *, now: dt.datetime, unsigned_by_day: Mapping[dt.date, int],
    date_from: dt.date | None = None, date_to: dt.date | None = None,
) -> tuple[tuple[TimeTotals, ...], tuple[TimeTotals, ...]]:
    """(days, weeks) in date order; open entries count up to ``now``; minutes outside
    [date_from, date_to] are left out. A day's flag counts the unsigned notes of that day; a
    week's counts every day of the week in ``unsigned_by_day``, clocked or not."""
    lo, hi = date_from or dt.date.min, date_to or dt.date.max
    minutes: dict[dt.date, dict[str, int]] = {}
    open_days: set[dt.date] = set()
    for e in entries:
        for day, m in split_by_day(e.started_at, e.end_or(now)):
            bucket = minutes.setdefault(day, {})
            bucket[e.kind.value] = bucket.get(e.kind.value, 0) + m
            if e.is_open:
                open_days.add(day)
        if e.is_open:
            open_days.add(e.started_at.date())
    days = tuple(_totals(d, [minutes.get(d, {})], unsigned_by_day.get(d, 0), d in open_days)
                 for d in sorted(set(minutes) | open_days) if lo <= d <= hi)
    weeks: dict[dt.date, list[TimeTotals]] = {week_start(d): [] for d in unsigned_by_day}
    for t in days:
        weeks.setdefault(week_start(t.start), []).append(t)
    week_rows = tuple(
        _totals(w, [dict(t.by_kind) for t in ts],
                sum(n for d, n in unsigned_by_day.items() if week_start(d) == w),
                any(t.open_entry for t in ts))
        for w, ts in sorted(weeks.items())
    )
    return days, week_rows


def _totals(start: dt.date, parts: list[Mapping[str, int]], unsigned: int, is_open: bool
            ) -> TimeTotals:
    kinds: dict[str, int] = {}
    for part in parts:
        for k, m in part.items():
            kinds[k] = kinds.get(k, 0) + m
    clinical = sum(m for k, m in kinds.items() if ClockKind(k).clinical)
    admin = sum(m for k, m in kinds.items() if not ClockKind(k).clinical)
    return TimeTotals(start, clinical, admin, kinds, unsigned, is_open)
