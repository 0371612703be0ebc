"""Chart ▸ Online booking… (issue 19), offscreen, on a real enrolled chart behind the database
worker and the real sync server app in process: publish, check for requests (one sealed as the
browser seals it), accept one (patient created, appointment booked), decline another."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from core.domain.enums import Discipline
from core.services import charts, practice, schedule
from core.sync import booking as crypto
from desktop import worker as worker_module
from desktop.dialogs.booking import BookingDialog
from server.booking import pow_digest, pow_ok
from tests.sync.helpers import PASSPHRASE, SyncServer, enroll, running_server

BITS = 8


@pytest.fixture
def desk(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
         ) -> Iterator[SyncServer]:
    monkeypatch.setenv("CHARTSIDE_CONFIG_DIR", str(tmp_path / "config"))
    with running_server(tmp_path) as server:
        state = server.client.app.state.chartside
        server.client.app.state.chartside = dataclasses.replace(
            state, settings=dataclasses.replace(state.settings, booking_pow_bits=BITS))
        device = enroll(server, server.practice("Harbor PT"), tmp_path / "desk.chart", "desk")
        ada = practice.add_clinician(device.chart, first_name="Ada", last_name="Quist",
                                     discipline=Discipline.PT).value
        schedule.set_hours(device.chart, ada.id, (((dt.time(8), dt.time(17)),),) * 7)
        device.chart.lock()
        w = worker_module.DatabaseWorker()
        worker_module.install(w, worker_module.JobRunner(w))
        worker_module.SessionOp(None, lambda: charts.open_chart(
            tmp_path / "desk.chart", passphrase=PASSPHRASE)).run()
        assert w.wait_idle()
        yield server
        w.shutdown()


def _request(server: SyncServer, slug: str, slot: dict[str, Any], last: str) -> None:
    page = server.client.get(f"/v1/book/{slug}/availability").json()
    body = {"first_name": "Robin", "last_name": last, "date_of_birth": "1961-04-02",
            "email": "robin@example.test", "phone": "555-0100",
            "answers": {"reason": "Stiff shoulder"}, "questions": {"reason": "Why?"}}
    env = crypto.seal_request(crypto.wire.b64decode(page["public_key"]),
                              json.dumps(body).encode(), f"{slug}:{slot['id']}")
    nonce = next(n for n in range(1 << 20)
                 if pow_ok(pow_digest(slug, slot["id"], env.ct, str(n)), BITS))
    assert server.client.post(f"/v1/book/{slug}/requests", json={
        "slot_id": slot["id"], "envelope": env.model_dump(),
        "pow_nonce": str(nonce)}).status_code == 201


def test_publish_accept_and_decline_from_the_app(qtbot: QtBot, desk: SyncServer) -> None:
    dialog = BookingDialog(transport=desk.transport)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.published, timeout=20_000):
        dialog.publish_button.click()
    slug = dialog.url.text().rsplit("/book/", 1)[1]
    slots = desk.client.get(f"/v1/book/{slug}/availability").json()["slots"]
    evals = [s for s in slots if s["service"] == "evaluation"]
    _request(desk, slug, evals[0], "Quill")
    _request(desk, slug, evals[-1], "Later")

    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.refresh_button.click()
    assert dialog.requests.count() == 2
    dialog.requests.setCurrentRow(0)
    assert "Stiff shoulder" in dialog.detail.toPlainText()
    assert dialog.accept_button.isEnabled()
    with qtbot.waitSignal(dialog.answered, timeout=20_000) as booked:
        dialog.accept_button.click()
    assert booked.args[0].booked and booked.args[0].new_patient
    qtbot.waitUntil(lambda: "Booked Robin Quill (new patient)." in dialog.status.text(),
                    timeout=20_000)
    texts = [dialog.requests.item(i).text() for i in range(dialog.requests.count())]
    assert any("Quill" in t and "accepted" in t for t in texts)

    row = next(i for i, t in enumerate(texts) if "Later" in t)
    dialog.requests.setCurrentRow(row)
    with qtbot.waitSignal(dialog.answered, timeout=20_000):
        dialog.decline_current("That day is full")
    qtbot.waitUntil(lambda: "Declined: That day is full" in dialog.status.text(),
                    timeout=20_000)
    free = {s["id"] for s in desk.client.get(f"/v1/book/{slug}/availability").json()["slots"]}
    assert evals[-1]["id"] in free and evals[0]["id"] not in free
