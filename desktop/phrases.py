"""Smart phrases: user-defined abbreviations (".hep") that expand when followed by a space.

Contract:
- The list lives in ``config_dir()/smart_phrases.json`` as
  ``{"version": 1, "phrases": {".hep": "expansion", ...}}``. It is the clinician's own
  boilerplate, not patient data; it is never written into the chart except as typed text.
- ``SmartPhrases.load`` seeds a few defaults when the file is missing and keeps going (with
  the defaults) when it is unreadable. ``save`` writes atomically.
- ``PhraseExpander`` is an event filter for ``QPlainTextEdit``/``QTextEdit``: when the user
  types a space, Enter or Tab right after an abbreviation, the abbreviation is replaced by its
  expansion (one undo step) and the key then acts as usual. GUI thread only.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from desktop.settings import config_dir

FILE_NAME = "smart_phrases.json"
DEFAULTS: dict[str, str] = {
    ".hep": "Reviewed home exercise program; patient demonstrated correct form and "
    "verbalized understanding.",
    ".tol": "Tolerated treatment well without increase in symptoms.",
    ".cga": "contact guard assist",
    ".sba": "stand-by assist",
    ".vc": "verbal cues",
    ".tc": "tactile cues",
    ".poc": "Continue per plan of care.",
}
_TRIGGERS = {Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab}


class SmartPhrases:
    def __init__(self, phrases: dict[str, str], path: Path | None = None) -> None:
        self.phrases = dict(phrases)
        self.path = path

    @classmethod
    def load(cls, folder: Path | None = None) -> SmartPhrases:
        path = (folder or config_dir()) / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            phrases = {str(k): str(v) for k, v in dict(data.get("phrases", {})).items()}
        except FileNotFoundError:
            store = cls(DEFAULTS, path)
            with contextlib.suppress(OSError):
                store.save()
            return store
        except (OSError, ValueError, TypeError, AttributeError):
            phrases = dict(DEFAULTS)
        return cls(phrases, path)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        payload = {"version": 1, "phrases": dict(sorted(self.phrases.items()))}
        tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def expansion(self, word: str) -> str | None:
        return self.phrases.get(word)


def _word_before(cursor: QTextCursor) -> QTextCursor:
    """A cursor selecting the run of non-space characters just before ``cursor``."""
    probe = QTextCursor(cursor)
    probe.clearSelection()
    end = probe.position()
    block_start = probe.block().position()
    text = probe.block().text()[: end - block_start]
    start = end
    while start > block_start and not text[start - block_start - 1].isspace():
        start -= 1
    probe.setPosition(start)
    probe.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    return probe


class PhraseExpander(QObject):
    """Install on a text edit: ``edit.installEventFilter(PhraseExpander(phrases, edit))``."""

    def __init__(self, phrases: SmartPhrases, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._phrases = phrases

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _TRIGGERS
            and isinstance(watched, QPlainTextEdit | QTextEdit)
            and not watched.isReadOnly()
        ):
            self.expand_at_cursor(watched)
        return False

    def expand_at_cursor(self, edit: QPlainTextEdit | QTextEdit) -> bool:
        cursor = edit.textCursor()
        if cursor.hasSelection():
            return False
        word = _word_before(cursor)
        expansion = self._phrases.expansion(word.selectedText())
        if expansion is None:
            return False
        word.beginEditBlock()
        word.insertText(expansion)
        word.endEditBlock()
        edit.setTextCursor(word)
        return True
