"""Online booking end to end in a real browser (issue 19).

The real sync server (``server.app`` under uvicorn, as ``chartside-server serve`` runs it) on
loopback over a real PostgreSQL; a real encrypted chart
enrolled on it publishes its free times; headless Chromium (the distribution's ``chromium`` and
``chromium-driver``, driven by Selenium) opens the booking page, picks a slot, answers the
service's intake questions and sends the request, which its WebCrypto seals. Then the server's
database dump holds none of what the patient typed, and the desktop side opens the request and
books it. Without Chromium the test skips (fails under ``CI``, where .ci/run installs it);
PostgreSQL is the session's throwaway cluster (tests/server/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.domain.enums import Discipline
from core.services import booking, charts, patients, practice, schedule
from core.services import sync as sync_service
from core.storage.keys import KdfParams
from server import accounts
from server.db import make_engine
from server.pgtemp import TempCluster, free_port

PASSPHRASE = "tidal-lantern-orchard-47"
PG_TEMPLATE = "chartside_template"  # made by the session fixture in conftest.py
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
SECRETS = ("Marigold", "Thistlewood", "marigold.t@example.test", "555-0147",
           "Right shoulder stiffness since spring", "1958-03-09")


def _need(thing: object, what: str) -> None:
    if not thing:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed in CI (.ci/run installs it)")
        pytest.skip(f"{what} is not installed (apt-get install chromium chromium-driver "
                    "postgresql)")


@pytest.fixture(scope="module")
def served(pg_cluster: TempCluster) -> Iterator[tuple[str, str, TempCluster]]:
    """(server URL, database name, cluster): a migrated database (copied from the session's
    template) and the sync server on loopback — the app ``chartside-server serve`` runs, under
    uvicorn with the same options, in a thread of this process (a separate process spent 4–9 s
    importing the same modules on a loaded machine)."""
    _need(CHROMIUM and DRIVER, "Chromium and chromedriver")
    import uvicorn

    from server.app import create_app
    from server.config import Settings

    cluster = pg_cluster
    name = f"booking_{uuid.uuid4().hex}"
    url = cluster.create_database(name, template=PG_TEMPLATE)
    engine = make_engine(url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(
        create_app(Settings(database_url=url), engine), host="127.0.0.1", port=port,
        log_level="warning", proxy_headers=True, server_header=False))
    thread = threading.Thread(target=server.run, name="booking-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the sync server did not start")
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/v1/health", timeout=5).status_code == 200
        yield base, name, cluster
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        engine.dispose()


def _dump(cluster: TempCluster, name: str) -> str:
    assert cluster._bin is not None
    out = subprocess.run([str(cluster._bin / "pg_dump"), "-h", "127.0.0.1", "-p",
                          str(cluster.port), "-U", "postgres", name],
                         capture_output=True, check=True, timeout=60)
    return out.stdout.decode("utf-8", errors="replace")


def _browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=420,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def test_book_in_a_real_browser(served: tuple[str, str, TempCluster], tmp_path: Path,
                                capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration.cli_inprocess import Ran, run

    def cli(*words: str) -> Ran:
        return run(capsys, monkeypatch, ["--chart", str(tmp_path / "desk.chart"), *words],
                   {"CHARTSIDE_PASSPHRASE": PASSPHRASE})

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    base, name, cluster = served
    engine = make_engine(cluster.url(name))
    try:
        account = accounts.create_account(engine, "Harbor Physical Therapy").account_id
        code, _ = accounts.create_enroll_code(engine, account, dt.timedelta(minutes=10))
    finally:
        engine.dispose()
    chart, _ = charts.create_chart(tmp_path / "desk.chart", PASSPHRASE,
                                   kdf=KdfParams.fast_for_tests())
    try:
        sync_service.enroll(chart, server=base, code=code, device_name="front desk")
        clinician = practice.add_clinician(chart, first_name="Ada", last_name="Lovelace",
                                           discipline=Discipline.PT).value
        day = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))
        schedule.set_hours(chart, clinician.id, (day,) * 7)
        published = booking.publish(chart, days=3)
        assert published.slots > 0

        driver = _browser()
        try:
            wait = WebDriverWait(driver, 15)
            driver.get(published.url)
            wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "input[value=evaluation]")))
            driver.find_element(By.CSS_SELECTOR, "input[value=evaluation]").click()
            slot = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#slot-list button")))
            slot_id = slot.get_attribute("data-slot")
            slot.click()
            fields = {"first_name": SECRETS[0], "last_name": SECRETS[1], "email": SECRETS[2],
                      "phone": SECRETS[3], "q-reason": SECRETS[4]}
            for field_id, value in fields.items():
                driver.find_element(By.ID, field_id).send_keys(value)
            born = driver.find_element(By.ID, "date_of_birth")
            driver.execute_script(
                "arguments[0].value = arguments[1]", born, SECRETS[5])
            driver.find_element(By.CSS_SELECTOR, "input[name=q-referral][value=Yes]").click()
            Select(driver.find_element(By.ID, "q-payer")).select_by_visible_text("Medicare")
            driver.find_element(By.ID, "send").click()
            done = wait.until(ec.visibility_of_element_located((By.ID, "done")))
            assert "Harbor Physical Therapy" in done.text or "held for you" in done.text
        finally:
            driver.quit()

        dump = _dump(cluster, name)
        assert "booking_request" in dump and slot_id in dump  # the hold is there
        for secret in SECRETS:
            assert secret.lower() not in dump.lower(), f"{secret!r} is readable on the server"

        # the desktop side, through the real CLI (in process): pull and open, then book
        chart.lock()
        listed = cli("booking", "requests", "--json")
        assert listed.returncode == 0, listed.stderr
        (req,) = json.loads(listed.stdout)
        assert (req["first_name"], req["last_name"], req["email"]) == SECRETS[0:3]
        assert req["answers"] == {"reason": SECRETS[4], "referral": "Yes", "payer": "Medicare"}
        booked = cli("booking", "accept", req["request_id"])
        assert booked.returncode == 0 and "(new patient)" in booked.stdout, booked.stderr
        chart = charts.open_chart(tmp_path / "desk.chart", passphrase=PASSPHRASE)
        appt = next(a for a in schedule.day(chart, dt.date.fromisoformat(req["start"][:10]))
                    if a.start.isoformat(timespec="minutes") == req["start"])
        assert appt.service == "evaluation" and appt.clinician_id == clinician.id
        same = patients.find_duplicates(chart, first_name=SECRETS[0], last_name=SECRETS[1],
                                        date_of_birth=dt.date.fromisoformat(SECRETS[5]))
        assert [p.id for p in same] == [appt.patient_id]
        # the answered request lost its ciphertext on the server
        assert "\"ct\"" not in _dump(cluster, name)
    finally:
        chart.lock()
