"""Reminder rules (issue 19), pure: the 24–48 h window, once per appointment, the
minimum-necessary text; and the booking server's pure parts (free slots around held ones, the
proof-of-work check)."""

from __future__ import annotations

import datetime as dt
import uuid

from core.domain.enums import PlaceOfService
from core.domain.reminders import Reminder, reminder_id
from core.domain.schedule import Appointment, AppointmentStatus
from core.rules import reminders as rules
from server.booking import _free, pow_ok
from syncwire.booking import BookingSlot, BookingSnapshot

NOW = dt.datetime(2026, 12, 7, 9, 0)
P, C = uuid.UUID(int=1), uuid.UUID(int=2)


def _appt(hours: float, **kw: object) -> Appointment:
    return Appointment(P, C, NOW + dt.timedelta(hours=hours), 45, **kw)  # type: ignore[arg-type]


def test_window_status_and_once() -> None:
    early, first, last, late = _appt(23.75), _appt(24), _appt(48), _appt(48.25)
    gone = _appt(30)
    gone.set_status(AppointmentStatus.CANCELLED, "sick")
    assert rules.due([early, first, last, late, gone], set(), NOW) == [first, last]
    sent = {reminder_id(first.id, first.start)}
    assert rules.due([first, last], sent, NOW) == [last]
    moved = Appointment(P, C, first.start + dt.timedelta(hours=2), 45, id=first.id)
    assert rules.due([moved], sent, NOW) == [moved]  # a new time earns a new reminder
    record = Reminder(first.id, P, first.start, NOW, "a@b.example")
    assert record.id == reminder_id(first.id, first.start)


def test_text_names_no_service_clinician_or_reason() -> None:
    text = rules.ReminderText("Harbor PT", "555-0199", "12 Quay Street")
    appt = _appt(26, service="evaluation", reason="")
    msg = rules.message(appt, "Nell", "nell@example.test", "desk@harbor.example", text)
    body = msg.get_content()
    assert "Tuesday, December 8 at 11:00 AM" in body and "at 12 Quay Street" in body
    assert "Hello Nell," in body and "evaluation" not in body.lower()
    home = rules.message(_appt(26, place=PlaceOfService.HOME, address="1 Elm Rd"), "Nell",
                         "n@x.example", "d@x.example",
                         rules.ReminderText("Harbor PT", first_name=False))
    home_body = home.get_content()
    assert "at your home" in home_body and "Elm" not in home_body
    assert "Nell" not in home_body and "reply to this e-mail" in home_body
    video = rules.message(_appt(26, place=PlaceOfService.TELEHEALTH_HOME), "", "n@x.example",
                          "d@x.example", text)
    assert "by video" in video.get_content()


def _slot(i: str, start: str, minutes: int, resource: str) -> BookingSlot:
    return BookingSlot(id=i, service="daily", start=start, minutes=minutes, resource=resource)


def test_held_slots_hide_their_resources_overlaps_only() -> None:
    snap = BookingSnapshot(practice_name="P", services=[], slots=[
        _slot("s1", "2026-12-08T09:00", 60, "ra"), _slot("s2", "2026-12-08T09:30", 45, "ra"),
        _slot("s3", "2026-12-08T10:00", 45, "ra"), _slot("s4", "2026-12-08T09:30", 45, "rb")])
    assert [s.id for s in _free(snap, set())] == ["s1", "s2", "s3", "s4"]
    assert [s.id for s in _free(snap, {"s1"})] == ["s3", "s4"]


def test_proof_of_work_bits() -> None:
    assert pow_ok(b"\x00\x0f" + b"\xff" * 30, 12) and not pow_ok(b"\x00\x1f" + b"\xff" * 30, 12)
    assert pow_ok(b"\xff" * 32, 0)
