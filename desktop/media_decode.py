"""Compressed audio (MP3, M4A/AAC, OGG, WebM, FLAC, ADPCM WAV…) decoded by Qt Multimedia.

Contract: ``install()`` registers ``decode_with_qt`` with ``core.media.decoders`` (idempotent;
the app and the CLI call it at start), so every ``load_audio`` in this process that is not a
plain 16 kHz PCM WAV — an imported file, the scribe, the self-test's ADPCM probe — decodes
through Qt's FFmpeg backend, on whichever thread asks (a local event loop runs the decoder).
``decode_with_qt(data)`` returns ``Decoded`` (16 kHz mono float32 and the source's rate) or
raises ``AudioUnreadable``; it never writes a file (the bytes sit in a ``QBuffer``).

Why not PyAV, which faster-whisper uses: its wheel carries a second, complete FFmpeg with video
encoders — 78 MB of the frozen app's 571 MB — while Qt Multimedia already ships an FFmpeg for
decoding, which the app loads anyway to record. The frozen app leaves PyAV out
(docs/installers.md); in a virtualenv PyAV stays installed but the desktop decodes with Qt, so
the tests exercise what the frozen app runs.

Qt's FFmpeg backend logs the container's metadata (title, artist, comment: on a voice memo that
can be a patient's name) through the ``qt.multimedia.ffmpeg*`` categories; ``install()`` turns
those off, and the symbol-resolver chatter about optional libraries with them.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

from core.media.decoders import register

if TYPE_CHECKING:
    import numpy as np

    from core.media.audio import Decoded

QUIET_RULES = "qt.multimedia.ffmpeg*=false\nqt.multimedia.symbolsresolver=false"
TIMEOUT_S = 120.0  # a whole-hour recording decodes in well under this on a slow laptop
_lock = threading.Lock()
_quiet = False


def install() -> None:
    """Decode through Qt from now on in this process (cheap: Qt is imported at the first
    decode, so ``chartside units`` does not pay for it)."""
    register(decode_with_qt)


def quiet_logs() -> None:
    """Silence Qt Multimedia's FFmpeg and symbol-resolver logs (see the module docstring).
    Call before Qt Multimedia is first imported to catch the resolver's start-up lines."""
    global _quiet
    with _lock:
        if not _quiet:
            from PySide6.QtCore import QLoggingCategory

            QLoggingCategory.setFilterRules(QUIET_RULES)
            _quiet = True


def _unreadable(message: str) -> Exception:
    from core.media.errors import AudioUnreadable

    return AudioUnreadable(
        message, hint="Record again or import a WAV, MP3, M4A, OGG or WebM file.")


def _ensure_application() -> None:
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.instance() is None:
        # The CLI (``chartside scribe draft``) has no application object: a core one suffices
        # for Qt Multimedia's plugin and event loop. The app and the self-test make theirs first.
        global _cli_app
        _cli_app = QCoreApplication([])


_cli_app: Any = None


def decode_with_qt(data: bytes) -> Decoded:
    """``data`` (any container Qt's FFmpeg reads) to 16 kHz mono float32, in memory."""
    from core.media.audio import Decoded

    quiet_logs()
    _ensure_application()
    samples, rate = _native(data)
    if samples.size == 0 or rate <= 0:
        raise _unreadable("This file is not audio Chartside can read.")
    return Decoded(samples, rate)


# QAudioFormat.SampleFormat -> (numpy dtype, offset, scale) to float in [-1, 1]
_FORMATS = {"UInt8": ("u1", 128.0, 128.0), "Int16": ("<i2", 0.0, 32768.0),
            "Int32": ("<i4", 0.0, 2147483648.0), "Float": ("<f4", 0.0, 1.0)}


