"""A home-health clinician's day: the home visits in order, and the mileage legs they imply.

Pure (issue 19, "Home health"). ``route`` keeps the day's home visits (place of service 12) that
still hold the clinician's time, in order of start. ``propose_legs`` turns the *completed* part
of that route into mileage legs: from the clinician's base to the first home, home to home, and
back to base once every home visit of the day is completed. Each leg is linked to the patient it
went to (or came from, for the way back) and, when the note was started, to the visit, so the
mileage log shows ``patient_reference`` and never an address (``core.domain.books``). The
clinician types the miles (no online maps); a leg already in the log for that day is marked so
it is not logged twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.domain.books import PATIENT_PLACE, MileageEntry
from core.domain.enums import PlaceOfService
from core.domain.schedule import Appointment, AppointmentStatus

HOME_VISIT = "Home visit"
BETWEEN = "Previous home visit"


def route(appointments: Iterable[Appointment]) -> list[Appointment]:
    """The home visits that hold the clinician's time, earliest first."""
    return sorted(
        (a for a in appointments if a.place is PlaceOfService.HOME and a.status.active),
        key=lambda a: (a.start, str(a.id)),
    )


@dataclass(frozen=True, slots=True)
class Leg:
    """One proposed leg; ``logged`` when the day's mileage log already has it."""

    number: int
    from_label: str
    to_label: str
    patient_id: uuid.UUID
    visit_id: uuid.UUID | None
    appointment_id: uuid.UUID
    returning: bool = False
    logged: bool = False


def propose_legs(
    stops: Sequence[Appointment], base: str, logged: Iterable[MileageEntry] = ()
) -> list[Leg]:
    """Legs through the completed stops (in route order), and home when all are completed.

    A stop that is not completed ends the proposal there: the clinician is still on the road.
    """
    done: list[Appointment] = []
    for stop in stops:
        if stop.status is not AppointmentStatus.COMPLETED:
            break
        done.append(stop)
    legs: list[Leg] = []
    previous: Appointment | None = None
    for stop in done:
        legs.append(Leg(len(legs) + 1, base if previous is None else BETWEEN, PATIENT_PLACE,
                        stop.patient_id, stop.visit_id, stop.id))
        previous = stop
    if previous is not None and len(done) == len(stops):
        legs.append(Leg(len(legs) + 1, PATIENT_PLACE, base, previous.patient_id,
                        previous.visit_id, previous.id, returning=True))
    have = list(logged)
    return [_mark(leg, have) for leg in legs]


def _mark(leg: Leg, logged: list[MileageEntry]) -> Leg:
    for entry in logged:
        same_place = (entry.from_label == PATIENT_PLACE) if leg.returning else (
            entry.to_label == PATIENT_PLACE)
        linked = entry.patient_id == leg.patient_id and (
            leg.visit_id is None or entry.visit_id in (None, leg.visit_id))
        if same_place and linked:
            logged.remove(entry)  # one log entry answers one leg
            return Leg(leg.number, leg.from_label, leg.to_label, leg.patient_id, leg.visit_id,
                       leg.appointment_id, leg.returning, logged=True)
    return leg


def leg_entry(leg: Leg, clinician_id: uuid.UUID, on: dt.date, miles: float,
              vehicle: str = "") -> MileageEntry:
    """The mileage entry for a leg the clinician confirmed with its miles."""
    return MileageEntry(
        clinician_id, on, miles, visit_id=leg.visit_id, patient_id=leg.patient_id,
        from_label=leg.from_label, to_label=leg.to_label, purpose=HOME_VISIT, vehicle=vehicle,
    )
