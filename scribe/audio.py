"""Moved to ``core.media.audio`` (shared with core, issue 17); re-exported for scribe callers."""

from core.media.audio import MIN_SECONDS, SAMPLE_RATE, AudioSource, load_audio, pcm_to_audio

__all__ = ["MIN_SECONDS", "SAMPLE_RATE", "AudioSource", "load_audio", "pcm_to_audio"]
