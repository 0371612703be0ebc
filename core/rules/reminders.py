"""Which appointments get a reminder, and its text (issue 19). Pure.

- ``due``: booked appointments starting between ``now + earliest`` and ``now + latest`` hours
  (24–48 by default) whose reminder is not recorded yet. Cancelled, no-show, arrived and
  completed ones get none.
- ``message``: the minimum necessary — the practice's name, the day and time, where (the
  clinic's address, "at your home" or "by video"), the practice's phone, and how to change it.
  Never the service, the clinician, a diagnosis, a reason or anything from the chart; the
  patient's first name only when the practice allows it (``ReminderText.first_name``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from email.message import EmailMessage

from core.domain.enums import PlaceOfService
from core.domain.reminders import reminder_id
from core.domain.schedule import Appointment, AppointmentStatus


@dataclass(frozen=True, slots=True)
class ReminderText:
    practice_name: str
    practice_phone: str = ""
    practice_address: str = ""
    first_name: bool = True  # greet the patient by first name


def due(appointments: Iterable[Appointment], sent: Collection[object], now: dt.datetime,
        earliest_hours: int = 24, latest_hours: int = 48) -> list[Appointment]:
    lo = now + dt.timedelta(hours=earliest_hours)
    hi = now + dt.timedelta(hours=latest_hours)
    return [a for a in appointments
            if a.status is AppointmentStatus.BOOKED and lo <= a.start <= hi
            and reminder_id(a.id, a.start) not in sent]


def _where(appt: Appointment, text: ReminderText) -> str:
    if appt.place is PlaceOfService.HOME:
        return "at your home"
    if appt.place.is_telehealth:
        return "by video (the practice will send the link)"
    return f"at {text.practice_address}" if text.practice_address else "at the clinic"


def message(appt: Appointment, first_name: str, to: str, sender: str,
            text: ReminderText) -> EmailMessage:
    when = f"{appt.start:%A, %B} {appt.start.day} at {appt.start:%I:%M %p}".replace(" 0", " ")
    hello = f"Hello {first_name}," if text.first_name and first_name else "Hello,"
    change = (f"To change or cancel, please call {text.practice_phone}."
              if text.practice_phone else "To change or cancel, please reply to this e-mail.")
    msg = EmailMessage()
    msg["Subject"] = f"Reminder: your appointment on {appt.start:%a %b} {appt.start.day}"
    msg["From"] = sender
    msg["To"] = to
    msg.set_content(
        f"{hello}\n\nThis is a reminder of your appointment with {text.practice_name} on "
        f"{when}, {_where(appt, text)}.\n\n{change}\n\n{text.practice_name}\n")
    return msg
