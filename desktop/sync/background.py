"""Background sync: a timer on the GUI thread starts step runs; the UI never waits for them.

Contract:
- ``BackgroundSync(parent, transport=None, interval_ms=300_000)``. ``start()`` arms the timer;
  ``sync_now()`` runs at once (ignored while a run is in progress: runs never overlap);
  ``local_change()`` asks for a run ``debounce_ms`` after the last local edit (connect it to
  ``bus.changes_applied``; changes that came *from* a sync do not re-trigger one).
- Signals: ``started()``, ``finished(SyncReport)``, ``failed(ChartsideError | Exception)``,
  ``status_changed(SyncStatus)`` after every run and on ``refresh_status()``.
- A failure that a person must fix first (device revoked, not enrolled, no sync key, refused
  enrollment, tampering) stops the timer until ``start()`` is called again; a network or server
  failure retries with exponential back-off (1, 2, 4 … up to 30 minutes, or ``Retry-After``).
- ``stop()`` (call it when the chart locks) disarms the timer and cancels the run in progress.
"""

from __future__ import annotations

from typing import Any

import httpx
from PySide6.QtCore import QObject, QTimer, Signal

from core.services import sync
from core.sync.errors import ServerUnavailable, SyncError
from desktop.sync.runner import RunDriver
from desktop.worker import QueryOp

MAX_BACKOFF_MS = 30 * 60 * 1000


class BackgroundSync(QObject):
    started = Signal()
    finished = Signal(object)
    failed = Signal(object)
    status_changed = Signal(object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        interval_ms: int = 300_000,
        debounce_ms: int = 20_000,
    ) -> None:
        super().__init__(parent)
        self._transport = transport
        self.interval_ms = interval_ms
        self._driver = RunDriver(self)
        self._driver.finished.connect(self._on_finished)
        self._driver.failed.connect(self._on_failed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.sync_now)
        self._failures = 0
        self.enabled = False
        self.last_error: BaseException | None = None

    @property
    def running(self) -> bool:
        return self._driver.running

    def start(self) -> None:
        self.enabled = True
        self._failures = 0
        self._timer.start(0)

    def stop(self) -> None:
        self.enabled = False
        self._timer.stop()
        self._debounce.stop()
        self._driver.cancel()

    def local_change(self, changes: Any = None) -> None:
        if self.enabled and not self._driver.running:
            self._debounce.start()

    def sync_now(self) -> None:
        if self._driver.running:
            return
        self._timer.stop()
        self._debounce.stop()
        self.started.emit()
        self._driver.start(sync.sync_run(self._transport))

    def refresh_status(self) -> None:
        QueryOp(self, sync.status).success(self.status_changed.emit).run()

    def wait(self, timeout_ms: int = 30_000) -> None:
        self._driver.wait(timeout_ms)

    # -- outcomes -------------------------------------------------------------------------
    def _on_finished(self, report: Any) -> None:
        self._failures = 0
        self.last_error = None
        self.finished.emit(report)
        self.refresh_status()
        if self.enabled:
            self._timer.start(self.interval_ms)

    def _on_failed(self, error: BaseException) -> None:
        self.last_error = error
        self.failed.emit(error)
        self.refresh_status()
        retryable = isinstance(error, ServerUnavailable) or (
            isinstance(error, SyncError) and error.retryable
        )
        if not retryable and isinstance(error, SyncError):
            self.enabled = False  # a person must act (revoked, no key, ...)
            return
        if self.enabled:
            self._failures += 1
            wait = min(MAX_BACKOFF_MS, 1000 * 2 ** min(self._failures - 1, 20))
            hinted = getattr(error, "retry_after", None)
            if hinted:
                wait = max(wait, int(hinted * 1000))
            self._timer.start(wait)
