"""Who decodes what in ``core.media.audio.decode`` (pure core, no Qt): a 16 kHz PCM WAV by the
standard library, registered decoders next, PyAV where installed, and plain PCM WAVs of any
rate and width even with neither — with the same samples whatever the width."""

from __future__ import annotations

import io
import wave
from typing import Any

import numpy as np
import pytest

from core.media import audio, decoders
from core.media.audio import SAMPLE_RATE, Decoded, decode
from core.media.errors import AudioUnreadable

RATE_IN = 44_100


def wav(samples: np.ndarray, rate: int, width: int, channels: int = 1) -> bytes:
    """``samples`` (float in [-1, 1], frames × channels) as an integer-PCM WAV of ``width``."""
    scaled = np.clip(samples, -1, 1) * (2 ** (8 * width - 1) - 1)
    if width == 1:
        raw = (scaled + 128).astype(np.uint8).tobytes()
    elif width == 3:
        ints = scaled.astype("<i4").reshape(-1, 1).view(np.uint8).reshape(-1, 4)[:, :3]
        raw = ints.tobytes()
    else:
        raw = scaled.astype({2: "<i2", 4: "<i4"}[width]).tobytes()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(raw)
    return buffer.getvalue()


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither a registered decoder nor PyAV: the standard library alone."""
    monkeypatch.setattr(decoders, "_DECODERS", [])
    monkeypatch.setattr(audio, "pyav_available", lambda: False)


def tone(rate: int, seconds: float = 1.0, freq: float = 440.0) -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * freq * np.arange(int(rate * seconds)) / rate)


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_any_pcm_wav_decodes_with_the_standard_library_alone(bare: None, width: int) -> None:
    stereo = np.stack([tone(RATE_IN), tone(RATE_IN)], axis=1).reshape(-1)
    got = decode(wav(stereo, RATE_IN, width, channels=2))
    assert got.source_rate == RATE_IN
    assert abs(got.audio.size - SAMPLE_RATE) <= 2
    reference = tone(SAMPLE_RATE)
    middle = slice(400, -400)  # away from the resampler's edges
    tolerance = 0.02 if width == 1 else 0.002  # 8-bit PCM is coarse
    assert np.max(np.abs(got.audio[middle] - reference[middle])) < tolerance + 0.01


def test_a_16k_wav_is_read_directly_and_other_audio_goes_to_the_decoders(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def fake(data: bytes) -> Decoded:
        calls.append(len(data))
        return Decoded(np.zeros(SAMPLE_RATE, np.float32) + 0.1, 8_000)

    monkeypatch.setattr(decoders, "_DECODERS", [fake])
    monkeypatch.setattr(audio, "pyav_available", lambda: False)
    assert decode(wav(tone(SAMPLE_RATE), SAMPLE_RATE, 2)).source_rate == SAMPLE_RATE
    assert calls == []
    assert decode(wav(tone(RATE_IN), RATE_IN, 2)).source_rate == 8_000
    assert decode(b"ID3 not really an mp3" * 50).source_rate == 8_000
    assert len(calls) == 2


def test_the_last_decoders_reason_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(_data: bytes) -> Any:
        raise AudioUnreadable("Decoding took longer than 120 s; nothing was kept.")

    monkeypatch.setattr(decoders, "_DECODERS", [slow])
    monkeypatch.setattr(audio, "pyav_available", lambda: False)
    with pytest.raises(AudioUnreadable, match="longer than 120 s"):
        decode(b"\x00" * 4096)


def test_garbage_with_nothing_to_decode_it_is_a_clear_error(bare: None) -> None:
    with pytest.raises(AudioUnreadable, match="not audio Chartside can read"):
        decode(b"\x00\x01" * 4096)
    with pytest.raises(AudioUnreadable):
        decode(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk")
