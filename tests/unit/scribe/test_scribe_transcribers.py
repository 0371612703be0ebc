"""Pure parts of the transcription seam: the compute-type choice, the transcript round trip,
and the replay transcriber's progress/cancel contract (no model, no audio)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from scribe.errors import ModelUnavailable, NoSpeechFound, TranscriptionCancelled
from scribe.model import COMPUTE_ENV, DEFAULT_COMPUTE_TYPE, resolve_compute_type
from scribe.serialize import transcript_from_dict, transcript_to_dict
from scribe.transcribe import Progress, ReplayTranscriber
from scribe.transcript import DroppedSegment, Segment, Transcript, Word


def sample() -> Transcript:
    a = Segment(0, 0.5, 2.0, "Left knee 6-10.", (
        Word("Left", 0.5, 0.8, 0.91), Word("knee", 0.8, 1.1, 0.88),
        Word("6", 1.2, 1.5, 0.7), Word("-10.", 1.5, 2.0, 0.66, glued=True)), -0.3, 0.01, 1.2)
    b = Segment(1, 3.0, 4.0, "Plan.", (Word("Plan.", 3.0, 4.0, 0.97),), hallucination="loop")
    return Transcript((a, b), 4.5, "en", "tiny.en (bundled, int8)",
                      (DroppedSegment(4.1, 4.4, "Thank you.", "outro"),), 1.25)


def test_compute_type_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(COMPUTE_ENV, raising=False)
    assert resolve_compute_type() == DEFAULT_COMPUTE_TYPE
    assert resolve_compute_type("FLOAT32") == "float32"
    monkeypatch.setenv(COMPUTE_ENV, "float32")
    assert resolve_compute_type() == "float32"
    assert resolve_compute_type("int8") == "int8"  # an explicit choice wins over the env
    monkeypatch.setenv(COMPUTE_ENV, "int4")
    with pytest.raises(ModelUnavailable, match="int4"):
        resolve_compute_type()


def test_transcript_round_trips_exactly() -> None:
    t = sample()
    back = transcript_from_dict(transcript_to_dict(t))
    assert back == t and back.word_text == "Left knee 6-10. Plan."
    with pytest.raises((KeyError, TypeError, ValueError)):
        transcript_from_dict({"segments": [{"words": "nope"}]})


def test_replay_reports_progress_and_returns_the_transcript() -> None:
    seen: list[Progress] = []
    t = sample()
    assert ReplayTranscriber(t)(b"ignored", progress=seen.append) is t
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) == 3
    assert seen[-1].eta_seconds == 0.0


def test_replay_cancels_between_segments_and_refuses_no_words() -> None:
    stop = threading.Event()
    with pytest.raises(TranscriptionCancelled):
        ReplayTranscriber(sample())(b"", progress=lambda p: stop.set(), cancel=stop)
    with pytest.raises(NoSpeechFound):
        ReplayTranscriber(Transcript((), 3.0))(b"")


def test_the_prompt_follows_the_discipline_and_the_episode() -> None:
    from scribe.context import DictationContext
    from scribe.prompt import GENERAL, prompt_for

    assert prompt_for(None) == GENERAL
    knee = prompt_for(DictationContext.from_codes(["M17.11"], "PT"))
    back = prompt_for(DictationContext.from_codes(["M54.50"], "PT"))
    swallow = prompt_for(DictationContext.from_codes(["R13.12"], "SLP"))
    hand = prompt_for(DictationContext.from_codes(["M18.11"], "OT"))
    assert "Lachman" in knee and "Lachman" not in back and "Oswestry" in back
    assert swallow.startswith("Speech-language") and "Dysphagia" in swallow
    assert "Lachman" not in swallow and "pain 6/10" not in swallow
    assert hand.startswith("Occupational") and "pinch" in hand
    assert all(len(p.split()) <= 70 for p in (knee, back, swallow, hand, GENERAL))


def test_the_model_transcriber_takes_the_episode_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    from scribe import transcribe as module
    from scribe.context import DictationContext
    from scribe.prompt import prompt_for

    seen: list[str | None] = []
    monkeypatch.setattr(module, "default_model", lambda compute_type=None, model=None: None)
    monkeypatch.setattr(module, "transcribe",
                        lambda source, **kw: seen.append(kw["options"].initial_prompt))
    context = DictationContext.from_codes(["R13.12"], "SLP")
    module.ModelTranscriber()(b"", context=context)
    module.ModelTranscriber()(b"")
    assert seen == [prompt_for(context), module.THERAPY_PROMPT]


def _fake_model(folder: Any) -> Any:
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"\0" * 16)
    (folder / "config.json").write_text("{}")
    (folder / "vocabulary.txt").write_text("a\n")
    return folder


def test_model_import_checks_folders_and_zips(tmp_path: Any) -> None:
    import zipfile

    from scribe.models import SpeedProbe, import_model

    good = _fake_model(tmp_path / "good")
    assert import_model(good, tmp_path / "models") == good
    with pytest.raises(ModelUnavailable, match=r"missing model\.bin"):
        (tmp_path / "empty").mkdir()
        import_model(tmp_path / "empty", tmp_path / "models")
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../outside/model.bin", b"x")
    with pytest.raises(ModelUnavailable, match="unsafe path"):
        import_model(evil, tmp_path / "models")
    assert not (tmp_path / "outside").exists()
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as z:
        for f in good.iterdir():
            z.write(f, f"top/inner/{f.name}")
    unpacked = import_model(nested, tmp_path / "models")
    assert unpacked == tmp_path / "models" / "nested" and (unpacked / "model.bin").is_file()
    with pytest.raises(ModelUnavailable, match="already imported"):
        import_model(nested, tmp_path / "models")
    assert SpeedProbe(10.0, 1.25).describe().startswith("8.0× real time")


def test_the_prompt_carries_the_episodes_goal_and_exercise_words() -> None:
    import datetime as dt
    from dataclasses import replace

    from core.domain.enums import GoalTerm
    from core.domain.episode import Goal
    from core.domain.visit import TimedBlock
    from scribe.context import DictationContext
    from scribe.prompt import EPISODE_WORDS, prompt_for

    goals = (Goal(term=GoalTerm.SHORT, activity="Climb 12 stairs", functional_purpose=
                  "to reach the bedroom"),)
    blocks = (TimedBlock(code="97110", start=dt.time(9), stop=dt.time(9, 15),
                         details={"exercises": [{"name": "leg press"}, {"name": "step ups"}]}),)
    base = DictationContext.from_codes(["M17.11"], "PT")
    with_episode = replace(base, goals=goals * 20, timed_blocks=blocks)
    prompt = prompt_for(with_episode, episode=True)
    assert "Climb 12 stairs to reach the bedroom." in prompt
    assert prompt_for(with_episode, episode=False) == prompt_for(base)
    extra = len(prompt.split()) - len(prompt_for(base).split())
    assert 0 < extra <= EPISODE_WORDS  # goals repeated 20 times are cut, not a long prompt
    only_blocks = prompt_for(replace(base, timed_blocks=blocks), episode=True)
    assert only_blocks.endswith("Exercises: leg press, step ups.")


def test_the_prompt_carries_the_last_notes_names_and_the_smart_phrases_within_budget() -> None:
    """Context biasing (issue 21): the last notes' exercise/activity names join this note's
    (each once), the clinician's smart phrases come after them, and the whole prompt — even
    with every source overfull and the live path's 30 words of the previous piece — stays
    inside Whisper's 224-token prompt window."""
    import datetime as dt
    from dataclasses import replace

    from core.domain.enums import GoalTerm
    from core.domain.episode import Goal
    from core.domain.visit import TimedBlock
    from scribe.context import DictationContext
    from scribe.prompt import PROMPT_CHARS, prompt_for

    base = DictationContext.from_codes(["M17.11", "M25.511"], "PT")
    blocks = (TimedBlock(code="97110", start=dt.time(9), stop=dt.time(9, 15),
                         details={"exercises": [{"name": "leg press"}]}),)
    ctx = replace(base, timed_blocks=blocks, recent_terms=("Leg press", "terminal knee "
                  "extension", "sit to stand"), phrases=("contact guard assist", "verbal cues"))
    prompt = prompt_for(ctx)
    assert prompt.endswith("Exercises: leg press, terminal knee extension, sit to stand. "
                           "contact guard assist. verbal cues.")
    assert prompt_for(ctx, recent=False).endswith("Exercises: leg press.")
    assert prompt_for(replace(base, recent_terms=("lateral step ups",))).endswith(
        "Exercises: lateral step ups.")
    overfull = replace(ctx, goals=(Goal(term=GoalTerm.SHORT, activity="Walk 500 feet "
                                        "without a device on uneven ground outside"),) * 5,
                       recent_terms=tuple(f"exercise number {i}" for i in range(40)),
                       phrases=("Patient tolerated treatment well without increase in "
                                "symptoms and verbalized understanding.",) * 10)
    assert len(prompt_for(overfull)) <= PROMPT_CHARS  # + 30 spoken words: < 223 tokens
    assert "Walk 500 feet" in prompt_for(overfull)  # goals first
    three = replace(overfull, diagnoses=DictationContext.from_codes(
        ["M17.11", "M25.511", "M54.50"]).diagnoses)
    assert len(prompt_for(three)) <= PROMPT_CHARS and "Physical therapy" in prompt_for(three)
