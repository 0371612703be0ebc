"""Audio in, 16 kHz mono float32 out — from a file, bytes, a file object or an array.

Contract: ``load_audio(source)`` decodes wav/mp3/m4a/ogg/webm entirely in memory: bytes are
wrapped in ``io.BytesIO`` or a Qt buffer, so no plaintext temporary file is ever written (the
recording may be PHI). ``pcm_to_audio`` converts raw PCM as recorded by the desktop (any rate,
channels, s16/f32) the same way. Empty input, non-audio bytes and undecodable files raise
``AudioUnreadable``; audio shorter than ``MIN_SECONDS`` also does. Nothing here touches the
network or the disk except reading a path.

Who decodes, in order:
1. a 16 kHz PCM WAV (what the desktop stores when the microphone records at 16 kHz) — the
   standard library's ``wave``: nothing to resample, so no codec library is needed;
2. decoders registered with ``core.media.decoders.register`` — the desktop
   registers Qt Multimedia's FFmpeg backend (``desktop/media_decode.py``), so the frozen app
   needs no second FFmpeg;
3. faster-whisper's PyAV decoder, where PyAV is installed (the scribe extra brings it);
4. any other PCM WAV through ``wave`` and soxr's resampler, when none of the above is there.
Why the choice exists at all: PyAV's wheel carries a full FFmpeg with video encoders (78 MB of
the frozen app's 571 MB), and Qt already ships one for decoding (docs/installers.md).
"""

from __future__ import annotations

import io
import os
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from core.media import decoders

SAMPLE_RATE = 16_000
MIN_SECONDS = 0.3

AudioSource = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO | np.ndarray


@dataclass(frozen=True, slots=True)
class Decoded:
    """Samples at ``SAMPLE_RATE`` (mono float32) and the rate the source was recorded at."""

    audio: np.ndarray
    source_rate: int


def pyav_available() -> bool:
    """Whether faster-whisper's PyAV decoder can run here (the frozen app leaves PyAV out and
    puts a placeholder module in its place so that faster-whisper imports)."""
    try:
        import av
    except ImportError:
        return False
    return not getattr(av, "CHARTSIDE_PLACEHOLDER", False)


def _unreadable(message: str) -> Exception:
    from core.media.errors import AudioUnreadable

    return AudioUnreadable(
        message, hint="Record again or import a WAV, MP3, M4A, OGG or WebM file.")


def load_audio(source: AudioSource) -> np.ndarray:
    """Decode ``source`` to mono float32 at 16 kHz (see module contract)."""
    return decode(source).audio


def decode(source: AudioSource) -> Decoded:
    """``load_audio`` that also says the rate the source was recorded at."""
    if isinstance(source, np.ndarray):
        audio = np.asarray(source, dtype=np.float32)
        if audio.ndim != 1:
            raise _unreadable("In-memory audio must be one channel (a 1-D array).")
        return Decoded(_checked(audio), SAMPLE_RATE)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise _unreadable("The recording is empty.")
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise _unreadable(f"There is no audio file at {path}.")
        if path.stat().st_size == 0:
            raise _unreadable(f"{path.name} is empty.")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise _unreadable(f"{path.name} cannot be read.") from error
    else:
        data = source.read()
        if not data:
            raise _unreadable("The recording is empty.")
    header = _wav_header(data)
    if header is not None and header[0] == SAMPLE_RATE:
        pcm = _wav_pcm(data, header)
        if pcm:
            return Decoded(pcm_to_audio(pcm, sample_rate=SAMPLE_RATE, channels=header[1]),
                           SAMPLE_RATE)
    refused: Exception | None = None
    for decoder in decoders.registered():
        try:
            decoded = decoder(data)
        except Exception as error:
            refused = error  # the next decoder may read it; if none does, this one's reason
            continue
        return Decoded(_checked(np.asarray(decoded.audio, dtype=np.float32)), decoded.source_rate)
    if pyav_available():
        return _pyav(data)
    if header is not None and (pcm := _wav_pcm(data, header)):
        return Decoded(pcm_to_audio(pcm, sample_rate=header[0], channels=header[1]), header[0])
    from core.media.errors import AudioUnreadable

    if isinstance(refused, AudioUnreadable):
        raise refused
    raise _unreadable("This file is not audio Chartside can read.")


def downmix(interleaved: np.ndarray, channels: int) -> np.ndarray:
    """Interleaved float samples (whole frames) to mono, the channels' mean. Strided adds, not
    ``reshape(-1, n).mean(axis=1)``, which numpy runs ~10× slower for two channels."""
    if channels <= 1:
        return interleaved
    mono = interleaved[0::channels].astype(np.float32)
    for channel in range(1, channels):
        mono += interleaved[channel::channels]
    mono *= 1.0 / channels
    return mono


def resample(mono: np.ndarray, rate: int) -> np.ndarray:
    """Mono float samples at ``rate`` to ``SAMPLE_RATE``, with soxr's high-quality
    band-limited resampler (the role FFmpeg's resampler plays for PyAV)."""
    mono = np.ascontiguousarray(mono, dtype=np.float32)
    if rate == SAMPLE_RATE or mono.size == 0:
        return mono
    import soxr

    return np.asarray(soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ"), dtype=np.float32)


def _wav_header(data: bytes) -> tuple[int, int, int] | None:
    """(rate, channels, sample width) of an integer-PCM WAV the standard library reads, else
    None (float, extensible, ADPCM or damaged files are left to the decoders)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            header = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
    except Exception:  # wave.Error, EOFError, RuntimeError, ...
        return None
    rate, channels, width = header
    return header if rate > 0 and channels > 0 and width in (1, 2, 3, 4) else None


def _wav_pcm(data: bytes, header: tuple[int, int, int]) -> bytes | None:
    """The frames of a WAV ``_wav_header`` accepted, as s16 little-endian, whole frames only;
    None when it holds none (a header never finished by a killed recorder: the decoders read
    such files to their end)."""
    _rate, channels, width = header
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            frames = wav.readframes(wav.getnframes())
    except Exception:
        return None
    frames = frames[: len(frames) - len(frames) % (width * channels)]
    if not frames:
        return None
    if width == 2:
        return frames
    if width == 1:  # unsigned 8-bit
        return ((np.frombuffer(frames, np.uint8).astype(np.int16) - 128) << 8).astype(
            "<i2").tobytes()
    # 24 and 32 bits: keep the top 16 bits of each little-endian sample
    top = np.frombuffer(frames, np.uint8).reshape(-1, width)[:, width - 2:]
    return np.ascontiguousarray(top).tobytes()


def _pyav(data: bytes) -> Decoded:
    from faster_whisper.audio import decode_audio

    rate = SAMPLE_RATE
    try:
        import av

        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.audio[0]
            rate = int(stream.sample_rate or stream.codec_context.sample_rate or SAMPLE_RATE)
        audio = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except Exception as error:  # PyAV raises InvalidDataError, ValueError, ... for non-audio
        raise _unreadable("This file is not audio Chartside can read.") from error
    return Decoded(_checked(np.asarray(audio, dtype=np.float32)), rate)


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
    mono = downmix(samples, channels)
    if sample_rate <= 0:
        raise _unreadable(f"Unsupported sample rate {sample_rate}.")
    return _checked(resample(mono, sample_rate))
