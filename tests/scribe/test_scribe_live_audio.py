"""The live path with the real model: a fixture fed in 100 ms chunks, as the recorder delivers
it, comes back whole — robust properties only (tests/scribe/README.md). One fixture per compute
type (the two pairs cover both fixtures and both types: CI time)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scribe.audio import load_audio
from scribe.live import LiveTranscription
from scribe.transcribe import ModelTranscriber
from scribe.wer import wer
from tests.scribe.conftest import real_compute_types
from tests.scribe.test_scribe_transcribe import MAX_WER_LIMIT, heard_terms, sides

pytestmark = pytest.mark.real_model
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DICTATIONS = {d["id"]: d for d in json.loads((FIXTURES / "dictations.json").read_text())[
    "dictations"]}


PAIRS = [(c, n) for c, n in (("int8", "knee_eval"), ("float32", "home_visit"))
         if c in real_compute_types()]


@pytest.mark.parametrize(("model", "name"), PAIRS, indirect=["model"])
def test_a_dictation_fed_live_comes_back_whole(model: Any, name: str) -> None:
    d = DICTATIONS[name]
    audio = load_audio(FIXTURES / f"{name}.wav")
    pieces: list[Any] = []
    session = LiveTranscription(ModelTranscriber(model.compute_type), on_piece=pieces.append)
    for i in range(0, audio.size, 1600):
        session.feed(audio[i : i + 1600])
    t = session.finish()
    assert len(pieces) >= 3
    assert wer(d["text"], t.word_text) <= MAX_WER_LIMIT
    found = heard_terms(d, t.word_text)
    assert sum(found) >= 0.8 * len(found)
    said, got = sides(d["text"]), sides(t.word_text)
    assert all(said[s] - 1 <= got[s] <= said[s] for s in ("left", "right"))
    starts = [w.start for w in t.words]
    assert starts == sorted(starts) and starts[0] >= 0 and t.words[-1].end <= t.duration
