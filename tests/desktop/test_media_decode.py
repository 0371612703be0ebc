"""Audio decoded by Qt Multimedia's FFmpeg (desktop/media_decode.py), as the frozen app does
without PyAV: real compressed files (encoded here with PyAV from a committed dictation), the
same samples PyAV gives within a resampler's difference, garbage refused, and no container
metadata (a voice memo's title can be a patient's name) on stderr."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# The samples are made with PyAV and compared with its decoder: both come with the scribe extra
# (faster-whisper), which the app's own decoding does not need.
pytest.importorskip("av")
pytest.importorskip("faster_whisper")

from core.media import audio as core_audio
from core.media import decoders
from core.media.audio import SAMPLE_RATE, decode, load_audio
from core.media.errors import AudioUnreadable
from desktop import media_decode
from tests.audio_samples import DICTATION, encoded

ROOT = Path(__file__).resolve().parents[2]

# (container, codec, encoder rate): what phones and laptops hand a clinician.
FORMATS = [("mp3", "libmp3lame", 44_100), ("ipod", "aac", 44_100), ("flac", "flac", 48_000),
           ("ogg", "libopus", 48_000), ("webm", "libopus", 48_000)]


def best_correlation(a: np.ndarray, b: np.ndarray, max_lag: int = 2_000) -> float:
    """Normalized correlation of ``a`` and ``b`` at the best shift (codecs add a delay)."""
    n = min(a.size, b.size) - max_lag
    best = 0.0
    x = a[max_lag:max_lag + n - max_lag]
    for lag in range(-max_lag, max_lag + 1, 8):
        y = b[max_lag + lag:max_lag + lag + x.size]
        best = max(best, float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9)))
    return best


@pytest.fixture
def qt_only(qapp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The frozen app's situation: Qt registered, PyAV not there."""
    monkeypatch.setattr(core_audio, "pyav_available", lambda: False)
    media_decode.install()


@pytest.mark.parametrize(("container", "codec", "rate"), FORMATS, ids=[f[0] for f in FORMATS])
def test_compressed_files_decode_through_qt_like_pyav(
        qt_only: None, container: str, codec: str, rate: int) -> None:
    data = encoded(container, codec, rate)
    got = decode(data)
    assert got.source_rate == rate
    assert got.audio.dtype == np.float32 and got.audio.ndim == 1
    from faster_whisper.audio import decode_audio

    reference = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    assert abs(got.audio.size - reference.size) <= SAMPLE_RATE * 0.05, (got.audio.size,
                                                                        reference.size)
    assert best_correlation(got.audio[: SAMPLE_RATE * 6], reference[: SAMPLE_RATE * 6]) > 0.98


def test_the_committed_adpcm_wav_decodes_through_qt(qt_only: None) -> None:
    # The fixtures and the self-test's probe are IMA ADPCM, which the standard library's wave
    # module cannot read: in the frozen app Qt decodes them.
    got = decode(DICTATION)
    from faster_whisper.audio import decode_audio

    reference = decode_audio(str(DICTATION), sampling_rate=SAMPLE_RATE)
    assert got.source_rate == 16_000
    assert abs(got.audio.size - reference.size) <= 160
    assert best_correlation(got.audio[: SAMPLE_RATE * 6], reference[: SAMPLE_RATE * 6]) > 0.99


@pytest.mark.parametrize("junk", [b"\x00" * 4096, b"ID3" + bytes(range(256)) * 40,
                                  b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk"])
def test_garbage_is_refused_clearly(qt_only: None, junk: bytes) -> None:
    with pytest.raises(AudioUnreadable) as refused:
        load_audio(junk)
    assert "not audio Chartside can read" in str(refused.value)


def test_a_pure_16k_wav_needs_no_decoder(qt_only: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import wave

    tone = (np.sin(np.arange(SAMPLE_RATE) * 0.05) * 12_000).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(tone.tobytes())

    def refuse(_data: bytes) -> Any:
        raise AssertionError("a 16 kHz PCM WAV went to a decoder")

    monkeypatch.setattr(decoders, "_DECODERS", [refuse])
    got = decode(buffer.getvalue())
    assert np.allclose(got.audio, tone / 32768.0, atol=1e-6)


def test_no_container_metadata_reaches_stderr(tmp_path: Path) -> None:
    # FFmpeg logs straight to file descriptor 2, below Python: a child process shows what a
    # user's terminal or a crash report would get.
    memo = tmp_path / "memo.m4a"
    memo.write_bytes(encoded("ipod", "aac", 44_100, seconds=3.0))
    script = (
        "import sys; from desktop import media_decode; from core.media import audio;"
        "audio.pyav_available = lambda: False; media_decode.install();"
        "print(audio.decode(sys.argv[1]).source_rate)"
    )
    done = subprocess.run([sys.executable, "-c", script, str(memo)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "44100"
    assert "Zebulon" not in done.stderr and "Quillfeatherstone" not in done.stderr, done.stderr
    assert "Metadata" not in done.stderr and "Input #0" not in done.stderr, done.stderr


def test_decoding_on_a_job_pool_thread(qt_only: None) -> None:
    """An import decodes on the app's job pool (a QThreadPool thread), not the GUI thread."""
    from PySide6.QtCore import QRunnable, QThreadPool

    data = encoded("mp3", "libmp3lame", 48_000, seconds=6.0)
    out: dict[str, Any] = {}

    class Job(QRunnable):
        def run(self) -> None:
            try:
                out["decoded"] = decode(data)
            except Exception as error:  # reported below, on the test's thread
                out["error"] = error

    pool = QThreadPool()
    pool.start(Job())
    assert pool.waitForDone(120_000)
    assert "error" not in out, out.get("error")
    assert out["decoded"].source_rate == 48_000
    assert abs(out["decoded"].audio.size - SAMPLE_RATE * 6) < SAMPLE_RATE * 0.2


def test_a_wav_whose_header_was_never_finished_still_decodes(qt_only: None) -> None:
    """A recorder killed mid-file leaves a 16 kHz WAV whose sizes say 0: the standard library
    reads no frames from it, so it goes on to a decoder, which reads to the end."""
    import wave

    tone = (np.sin(np.arange(SAMPLE_RATE * 2) * 0.05) * 12_000).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(b"")
    header = bytearray(buffer.getvalue())  # sizes 0, as the recorder wrote them first
    got = decode(bytes(header) + tone.tobytes())
    assert got.source_rate == SAMPLE_RATE
    assert abs(got.audio.size - tone.size) < 400
