"""Chartside scribe: audio → transcript → normalized text → SOAP draft → review flags.

Public API (import from here; heavy modules load lazily so ``import scribe`` stays fast):

- ``load_model(model=None, allow_download=False) -> ScribeModel``
- ``transcribe(source, model=None, options=..., progress=None, cancel=None) -> Transcript``
- ``build_draft(transcript, context=None) -> Draft`` and ``draft_from_text(text, context)``
- ``check_sentence_edit(draft, sentence_id, new_text, context=None) -> list[Flag]``
- ``DictationContext`` (diagnoses, goals, timed blocks), ``draft_to_dict`` (JSON shape)
- ``seal_recording`` / ``open_recording`` (per-recording XChaCha20-Poly1305), ``pcm_to_audio``
- ``is_negated(sentence, concept)``, ``normalize_text(text)``

Boundaries: no Qt, no SQL, no ``core.storage``/``core.services`` (checked by import-linter).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

# Before anything loads onnxruntime (the VAD): no telemetry file outside the chart.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

_EXPORTS = {
    "load_model": "scribe.model", "ScribeModel": "scribe.model",
    "transcribe": "scribe.transcribe", "Progress": "scribe.transcribe",
    "TranscribeOptions": "scribe.transcribe",
    "build_draft": "scribe.draft", "draft_from_text": "scribe.draft", "Draft": "scribe.draft",
    "Sentence": "scribe.draft", "check_sentence_edit": "scribe.draft",
    "DictationContext": "scribe.context", "draft_to_dict": "scribe.serialize",
    "seal_recording": "scribe.custody", "open_recording": "scribe.custody",
    "pcm_to_audio": "scribe.audio", "load_audio": "scribe.audio",
    "is_negated": "scribe.negation", "normalize_text": "scribe.normalize",
    "Transcript": "scribe.transcript", "Span": "scribe.transcript",
    "Flag": "scribe.flags", "FlagKind": "scribe.flags", "Severity": "scribe.flags",
    "Item": "scribe.items", "ItemKind": "scribe.items", "SuggestedBlock": "scribe.items",
    "Section": "scribe.sections",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'scribe' has no attribute {name!r}")
