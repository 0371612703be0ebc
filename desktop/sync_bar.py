"""``SyncBar``: the status-bar end of sync (docs/sync.md §6) — background runs while the chart
is unlocked, the ``SyncStatusWidget`` (last sync, pending changes, conflicts, notices),
"Review" → the Sync page (``SyncReviewPage``: every conflict and notice, readable; "Compare…"
opens the ``ConflictResolver``) or, with none open, the rescued addendum drafts; a click →
the Sync settings.

Contract:
- Built by MainWindow with the workspace (after the services are imported). On unlock it reads
  the status (no network) and starts ``BackgroundSync`` only when this device is enrolled and
  not revoked; on lock it stops it and closes an open resolver (it shows note text).
- Local edits ask for a run ~20 s later (``local_change``); changes carrying ``sync_conflict``
  or ``addendum_draft`` refresh the status. Pulled changes reach ``changes_applied`` like any
  write, so open screens refresh themselves.
- ``ctx.sync_transport`` (None: the network) is the httpx transport, injectable for tests.
- GUI thread only; no SQL; the widget shows counts and times, never PHI.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from desktop.sync import ops
from desktop.sync.background import BackgroundSync
from desktop.sync.conflict_resolver import AddendumDraftsPanel, ConflictResolver
from desktop.sync.review_page import SyncReviewPage
from desktop.sync.status_widget import SyncStatusWidget

INTERVAL_MS = 5 * 60_000


class SyncBar(QObject):
    settings_requested = Signal()

    def __init__(self, ctx: Any, window: QWidget) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.widget = SyncStatusWidget(window)
        self.widget.setObjectName("syncStatus")
        self.widget.setToolTip("Sync: click for its settings")
        self.widget.setCursor(Qt.CursorShape.PointingHandCursor)
        self.widget.clicked.connect(self.settings_requested)
        self.widget.attention_clicked.connect(self.review)
        self.background: BackgroundSync | None = None
        self.dialog: QDialog | None = None
        ctx.bus.unlocked.connect(self._unlocked)
        ctx.bus.locked.connect(self._locked)
        ctx.bus.changes_applied.connect(self._changes)

    # -- life -----------------------------------------------------------------------------
    def _unlocked(self) -> None:
        if self.background is None:
            self.background = BackgroundSync(
                self, transport=getattr(self.ctx, "sync_transport", None), interval_ms=INTERVAL_MS
            )
            self.background.status_changed.connect(self.widget.set_status)
            self.background.started.connect(lambda: self.widget.set_running(True))
            self.background.finished.connect(lambda _r: self.widget.set_running(False))
            self.background.failed.connect(lambda _e: self.widget.set_running(False))
        ops.status(self).success(self._first_status).run()

    def _first_status(self, status: Any) -> None:
        self.widget.set_status(status)
        if status.enrolled and not status.revoked and self.background is not None:
            self.background.start()

    def _locked(self) -> None:
        if self.background is not None:
            self.background.stop()
        self.widget.set_running(False)
        self._close_dialog()

    def _changes(self, changes: Any) -> None:
        if self.background is not None:
            self.background.local_change(changes)
        if "sync_conflict" in changes or "addendum_draft" in changes:
            self.refresh()

    def refresh(self, *_args: Any) -> None:
        """Re-read the status (after settings changed or a conflict was resolved)."""
        ops.status(self).success(self._status_again).run()

    def _status_again(self, status: Any) -> None:
        self.widget.set_status(status)
        background = self.background
        if (background is not None and status.enrolled and status.key_ready
                and not status.revoked and not background.enabled):
            background.start()  # enrolled or re-keyed from the settings page

    # -- review -----------------------------------------------------------------------------
    def review(self) -> None:
        """The Sync page (conflicts and notices); with none open, the rescued drafts."""
        status = self.widget.status
        quiet = status is not None and not (status.conflicts or status.notices)
        if quiet and status is not None and status.addendum_drafts:
            self._show_drafts()
            return
        self._show_review()

    def _show_review(self) -> None:
        dialog = QDialog(self.window)
        dialog.setObjectName("syncReview")
        dialog.setWindowTitle("Sync: conflicts and notices")
        dialog.resize(760, 560)
        v = QVBoxLayout(dialog)
        page = SyncReviewPage(dialog)
        page.changed.connect(self.refresh)
        page.open_conflict.connect(
            lambda cid: ops.conflict_detail(self, cid).success(self._show_resolver).run()
        )
        page.refresh()
        v.addWidget(page, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(dialog.reject)
        v.addWidget(close)
        dialog.finished.connect(lambda _r: self.refresh())
        self._open(dialog)

    def _show_resolver(self, detail: Any) -> None:
        dialog = ConflictResolver(detail, self.window)
        dialog.setObjectName("conflictResolver")
        dialog.resize(900, 560)
        dialog.accepted.connect(self.refresh)
        self._open(dialog)

    def _show_drafts(self) -> None:
        dialog = QDialog(self.window)
        dialog.setObjectName("addendumDrafts")
        dialog.setWindowTitle("Text rescued by sync")
        dialog.resize(640, 480)
        v = QVBoxLayout(dialog)
        panel = AddendumDraftsPanel(dialog)
        panel.author_id = self.ctx.session.clinician_id
        panel.refresh()
        v.addWidget(panel, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(dialog.reject)
        v.addWidget(close)
        dialog.finished.connect(lambda _r: self.refresh())
        self._open(dialog)

    def _open(self, dialog: QDialog) -> None:
        self._close_dialog()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()

    def _close_dialog(self) -> None:
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.reject()
        self.dialog = None
