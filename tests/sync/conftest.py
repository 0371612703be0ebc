"""Fixtures for the sync client tier: an in-process server on SQLite and enrolled devices."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.sync.helpers import Device, SyncServer, enroll, running_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SyncServer]:
    with running_server(tmp_path) as running:
        yield running


@pytest.fixture
def pair_of_devices(server: SyncServer, tmp_path: Path) -> Iterator[tuple[Device, Device]]:
    """Two devices of one practice, A first (it made the key), B paired through A."""
    account = server.practice("Riverside PT")
    a = enroll(server, account, tmp_path / "a.chart", "front desk")
    b = enroll(server, account, tmp_path / "b.chart", "laptop", approver=a)
    yield a, b
    a.close()
    b.close()


@pytest.fixture
def make_device(server: SyncServer, tmp_path: Path) -> Iterator[Callable[..., Device]]:
    made: list[Device] = []

    def make(account, name: str, approver: Device | None = None) -> Device:  # type: ignore[no-untyped-def]
        device = enroll(server, account, tmp_path / f"{name}.chart", name, approver)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()
