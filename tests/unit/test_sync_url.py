"""Sync server URLs (issue 15): https only, plain http only to this computer."""

from __future__ import annotations

import pytest

from core.domain.errors import InvalidInput
from core.sync.api import SyncApi, check_server_url


@pytest.mark.parametrize("url", [
    "https://sync.example-practice.com", "https://10.0.0.5:8443/", "http://127.0.0.1:8000",
    "http://localhost:9000", "http://[::1]:8000", "http://127.8.9.10"])
def test_accepted(url: str) -> None:
    assert check_server_url(url) == url


@pytest.mark.parametrize("url", [
    "http://sync.example-practice.com", "http://192.168.1.20:8000", "http://10.0.0.5",
    "ftp://x", "sync.example.com", "", "https://", "http://"])
def test_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_server_url(url)


def test_the_client_refuses_before_any_request() -> None:
    with pytest.raises(InvalidInput, match="https://"):
        SyncApi("http://sync.example-practice.com", "token")
