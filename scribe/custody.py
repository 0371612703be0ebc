"""Moved to ``core.media.custody`` (shared with core, issue 17); re-exported for scribe callers."""

from core.media.custody import (
    KEY_BYTES,
    MAGIC,
    NONCE_BYTES,
    SealedRecording,
    open_recording,
    seal_recording,
)

__all__ = ["KEY_BYTES", "MAGIC", "NONCE_BYTES", "SealedRecording", "open_recording",
           "seal_recording"]
