"""The database worker and the ops that run on it (Anki's CollectionOp/QueryOp, superqt workers).

Contract:
- One ``DatabaseWorker`` per app. It owns a ``QThread`` and, on that thread only, the unlocked
  ``ChartSession``. Every service call runs there, one at a time, in submission order, so the
  GUI thread never runs SQL and never waits on the disk.
- ``CommandOp(parent, op=lambda chart: service(chart, ...)).success(cb).run()`` for writes: when
  ``op`` returns a ``Result`` (or ``Changes``), the app-wide ``changes_applied(Changes)`` signal
  fires after ``cb``. ``QueryOp`` is the same for reads (no signal). ``SessionOp`` installs the
  session a service opened or created; ``LockOp`` locks and forgets it. ``JobOp`` runs a long
  job that needs no chart (ICD-10 search) on a small thread pool instead.
- Callbacks run on the GUI thread. They are skipped when ``parent`` was deleted, and — for
  success callbacks — when the chart was locked after the op was submitted (the *epoch*
  changed), so no stale PHI reaches a cleared screen. Failures are never swallowed: an op's
  ``failure`` handler may return True to say it showed the error itself; otherwise the app's
  one presenter shows it.
- Workers never touch widgets; the op callables receive the session and nothing else.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QDeadlineTimer,
    QEventLoop,
    QObject,
    QRunnable,
    QThread,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)

if TYPE_CHECKING:
    from core.domain.changes import Changes
    from core.storage.chart import ChartSession

log = logging.getLogger("chartside.desktop.worker")
T = TypeVar("T")
Handler = Callable[[BaseException], bool | None]


@dataclass(eq=False)
class _Job:
    """One unit of work for a runner. ``kind`` is "chart", "session", "lock" or "plain"."""

    kind: str
    fn: Callable[..., Any]
    op: _Op[Any] | None
    epoch: int
    seq: int = field(default_factory=itertools.count().__next__)


class _Runner(QObject):
    """Lives on the database thread; holds the session; never touches widgets."""

    finished = Signal(object, object, object)  # job, value, error

    def __init__(self) -> None:
        super().__init__()
        self.chart: ChartSession | None = None

    @Slot(object)
    def run(self, job: _Job) -> None:
        value: Any = None
        error: BaseException | None = None
        try:
            value = self._execute(job)
        except BaseException as exc:  # delivered to the GUI thread, never swallowed
            error = exc
        self.finished.emit(job, value, error)

    def _execute(self, job: _Job) -> Any:
        if job.kind == "plain":
            return job.fn()
        if job.kind == "session":
            session = job.fn()
            if self.chart is not None and self.chart is not session:
                self.chart.lock()
            self.chart = session
            return session.chart_id
        if job.kind == "lock":
            chart, self.chart = self.chart, None
            if chart is not None:
                chart.lock()
            return None
        if self.chart is None or self.chart.locked:
            from core.domain.errors import ChartLocked

            raise ChartLocked("The chart is locked.", hint="Unlock it to continue.")
        return job.fn(self.chart)


class DatabaseWorker(QObject):
    """GUI-thread facade of the database thread. ``pending`` counts ops not yet delivered."""

    _submit = Signal(object)
    drained = Signal()
    delivered = Signal(object, object, object)  # op, value, error (after callbacks ran)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("chartside-database")
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._runner.finished.connect(self._deliver)
        self._thread.start()
        self.epoch = 0
        self.pending = 0
        self.deliver_failure: Callable[[BaseException, _Op[Any] | None], None] = _log_only
        self.on_changes: Callable[[Changes], None] = lambda _c: None

    # -- submission ------------------------------------------------------------------------
    def submit(self, kind: str, fn: Callable[..., Any], op: _Op[Any] | None = None) -> None:
        self.pending += 1
        self._submit.emit(_Job(kind, fn, op, self.epoch))

    def new_epoch(self) -> None:
        """Called on lock: results of ops submitted before now are dropped."""
        self.epoch += 1

    @Slot(object, object, object)
    def _deliver(self, job: _Job, value: Any, error: BaseException | None) -> None:
        self.pending -= 1
        try:
            if job.op is not None:
                job.op._finish(value, error, stale=job.epoch != self.epoch)
            elif error is not None:
                self.deliver_failure(error, None)
        finally:
            self.delivered.emit(job.op, value, error)
            if self.pending == 0:
                self.drained.emit()

    # -- lifecycle -------------------------------------------------------------------------
    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Spin the event loop (GUI stays live) until every submitted op was delivered."""
        if self.pending == 0:
            return True
        loop = QEventLoop()
        self.drained.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        self.drained.disconnect(loop.quit)
        return self.pending == 0

    def shutdown(self) -> None:
        """Lock the chart (if open), finish every op, stop the thread."""
        if not self._thread.isRunning():
            return
        self.submit("lock", lambda: None)
        self.wait_idle()
        self._thread.quit()
        self._thread.wait(QDeadlineTimer(10_000))


