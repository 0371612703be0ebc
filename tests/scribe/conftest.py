"""Scribe tier fixtures.

Two kinds of input, kept apart on purpose (tests/scribe/README.md):
- *Recorded transcripts* (``fixtures/transcripts/<compute type>/<id>.json``): what the bundled
  model heard in each fixture, with word times and probabilities, fixed in the repository. The
  scribe's decisions (items, blocks, flags) are tested on these, identically on every CPU.
- *Real audio through the real model*, once per compute type (``CHARTSIDE_SCRIBE_COMPUTE_TYPES``,
  default ``int8,float32``): the proof that the real parts work, asserting only what is robust
  across CPUs (WER bound, key terms with their alternatives, sides, numbers).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.scribe.recorded import HEARINGS, recorded

os.environ["HF_HUB_OFFLINE"] = "1"

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DICTATIONS: list[dict[str, Any]] = json.loads((FIXTURES / "dictations.json").read_text())[
    "dictations"]


def real_compute_types() -> list[str]:
    chosen = os.environ.get("CHARTSIDE_SCRIBE_COMPUTE_TYPES", "int8,float32")
    return [c.strip() for c in chosen.split(",") if c.strip()]


def _drafts(transcripts: dict[str, Any]) -> dict[str, Any]:
    from scribe.context import DictationContext
    from scribe.draft import build_draft

    return {d["id"]: build_draft(transcripts[d["id"]], DictationContext.from_codes(d["dx"]))
            for d in DICTATIONS}


@pytest.fixture(scope="session", params=HEARINGS)
def transcripts(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Recorded transcripts of every fixture, once per recorded hearing."""
    return {d["id"]: recorded(d["id"], request.param) for d in DICTATIONS}


@pytest.fixture(scope="session")
def drafts(transcripts: dict[str, Any]) -> dict[str, Any]:
    return _drafts(transcripts)


# Pytest tears a parametrized session fixture down when the next test needs its other value,
# and sets it up again when the first value comes back: the model and its transcriptions are
# kept here by compute type so each is made once per worker (measured in CI: four setups of
# 47-53 s each before).
_MODELS: dict[str, Any] = {}
_HEARD: dict[int, dict[str, Any]] = {}


@pytest.fixture(scope="session", params=real_compute_types())
def model(request: pytest.FixtureRequest) -> Any:
    """The bundled model at one compute type (loaded once per session and type)."""
    from scribe.transcribe import default_model

    if request.param not in _MODELS:
        _MODELS[request.param] = default_model(request.param)
    return _MODELS[request.param]


@pytest.fixture(scope="session")
def any_model() -> Any:
    """The bundled model at the run's first compute type (int8 by default, the faster): for
    tests of plumbing that does not depend on the precision — input kinds, progress and
    cancel, garbage audio, offline loading, files written — run once instead of once per
    type. What the model hears is tested at every type (``heard``, the live path)."""
    from scribe.transcribe import default_model

    chosen = real_compute_types()[0]
    if chosen not in _MODELS:
        _MODELS[chosen] = default_model(chosen)
    return _MODELS[chosen]


@pytest.fixture(scope="session")
def heard(model: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every fixture transcribed from its real audio by ``model``: once per compute type for
    the whole run. Under pytest-xdist the first worker to need it transcribes and leaves the
    result (plain dataclasses, pickled) in the run's shared temporary folder; the others wait
    on the lock and read it (the xdist docs' pattern for session fixtures). CI measured ~50 s
    per transcription of the fixtures, which every worker used to pay again."""
    import pickle

    from filelock import FileLock

    from scribe.transcribe import transcribe

    if id(model) not in _HEARD:
        shared = tmp_path_factory.getbasetemp().parent  # the same for every worker of a run
        cache = shared / f"heard-{model.compute_type}.pickle"
        with FileLock(str(cache) + ".lock"):
            if cache.is_file():
                result = pickle.loads(cache.read_bytes())
            else:
                result = {d["id"]: transcribe(FIXTURES / f"{d['id']}.wav", model=model)
                          for d in DICTATIONS}
                cache.write_bytes(pickle.dumps(result))
        _HEARD[id(model)] = result
    return _HEARD[id(model)]


@pytest.fixture(scope="session")
def heard_drafts(heard: dict[str, Any]) -> dict[str, Any]:
    return _drafts(heard)


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
