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
    # The app and the CLI register Qt's audio decoder process-wide (desktop/media_decode.py):
    # each test starts from the plain core order, so what decodes a file never depends on
    # which tests ran before in the same worker.
    from core.media import decoders

    monkeypatch.setattr(decoders, "_DECODERS", [])


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
