"""Microphone capture and span playback for the review panel, with the audio in memory only.

Contract:
- Qt Multimedia is optional: it ships in ``PySide6-Addons``, which a PySide6-Essentials
  install lacks. ``multimedia()`` returns the module or None; every class here degrades to a
  clear message instead of failing.
- ``Recorder`` captures PCM with ``QAudioSource`` into a ``bytearray`` (16 kHz mono 16-bit if
  the device takes it, else the device's preferred format, converted to 16-bit). Nothing is
  written to disk. ``unavailable()`` says why recording cannot start (no Qt Multimedia, no
  input device), or None. ``wipe()`` zeroes the buffer.
- ``Player`` plays 16 kHz mono samples from a ``QBuffer`` through ``QAudioSink``. ``seek``
  always sets and reports the position (``position_changed``), so the panel shows where a
  click landed even when there is no audio output; only then is nothing heard.
- GUI thread only.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Signal

SAMPLE_RATE = 16_000
NO_MULTIMEDIA = (
    "Recording and playback need Qt Multimedia (the PySide6-Addons package), which this "
    "installation does not include. Import a recording instead (wav, mp3, m4a, ogg, webm)."
)
NO_INPUT = (
    "No microphone was found. Connect one (and allow Chartside to use it), or import a "
    "recording instead (wav, mp3, m4a, ogg, webm)."
)
NO_OUTPUT = "No audio output on this computer: the position is shown, nothing can be heard."
NO_PLAYBACK = "Playback needs Qt Multimedia: the position is shown, nothing can be heard."
_FORCED_OFF = False  # tests set this to exercise the no-multimedia paths where it is installed


def multimedia() -> ModuleType | None:
    """``PySide6.QtMultimedia``, or None when it is not installed (or forced off)."""
    if _FORCED_OFF:
        return None
    try:
        from PySide6 import QtMultimedia
    except ImportError:
        return None
    return QtMultimedia


@dataclass(frozen=True, slots=True)
class RecordedAudio:
    pcm: bytes  # 16-bit little-endian, interleaved
    sample_rate: int
    channels: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / max(1, self.channels) / max(1, self.sample_rate)

    def __repr__(self) -> str:
        return f"RecordedAudio(<{len(self.pcm)} bytes>, {self.sample_rate} Hz, {self.channels} ch)"


def _to_s16(data: bytes, sample_format: Any, mm: ModuleType) -> bytes:
    fmt = mm.QAudioFormat.SampleFormat
    if sample_format == fmt.Int16:
        return data
    import numpy as np

    if sample_format == fmt.Float:
        samples = np.frombuffer(data[: len(data) - len(data) % 4], dtype="<f4")
    elif sample_format == fmt.Int32:
        samples = np.frombuffer(data[: len(data) - len(data) % 4], dtype="<i4") / 2.0**31
    else:  # UInt8
        samples = (np.frombuffer(data, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


class Recorder(QObject):
    """Microphone → PCM in memory."""

    level = Signal(float)  # seconds recorded so far
    chunk = Signal(bytes)  # the PCM just captured (for live transcription), in the device format

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pcm = bytearray()
        self._source: Any = None
        self._io: Any = None
        self._format: Any = None

    @staticmethod
    def unavailable() -> str | None:
        mm = multimedia()
        if mm is None:
            return NO_MULTIMEDIA
        if not mm.QMediaDevices.audioInputs():
            return NO_INPUT
        return None

    @property
    def recording(self) -> bool:
        return self._source is not None

    def start(self) -> str | None:
        """Start capturing; returns why it could not (or None)."""
        problem = self.unavailable()
        if problem:
            return problem
        mm = multimedia()
        assert mm is not None
        device = mm.QMediaDevices.defaultAudioInput()
        wanted = mm.QAudioFormat()
        wanted.setSampleRate(SAMPLE_RATE)
        wanted.setChannelCount(1)
        wanted.setSampleFormat(mm.QAudioFormat.SampleFormat.Int16)
        self._format = wanted if device.isFormatSupported(wanted) else device.preferredFormat()
        self.wipe()
        self._source = mm.QAudioSource(device, self._format, self)
        self._io = self._source.start()
        if self._io is None:  # the device refused (busy, unplugged, permission denied)
            self.cancel()
            return "The microphone could not be opened. Check that no other program uses it."
        self._io.readyRead.connect(self._read)
        return None

    def _read(self) -> None:
        if self._io is not None:
            data = bytes(self._io.readAll().data())
            self._pcm += data
            if data:
                self.chunk.emit(data)
            fmt = self._format
            frame = max(1, fmt.bytesPerFrame())
            self.level.emit(len(self._pcm) / frame / max(1, fmt.sampleRate()))

    def pause(self) -> None:
        """Suspend capture (the device stays open; nothing is recorded until ``resume``)."""
        if self._source is not None:
            self._read()
            self._source.suspend()

    def resume(self) -> None:
        if self._source is not None:
            self._source.resume()

    def stop(self) -> RecordedAudio | None:
        """Stop and hand over the PCM (the recorder keeps no copy)."""
        if self._source is None:
            return None
        self._read()
        self._source.stop()
        self._source.deleteLater()
        self._source = self._io = None
        mm = multimedia()
        assert mm is not None
        fmt = self._format
        pcm = _to_s16(bytes(self._pcm), fmt.sampleFormat(), mm)
        self.wipe()
        return RecordedAudio(pcm, fmt.sampleRate(), fmt.channelCount())

    @property
    def speech_format(self) -> bool:
        """True when the device records 16 kHz mono 16-bit: chunks can be transcribed live."""
        mm = multimedia()
        fmt = self._format
        return bool(mm is not None and fmt is not None and fmt.sampleRate() == SAMPLE_RATE
                    and fmt.channelCount() == 1
                    and fmt.sampleFormat() == mm.QAudioFormat.SampleFormat.Int16)

    def wipe(self) -> None:
        for i in range(len(self._pcm)):
            self._pcm[i] = 0
        self._pcm = bytearray()

    def cancel(self) -> None:
        if self._source is not None:
            self._source.stop()
            self._source.deleteLater()
            self._source = self._io = None
        self.wipe()


class Player(QObject):
    """Plays the reviewed recording from memory; ``seek`` works with or without an output."""

    position_changed = Signal(float)
    playing_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pcm = QByteArray()
        self._buffer: QBuffer | None = None
        self._sink: Any = None
        self._started_at = 0.0
        self.position = 0.0
        self.duration = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._tick)

    @staticmethod
    def unavailable() -> str | None:
        mm = multimedia()
        if mm is None:
            return NO_PLAYBACK
        if not mm.QMediaDevices.audioOutputs():
            return NO_OUTPUT
        return None

    @property
    def has_audio(self) -> bool:
        return not self._pcm.isEmpty()

    @property
    def playing(self) -> bool:
        return self._sink is not None

    def set_samples(self, samples: Any) -> None:
        """16 kHz mono float samples (what the scribe decoded)."""
        import numpy as np

        self.stop()
        data = (np.clip(np.asarray(samples, dtype=np.float32), -1, 1) * 32767).astype("<i2")
        self._pcm = QByteArray(data.tobytes())
        self.duration = len(data) / SAMPLE_RATE
        self.position = 0.0
        self.position_changed.emit(0.0)

    def seek(self, seconds: float, *, play: bool = True) -> None:
        self.position = min(max(0.0, float(seconds)), self.duration or float(seconds))
        self.position_changed.emit(self.position)
        if play and self.has_audio and self.unavailable() is None:
            self._start()

    def toggle(self) -> None:
        if self.playing:
            self.stop()
        elif self.has_audio and self.unavailable() is None:
            self._start()

    def _start(self) -> None:
        mm = multimedia()
        if mm is None:
            return
        self.stop()
        fmt = mm.QAudioFormat()
        fmt.setSampleRate(SAMPLE_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(mm.QAudioFormat.SampleFormat.Int16)
        self._buffer = QBuffer(self._pcm, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer.seek(int(self.position * SAMPLE_RATE) * 2)
        self._sink = mm.QAudioSink(mm.QMediaDevices.defaultAudioOutput(), fmt, self)
        self._sink.stateChanged.connect(self._state)
        self._started_at = self.position
        self._sink.start(self._buffer)
        self._timer.start()
        self.playing_changed.emit(True)

    def _tick(self) -> None:
        if self._sink is not None:
            self.position = min(self.duration,
                                self._started_at + self._sink.processedUSecs() / 1e6)
            self.position_changed.emit(self.position)

    def _state(self, state: Any) -> None:
        mm = multimedia()
        if mm is not None and state in (mm.QtAudio.State.IdleState,
                                        mm.QtAudio.State.StoppedState):
            self.stop()  # reached the end, or the device went away

    def stop(self) -> None:
        self._timer.stop()
        if self._sink is not None:
            sink, self._sink = self._sink, None
            sink.stop()
            sink.deleteLater()
            self.playing_changed.emit(False)
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None

    def clear(self) -> None:
        self.stop()
        self._pcm.fill(0)
        self._pcm = QByteArray()
        self.position = self.duration = 0.0
        self.position_changed.emit(0.0)

