"""Appointment reminders by e-mail (issue 19): 24–48 hours before, through the practice's own
SMTP account, once per appointment.

Contracts:

- **Settings** (meta ``reminders.smtp``: host, port, user, From address, STARTTLS on by
  default; the password in meta ``reminders.smtp_password`` — the chart is encrypted, and meta
  never syncs, so each device that sends keeps its own). ``reminders.text``: whether to greet
  the patient by first name.
- **due** lists the booked appointments (series occurrences included) starting 24–48 hours from
  ``now`` with no reminder recorded, each with the patient's address or why it is skipped (no
  e-mail address).
- **send_due** connects first (a server that cannot be reached, refuses STARTTLS or the login →
  ``ReminderSendFailed`` and nothing is marked sent), then sends one message per appointment and
  records each in its own transaction right after the server accepted it (``Reminder``, synced:
  every device then knows it went out). A failure part-way stops the run with the count already
  sent; the failed one and the rest stay due for the next run.
- The text is ``core.rules.reminders.message``: no service, clinician, diagnosis or reason.
- SMS needs a provider: ``Sender`` is the seam (anything with ``send(EmailMessage)``); only
  e-mail is built.
"""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from typing import Protocol

from core.domain.errors import ChartsideError, InvalidInput
from core.domain.reminders import Reminder, reminder_id
from core.domain.schedule import Appointment
from core.rules import reminders as rules
from core.services.schedule import _window
from core.storage.chart import ChartSession

SMTP_KEY = "reminders.smtp"
PASSWORD_KEY = "reminders.smtp_password"
TEXT_KEY = "reminders.text"


class ReminderSendFailed(ChartsideError):
    """The mail server could not be reached or refused a message."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str = ""
    sender: str = ""  # the From address
    starttls: bool = True

    def check(self) -> SmtpSettings:
        if not self.host.strip() or any(c.isspace() for c in self.host.strip()):
            raise InvalidInput("The mail server's host name is missing or has spaces.")
        if not 0 < self.port < 65536:
            raise InvalidInput(f"The mail server's port must be 1–65535 (got {self.port}).")
        if "@" not in self.sender or any(c.isspace() for c in self.sender.strip()):
            raise InvalidInput("The From address must be an e-mail address, e.g. "
                               "frontdesk@example-practice.com.")
        return SmtpSettings(self.host.strip(), self.port, self.user.strip(),
                            self.sender.strip(), self.starttls)


def set_smtp(chart: ChartSession, settings: SmtpSettings, password: str | None = None,
             *, first_name: bool = True) -> SmtpSettings:
    """Save the practice's mail settings (``password`` None keeps the stored one)."""
    settings = settings.check()
    with chart.uow() as uow:
        uow.meta.set(SMTP_KEY, json.dumps(asdict(settings)))
        if password is not None:
            uow.meta.set(PASSWORD_KEY, password or None)
        uow.meta.set(TEXT_KEY, json.dumps({"first_name": first_name}))
        uow.record("update", "chart", chart.chart_id, detail="reminder mail settings")
        uow.commit()
    return settings


def smtp_settings(chart: ChartSession) -> SmtpSettings | None:
    with chart.uow() as uow:
        raw = uow.meta.get(SMTP_KEY)
    return SmtpSettings(**json.loads(raw)) if raw else None


@dataclass(frozen=True, slots=True)
class Due:
    appointment: Appointment
    recipient: str  # "" when skipped
    first_name: str = field(repr=False, default="")
    skipped: str = ""


def due(chart: ChartSession, now: dt.datetime | None = None) -> list[Due]:
    """Appointments whose reminder is due now (see module doc), earliest first."""
    now = now or dt.datetime.now().replace(microsecond=0)
    with chart.uow() as uow:
        window = _window(uow, now + dt.timedelta(hours=24), now + dt.timedelta(hours=48, seconds=1))
        ids = [reminder_id(a.id, a.start) for a in window]
        sent = uow.reminders.sent_among(ids)
        out = []
        for appt in rules.due(window, sent, now):
            p = uow.patients.get(appt.patient_id)
            email = p.email.strip()
            if p.no_reminders:
                out.append(Due(appt, "", p.first_name, "the patient asked for no reminders"))
            elif "@" not in email:
                out.append(Due(appt, "", p.first_name, "no e-mail address on file"))
            else:
                out.append(Due(appt, email, p.first_name))
    return out


