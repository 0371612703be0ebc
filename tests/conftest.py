"""Shared fixtures: real encrypted charts in ``tmp_path`` with cheap KDF parameters."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.services import charts
from core.storage.chart import ChartSession
from core.storage.keys import KdfParams

PASSPHRASE = "tidal-lantern-orchard-47"
MARKER_FIRST = "Zebulon"
MARKER_LAST = "Quillfeatherstone"  # synthetic marker name grepped for in files


@pytest.fixture(autouse=True)
def _isolated_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Failed-unlock back-off state goes to a per-test folder, never the developer's home."""
    monkeypatch.setenv("CHARTSIDE_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    # The app's daily backup would back up every chart a desktop test unlocks; its own tests
    # turn it back on.
    monkeypatch.setenv("CHARTSIDE_DAILY_BACKUP", "0")


@pytest.fixture
def chart_path(tmp_path: Path) -> Path:
    return tmp_path / "practice.chart"


@pytest.fixture
def new_chart(chart_path: Path) -> Iterator[tuple[ChartSession, str]]:
    session, recovery = charts.create_chart(chart_path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    yield session, recovery
    session.lock()


@pytest.fixture
def chart(new_chart: tuple[ChartSession, str]) -> ChartSession:
    return new_chart[0]


@pytest.fixture
def today() -> dt.date:
    return dt.date(2026, 11, 2)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Real-model tests share session fixtures (the loaded model, every fixture transcribed once
    per compute type); the group sends them to one xdist worker under ``--dist loadgroup``.

    ``tryfirst``: xdist reads the group marker in its own ``pytest_collection_modifyitems``,
    which runs before a conftest's (the conftest is registered first); added later, the marker
    was ignored and every worker transcribed the fixtures again. xdist 3.8 also needs pytest < 9
    for the group to reach the node id (pyproject.toml)."""
    for item in items:
        if item.get_closest_marker("real_model"):
            item.add_marker(pytest.mark.xdist_group("real_model"))
