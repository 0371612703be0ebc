"""Real transcription of the committed fixtures with the bundled model, offline, once per
compute type (``model`` is parametrized: int8 and float32).

What a quantized model hears differs from one CPU to another, so nothing here asserts exact
words: WER under a bound, the fixtures' key clinical terms with their documented alternatives
(``key_terms`` in dictations.json), the sides said, and the numbers said. The scribe's decisions
on fixed input are tested in test_scribe_fixture_drafts.py.
"""

from __future__ import annotations

import builtins
import io
import json
import re
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scribe.audio import load_audio
from scribe.errors import AudioUnreadable, NoSpeechFound, TranscriptionCancelled
from scribe.model import load_model
from scribe.transcribe import Progress, transcribe
from scribe.wer import tokens, wer

pytestmark = pytest.mark.real_model

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DICTATIONS = json.loads((FIXTURES / "dictations.json").read_text())["dictations"]

# Measured on these fixtures (bench/bench_scribe.py, docs/scribe.md): int8 mean 0.06–0.07,
# worst 0.11–0.12; float32 mean 0.055, worst 0.12 — on two different CPUs. The bounds leave
# room for CPU-dependent decoding, not for a regression to the 0.20+ seen without the prompt or
# with timestamp-driven seeking.
MEAN_WER_LIMIT = 0.10
MAX_WER_LIMIT = 0.18
KEY_TERMS_PER_FIXTURE = 0.8  # fraction of key terms heard (any documented alternative)
KEY_TERMS_OVERALL = 0.9
NUMBERS_PER_FIXTURE = 0.75  # fraction of the numbers said that were heard (measured 0.88–1.0)
NUMBERS_OVERALL = 0.85


def heard_terms(dictation: dict[str, Any], text: str) -> list[bool]:
    """For each key term: was it, or one of its documented alternatives, heard as a word?
    (The recognizer's own words, before any normalization.)"""
    words = set(re.findall(r"[a-z]+", text.lower()))
    return [any(alt in words for alt in alternatives) for alternatives in dictation["key_terms"]]


def numbers(text: str) -> Counter[str]:
    return Counter(n for token in tokens(text) for n in re.findall(r"\d+", token))


def sides(text: str) -> Counter[str]:
    return Counter(w for w in re.findall(r"[a-z]+", text.lower()) if w in ("left", "right"))


def test_wer_after_normalization(heard: dict[str, Any]) -> None:
    rates = {d["id"]: wer(d["text"], heard[d["id"]].word_text) for d in DICTATIONS}
    assert sum(rates.values()) / len(rates) <= MEAN_WER_LIMIT, rates
    assert max(rates.values()) <= MAX_WER_LIMIT, rates


def test_key_clinical_terms_are_heard(heard: dict[str, Any]) -> None:
    found = {d["id"]: heard_terms(d, heard[d["id"]].word_text) for d in DICTATIONS}
    missed = {k: [d["key_terms"][i][0] for d in DICTATIONS if d["id"] == k
                  for i, ok in enumerate(v) if not ok] for k, v in found.items()}
    assert all(sum(v) / len(v) >= KEY_TERMS_PER_FIXTURE for v in found.values()), missed
    total = [ok for v in found.values() for ok in v]
    assert sum(total) / len(total) >= KEY_TERMS_OVERALL, missed


def test_sides_are_heard_and_never_invented(heard: dict[str, Any]) -> None:
    for d in DICTATIONS:
        said, got = sides(d["text"]), sides(heard[d["id"]].word_text)
        for side in ("left", "right"):
            assert said[side] - 1 <= got[side] <= said[side], (d["id"], said, got)


def test_numbers_are_heard(heard: dict[str, Any]) -> None:
    said_total = heard_total = 0
    for d in DICTATIONS:
        said, got = numbers(d["text"]), numbers(heard[d["id"]].word_text)
        common = sum((said & got).values())
        assert common / sum(said.values()) >= NUMBERS_PER_FIXTURE, (d["id"], said - got)
        said_total, heard_total = said_total + sum(said.values()), heard_total + common
    assert heard_total / said_total >= NUMBERS_OVERALL


def test_a_dictated_wrong_side_is_flagged_from_real_audio(heard_drafts: dict[str, Any]) -> None:
    """The side ("left knee", heard by every model so far) against a right-knee diagnosis."""
    codes = [f.code for f in heard_drafts["knee_daily_wrong_side"].flags]
    assert "laterality.dx_conflict" in codes


def test_words_have_times_and_probabilities(heard: dict[str, Any]) -> None:
    t = heard["knee_eval"]
    assert 60 < t.duration < 70
    starts = [w.start for w in t.words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= t.duration and 0 <= w.probability <= 1 for w in t.words)


