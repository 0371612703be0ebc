"""The recorded fixture transcripts (fixtures/transcripts/<hearing>/<id>.json) as ``Transcript``s,
and transcribers for tests that need a fixed hearing: usable from any test tier."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEARINGS = ("int8", "float32")


def recorded(dictation_id: str, hearing: str = "int8") -> Any:
    """What the bundled model heard in ``<dictation_id>.wav`` (see record_transcripts.py)."""
    from scribe.serialize import transcript_from_dict

    path = FIXTURES / "transcripts" / hearing / f"{dictation_id}.json"
    return transcript_from_dict(json.loads(path.read_text()))


class GatedReplay:
    """A ``ReplayTranscriber`` that stops after its first progress report until ``release``
    is set or the run is cancelled — so a test can act while a run is surely in flight.
    ``received`` keeps the audio it was handed."""

    def __init__(self, transcript: Any, *, gated: bool = True) -> None:
        from scribe.transcribe import ReplayTranscriber

        self.replay = ReplayTranscriber(transcript)
        self.release = threading.Event()
        if not gated:
            self.release.set()
        self.received: list[Any] = []
        self.contexts: list[Any] = []

    def __call__(self, source: Any, *, progress: Callable[[Any], None] | None = None,
                 cancel: Any = None, context: Any = None, follows: str = "") -> Any:
        self.received.append(source)
        self.contexts.append(context)

        def report(p: Any) -> None:
            if progress is not None:
                progress(p)
            for _ in range(600):  # at most 30 s, then go on (a test that forgot to release)
                if self.release.is_set() or (cancel is not None and cancel.is_set()):
                    break
                self.release.wait(0.05)

        return self.replay(source, progress=report, cancel=cancel)
