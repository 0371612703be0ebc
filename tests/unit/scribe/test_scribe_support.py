"""Custody crypto, PCM conversion, hallucination guards, model resolution, CLI, boundaries."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from scribe.audio import pcm_to_audio
from scribe.cli import main
from scribe.custody import open_recording, seal_recording
from scribe.errors import AudioUnreadable, DownloadNotAllowed, ModelUnavailable, RecordingTampered
from scribe.hallucination import judge, repeated_ngram
from scribe.model import bundled_model_path, resolve_model

ROOT = Path(__file__).resolve().parents[3]


def test_seal_and_open_round_trip() -> None:
    sealed = seal_recording(b"RIFF....audio", b"recording-1")
    assert sealed.blob.startswith(b"CSR1") and b"audio" not in sealed.blob
    assert len(sealed.key) == 32 and "key=<hidden>" in repr(sealed)
    assert open_recording(sealed.blob, sealed.key, b"recording-1") == b"RIFF....audio"
    assert seal_recording(b"x").key != seal_recording(b"x").key


@pytest.mark.parametrize("damage", ["key", "aad", "byte", "truncate"])
def test_open_refuses_anything_altered(damage: str) -> None:
    sealed = seal_recording(b"audio bytes", b"recording-1")
    blob, key, aad = sealed.blob, sealed.key, b"recording-1"
    if damage == "key":
        key = bytes(32)
    elif damage == "aad":
        aad = b"recording-2"
    elif damage == "byte":
        blob = blob[:-1] + bytes([blob[-1] ^ 1])
    else:
        blob = blob[:10]
    with pytest.raises(RecordingTampered):
        open_recording(blob, key, aad)


def test_pcm_to_audio_resamples_in_memory() -> None:
    tone = (np.sin(np.arange(48000) / 48000 * 2 * np.pi * 440) * 12000).astype(np.int16)
    stereo = np.repeat(tone, 2).tobytes()
    audio = pcm_to_audio(stereo, sample_rate=48000, channels=2)
    assert audio.dtype == np.float32 and abs(audio.size - 16000) <= 1
    assert 0.2 < float(np.abs(audio).max()) < 0.5
    with pytest.raises(AudioUnreadable):
        pcm_to_audio(b"", sample_rate=16000)


def test_pcm_to_audio_keeps_speech_and_drops_what_would_alias() -> None:
    """A 12 kHz whine (a laptop fan, a charger) recorded at 48 kHz must not fold down to 4 kHz
    in the 16 kHz audio; a 1 kHz tone, in the speech band, comes through whole."""
    t = np.arange(48000) / 48000

    def rms_after(freq: float) -> float:
        tone = (np.sin(2 * np.pi * freq * t) * 12000).astype("<i2")
        out = pcm_to_audio(tone.tobytes(), sample_rate=48000)[800:-800]  # away from the edges
        return float(np.sqrt(np.mean(out ** 2))) / (12000 / 32768 / np.sqrt(2))

    assert 0.95 < rms_after(1000) < 1.05
    assert rms_after(12000) < 0.01


def test_repeated_ngram() -> None:
    assert repeated_ngram(["the", "knee"] * 4) == "the knee"
    assert repeated_ngram(["no", "no", "no", "pain", "today"]) is None
    assert repeated_ngram(["right", "knee", "flexion", "110", "degrees"]) is None


def test_judge() -> None:
    speech = [("Knee", 0.0, 0.5), ("flexion", 0.5, 1.0)]
    assert judge("Knee flexion", speech, 0.9, -0.2, 1.2, None) == (
        "drop", "silence (high no-speech probability)")
    assert judge("Thank you.", [("Thank", 5.0, 5.0), ("you.", 5.0, 5.1)], 0.7, -0.8, 1.0,
                 None)[0] == "drop"  # type: ignore[index]
    assert judge("Knee flexion", speech, 0.1, -0.2, 1.2, np.zeros(32000, np.float32)) == (
        "drop", "silence (no sound under the words)")
    loop = [("ok", i, i + 0.3) for i in range(6)]
    assert judge("ok ok ok ok ok ok", loop, 0.1, -0.2, 1.2, None)[0] == "flag"  # type: ignore[index]
    assert judge("Knee flexion", speech, 0.1, -0.2, 1.2, None) is None


def test_model_resolution(tmp_path: Path) -> None:
    assert (bundled_model_path() / "model.bin").is_file()
    assert resolve_model(None) == bundled_model_path()
    assert resolve_model(bundled_model_path()) == bundled_model_path()
    with pytest.raises(ModelUnavailable):
        resolve_model(tmp_path)  # an empty folder is not a model
    with pytest.raises(DownloadNotAllowed):
        resolve_model("large-v3")  # never downloaded without consent


def test_cli_negation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "a", "sentence": "Denies numbness.", "concept": "numbness"}) + "\n"
        + json.dumps({"id": "b", "sentence": "Reports numbness.", "concept": "numbness"}) + "\n")
    assert main(["scribe", "negation", "--input", str(source)]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines == [{"id": "a", "negated": True}, {"id": "b", "negated": False}]


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert main(["scribe", "negation", "--input", str(bad)]) == 2
    assert "Line 1" in capsys.readouterr().err
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00\x01" * 500)
    assert main(["scribe", "draft", str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chartside: ") and "Traceback" not in err


FORBIDDEN = ("PySide6", "desktop", "core.storage", "core.services", "sqlalchemy", "sqlcipher3")


def test_scribe_imports_no_qt_storage_or_sql() -> None:
    for path in (ROOT / "scribe").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
