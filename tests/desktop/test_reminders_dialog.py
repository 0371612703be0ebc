"""Chart ▸ Appointment reminders… (issue 19), offscreen, on a real chart behind the database
worker and a real local SMTP server (aiosmtpd): the due reminder is listed, Send now sends it
once; an unreachable server shows its error in the status line and marks nothing sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.domain.enums import Discipline
from core.services import charts, patients, practice, reminders, schedule
from core.storage.keys import KdfParams
from desktop import worker as worker_module
from desktop.dialogs.reminders import RemindersDialog
from server.pgtemp import free_port
from tests.conftest import PASSPHRASE
from tests.integration.test_reminders import Inbox


@pytest.fixture
def setup(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[Inbox, int, Path]]:
    monkeypatch.setenv("CHARTSIDE_CONFIG_DIR", str(tmp_path / "config"))
    path = tmp_path / "reminders.chart"
    session, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    practice.save_practice(session, name="Harbor Physical Therapy", phone="555-0199")
    ada = practice.add_clinician(session, first_name="Ada", last_name="Quist",
                                 discipline=Discipline.PT).value
    schedule.set_hours(session, ada.id, (((dt.time(0), dt.time(23, 59)),),) * 7)
    nell = patients.create_patient(session, first_name="Nell", last_name="Testcase",
                                   date_of_birth=dt.date(1970, 1, 1),
                                   email="nell@example.test").value
    start = (dt.datetime.now() + dt.timedelta(hours=30)).replace(minute=0, second=0,
                                                                  microsecond=0)
    if start.hour >= 22:
        start -= dt.timedelta(hours=3)
    schedule.book(session, nell.id, ada.id, start)
    inbox, port = Inbox(), free_port()
    reminders.set_smtp(session, reminders.SmtpSettings(
        host="127.0.0.1", port=free_port(), sender="desk@harbor.example", starttls=False))
    session.lock()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    w = worker_module.DatabaseWorker()
    worker_module.install(w, worker_module.JobRunner(w))
    worker_module.SessionOp(None, lambda: charts.open_chart(path, passphrase=PASSPHRASE)).run()
    assert w.wait_idle()
    yield inbox, port, path
    w.shutdown()
    controller.stop()


def test_send_now_from_the_dialog(qtbot: QtBot, setup: tuple[Inbox, int, Path]) -> None:
    inbox, port, _path = setup
    dialog = RemindersDialog()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.due_list.count() == 1 and dialog.send_button.isEnabled(),
                    timeout=10_000)
    assert "nell@example.test" in dialog.due_list.item(0).text()

    # the stored settings point at a port nobody listens on: a clear error, nothing sent
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot be reached" in dialog.status.text(), timeout=15_000)
    assert inbox.messages == []

    def fix(chart: object) -> object:
        return reminders.set_smtp(chart, reminders.SmtpSettings(  # type: ignore[arg-type]
            host="127.0.0.1", port=port, sender="desk@harbor.example", starttls=False))

    worker_module.CommandOp(None, fix).run()
    qtbot.waitUntil(lambda: dialog.send_button.isEnabled(), timeout=10_000)
    with qtbot.waitSignal(dialog.sent, timeout=15_000):
        qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Sent 1 reminders."
    assert [m["To"] for m in inbox.messages] == ["nell@example.test"]
    qtbot.waitUntil(lambda: dialog.due_list.item(0).text() == "No reminders are due.",
                    timeout=10_000)
    assert not dialog.send_button.isEnabled()