class JobRunner(QObject):
    """Jobs that need no chart, in two lanes of one thread each (issue 17): ``quick`` — ICD-10
    search and warm-up imports — and ``long`` — transcription, model checks. Within a lane jobs
    run one at a time in submission order; a transcription never makes a diagnosis search wait.
    Same delivery rules as the ops. (The ICD index is built under a lock in ``core.domain.icd``,
    so a search may run beside anything.)"""

    _done = Signal(object, object, object)

    def __init__(self, worker: DatabaseWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._pools: dict[str, QThreadPool] = {}
        for lane in ("quick", "long"):
            pool = QThreadPool(self)
            pool.setMaxThreadCount(1)
            self._pools[lane] = pool
        self._pool = self._pools["long"]
        self._done.connect(self._deliver)

    def submit(self, fn: Callable[[], Any], op: _Op[Any], lane: str = "long") -> None:
        job = _Job("plain", fn, op, self._worker.epoch)
        done = self._done

        class _Task(QRunnable):
            def run(self) -> None:
                value: Any = None
                error: BaseException | None = None
                try:
                    value = fn()
                except BaseException as exc:
                    error = exc
                # The runner may be gone (the app is closing): then there is nobody to tell.
                with contextlib.suppress(RuntimeError):
                    done.emit(job, value, error)

        self._pools.get(lane, self._pool).start(_Task())

    @Slot(object, object, object)
    def _deliver(self, job: _Job, value: Any, error: BaseException | None) -> None:
        if job.op is not None:
            job.op._finish(value, error, stale=job.epoch != self._worker.epoch)

    def wait(self, timeout_ms: int = 10_000) -> None:
        for pool in self._pools.values():
            pool.waitForDone(timeout_ms)
        QCoreApplication.processEvents()


def wait_for_jobs(timeout_ms: int = 10_000) -> None:
    """Let the job pool finish (app shutdown, tests)."""
    if _jobs is not None:
        _jobs.wait(timeout_ms)


def _log_only(error: BaseException, _op: _Op[Any] | None) -> None:
    log.error("Unhandled op failure: %s", type(error).__qualname__)


# -- ops --------------------------------------------------------------------------------------
_worker: DatabaseWorker | None = None
_jobs: JobRunner | None = None


def install(worker: DatabaseWorker, jobs: JobRunner) -> None:
    """Make ``worker`` the one the ops use (the app does this once at start)."""
    global _worker, _jobs
    _worker, _jobs = worker, jobs


def current_worker() -> DatabaseWorker:
    if _worker is None:
        raise RuntimeError("No database worker installed (desktop.worker.install).")
    return _worker


class _Op(Generic[T]):
    kind = "chart"

    def __init__(self, parent: QObject | None, op: Callable[..., T]) -> None:
        self._parent = parent
        self._fn = op
        self._on_success: list[Callable[[T], None]] = []
        self._on_failure: Handler | None = None

    def success(self, callback: Callable[[T], None]) -> _Op[T]:
        self._on_success.append(callback)
        return self

    def failure(self, handler: Handler) -> _Op[T]:
        """``handler(error)`` returning True means it showed the error itself."""
        self._on_failure = handler
        return self

    def run(self) -> None:
        current_worker().submit(self.kind, self._fn, self)

    def _alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _finish(self, value: Any, error: BaseException | None, *, stale: bool) -> None:
        worker = current_worker()
        if error is not None:
            handled = False
            if self._on_failure is not None and self._alive() and not stale:
                handled = bool(self._on_failure(error))
            if not handled:
                worker.deliver_failure(error, self)
            return
        if not stale and self._alive():
            for callback in self._on_success:
                callback(value)
        self._after_success(value)

    def _after_success(self, value: Any) -> None:
        pass


class QueryOp(_Op[T]):
    """A read on the database worker; ``op(chart)`` returns plain values."""


class CommandOp(_Op[T]):
    """A write on the database worker; its ``Changes`` reach ``changes_applied``."""

    def _after_success(self, value: Any) -> None:
        from core.domain.changes import Changes

        changes = value if isinstance(value, Changes) else getattr(value, "changes", None)
        if isinstance(changes, Changes) and not changes.empty:
            current_worker().on_changes(changes)


class SessionOp(_Op[str]):
    """``op()`` opens or creates a session (returns it, or ``(session, extra)``); the worker
    keeps the session and the success callback receives the chart id (or ``extra``)."""

    kind = "session"

    def __init__(self, parent: QObject | None, op: Callable[[], Any]) -> None:
        extra: dict[str, Any] = {}

        def open_session() -> Any:
            produced = op()
            if isinstance(produced, tuple):
                session, extra["value"] = produced
                return session
            return produced

        super().__init__(parent, open_session)
        self._extra = extra

    def _finish(self, value: Any, error: BaseException | None, *, stale: bool) -> None:
        super()._finish(self._extra.get("value", value), error, stale=stale)


class LockOp(_Op[None]):
    """Lock the session on the worker (after every op submitted before it)."""

    kind = "lock"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent, lambda: None)

    def _finish(self, value: Any, error: BaseException | None, *, stale: bool) -> None:
        super()._finish(value, error, stale=False)  # the lock belongs to the old epoch


class JobOp(_Op[T]):
    """A long job that needs no chart, on the job pool (``op()`` takes no argument);
    ``lane="quick"`` for short interactive jobs (search) that must not queue behind long ones."""

    kind = "plain"

    def __init__(self, parent: QObject | None, op: Callable[..., T], *,
                 lane: str = "long") -> None:
        super().__init__(parent, op)
        self.lane = lane

    def run(self) -> None:
        if _jobs is None:
            raise RuntimeError("No job runner installed.")
        _jobs.submit(self._fn, self, self.lane)
