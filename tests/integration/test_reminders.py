"""Reminders on a real chart against a real local SMTP server (aiosmtpd, issue 19): the messages
for the appointments 24–48 h ahead arrive once each with nothing clinical in them; a server that
cannot be reached or refuses a message → a clear error and nothing marked sent."""

from __future__ import annotations

import datetime as dt
import email
import uuid
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from core.domain.enums import Discipline
from core.domain.schedule import AppointmentStatus
from core.services import patients, practice, reminders, schedule
from core.storage.chart import ChartSession
from server.pgtemp import free_port

NOW = dt.datetime(2026, 12, 7, 9, 0)  # Monday 09:00
ALL_WEEK = ((dt.time(7), dt.time(19)),)


class Inbox:
    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[Message] = []
        self.refuse = refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        if self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _clinic(chart: ChartSession) -> dict[str, uuid.UUID]:
    practice.save_practice(chart, name="Harbor Physical Therapy", phone="555-0199",
                           address_line1="12 Quay Street", city="Portsmouth")
    ada = practice.add_clinician(chart, first_name="Ada", last_name="Quist",
                                 discipline=Discipline.PT).value
    schedule.set_hours(chart, ada.id, (ALL_WEEK,) * 7)
    ids = {"ada": ada.id}
    for first, last, mail in (("Nell", "Testcase", "nell@example.test"),
                              ("Omar", "Example", "omar@example.test"),
                              ("Ivy", "Nomail", ""),
                              ("Una", "Optedout", "una@example.test")):
        ids[first] = patients.create_patient(chart, first_name=first, last_name=last,
                                             date_of_birth=dt.date(1970, 1, 1),
                                             email=mail).value.id
    return ids


def _book(chart: ChartSession, c: dict[str, uuid.UUID], who: str, hours: float,
          service: str = "evaluation") -> uuid.UUID:
    booked = schedule.book(chart, c[who], c["ada"], NOW + dt.timedelta(hours=hours),
                           service=service)
    assert booked.appointment is not None
    return booked.appointment.id


def _setup(chart: ChartSession, port: int) -> None:
    reminders.set_smtp(chart, reminders.SmtpSettings(
        host="127.0.0.1", port=port, sender="frontdesk@harbor.example", starttls=False))


def test_due_reminders_go_out_once_with_nothing_clinical(
    chart: ChartSession, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    c = _clinic(chart)
    nell = _book(chart, c, "Nell", 26)            # Tue 11:00: due
    _book(chart, c, "Omar", 30, "re-evaluation")  # Tue 15:00: due
    _book(chart, c, "Ivy", 28)                    # due, but no e-mail address: skipped
    patients.update_patient(chart, c["Una"], no_reminders=True)
    _book(chart, c, "Una", 32)                    # due, but she asked for none: skipped
    _book(chart, c, "Nell", 5)                    # today: too soon
    _book(chart, c, "Omar", 50)                   # Wed: not yet
    gone = _book(chart, c, "Omar", 46)            # Wed 07:00, cancelled: none
    schedule.set_status(chart, gone, AppointmentStatus.CANCELLED, "called in", now=NOW)
    _setup(chart, port)

    report = reminders.send_due(chart, NOW)
    assert len(report.sent) == 2 and [d.skipped for d in report.skipped] == [
        "no e-mail address on file", "the patient asked for no reminders"]
    assert sorted(m["To"] for m in inbox.messages) == ["nell@example.test", "omar@example.test"]
    to_nell = next(m for m in inbox.messages if m["To"] == "nell@example.test")
    body = to_nell.get_payload(decode=True).decode()
    assert to_nell["From"] == "frontdesk@harbor.example"
    assert "Tuesday, December 8 at 11:00 AM" in body and "12 Quay Street" in body
    assert "Hello Nell," in body and "555-0199" in body
    for clinical in ("valuation", "Ada", "Quist", "Testcase", "called in", "1970"):
        assert clinical not in body and clinical not in to_nell["Subject"]
    assert [r.recipient for r in reminders.sent_for(chart, nell)] == ["nell@example.test"]

    again = reminders.send_due(chart, NOW + dt.timedelta(hours=1))
    assert again.sent == () and len(inbox.messages) == 2  # exactly once


def test_failing_server_marks_nothing_sent(chart: ChartSession, smtp: tuple[Inbox, int]
                                          ) -> None:
    inbox, port = smtp
    c = _clinic(chart)
    appt = _book(chart, c, "Nell", 30)
    reminders.set_smtp(chart, reminders.SmtpSettings(
        host="127.0.0.1", port=free_port(), sender="frontdesk@harbor.example", starttls=False))
    with pytest.raises(reminders.ReminderSendFailed, match="cannot be reached"):
        reminders.send_due(chart, NOW)
    _setup(chart, port)
    inbox.refuse = True
    with pytest.raises(reminders.ReminderSendFailed, match="after 0 were sent"):
        reminders.send_due(chart, NOW)
    assert reminders.sent_for(chart, appt) == []
    assert [d.appointment.id for d in reminders.due(chart, NOW)] == [appt]
    inbox.refuse = False
    assert len(reminders.send_due(chart, NOW).sent) == 1 and len(inbox.messages) == 1


def test_bad_settings_are_refused_and_nothing_saved(chart: ChartSession) -> None:
    for bad in (reminders.SmtpSettings(host="", sender="a@b.c"),
                reminders.SmtpSettings(host="mail.example", port=0, sender="a@b.c"),
                reminders.SmtpSettings(host="mail.example", sender="front desk")):
        with pytest.raises(reminders.InvalidInput):
            reminders.set_smtp(chart, bad)
    assert reminders.smtp_settings(chart) is None
    with pytest.raises(reminders.InvalidInput, match="not set up"):
        reminders.send_due(chart, NOW)


def test_cli_setup_list_and_send(chart: ChartSession, smtp: tuple[Inbox, int],
                                 capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import PASSPHRASE
    from tests.integration.cli_inprocess import run

    inbox, port = smtp
    c = _clinic(chart)
    _book(chart, c, "Nell", 26)
    chart.lock()
    env = {"CHARTSIDE_PASSPHRASE": PASSPHRASE}

    def cli(*words: str) -> Any:
        return run(capsys, monkeypatch, ["--chart", str(chart.path), "schedule", "reminders",
                                         *words], env)

    bad = cli("setup", "--host", "127.0.0.1", "--port", "99999", "--from", "desk@x.example")
    assert bad.returncode == 2 and "port" in bad.stderr
    ok = cli("setup", "--host", "127.0.0.1", "--port", str(port), "--from",
             "frontdesk@harbor.example", "--no-starttls")
    assert ok.returncode == 0, ok.stderr
    opted = cli("opt-out", str(c["Nell"]))
    assert opted.returncode == 0 and "No more appointment reminders" in opted.stdout
    assert "asked for no reminders" in cli("--at", "2026-12-07 09:00").stdout
    assert cli("opt-out", "nobody").returncode == 2
    assert cli("opt-out", str(c["Nell"]), "--undo").returncode == 0
    listed = cli("--at", "2026-12-07 09:00")
    assert listed.returncode == 0 and "nell@example.test" in listed.stdout
    assert inbox.messages == []
    sent = cli("--send", "--at", "2026-12-07 09:00")
    assert sent.returncode == 0 and "Sent 1 reminders." in sent.stdout
    assert [m["To"] for m in inbox.messages] == ["nell@example.test"]
    assert "Sent 0 reminders." in cli("--send", "--at", "2026-12-07 10:00").stdout
