"""Coverage guard (pure): speech with no recognised word, punctuation loops, and the
transcriber's re-decode of a suspect window (a stand-in decoder: orchestration logic only)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from scribe.checks.confidence import check_confidence
from scribe.coverage import Gap, missing_speech, punctuation_run
from scribe.draft import build_draft
from scribe.hallucination import judge
from scribe.transcript import Segment, Transcript, Word


def test_missing_speech_finds_long_wordless_stretches_only() -> None:
    speech = [(0.0, 12.0), (14.0, 16.0)]
    words = [("Manual", 0.2, 0.6), ("therapy", 0.6, 1.0), ("-", 1.1, 1.2), ("-", 1.2, 1.3),
             ("8", 9.6, 9.9), ("minutes.", 9.9, 10.5), ("Plan.", 14.2, 14.8)]
    assert missing_speech(speech, words) == [Gap(1.0, 9.6)]
    assert missing_speech(speech, words, min_gap=9.0) == []
    assert missing_speech([(0.0, 2.5)], []) == []  # shorter than a gap
    assert missing_speech([(3.0, 8.0)], []) == [Gap(3.0, 8.0)]


def test_punctuation_runs_are_loops_the_ngram_detector_cannot_see() -> None:
    assert punctuation_run(["Manual", *["-"] * 80, "therapy"]) == 80
    assert punctuation_run(["Pain", "6/10", "-", "-", "rest."]) == 0
    verdict = judge("Manual - - - - - - - -", [("Manual", 0, 1)] + [("-", 1, 2)] * 8,
                    0.01, -0.26, 1.91, None)
    assert verdict is not None and verdict[0] == "flag" and "punctuation" in verdict[1]


def test_gaps_reach_the_review_as_warnings_with_their_span() -> None:
    words = tuple(Word(w, i * 0.4, i * 0.4 + 0.3, 0.95)
                  for i, w in enumerate(["Objective.", "Manual", "therapy", "8", "minutes."]))
    t = Transcript((Segment(0, 0, 2, "x", words),), 20.0, gaps=(Gap(2.0, 10.5),))
    flags = [f for f in check_confidence(build_draft(t, checks=False))
             if f.code == "coverage.missing_speech"]
    assert len(flags) == 1 and flags[0].severity.value == "warn"
    assert "About 8 s" in flags[0].message and flags[0].span.start == 2.0


class _Whisper:
    """Decodes a window as the first call's loop of dashes, then as the second call's words."""

    def __init__(self, tries: list[list[tuple[str, float, float]]]) -> None:
        self.tries, self.calls = tries, []

    def transcribe(self, window: Any, **options: Any) -> tuple[Any, Any]:
        self.calls.append(options)
        words = self.tries[min(len(self.calls) - 1, len(self.tries) - 1)]
        seg = SimpleNamespace(
            start=0.0, end=words[-1][2], text=" ".join(w for w, _, _ in words),
            no_speech_prob=0.01, avg_logprob=-0.26, compression_ratio=1.9,
            words=[SimpleNamespace(word=" " + w, start=s, end=e, probability=0.9)
                   for w, s, e in words])
        return iter([seg]), None


def _run(tries: list[list[tuple[str, float, float]]], monkeypatch: Any) -> tuple[Any, Any]:
    import faster_whisper.vad as vad

    from scribe.model import ScribeModel
    from scribe.transcribe import TranscribeOptions, transcribe

    monkeypatch.setattr(vad, "get_speech_timestamps",
                        lambda audio, options: [{"start": 0, "end": 16000 * 12}])
    fake = _Whisper(tries)
    audio = (np.sin(np.arange(16000 * 12) / 5) * 0.3).astype(np.float32)
    model = ScribeModel(fake, None, "stand-in", 0.0, True)  # type: ignore[arg-type]
    # The window-by-window path (the first pass's batched pipeline needs a real model).
    return transcribe(audio, model=model, options=TranscribeOptions(batched=False)), fake


LOOP = [("Manual", 0.1, 0.5), *[("-", 0.5 + i * 0.1, 0.6 + i * 0.1) for i in range(80)],
        ("minutes.", 11.0, 11.5)]
SAID = ["Manual", "therapy", "to", "the", "knee", "eight", "minutes", "then", "leg", "press",
        "ten", "minutes"]
WORDS = [(w, i * 1.2, i * 1.2 + 0.8) for i, w in enumerate(SAID)]


def test_a_suspect_window_is_decoded_again_and_the_better_kept(monkeypatch: Any) -> None:
    t, fake = _run([LOOP, WORDS], monkeypatch)
    assert len(fake.calls) == 2
    assert fake.calls[0]["initial_prompt"] and fake.calls[1]["initial_prompt"] is None
    assert fake.calls[1]["no_repeat_ngram_size"] == 3
    assert "leg press" in t.word_text and t.gaps == ()


def test_what_stays_missing_is_reported(monkeypatch: Any) -> None:
    t, fake = _run([LOOP, LOOP], monkeypatch)
    assert len(fake.calls) == 2
    assert [round(g.seconds) for g in t.gaps] == [10]  # 0.5 s → 11.0 s had no word
    assert t.segments[0].hallucination and "punctuation" in t.segments[0].hallucination


def test_a_covered_window_is_decoded_once(monkeypatch: Any) -> None:
    t, fake = _run([WORDS], monkeypatch)
    assert len(fake.calls) == 1 and t.gaps == ()
