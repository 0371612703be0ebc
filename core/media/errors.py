"""Errors of audio decoding and recording custody (re-exported by ``scribe.errors``)."""

from __future__ import annotations

from core.domain.errors import ChartError, InvalidInput


class AudioUnreadable(InvalidInput):
    """The file or buffer is empty, is not audio, or uses a format the decoder cannot read."""

    exit_code = 2


class RecordingTampered(ChartError):
    """An encrypted recording does not decrypt with its key: wrong key, or damaged or altered
    (exit 5, like any damaged part of the chart)."""
