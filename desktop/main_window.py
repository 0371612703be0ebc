"""``MainWindow``: the error banner, the screens (welcome, create, unlock, setup, workspace),
the menus whose actions carry every shortcut, and the status bar (the clock, sync). It
composes; it decides nothing.

Contract:
- Screens are built up front except the workspace, which is built once the services are
  imported (in the background after the first paint, or at the latest at unlock), so the
  unlock screen appears before SQLAlchemy is loaded.
- Actions come from ``desktop.shortcuts.SHORTCUTS``; those that need an open chart, a
  patient or a note are enabled only then. The workspace adds its own actions without keys
  (Superbill…) to the Patient and Note menus and keeps their state itself.
- The status bar shows only with the workspace (it names the visit being clocked).
- Closing flushes pending saves, locks the chart and stops the database worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QDialog, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from desktop.context import AppContext
from desktop.errors import ErrorBanner, ErrorPresenter, install_excepthook
from desktop.screens.create_chart import CreateChartScreen
from desktop.screens.setup import SetupScreen
from desktop.screens.unlock import UnlockScreen
from desktop.screens.welcome import WelcomeScreen
from desktop.shortcuts import SHORTCUTS, ShortcutsDialog, keys
from desktop.widgets import named

if TYPE_CHECKING:
    from desktop.flow import ChartFlow
    from desktop.sync_bar import SyncBar
    from desktop.workspace import Workspace


@dataclass
class Screens:
    welcome: WelcomeScreen
    create: CreateChartScreen
    unlock: UnlockScreen
    setup: SetupScreen


MENUS = {
    "Chart": "&Chart",
    "Patients": "&Patient",
    "Note": "&Note",
    "View": "&View",
    "Help": "&Help",
}


class MainWindow(QMainWindow):
    screen_changed = Signal(str)

    def __init__(self, ctx: AppContext, chart_path: Path) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Chartside")
        self.ctx = ctx
        central = named(QWidget(), "central")
        v = QVBoxLayout(central)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(0)
        self.banner = ErrorBanner()
        v.addWidget(self.banner)
        self.stack = named(QStackedWidget(), "screens")
        v.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        ctx.presenter = ErrorPresenter(self.banner)
        ctx.worker.deliver_failure = lambda error, _op: self._op_failed(error)
        ctx.worker.on_changes = ctx.bus.changes_applied.emit
        install_excepthook(ctx.presenter)
        self.screens = Screens(WelcomeScreen(), CreateChartScreen(), UnlockScreen(), SetupScreen())
        self._pages: dict[str, QWidget] = {
            "welcome": self.screens.welcome,
            "create": self.screens.create,
            "unlock": self.screens.unlock,
            "setup": self.screens.setup,
        }
        for page in self._pages.values():
            self.stack.addWidget(page)
        self.workspace: Workspace | None = None
        self.sync: SyncBar | None = None
        self._dialog: QDialog | None = None
        self.actions_by_id: dict[str, QAction] = {}
        self._build_menus()
        from desktop.backups_page import DailyBackup

        self.daily_backup = DailyBackup(self)
        self.daily_backup.notice.connect(self._backup_notice)
        ctx.bus.unlocked.connect(self.daily_backup.start)
        ctx.bus.locked.connect(self.daily_backup.stop)
        self._fit_to_screen(1280, 800)
        geometry = ctx.options.get("window/geometry")
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        from desktop.flow import ChartFlow

        self.flow: ChartFlow = ChartFlow(ctx, self, chart_path)
        ctx.bus.locked.connect(self._close_dialog)  # e.g. Preferences showing the Sync page
        self._update_actions()

    def _op_failed(self, error: BaseException) -> None:
        """An op's error nobody handled goes to the presenter — except "the chart is locked"
        while it is: refreshes and checks that were under way when it locked fail that way,
        and the unlock screen already says so (the banner used to stay red after unlock)."""
        from core.domain.errors import ChartLocked

        flow = getattr(self, "flow", None)
        if isinstance(error, ChartLocked) and (flow is None or not flow.unlocked):
            return
        self.ctx.present(error)

    # -- screens --------------------------------------------------------------------------------
    def ensure_workspace(self) -> Workspace:
        if self.workspace is None:
            from desktop.workspace import Workspace

            ws = self.workspace = Workspace(self.ctx)
            ws.page_changed.connect(lambda _p: self._update_actions())
            self._pages["workspace"] = ws
            self.stack.addWidget(ws)
            self._place_workspace_parts(ws)
        return self.workspace

    def _place_workspace_parts(self, ws: Workspace) -> None:
        """The workspace's keyless actions in the menus; the clock and sync in the status bar."""
        from desktop.sync_bar import SyncBar

        for area, action in ws.menu_actions():
            self.menus[area].addSeparator()
            self.menus[area].addAction(action)
        self.statusBar().addWidget(ws.clock)
        self.sync = SyncBar(self.ctx, self)
        self.sync.settings_requested.connect(lambda: self.show_preferences("Sync"))
        self.statusBar().addPermanentWidget(self.sync.widget)
        backups_action = QAction("Backups…", self)
        backups_action.setObjectName("action_backups")
        backups_action.triggered.connect(lambda: self.show_preferences("Backups"))
        self.menus["Chart"].insertAction(self.actions_by_id["preferences"], backups_action)
        sync_settings = QAction("Sync settings…", self)
        sync_settings.setObjectName("action_sync_settings")
        sync_settings.triggered.connect(lambda: self.show_preferences("Sync"))
        self.menus["Chart"].insertAction(self.actions_by_id["preferences"], sync_settings)
        self.statusBar().setVisible(self.current_screen() == "workspace")

    def show_screen(self, name: str) -> None:
        self.stack.setCurrentWidget(self._pages[name])
        if name == "welcome":
            self.banner.hide()
        self.statusBar().setVisible(name == "workspace")
        self._update_actions()
        self.screen_changed.emit(name)

    def current_screen(self) -> str:
        current = self.stack.currentWidget()
        return next((n for n, w in self._pages.items() if w is current), "")

    # -- actions ----------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        menus = {area: self.menuBar().addMenu(title) for area, title in MENUS.items()}
        self.menus = menus
        handlers: dict[str, Any] = {
            "find_patient": lambda: self._ws("patients").focus_search(),
            "new_patient": lambda: self._ws().new_patient(),
            "new_note": lambda: self._ws().new_note(),
            "plan_of_care": lambda: self._ws("chart").request_plan(),
            "back": lambda: self._ws().back(),
            "record_measure": lambda: self._ws().record_measure(),
            "page_patients": lambda: self._ws().show_area("patients"),
            "page_dashboard": lambda: self._ws().show_area("dashboard"),
            "page_mileage": lambda: self._ws().show_area("mileage"),
            "page_reports": lambda: self._ws().show_area("reports"),
            "page_inventory": lambda: self._ws().show_area("inventory"),
            "page_schedule": lambda: self._ws().show_area("schedule"),
            "section_s": lambda: self._editor().focus_section("subjective"),
            "section_o": lambda: self._editor().focus_section("objective"),
            "section_a": lambda: self._editor().focus_section("assessment"),
            "section_p": lambda: self._editor().focus_section("plan"),
            "add_block": lambda: self._editor().focus_add_block(),
            "start_now": lambda: self._editor().block_now("start"),
            "stop_now": lambda: self._editor().block_now("stop"),
            "add_untimed": lambda: self._editor().focus_add_untimed(),
            "copy_forward": lambda: self._editor().copy_forward(),
            "next_finding": lambda: self._editor().next_finding(),
            "dictate": lambda: self._editor().open_dictation(),
            "sign": lambda: self._editor().sign(),
            "addendum": lambda: self._editor().addenda.text.setFocus(),
            "lock": lambda: self.flow.lock("manual"),
            "preferences": self.show_preferences,
            "shortcuts": self.show_shortcuts,
            "quit": self.close,
        }
        for shortcut in SHORTCUTS:
            action = QAction(shortcut.label, self)
            action.setShortcut(keys(shortcut.id))
            action.setObjectName(f"action_{shortcut.id}")
            action.triggered.connect(lambda _c=False, h=handlers[shortcut.id]: h())
            menus[shortcut.area].addAction(action)
            self.addAction(action)  # shortcuts work with the menu bar hidden, too
            self.actions_by_id[shortcut.id] = action
        about = QAction("About Chartside", self)
        about.setObjectName("action_about")
        about.triggered.connect(self.show_about)
        menus["Help"].addAction(about)
        self.actions_by_id["about"] = about

    def show_about(self) -> None:
        from desktop.about import AboutDialog

        dialog = AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _ws(self, part: str = "") -> Any:
        ws = self.workspace
        if ws is None or not self.flow.unlocked:
            return _Null()
        return getattr(ws, part) if part else ws

    def _editor(self) -> Any:
        ws = self.workspace
        if ws is None or not self.flow.unlocked or ws.page() != "note":
            return _Null()
        return ws.editor

    def _update_actions(self) -> None:
        unlocked = bool(getattr(self, "flow", None) and self.flow.unlocked)
        page = self.workspace.page() if self.workspace is not None and unlocked else ""
        needs = {"Patients": unlocked, "Note": page == "note", "View": unlocked}
        for shortcut in SHORTCUTS:
            enabled = needs.get(shortcut.area, True)
            if shortcut.id == "lock":
                enabled = unlocked
            self.actions_by_id[shortcut.id].setEnabled(enabled)

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self)
        dialog.open()
        self._dialog = dialog

    def show_preferences(self, page: str = "") -> None:
        from desktop.dialogs.preferences import PreferencesDialog

        pages: list[tuple[str, QWidget]] = []
        if self.flow.unlocked and self.sync is not None:  # sync settings live in the chart
            from desktop.sync.settings_page import SyncSettingsPage

            settings = SyncSettingsPage(transport=self.ctx.sync_transport)
            settings.setObjectName("syncSettings")
            settings.status_changed.connect(self.sync.refresh)
            settings.refresh()
            pages.append(("Sync", settings))
        if self.flow.unlocked:
            from desktop.backups_page import BackupsPage

            backups_page = BackupsPage()
            backups_page.refresh()
            pages.append(("Backups", backups_page))
        dialog = PreferencesDialog(self.ctx, self, pages=pages)
        dialog.changed.connect(self._preferences_changed)
        if page:
            dialog.show_page(page)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self._dialog = dialog

    def _backup_notice(self, message: str, hint: str) -> None:
        if self.ctx.presenter is not None:
            self.ctx.presenter.notify(message, hint)

    def _close_dialog(self) -> None:
        dialog, self._dialog = self._dialog, None
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.reject()

    def _preferences_changed(self) -> None:
        self.flow.idle.minutes = self.ctx.options.auto_lock_minutes

    # -- closing --------------------------------------------------------------------------------
    def _fit_to_screen(self, width: int, height: int) -> None:
        """The first size: ``width``×``height``, or less on a smaller screen (1366×768 laptops
        lose ~70 px to panels; the title bar needs room too), centred on the screen."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(width, height)
            return
        room = screen.availableGeometry()
        size = QSize(min(width, room.width() - 16), min(height, room.height() - 48))
        self.resize(size)
        self.move(room.x() + (room.width() - size.width()) // 2,
                  room.y() + max(0, (room.height() - 48 - size.height()) // 2))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.ctx.options.set("window/geometry", bytes(self.saveGeometry().data()))
        if self.workspace is not None and self.flow.unlocked:
            self.workspace.clear()
        self.flow.shutdown()
        self.ctx.clipboard.clear_if_ours()
        super().closeEvent(event)


class _Null:
    """Absorbs actions that have nothing to act on (e.g. Ctrl+T outside a note)."""

    def __getattr__(self, _name: str) -> Any:
        return self

    def __call__(self, *_a: Any, **_k: Any) -> Any:
        return self
