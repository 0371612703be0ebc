"""Audio in, 16 kHz mono float32 out — from a file, bytes, a file object or an array.

Contract: ``load_audio(source)`` decodes wav/mp3/m4a/ogg/webm (anything FFmpeg reads, via
faster-whisper's PyAV decoder) entirely in memory: bytes are wrapped in ``io.BytesIO``, so no
plaintext temporary file is ever written (the recording may be PHI). ``pcm_to_audio`` converts
raw PCM as recorded by the desktop (any rate, channels, s16/f32) the same way. Empty input,
non-audio bytes and undecodable files raise ``AudioUnreadable``; audio shorter than
``MIN_SECONDS`` also does. Nothing here touches the network or the disk except reading a path.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import BinaryIO

import numpy as np

SAMPLE_RATE = 16_000
MIN_SECONDS = 0.3

AudioSource = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO | np.ndarray


def _unreadable(message: str) -> Exception:
    from core.media.errors import AudioUnreadable

    return AudioUnreadable(
        message, hint="Record again or import a WAV, MP3, M4A, OGG or WebM file.")


def load_audio(source: AudioSource) -> np.ndarray:
    """Decode ``source`` to mono float32 at 16 kHz (see module contract)."""
    if isinstance(source, np.ndarray):
        audio = np.asarray(source, dtype=np.float32)
        if audio.ndim != 1:
            raise _unreadable("In-memory audio must be one channel (a 1-D array).")
        return _checked(audio)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise _unreadable("The recording is empty.")
        stream: str | BinaryIO = io.BytesIO(bytes(source))
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise _unreadable(f"There is no audio file at {path}.")
        if path.stat().st_size == 0:
            raise _unreadable(f"{path.name} is empty.")
        stream = str(path)
    else:
        stream = source
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(stream, sampling_rate=SAMPLE_RATE)
    except Exception as error:  # PyAV raises InvalidDataError, ValueError, ... for non-audio
        raise _unreadable("This file is not audio Chartside can read.") from error
    return _checked(np.asarray(audio, dtype=np.float32))


def _checked(audio: np.ndarray) -> np.ndarray:
    if audio.size == 0:
        raise _unreadable("The recording holds no sound.")
    if audio.size < MIN_SECONDS * SAMPLE_RATE:
        raise _unreadable("The recording is too short to transcribe.")
    if not np.isfinite(audio).all():
        raise _unreadable("The recording is damaged (invalid samples).")
    return audio


def pcm_to_audio(pcm: bytes, *, sample_rate: int, channels: int = 1,
                 sample_format: str = "s16") -> np.ndarray:
    """Raw interleaved PCM (``s16`` or ``f32``) to 16 kHz mono float32, in memory."""
    if not pcm:
        raise _unreadable("The recording is empty.")
    dtype = {"s16": np.int16, "f32": np.float32}.get(sample_format)
    if dtype is None:
        raise _unreadable(f"Unsupported sample format {sample_format!r}.")
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % (np.dtype(dtype).itemsize * channels)],
                            dtype=dtype).astype(np.float32)
    if dtype is np.int16:
        samples /= 32768.0
    mono = samples.reshape(-1, channels).mean(axis=1) if channels > 1 else samples
    if sample_rate != SAMPLE_RATE and mono.size:
        # Linear interpolation is enough for speech recognition at these rates and keeps
        # everything in memory without another dependency.
        ratio = round(sample_rate / SAMPLE_RATE)
        if ratio > 1:  # a moving average as the anti-aliasing low-pass before decimation
            mono = np.convolve(mono, np.full(ratio, 1.0 / ratio, dtype=np.float32), mode="same")
        duration = mono.size / sample_rate
        n = round(duration * SAMPLE_RATE)
        mono = np.interp(np.linspace(0, mono.size - 1, n), np.arange(mono.size), mono)
    return _checked(mono.astype(np.float32))
