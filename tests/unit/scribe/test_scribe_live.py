"""Live transcription without a model: where the recording is cut, and how pieces come back
together (a stand-in transcriber — orchestration logic only; the real model runs in
tests/scribe/test_scribe_live_audio.py)."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import numpy as np
import pytest

from scribe.errors import NoSpeechFound, TranscriptionCancelled
from scribe.live import MAX_PIECE_SECONDS, MIN_PIECE_SECONDS, LiveTranscription, PauseCutter
from scribe.transcript import Segment, Transcript, Word

RATE = 16_000


def speechlike(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 0.2, int(seconds * RATE))).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


SPEECH = (MIN_PIECE_SECONDS + MAX_PIECE_SECONDS) / 2  # long enough to cut, short enough to wait


def recording() -> np.ndarray:
    # "Speech", a 0.5 s pause, speech, a 0.5 s pause, then 25 s with no pause at all.
    return np.concatenate([speechlike(SPEECH, 1), silence(0.5), speechlike(SPEECH, 2),
                           silence(0.5), speechlike(25, 3)])


def cuts_of(audio: np.ndarray, chunk: int) -> list[float]:
    cutter = PauseCutter()
    out: list[int] = []
    for i in range(0, audio.size, chunk):
        out += cutter.push(audio[i : i + chunk])
    return [round(c / RATE, 2) for c in out]


def test_cuts_fall_in_pauses_or_at_the_longest_piece() -> None:
    cuts = cuts_of(recording(), 1600)
    first, second = SPEECH, 2 * SPEECH + 0.5
    assert first <= cuts[0] <= first + 0.5 and second <= cuts[1] <= second + 0.5  # in the pauses
    assert cuts[2] - cuts[1] <= MAX_PIECE_SECONDS + 0.05  # 25 s without a pause: cut anyway


def test_cuts_do_not_depend_on_how_the_audio_is_chunked() -> None:
    audio = recording()
    assert cuts_of(audio, 1600) == cuts_of(audio, 7) == cuts_of(audio, 16000) == \
        cuts_of(audio, audio.size)


class Hears:
    """Stand-in transcriber: one word per second of the piece, times inside the piece."""

    def __init__(self, fail_on: int | None = None, silent_on: int | None = None) -> None:
        self.calls = 0
        self.fail_on, self.silent_on = fail_on, silent_on
        self.contexts: list[Any] = []
        self.follows: list[str] = []

    def __call__(self, audio: np.ndarray, *, progress: Any = None, cancel: Any = None,
                 context: Any = None, follows: str = "") -> Transcript:
        self.follows.append(follows)
        n = self.calls
        self.calls += 1
        self.contexts.append(context)
        if n == self.fail_on:
            raise RuntimeError("decoder exploded")
        if n == self.silent_on:
            raise NoSpeechFound("nothing")
        seconds = audio.size / RATE
        words = tuple(Word(f"w{n}_{i}", i + 0.1, i + 0.6, 0.9) for i in range(int(seconds)))
        return Transcript((Segment(0, 0.1, seconds, "x", words),), seconds, model="stand-in")


def feed(session: LiveTranscription, audio: np.ndarray) -> None:
    for i in range(0, audio.size, 1600):
        session.feed(audio[i : i + 1600])


def test_pieces_come_back_in_recording_time_and_in_order() -> None:
    seen: list[Any] = []
    hears = Hears()
    session = LiveTranscription(hears, context="episode", on_piece=seen.append)
    feed(session, recording())
    t = session.finish()
    assert [p.index for p in seen] == list(range(len(seen))) and len(seen) >= 3
    starts = [w.start for w in t.words]
    assert starts == sorted(starts) and t.words[-1].end <= t.duration
    # The first word of the second piece sits at that piece's start in the recording.
    second = seen[1]
    first_word = next(w for w in t.words if w.text.startswith("w1_"))
    assert first_word.start == pytest.approx(second.start + 0.1, abs=1e-3)
    assert set(hears.contexts) == {"episode"}
    assert hears.follows[0] == "" and hears.follows[1].startswith("w0_0")  # continuity
    assert [s.id for s in t.segments] == list(range(len(t.segments)))
    assert t.duration == pytest.approx(2 * SPEECH + 1 + 25)


def test_a_silent_piece_is_skipped_and_an_error_is_not_swallowed() -> None:
    session = LiveTranscription(Hears(silent_on=1))
    feed(session, recording())
    assert not any(w.text.startswith("w1_") for w in session.finish().words)
    failing = LiveTranscription(Hears(fail_on=0))
    feed(failing, recording())
    with pytest.raises(RuntimeError, match="exploded"):
        failing.finish()


def test_nothing_heard_at_all_is_no_speech() -> None:
    session = LiveTranscription(Hears(silent_on=0))
    session.feed(speechlike(3, 4))
    with pytest.raises(NoSpeechFound):
        session.finish()


def test_cancel_stops_the_worker_and_finish_says_so() -> None:
    gate = threading.Event()

    class Slow(Hears):
        def __call__(self, audio: np.ndarray, **kw: Any) -> Transcript:
            gate.wait(5)
            return super().__call__(audio, **kw)

    session = LiveTranscription(Slow())
    feed(session, recording())
    stop = threading.Event()
    stop.set()
    gate.set()
    with pytest.raises(TranscriptionCancelled):
        session.finish(cancel=stop)


def test_pause_hands_what_was_said_to_the_worker_and_resuming_starts_a_new_piece() -> None:
    """Issue 21: a paused recording is transcribed up to the pause while nothing is said, so
    Stop after a pause has (almost) nothing left; a pause right after a cut keeps the scrap for
    the next piece; the pieces still cover the recording exactly once."""
    seen: list[Any] = []
    arrived = threading.Event()
    session = LiveTranscription(Hears(), on_piece=lambda p: (seen.append(p), arrived.set()))
    before = speechlike(8, 5)  # shorter than a piece: without the pause it would wait
    feed(session, before)
    session.pause()
    assert arrived.wait(5) and seen[0].start == 0 and seen[0].end == pytest.approx(8)
    session.pause()  # nothing new: no empty piece
    session.feed(speechlike(1, 6))
    session.pause()  # 1 s < MIN_PAUSE_PIECE_SECONDS: joins the next piece
    after = speechlike(SPEECH, 7)
    feed(session, np.concatenate([after, silence(0.5), speechlike(3, 8)]))
    t = session.finish()
    pieces = session.pieces
    assert (pieces[0].start, pieces[0].end) == (0, pytest.approx(8))
    assert pieces[1].start == pytest.approx(8)  # the 1 s scrap is in the second piece
    for a, b in itertools.pairwise(pieces):
        assert a.end == pytest.approx(b.start)
    assert pieces[-1].end == pytest.approx(t.duration)
    assert t.duration == pytest.approx(8 + 1 + SPEECH + 0.5 + 3)
    with pytest.raises(RuntimeError):
        session.pause()