def test_transcription_works_with_networking_off(any_model: Any, no_network: list[str]) -> None:
    fresh = load_model(compute_type=any_model.compute_type)  # resolving and loading stay offline
    t = transcribe(FIXTURES / "shoulder_daily_no_side.wav", model=fresh)
    assert wer(DICTATIONS[-1]["text"], t.word_text) <= MAX_WER_LIMIT
    assert no_network == []


def test_in_memory_bytes_write_no_temporary_file(any_model: Any, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    dictation = next(d for d in DICTATIONS if d["id"] == "shoulder_daily_no_side")
    data = (FIXTURES / "shoulder_daily_no_side.wav").read_bytes()
    real_open = builtins.open

    def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        assert not any(c in mode for c in "wax+"), f"write to {file!r}"
        return real_open(file, mode, *args, **kwargs)

    def no_temp(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("temporary file created")

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", no_temp)
    monkeypatch.setattr(tempfile, "mkstemp", no_temp)
    t = transcribe(data, model=any_model)
    assert wer(dictation["text"], t.word_text) <= MAX_WER_LIMIT
    assert sum(heard_terms(dictation, t.word_text)) >= KEY_TERMS_PER_FIXTURE * len(
        dictation["key_terms"])
    t2 = transcribe(io.BytesIO(data), model=any_model)
    assert t2.text == t.text  # the same audio, the same model, the same machine


def test_numpy_array_input(any_model: Any) -> None:
    audio = load_audio(FIXTURES / "shoulder_daily_no_side.wav")
    assert audio.dtype == np.float32
    from_array = transcribe(audio, model=any_model)
    from_file = transcribe(FIXTURES / "shoulder_daily_no_side.wav", model=any_model)
    assert from_array.word_text == from_file.word_text


def test_progress_and_cancel(any_model: Any) -> None:
    seen: list[Progress] = []
    transcribe(FIXTURES / "knee_eval.wav", model=any_model, progress=seen.append)
    assert seen[-1].fraction == 1.0 and seen[-1].eta_seconds == 0.0
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and len(seen) >= 3
    assert all(p.eta_seconds is None or p.eta_seconds >= 0 for p in seen)

    stop = threading.Event()

    def cancel_after_first(p: Progress) -> None:
        stop.set()

    with pytest.raises(TranscriptionCancelled):
        transcribe(FIXTURES / "knee_eval.wav", model=any_model, progress=cancel_after_first,
                   cancel=stop)


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda tmp: tmp / "missing.wav", AudioUnreadable),
        (lambda tmp: _write(tmp / "empty.wav", b""), AudioUnreadable),
        (lambda tmp: _write(tmp / "junk.wav", bytes(range(256)) * 64), AudioUnreadable),
        (lambda tmp: _noise(tmp / "noise.wav"), NoSpeechFound),
        (lambda tmp: _noise(tmp / "silence.wav", level=0.0), NoSpeechFound),
    ],
)
def test_garbage_audio_raises_a_clear_error(any_model: Any, tmp_path: Path, make: Any,
                                            error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        transcribe(make(tmp_path), model=any_model)
    assert str(raised.value) and "Traceback" not in str(raised.value)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _noise(path: Path, level: float = 0.3) -> Path:
    import wave

    rng = np.random.default_rng(7)
    samples = (rng.uniform(-1, 1, 16000 * 4) * level * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(samples.tobytes())
    return path


def test_nothing_is_written_outside_the_chart(any_model: Any, tmp_path: Path) -> None:
    """A transcription in a fresh home folder leaves that folder empty (onnxruntime's telemetry
    queue with a device id used to land in ~/.cache/Microsoft)."""
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir()
    script = ("import sys; from scribe.model import load_model; from scribe.transcribe import "
              "transcribe; transcribe(sys.argv[1], model=load_model(compute_type=sys.argv[2]))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORT_")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), HF_HUB_OFFLINE="1")
    subprocess.run([sys.executable, "-c", script, str(FIXTURES / "shoulder_daily_no_side.wav"),
                    any_model.compute_type], check=True, env=env, cwd=Path(__file__).parents[2],
                   timeout=120)
    assert [str(p.relative_to(home)) for p in home.rglob("*")] == []


def test_one_recording_gives_one_transcript(model: Any) -> None:
    """Noisy audio (where Whisper's temperature fallback samples) decodes the same twice."""
    rng = np.random.default_rng(11)
    clean = load_audio(FIXTURES / "knee_daily_wrong_side.wav")[: 16_000 * 20]
    noisy = (clean + rng.normal(0, 0.08, clean.size)).astype(np.float32)
    first, second = (transcribe(noisy, model=model) for _ in range(2))
    assert first.word_text == second.word_text
