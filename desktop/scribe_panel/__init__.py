"""The dictation review panel (architecture flow 4): record or import → sealed into the chart
→ transcribed in a cancellable job → draft reviewed beside the transcript → accepted into the
note by the clinician. Nothing is signed or billed automatically.

Entry points (GUI thread):
- ``open_dictation(ctx, note_id, parent)`` opens the panel for a draft note (window-modal,
  non-blocking) and returns it; connect ``note_changed`` to reload the note editor.
- ``install_retention(ctx, signed=None)`` runs ``dictation.apply_retention`` on every unlock
  and, when given the note editor's ``signed`` signal, after every signature.

Heavy modules (the dialog, the scribe, numpy) load on first use, not at import.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop.scribe_panel.dialog import DictationDialog


def open_dictation(ctx: Any, note_id: uuid.UUID, parent: QWidget | None = None) -> DictationDialog:
    from PySide6.QtCore import Qt

    from desktop.scribe_panel.dialog import DictationDialog

    dialog = DictationDialog(ctx, note_id, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog


def install_retention(ctx: Any, signed: Any = None) -> None:
    """Apply the recordings' retention setting on unlock and (given ``signed``) after signing."""
    from desktop.scribe_panel import ops

    def apply(*_: Any) -> None:
        ops.apply_retention(None, ctx.clock.today()).run()

    ctx.bus.unlocked.connect(apply)
    if signed is not None:
        signed.connect(apply)