def _native(data: bytes) -> tuple[np.ndarray, int]:
    """Every sample of ``data`` as Qt decodes it (the source's own rate and format: no
    conversion asked for), mixed down to mono and resampled to 16 kHz buffer by buffer with
    soxr's streaming resampler (memory follows the 16 kHz result, not a 48 kHz source).
    Returns the samples and the source's rate. Qt 6.11's own rate conversion is not used: it
    stalls after one empty buffer when it downsamples some MP3s more than ~1.4× (44.1 and
    48 kHz to 16 kHz; tests/desktop/test_media_decode.py covers those rates)."""
    import numpy as np
    import shiboken6
    import soxr
    from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, Qt, QTimer
    from PySide6.QtMultimedia import QAudioDecoder

    from core.media.audio import downmix

    decoder = QAudioDecoder()
    source = QBuffer()
    source.setData(QByteArray(data))
    source.open(QIODevice.OpenModeFlag.ReadOnly)
    decoder.setSourceDevice(source)
    loop = QEventLoop()
    pieces: list[np.ndarray] = []
    rates: set[int] = set()
    streams: list[Any] = []
    failed: list[str] = []

    pending: list[bytes] = []  # raw buffers not yet converted, all in ``formats[0]``
    formats: list[tuple[str, int, int]] = []  # (sample format, rate, channels) per batch
    held = [0]  # bytes in ``pending``
    BATCH = 1 << 20  # convert and resample ~1 MiB at a time, not each small buffer

    def flush() -> None:
        if not pending:
            return
        name, rate, channels = formats[0]
        dtype, offset, scale = _FORMATS[name]
        raw = np.frombuffer(b"".join(pending), dtype=dtype)
        pending.clear()
        held[0] = 0
        raw = raw[: raw.size - raw.size % channels].astype(np.float32)
        mono = downmix(raw, channels)
        mono = (mono - offset) / scale if offset or scale != 1.0 else mono
        if not streams:
            streams.append(soxr.ResampleStream(rate, 16_000, 1, dtype="float32",
                                               quality="HQ"))
        pieces.append(streams[0].resample_chunk(np.ascontiguousarray(mono, np.float32)))

    def ready() -> None:
        buffer = decoder.read()
        if not buffer.isValid() or buffer.byteCount() == 0:
            return
        fmt = buffer.format()
        shape = (fmt.sampleFormat().name, fmt.sampleRate(), fmt.channelCount())
        if shape[0] not in _FORMATS or shape[2] <= 0:
            failed.append(f"unsupported sample format {shape[0]}")
            loop.quit()
            return
        rates.add(shape[1])
        if formats and formats[0] != shape:  # a format change mid-stream: convert what came
            flush()
            formats.clear()
        if not formats:
            formats.append(shape)
        pending.append(bytes(buffer.data()))
        held[0] += len(pending[-1])
        if held[0] >= BATCH:
            flush()

    def error(_code: object) -> None:
        failed.append(decoder.errorString())
        loop.quit()

    def finished() -> None:
        done.append(True)
        loop.quit()

    def timed_out() -> None:
        failed.append("timeout")
        loop.quit()

    done: list[bool] = []
    decoder.bufferReady.connect(ready)
    decoder.finished.connect(finished)
    decoder.error.connect(error)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(timed_out)
    timer.start(int(TIMEOUT_S * 1000))
    decoder.start()
    try:
        if not failed and not done:  # an error during start() is already in ``failed``
            loop.exec()
    finally:
        timer.stop()
        decoder.stop()
        # The slots above close over the decoder and the decoded pieces; Qt keeps connected
        # Python slots alive, so cut them and delete the C++ objects now rather than leave a
        # recording's samples reachable for the life of the process.
        for signal in (decoder.bufferReady, decoder.finished, decoder.error, timer.timeout):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect()
        source.close()
        shiboken6.delete(decoder)
        shiboken6.delete(source)
    if "timeout" in failed:
        pieces.clear()
        pending.clear()
        raise _unreadable(f"Decoding took longer than {TIMEOUT_S:.0f} s; nothing was kept.")
    if failed or not done or len(rates) > 1:  # anything but a decode that reached the end
        pieces.clear()
        pending.clear()
        raise _unreadable("This file is not audio Chartside can read.")
    flush()
    if not streams:
        return np.zeros(0, np.float32), 0
    pieces.append(streams[0].resample_chunk(np.zeros(0, np.float32), last=True))
    audio = np.concatenate(pieces).astype(np.float32)
    pieces.clear()
    return audio, rates.pop()
