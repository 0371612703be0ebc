"""The audio decoders registered for ``core.media.audio.decode`` (see its docstring for the
order they are tried in). A module of its own, without numpy, so that the app can register Qt's
decoder at start-up without importing numpy before its first window."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.media.audio import Decoded

# A decoder takes the encoded bytes and returns ``Decoded``; it raises (anything) for input it
# cannot read, and the next one is tried.
Decoder = Callable[[bytes], "Decoded"]
_DECODERS: list[Decoder] = []


def register(decoder: Decoder) -> None:
    """Try ``decoder`` before PyAV for everything but a 16 kHz WAV (idempotent)."""
    if decoder not in _DECODERS:
        _DECODERS.insert(0, decoder)


def registered() -> list[Decoder]:
    return list(_DECODERS)