class Sender(Protocol):
    """Where a reminder goes out (e-mail today; an SMS provider would be another one)."""

    def send(self, message: EmailMessage) -> None: ...


class _Smtp:
    def __init__(self, client: smtplib.SMTP) -> None:
        self.client = client

    def send(self, message: EmailMessage) -> None:
        self.client.send_message(message)


@contextmanager
def smtp_sender(settings: SmtpSettings, password: str | None, timeout: float = 20.0
                ) -> Iterator[Sender]:
    """An open SMTP session (STARTTLS and login as set); errors become ``ReminderSendFailed``."""
    where = f"{settings.host}:{settings.port}"
    try:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise ReminderSendFailed(
            f"The mail server {where} cannot be reached ({type(exc).__name__}). "
            "No reminder was sent or marked sent.",
            hint="Check the host, the port and the network; then send again.") from exc
    try:
        client.ehlo()
        if settings.starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.user:
            client.login(settings.user, password or "")
    except (OSError, smtplib.SMTPException) as exc:
        client.close()
        what = ("refused the login" if isinstance(exc, smtplib.SMTPAuthenticationError)
                else "refused the secure connection (STARTTLS)" if settings.starttls
                else "refused the session")
        raise ReminderSendFailed(
            f"The mail server {where} {what}. No reminder was sent or marked sent.",
            hint="Check the user name, the password and the STARTTLS setting.") from exc
    try:
        yield _Smtp(client)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: tuple[Reminder, ...]
    skipped: tuple[Due, ...]


SenderFactory = Callable[[SmtpSettings, str | None], AbstractContextManager[Sender]]


def send_due(chart: ChartSession, now: dt.datetime | None = None, *,
             sender: SenderFactory = smtp_sender) -> SendReport:
    """Send every due reminder (see module doc)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    settings = smtp_settings(chart)
    if settings is None:
        raise InvalidInput("Reminder e-mail is not set up yet.",
                           hint="chartside schedule reminders setup --host … --from …")
    with chart.uow() as uow:
        password = uow.meta.get(PASSWORD_KEY)
        practice = uow.practice.get()
        text_raw = uow.meta.get(TEXT_KEY)
    text = rules.ReminderText(
        practice_name=(practice.name if practice else "") or "Your therapy practice",
        practice_phone=practice.phone if practice else "",
        practice_address=", ".join(x for x in ((practice.address_line1, practice.city)
                                               if practice else ()) if x),
        first_name=bool(json.loads(text_raw).get("first_name", True)) if text_raw else True,
    )
    items = due(chart, now)
    todo = [d for d in items if d.recipient]
    skipped = tuple(d for d in items if not d.recipient)
    sent: list[Reminder] = []
    if not todo:
        return SendReport((), skipped)
    with sender(settings, password) as out:
        for d in todo:
            message = rules.message(d.appointment, d.first_name, d.recipient, settings.sender,
                                    text)
            try:
                out.send(message)
            except (OSError, smtplib.SMTPException) as exc:
                raise ReminderSendFailed(
                    f"The mail server refused a reminder ({type(exc).__name__}) after "
                    f"{len(sent)} were sent; that one and the rest were not marked sent.",
                    hint="Send again later; the ones sent will not go twice.") from exc
            record = Reminder(d.appointment.id, d.appointment.patient_id, d.appointment.start,
                              dt.datetime.now().replace(microsecond=0), d.recipient)
            with chart.uow() as uow:
                uow.reminders.save_many([record])
                uow.record("create", "appointment_reminder", record.id)
                uow.commit()
            sent.append(record)
    return SendReport(tuple(sent), skipped)


def sent_for(chart: ChartSession, appointment_id: uuid.UUID) -> list[Reminder]:
    with chart.uow() as uow:
        return uow.reminders.for_appointment(appointment_id)
