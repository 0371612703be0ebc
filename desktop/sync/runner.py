"""Drive a ``core.sync`` step run from the GUI thread without ever blocking it.

Contract:
- ``RunDriver.start(run)`` takes a generator from ``core.services.sync.*_run``. Each
  ``DbStep`` goes to the database worker as a ``CommandOp`` (so the ``Changes`` of applied
  pages reach ``changes_applied`` and screens refresh); each ``NetStep`` runs on the driver's
  own one-thread pool, so the database worker is free while the network is slow.
- Exactly one of ``finished(value)`` / ``failed(error)`` is emitted per run, on the GUI thread.
  Errors are thrown into the run first, so it can record them (the status bar shows them).
- ``cancel()`` closes the run (e.g. when the chart locks); nothing is emitted afterwards.
- Steps never touch widgets; the driver never runs SQL.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from core.sync.engine import DbStep, NetStep
from desktop.worker import CommandOp


class _NetSignals(QObject):
    done = Signal(object, object, object)  # token, value, error


class _NetTask(QRunnable):
    def __init__(self, step: NetStep, token: object, signals: _NetSignals) -> None:
        super().__init__()
        self._step, self._token, self._signals = step, token, signals

    def run(self) -> None:
        value: Any = None
        error: BaseException | None = None
        try:
            value = self._step.fn()
        except BaseException as exc:  # delivered to the run, never swallowed
            error = exc
        self._signals.done.emit(self._token, value, error)


class RunDriver(QObject):
    finished = Signal(object)
    failed = Signal(object)
    step = Signal(str)  # label of the step about to run ("push", "apply", ...)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _NetSignals(self)
        self._signals.done.connect(self._net_done)
        self._run: Generator[Any, Any, Any] | None = None
        self._token: object = None

    @property
    def running(self) -> bool:
        return self._run is not None

    def start(self, run: Generator[Any, Any, Any]) -> None:
        if self._run is not None:
            raise RuntimeError("A run is already in progress.")
        self._run = run
        self._token = object()
        self._advance(None, None)

    def cancel(self) -> None:
        run, self._run, self._token = self._run, None, None
        if run is not None:
            run.close()

    def wait(self, timeout_ms: int = 30_000) -> None:
        self._pool.waitForDone(timeout_ms)

    # -- stepping -------------------------------------------------------------------------
    def _advance(self, value: Any, error: BaseException | None) -> None:
        run = self._run
        if run is None:
            return
        try:
            step = run.throw(error) if error is not None else run.send(value)
        except StopIteration as stop:
            self._run = None
            self.finished.emit(stop.value)
            return
        except BaseException as exc:
            self._run = None
            self.failed.emit(exc)
            return
        self.step.emit(step.label)
        token = self._token
        if isinstance(step, DbStep):

            def ok(value: Any, token: object = token) -> None:
                self._db_done(token, value, None)

            def failed(error: BaseException, token: object = token) -> bool:
                self._db_done(token, None, error)
                return True  # the run decides; BackgroundSync reports it

            CommandOp(self, step.fn).success(ok).failure(failed).run()
        else:
            self._pool.start(_NetTask(step, token, self._signals))

    def _db_done(self, token: object, value: Any, error: BaseException | None) -> None:
        if token is self._token:
            self._advance(value, error)

    @Slot(object, object, object)
    def _net_done(self, token: object, value: Any, error: BaseException | None) -> None:
        if token is self._token:
            self._advance(value, error)
