"""The chart's life in the app: first launch (create / demo), unlock, first-run setup, the
workspace, lock (on demand or idle) and unlock back to the same place.

Contract:
- Start: the last chart remembered in ``Options`` (a path only) when it still exists and no
  other chart was asked for, else the given chart if it exists, else the welcome screen.
- Unlock errors stay on the unlock screen (wrong passphrase inline; throttling counts down).
- Lock: pending saves are flushed first (they reach the worker before the lock), the
  session is locked on the worker (engine disposed, key zeroed), results of earlier ops are
  dropped (epoch), every PHI widget is cleared, the clipboard is emptied if it holds text
  copied from Chartside. Where the user was is kept as ids and restored after unlock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from desktop.autolock import IdleMonitor
from desktop.context import AppContext, SessionFacts
from desktop.ops import charts as ops
from desktop.settings import demo_chart_path
from desktop.wheel_guard import install_wheel_guard

if TYPE_CHECKING:
    from desktop.main_window import MainWindow
    from desktop.workspace import Location


class ChartFlow(QObject):
    def __init__(self, ctx: AppContext, window: MainWindow, chart_path: Path) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.window = window
        self.chart_path = Path(chart_path)
        self.path: Path | None = None
        self.unlocked = False
        self._resume: Location | None = None
        # The wheel guard first: app filters run newest first, so the idle monitor (installed
        # next) still sees the wheel events the guard takes over.
        install_wheel_guard()
        self.idle = IdleMonitor(ctx.clock, ctx.options.auto_lock_minutes, self)
        self.idle.idle.connect(lambda: self.lock("idle"))
        s = window.screens
        s.welcome.create_chosen.connect(lambda: self.begin_create(demo=False))
        s.welcome.demo_chosen.connect(self.open_demo)
        s.welcome.open_chosen.connect(self.show_unlock)
        s.create.create_requested.connect(self.create)
        s.create.cancelled.connect(self.show_welcome)
        s.create.completed.connect(lambda _demo: self.after_unlock())
        s.create.key_copied.connect(ctx.clipboard.mark_ours)
        s.unlock.unlock_requested.connect(self.unlock)
        s.unlock.open_other.connect(self.show_unlock)
        s.unlock.create_new.connect(self.show_welcome)
        s.setup.submitted.connect(self.save_setup)

    # -- start ----------------------------------------------------------------------------------
    def start(self, *, explicit: bool = False) -> str:
        last = self.ctx.options.last_chart
        if not explicit and last is not None and last.exists():
            self.show_unlock(last)
        elif self.chart_path.exists():
            self.show_unlock(self.chart_path)
        else:
            self.show_welcome()
        return self.window.current_screen()

    def show_welcome(self) -> None:
        self.window.show_screen("welcome")

    def show_unlock(self, path: Path, reason: str = "") -> None:
        self.path = Path(path)
        self.window.screens.unlock.start(self.path, reason=reason)
        self.window.show_screen("unlock")

    def begin_create(self, *, demo: bool, path: Path | None = None) -> None:
        target = path or (demo_chart_path() if demo else self.chart_path)
        self.window.screens.create.start(target, demo=demo)
        self.window.show_screen("create")

    def open_demo(self) -> None:
        path = demo_chart_path()
        if path.exists():
            self.show_unlock(path, "The demo chart already exists: unlock it with its passphrase.")
        else:
            self.begin_create(demo=True, path=path)

    # -- create / unlock --------------------------------------------------------------------------
    def create(self, path: Path, passphrase: str, demo: bool) -> None:
        screen = self.window.screens.create
        screen.show_working()
        self.path = path

        def failed(error: BaseException) -> bool:
            from core.domain.errors import ChartsideError

            if isinstance(error, ChartsideError):
                screen.show_error(str(error))
                return True
            screen.show_error("The chart could not be created.")
            return False

        ops.create(screen, path, passphrase, demo=demo, kdf=self.ctx.kdf).success(
            screen.show_recovery_key
        ).failure(failed).run()

    def unlock(self, path: Path, secret: str, recovery: bool) -> None:
        screen = self.window.screens.unlock

        def failed(error: BaseException) -> bool:
            from core.domain.errors import ChartsideError, UnlockThrottled

            if isinstance(error, UnlockThrottled):
                screen.show_throttled(str(error), error.retry_after)
                return True
            if isinstance(error, ChartsideError):
                screen.show_error(str(error))
                return True
            screen.show_error("The chart could not be opened.")
            return False

        user = screen.selected_user()
        ops.unlock(screen, path, secret, recovery=recovery, user=user).success(
            lambda _id: self.after_unlock()
        ).failure(failed).run()

    def after_unlock(self) -> None:
        if self.path is not None:
            self.ctx.options.last_chart = self.path.resolve()
        self.ctx.session.chart_path = self.path
        ops.setup_status(self.window).success(self._status).run()

    def _status(self, status: Any) -> None:
        self.ctx.session.apply(status)
        if status.needs_setup:
            self.window.screens.setup.start()
            self.window.show_screen("setup")
            return
        self.enter_workspace()

    def save_setup(self, details: dict[str, Any]) -> None:
        screen = self.window.screens.setup

        def failed(error: BaseException) -> bool:
            from core.domain.errors import ChartsideError

            if isinstance(error, ChartsideError):
                screen.show_error(str(error))
                return True
            return False

        ops.first_run_setup(screen, details).success(lambda _c: self.after_unlock()).failure(
            failed
        ).run()

    def enter_workspace(self) -> None:
        workspace = self.window.ensure_workspace()
        self.unlocked = True
        self.window.show_screen("workspace")
        workspace.restore(self._resume)
        self._resume = None
        self.idle.minutes = self.ctx.options.auto_lock_minutes
        self.idle.arm()
        from core.domain.errors import ChartLocked

        if self.ctx.presenter is not None:
            self.ctx.presenter.withdraw(ChartLocked)  # its cause is gone
        self.ctx.bus.unlocked.emit()

    # -- lock -----------------------------------------------------------------------------------
    def lock(self, reason: str = "manual") -> None:
        if not self.unlocked:
            return
        self.unlocked = False
        self.idle.disarm()
        workspace = self.window.workspace
        if workspace is not None:
            self._resume = workspace.location()
        self.ctx.savers.flush_all()  # typed text is submitted before the lock
        ops.lock(self.window).run()
        self.ctx.worker.new_epoch()  # answers to earlier queries are dropped
        if workspace is not None:
            workspace.clear()
        self.ctx.clipboard.clear_if_ours()
        chart_path = self.ctx.session.chart_path
        self.ctx.session = SessionFacts()  # the context is shared: every panel sees this
        message = (
            f"Locked after {self.idle.minutes} idle minutes. Unlock to continue where you were."
            if reason == "idle"
            else "Chart locked. Unlock to continue where you were."
        )
        self.show_unlock(chart_path or self.path or self.chart_path, message)
        self.ctx.bus.locked.emit()

    def shutdown(self) -> None:
        """Save what is pending, lock, stop the worker (close / quit)."""
        self.ctx.savers.flush_all()
        self.idle.disarm()
        self.unlocked = False
        self.ctx.worker.shutdown()
