"""Application entry: ``run_app(chart_path)`` (called by ``chartside`` with no subcommand).

Contract:
- Builds one ``QApplication`` (high-DPI pass-through scaling, the Chartside stylesheet loaded
  with ``importlib.resources``), the database worker, the ``AppContext`` and the
  ``MainWindow``; shows the unlock screen for the last chart (or the welcome screen) and runs
  the event loop. Returns the exit code.
- ``kdf`` (``core.storage.keys.KdfParams``) and ``clock`` are injectable for tests; the app
  itself always uses the production defaults.
- Heavy imports (SQLAlchemy, the services, ICD-10) happen on background threads after the
  first paint; the first screen never waits for them.
- Test/benchmark hook: with ``CHARTSIDE_EXIT_WHEN_READY=1`` the app prints
  ``CHARTSIDE_READY <screen> <seconds since process start> <RSS kB>`` after the first screen
  has been painted and exits (used by bench/bench_desktop.py for cold start).
"""

from __future__ import annotations

import os
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from desktop import saving
from desktop.autolock import ClipboardGuard, Clock
from desktop.context import AppBus, AppContext
from desktop.errors import setup_logging
from desktop.main_window import MainWindow
from desktop.ops import charts as chart_ops
from desktop.phrases import SmartPhrases
from desktop.settings import Options, config_dir, log_dir
from desktop.worker import DatabaseWorker, JobRunner, install

_T0 = time.perf_counter()


def stylesheet() -> str:
    """The one stylesheet, with ``@ICONS@`` pointing at the packaged icon folder."""
    text = resources.files("resources.styles").joinpath("chartside.qss").read_text("utf-8")
    # Through a file in it: in the frozen app files() is a MultiplexedPath whose str() is no path.
    icons = Path(str(resources.files("resources.icons").joinpath("check.svg"))).parent.as_posix()
    return text.replace("@ICONS@", icons)


def icon(name: str) -> QIcon:
    path = resources.files("resources.icons").joinpath(name)
    return QIcon(str(path))


def make_application(argv: list[str] | None = None) -> QApplication:
    from desktop import media_decode

    media_decode.quiet_logs()  # before Qt Multimedia loads: its FFmpeg logs file metadata
    media_decode.install()
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Chartside")
    app.setOrganizationName("Chartside")
    if not app.property("chartside_styled"):  # restyling every live widget is slow
        app.setStyle("Fusion")
        app.setStyleSheet(stylesheet())
        app.setWindowIcon(icon("chartside.svg"))
        app.setProperty("chartside_styled", True)
    return app


def create_main_window(
    chart_path: Path,
    *,
    kdf: Any = None,
    clock: Clock | None = None,
    explicit: bool = False,
) -> MainWindow:
    """Build the context and the window and start the chart flow (does not ``show`` it)."""
    make_application()
    setup_logging(log_dir())
    worker = DatabaseWorker()
    install(worker, JobRunner(worker, worker))
    ctx = AppContext(
        worker=worker,
        bus=AppBus(),
        options=Options(config_dir()),
        phrases=SmartPhrases.load(config_dir()),
        clock=clock or Clock(),
        savers=saving.registry,
        clipboard=ClipboardGuard(),
        kdf=kdf,
    )
    window = MainWindow(ctx, chart_path)
    window.flow.start(explicit=explicit)
    # Import the services and parse the rule packs in the background, then build the
    # workspace while the user types the passphrase.
    chart_ops.warm_up().success(lambda _r: _build_workspace(window)).run()
    return window


def _build_workspace(window: MainWindow) -> None:
    window.ensure_workspace()


def _rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_app(chart_path: Path, *, kdf: Any = None, clock: Clock | None = None) -> int:
    """Open the desktop app on ``chart_path`` (or the last chart used); returns the exit code."""
    from core.paths import default_chart_path
    from desktop.platform_check import install_fatal_hint

    if QApplication.instance() is None:
        install_fatal_hint()
    app = make_application()
    explicit = Path(chart_path) != default_chart_path()
    window = create_main_window(Path(chart_path), kdf=kdf, clock=clock, explicit=explicit)
    window.show()
    if os.environ.get("CHARTSIDE_EXIT_WHEN_READY") == "1":

        def ready() -> None:
            app.processEvents()  # expose and paint the first screen
            elapsed = time.perf_counter() - _T0
            print(f"CHARTSIDE_READY {window.current_screen()} {elapsed:.3f} {_rss_kb()}")
            sys.stdout.flush()
            window.close()
            app.quit()

        QTimer.singleShot(0, ready)
    code = app.exec()
    # Background jobs (warm-up imports, ICD search) finish while the window and its job runner
    # still exist: a job delivering to a deleted runner printed an error at every quick exit.
    from desktop.worker import wait_for_jobs

    wait_for_jobs()
    return code
