"""Decoding an imported recording: Qt Multimedia's FFmpeg + soxr (what the app and the frozen
app run, desktop/media_decode.py) against faster-whisper's PyAV decoder (the baseline it
replaced in the frozen app), on the same bytes in the same run.

The recording: the seven committed dictations end to end (~7.5 minutes), re-encoded in memory
as a phone would hand it over — AAC in M4A at 44.1 kHz stereo — and as MP3.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np

from bench._harness import median_time, report

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests/scribe/fixtures"
REPEAT = 5


def _recording() -> np.ndarray:
    from faster_whisper.audio import decode_audio

    return np.concatenate([decode_audio(str(p), sampling_rate=16_000)
                           for p in sorted(FIXTURES.glob("*.wav"))])


def _encode(samples: np.ndarray, container: str, codec: str, rate: int = 44_100) -> bytes:
    import av

    out = io.BytesIO()
    with av.open(out, "w", format=container) as sink:
        stream: Any = sink.add_stream(codec, rate=rate)
        resampler = av.AudioResampler(format=stream.codec_context.format or "s16",
                                      layout="stereo", rate=rate)
        frame_size = 16_000
        for start in range(0, samples.size, frame_size):
            chunk = samples[start:start + frame_size].astype(np.float32).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            frame.sample_rate = 16_000
            for piece in resampler.resample(frame):
                for packet in stream.encode(piece):
                    sink.mux(packet)
        for packet in stream.encode(None):
            sink.mux(packet)
    return out.getvalue()


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from faster_whisper.audio import decode_audio

    from desktop.app import make_application
    from desktop.media_decode import decode_with_qt

    make_application([])  # a GUI application, as in the app (later benches open windows)
    recording = _recording()
    minutes = recording.size / 16_000 / 60
    rows: list[tuple[str, str]] = [("recording", f"{minutes:.1f} min of dictation")]
    raw: dict[str, object] = {"minutes": minutes}
    for label, container, codec in (("M4A (AAC 44.1 kHz stereo)", "ipod", "aac"),
                                    ("MP3 (44.1 kHz stereo)", "mp3", "libmp3lame")):
        data = _encode(recording, container, codec)

        def with_qt(data: bytes = data) -> object:
            return decode_with_qt(data)

        def with_pyav(data: bytes = data) -> object:
            return decode_audio(io.BytesIO(data), sampling_rate=16_000)

        qt = median_time(with_qt, repeat=REPEAT)
        pyav = median_time(with_pyav, repeat=REPEAT)
        rows.append((f"{label}, {len(data) / 1024 ** 2:.1f} MiB: Qt + soxr (median of {REPEAT})",
                     f"{qt:.2f} s"))
        rows.append((f"  PyAV, the baseline (median of {REPEAT})", f"{pyav:.2f} s"))
        rows.append(("  Qt / PyAV", f"x{qt / pyav:.2f}"))
        raw[container] = {"qt_s": qt, "pyav_s": pyav, "bytes": len(data)}
    raw["load"] = os.getloadavg()
    report("decode", rows, raw=raw)


if __name__ == "__main__":
    main()
