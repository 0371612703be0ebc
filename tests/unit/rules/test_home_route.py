"""A home-health day's route and the mileage legs it proposes (core.rules.home_route). Pure."""

from __future__ import annotations

import datetime as dt
import uuid

from core.domain.books import PATIENT_PLACE, MileageEntry
from core.domain.enums import PlaceOfService
from core.domain.schedule import Appointment, AppointmentStatus
from core.rules import home_route

DAY = dt.datetime(2026, 12, 7)
ADA = uuid.uuid4()
HOME = PlaceOfService.HOME


def _appt(hour: int, status: AppointmentStatus = AppointmentStatus.COMPLETED,
          place: PlaceOfService = HOME) -> Appointment:
    return Appointment(uuid.uuid4(), ADA, DAY.replace(hour=hour), 45, place=place,
                       address="12 Example Lane" if place is HOME else "", status=status,
                       reason="Patient unwell" if status.needs_reason else "")


def test_the_route_is_the_active_home_visits_in_order() -> None:
    late, early = _appt(14), _appt(9)
    office = _appt(11, place=PlaceOfService.OFFICE)
    cancelled = _appt(10, AppointmentStatus.CANCELLED)
    assert home_route.route([late, office, cancelled, early]) == [early, late]


def test_legs_follow_the_completed_stops_and_go_home_at_the_end() -> None:
    a, b = _appt(9), _appt(11)
    legs = home_route.propose_legs([a, b], "Office")
    assert [(x.from_label, x.to_label, x.patient_id) for x in legs] == [
        ("Office", PATIENT_PLACE, a.patient_id),
        (home_route.BETWEEN, PATIENT_PLACE, b.patient_id),
        (PATIENT_PLACE, "Office", b.patient_id),
    ]
    assert legs[-1].returning and not any(x.logged for x in legs)


def test_a_stop_not_completed_ends_the_proposal_and_there_is_no_way_home_yet() -> None:
    a, b, c = _appt(9), _appt(11, AppointmentStatus.ARRIVED), _appt(13)
    legs = home_route.propose_legs([a, b, c], "Office")
    assert [x.patient_id for x in legs] == [a.patient_id]
    assert home_route.propose_legs([_appt(8, AppointmentStatus.BOOKED)], "Office") == []


def test_legs_already_in_the_log_are_marked_once_each() -> None:
    a = _appt(9)
    logged = [MileageEntry(ADA, DAY.date(), 3.0, patient_id=a.patient_id, from_label="Office",
                           to_label=PATIENT_PLACE, purpose="Home visit")]
    legs = home_route.propose_legs([a], "Office", logged)
    assert [x.logged for x in legs] == [True, False]  # the way back is still to log
    entry = home_route.leg_entry(legs[1], ADA, DAY.date(), 2.5)
    assert (entry.from_label, entry.to_label, entry.purpose) == (PATIENT_PLACE, "Office",
                                                                 "Home visit")
