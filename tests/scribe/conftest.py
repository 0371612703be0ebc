"""Scribe tier: the bundled model is loaded once per session and every fixture transcribed once."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DICTATIONS: list[dict[str, Any]] = json.loads((FIXTURES / "dictations.json").read_text())[
    "dictations"]


@pytest.fixture(scope="session")
def model() -> Any:
    from scribe.transcribe import default_model

    return default_model()


@pytest.fixture(scope="session")
def transcripts(model: Any) -> dict[str, Any]:
    from scribe.transcribe import transcribe

    return {d["id"]: transcribe(FIXTURES / f"{d['id']}.wav", model=model) for d in DICTATIONS}


@pytest.fixture(scope="session")
def drafts(transcripts: dict[str, Any]) -> dict[str, Any]:
    from scribe.context import DictationContext
    from scribe.draft import build_draft

    return {d["id"]: build_draft(transcripts[d["id"]], DictationContext.from_codes(d["dx"]))
            for d in DICTATIONS}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Any attempt to open a network connection fails the test (and is recorded)."""
    import socket

    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(repr(args[:2]))
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
