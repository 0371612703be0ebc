"""Expected failures of the scribe, each a ``ChartsideError`` with a message a clinician can act on.

Contract: nothing in ``scribe`` lets a decoder, model or crypto exception escape to the caller
for a foreseeable problem (unreadable or empty audio, no speech, missing model, cancelled job,
damaged recording). Those are translated here so the desktop's single error presenter and the
CLI's exit codes work unchanged. Messages never contain transcript text (it may be PHI).
"""

from __future__ import annotations

from core.domain.errors import ChartsideError, InvalidInput
from core.media.errors import AudioUnreadable, RecordingTampered

__all__ = ["AudioUnreadable", "DownloadNotAllowed", "InvalidInput", "ModelUnavailable",
           "NoSpeechFound", "RecordingTampered", "ScribeError", "TranscriptionCancelled"]


class ScribeError(ChartsideError):
    """Base of every scribe failure (exit status 10: the model or audio pipeline; bad audio
    and bad transcripts are ``InvalidInput``, exit 2)."""

    exit_code = 10


class NoSpeechFound(ScribeError):
    """The audio decodes but holds no speech (silence or noise), so there is nothing to draft."""

    exit_code = 2


class ModelUnavailable(ScribeError):
    """The transcription model cannot be found or loaded on this computer."""


class DownloadNotAllowed(ModelUnavailable):
    """A named model would have to be downloaded and the user has not consented."""


class TranscriptionCancelled(ScribeError):
    """The user cancelled the transcription; no draft was made."""

    exit_code = 130
