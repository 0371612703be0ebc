"""Compressed recordings made on the fly from a committed dictation (PyAV encodes them; the
app decodes them with Qt): what phones and laptops hand a clinician, with a synthetic title
tag that must never reach a log."""

from __future__ import annotations

import io
from pathlib import Path

DICTATION = Path(__file__).resolve().parent / "scribe/fixtures/knee_eval.wav"  # IMA ADPCM 16 kHz
TITLE = "Zebulon Quillfeatherstone knee"  # synthetic; must never reach stderr


def encoded(container: str, codec: str, rate: int, seconds: float = 12.0) -> bytes:
    """The first ``seconds`` of the dictation re-encoded with PyAV, with a title tag."""
    import av

    out = io.BytesIO()
    with av.open(str(DICTATION)) as source, av.open(out, "w", format=container) as sink:
        sink.metadata["title"] = TITLE
        stream = sink.add_stream(codec, rate=rate)
        resampler = av.AudioResampler(format=stream.codec_context.format or "s16",
                                      layout="stereo", rate=rate)
        for frame in source.decode(audio=0):
            if frame.time is not None and frame.time > seconds:
                break
            for piece in resampler.resample(frame):
                piece.pts = None
                for packet in stream.encode(piece):
                    sink.mux(packet)
        for packet in stream.encode(None):
            sink.mux(packet)
    return out.getvalue()
