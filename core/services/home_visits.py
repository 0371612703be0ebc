"""A home-health clinician's day (issue 19): the home visits in order with their addresses, and
the mileage legs that completing them proposes (``core.rules.home_route``).

``home_day`` is a read for the clinician's own screen (names and addresses of their patients,
nothing logged). ``log_legs`` records the legs the clinician confirmed with the miles they
drove, all in one transaction through ``mileage.save_trip`` (the same checks as any trip: no
address in a label, a long leg must be confirmed); a leg already in the day's log is not
proposed again, so logging twice writes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.books import MileageEntry
from core.domain.errors import InvalidInput
from core.domain.schedule import Appointment
from core.rules import home_route
from core.rules.home_route import Leg
from core.services import mileage, schedule
from core.storage.chart import ChartSession

DEFAULT_BASE = mileage.DEFAULT_FROM


@dataclass(frozen=True, slots=True)
class HomeStop:
    appointment: Appointment
    patient_name: str
    address: str  # where the clinician drives (a home appointment always has one)


@dataclass(frozen=True, slots=True)
class HomeDay:
    day: dt.date
    clinician_id: uuid.UUID
    base: str
    stops: tuple[HomeStop, ...]
    legs: tuple[Leg, ...]

    @property
    def pending(self) -> tuple[Leg, ...]:
        """The proposed legs not yet in the mileage log."""
        return tuple(leg for leg in self.legs if not leg.logged)


def home_day(chart: ChartSession, clinician_id: uuid.UUID, on: dt.date,
             base: str = DEFAULT_BASE) -> HomeDay:
    stops = home_route.route(schedule.day(chart, on, clinician_id))
    with chart.uow() as uow:
        uow.clinicians.get(clinician_id)  # NotFound for an unknown clinician
        rows = []
        for a in stops:
            p = uow.patients.get(a.patient_id)
            rows.append(HomeStop(a, f"{p.last_name}, {p.first_name}", a.address))
        logged = uow.books.mileage.list(on, on, clinician_id)
    legs = home_route.propose_legs(stops, base, logged)
    return HomeDay(on, clinician_id, base, tuple(rows), tuple(legs))


def log_legs(
    chart: ChartSession, clinician_id: uuid.UUID, on: dt.date,
    miles: Sequence[float | None], *, base: str = DEFAULT_BASE, vehicle: str = "",
    confirm_long: bool = False,
) -> list[MileageEntry]:
    """Record the pending legs of the day with the miles given (one per pending leg, in order;
    ``None`` skips a leg). All or nothing."""
    day = home_day(chart, clinician_id, on, base)
    pending = day.pending
    if not pending:
        raise InvalidInput("No home-visit legs to log for that day.",
                           hint="Legs are proposed once home visits are marked completed; "
                           "the ones already in the mileage log are not proposed again.")
    if len(miles) != len(pending):
        raise InvalidInput(f"{len(pending)} legs to log, {len(miles)} distances given.",
                           hint="Give one distance per leg, in order (leave one out with -).")
    entries = [home_route.leg_entry(leg, clinician_id, on, float(m), vehicle)
               for leg, m in zip(pending, miles, strict=True) if m is not None]
    if not entries:
        raise InvalidInput("Give the miles of at least one leg.")
    with chart.uow() as uow:
        for entry in entries:
            mileage.save_trip(uow, entry, confirm_long=confirm_long)
        uow.commit()
    return entries
