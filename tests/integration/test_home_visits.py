"""A home-health day on a real chart (issue 19): the home visits in order with addresses, the
mileage legs proposed as they are completed, logged in one transaction with the miles the
clinician gives (never an address in the log), not twice; bad input writes nothing. And the
``chartside route`` command."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from core.domain.enums import PlaceOfService
from core.domain.errors import InvalidInput, ValidationError
from core.domain.schedule import AppointmentStatus
from core.services import home_visits, mileage, schedule
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE
from tests.integration.cli_inprocess import run
from tests.integration.test_schedule import MON, clinic  # noqa: F401 - the fixture

HOME = PlaceOfService.HOME


def _day(chart: ChartSession, clinic: dict[str, uuid.UUID]) -> list[uuid.UUID]:  # noqa: F811
    ids = []
    for hour, who, address in ((11, "omar", "40 Sample Road, Springfield"),
                               (9, "nell", "7 Test Street, Springfield")):
        booked = schedule.book(chart, clinic[who], clinic["ada"], MON.replace(hour=hour),
                               place=HOME, address=address).appointment
        assert booked is not None
        ids.append(booked.id)
    schedule.book(chart, clinic["nell"], clinic["ada"], MON.replace(hour=14))  # at the office
    return ids[::-1]  # 09:00 Nell, 11:00 Omar


def test_the_day_in_order_and_its_mileage_legs(
    chart: ChartSession, clinic: dict[str, uuid.UUID]  # noqa: F811
) -> None:
    nell_visit, omar_visit = _day(chart, clinic)
    day = home_visits.home_day(chart, clinic["ada"], MON.date())
    assert [s.appointment.id for s in day.stops] == [nell_visit, omar_visit]
    assert [s.address for s in day.stops] == ["7 Test Street, Springfield",
                                              "40 Sample Road, Springfield"]
    assert day.legs == ()  # nothing completed yet

    for ident in (nell_visit, omar_visit):
        schedule.set_status(chart, ident, AppointmentStatus.ARRIVED)
    schedule.set_status(chart, nell_visit, AppointmentStatus.COMPLETED)
    assert len(home_visits.home_day(chart, clinic["ada"], MON.date()).legs) == 1
    schedule.set_status(chart, omar_visit, AppointmentStatus.COMPLETED)
    assert len(home_visits.home_day(chart, clinic["ada"], MON.date()).pending) == 3

    with pytest.raises(InvalidInput, match="3 legs to log, 2 distances"):
        home_visits.log_legs(chart, clinic["ada"], MON.date(), [3.2, 4.0])
    with pytest.raises(ValidationError):  # a distance of 0 is refused: nothing of the day lands
        home_visits.log_legs(chart, clinic["ada"], MON.date(), [3.2, 0, 5.0])
    assert mileage.mileage_log(chart, year=2026).lines == ()

    logged = home_visits.log_legs(chart, clinic["ada"], MON.date(), [3.2, 4.0, 5.1])
    assert [e.miles for e in logged] == [3.2, 4.0, 5.1]
    log = mileage.mileage_log(chart, year=2026)
    text = repr(log)
    assert len(log.lines) == 3 and "Sample Road" not in text and "Test Street" not in text
    assert all(leg.logged for leg in home_visits.home_day(chart, clinic["ada"], MON.date()).legs)
    with pytest.raises(InvalidInput, match="No home-visit legs to log"):
        home_visits.log_legs(chart, clinic["ada"], MON.date(), [1.0])


def test_the_route_command(
    chart: ChartSession, clinic: dict[str, uuid.UUID], tmp_path: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    nell_visit, omar_visit = _day(chart, clinic)
    for ident in (nell_visit, omar_visit):
        schedule.set_status(chart, ident, AppointmentStatus.ARRIVED)
        schedule.set_status(chart, ident, AppointmentStatus.COMPLETED)
    path = Path(chart.path)
    chart.lock()
    env = {"CHARTSIDE_PASSPHRASE": PASSPHRASE}
    base = ["--chart", str(path), "route", "--day", MON.date().isoformat()]
    done = run(capsys, monkeypatch, base, env)
    assert done.returncode == 0, done.stderr
    assert "1. 09:00  Testcase, Nell  7 Test Street" in done.stdout, done.stdout
    assert "3. Example, Omar → Office" in done.stdout
    done = run(capsys, monkeypatch, [*base, "--log", "3.2,x"], env)
    assert done.returncode == 2 and "not a number of miles" in done.stderr
    done = run(capsys, monkeypatch, [*base, "--log", "3.2,-,5"], env)
    assert done.returncode == 0 and "Logged 2 legs, 8.2 miles" in done.stdout, done.stdout
    done = run(capsys, monkeypatch, [*base, "--json"], env)
    legs = json.loads(done.stdout)["legs"]
    assert [leg["logged"] for leg in legs] == [True, False, True]
