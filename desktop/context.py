"""``AppContext``: what every panel needs from the app, handed down explicitly (no god window).

Contract:
- Built once by ``desktop.app`` on the GUI thread; panels receive it in their constructor.
- ``bus.changes_applied(Changes)`` is the one app-wide refresh signal: every ``CommandOp``
  that changed something emits it after its own callback; panels refresh only the kinds
  (and ids) they show. ``bus.locked`` / ``bus.unlocked`` bracket the unlocked session.
- ``session`` holds the non-PHI facts about the open chart (ids, catalogs) that several
  panels need; it is cleared on lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop.autolock import ClipboardGuard, Clock
from desktop.errors import ErrorPresenter
from desktop.phrases import SmartPhrases
from desktop.saving import SaverRegistry
from desktop.settings import Options
from desktop.worker import DatabaseWorker

if TYPE_CHECKING:
    from core.services.ui_queries import Choice, CodeChoice, SetupStatus


class AppBus(QObject):
    changes_applied = Signal(object)  # core.domain.changes.Changes
    locked = Signal()
    unlocked = Signal()
    setup_changed = Signal()  # clinicians / payer profiles / catalog reloaded


@dataclass
class SessionFacts:
    """Facts about the unlocked chart that carry no PHI (ids, payer names, code catalog)."""

    chart_path: Path | None = None
    clinician_id: uuid.UUID | None = None
    clinicians: tuple[Choice, ...] = ()
    payers: tuple[Choice, ...] = ()
    codes: tuple[CodeChoice, ...] = ()

    def apply(self, status: SetupStatus) -> None:
        self.clinician_id = status.current_clinician_id
        self.clinicians = status.clinicians
        self.payers = status.payers
        self.codes = status.codes

    def payer_name(self, payer_id: uuid.UUID | None) -> str:
        for p in self.payers:
            if p.id == payer_id:
                return p.label
        return "No payer profile (cash)"

    def code_label(self, code: str) -> str:
        for c in self.codes:
            if c.code == code:
                return c.label
        return ""

    def is_timed(self, code: str) -> bool:
        return any(c.code == code and c.timed for c in self.codes)


@dataclass
class AppContext:
    worker: DatabaseWorker
    bus: AppBus
    options: Options
    phrases: SmartPhrases
    clock: Clock
    savers: SaverRegistry
    clipboard: ClipboardGuard
    kdf: Any = None  # core.storage.keys.KdfParams | None (None: the production default)
    # scribe.transcribe.Transcriber for dictation; None: the bundled model at the precision
    # chosen in Preferences (``scribe/compute_type``). Tests hand in a ReplayTranscriber.
    transcriber: Any = None
    sync_transport: Any = None  # httpx.BaseTransport | None (None: the network); for tests
    presenter: ErrorPresenter | None = None
    session: SessionFacts = field(default_factory=SessionFacts)

    def present(self, error: BaseException, where: str = "") -> None:
        if self.presenter is not None:
            self.presenter.present(error, where)
