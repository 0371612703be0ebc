"""Appointment reminders (issue 19): the record that one was sent. Pure.

``Reminder`` says that the reminder for one appointment at one start time went out on one
channel. Its id is derived from (appointment, start, channel), so two devices recording the same
reminder make the same record and a moved appointment earns a new reminder. It carries no
message text: the text is rebuilt from the appointment when needed and holds nothing clinical.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

CHANNELS = ("email",)  # SMS needs a provider: the seam is ``core.services.reminders.Sender``
_NAMESPACE = uuid.UUID("6f1d3c1e-9d0b-4d55-9a51-2f8c3b1e7a19")


def reminder_id(appointment_id: uuid.UUID, start: dt.datetime, channel: str = "email"
                ) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{appointment_id}|{start.isoformat()}|{channel}")


@dataclass
class Reminder:
    appointment_id: uuid.UUID
    patient_id: uuid.UUID
    appointment_start: dt.datetime
    sent_at: dt.datetime
    recipient: str
    channel: str = "email"
    id: uuid.UUID = field(default=uuid.UUID(int=0))

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown reminder channel {self.channel!r}")
        if self.id == uuid.UUID(int=0):
            self.id = reminder_id(self.appointment_id, self.appointment_start, self.channel)
