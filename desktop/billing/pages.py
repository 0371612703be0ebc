"""Asynchronous PDF → PNG pages for the GUI: pdftoppm run as a ``QProcess``.

Why a process and not a worker thread: the work is already another process, and ``QProcess``
delivers its output on the GUI thread through the event loop, so no thread, no runnable and no
Python object crosses threads. The PDF goes in on stdin and the pages come back on stdout:
nothing is written to disk.

Contract: ``PageRasterizer.render(tag, pdf, dpi)`` starts one job; ``done(tag, pages)`` or
``failed(tag, message)`` follows on the GUI thread. ``tag`` lets the caller drop stale results.
Several jobs may run at once. GUI thread only.
"""

from __future__ import annotations

import shutil
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QProcess, Signal, Slot

from desktop.billing.raster import split_pngs


class PageRasterizer(QObject):
    done = Signal(object, list)  # tag, [png bytes per page]
    failed = Signal(object, str)  # tag, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: dict[QProcess, Any] = {}

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def render(self, tag: Any, pdf: bytes, dpi: int) -> None:
        exe = shutil.which("pdftoppm")
        if exe is None:
            self.failed.emit(tag, "The page preview needs poppler-utils (pdftoppm).")
            return
        proc = QProcess(self)
        self._running[proc] = tag
        # Bound slots, not lambdas: Qt disconnects a receiver's slots before it deletes its
        # children, so a process killed while its dialog is being destroyed calls nothing
        # (a lambda would run on half-destroyed objects).
        proc.finished.connect(self._on_finished)
        proc.errorOccurred.connect(self._on_error)
        proc.start(exe, ["-r", str(int(dpi)), "-png", "-"])
        proc.write(pdf)
        proc.closeWriteChannel()

    @Slot(int, QProcess.ExitStatus)
    def _on_finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._finished(self.sender(), code)

    @Slot(QProcess.ProcessError)
    def _on_error(self, _error: QProcess.ProcessError) -> None:
        self._finished(self.sender(), -1)

    def _finished(self, proc: Any, code: int) -> None:
        if proc not in self._running:  # errorOccurred and finished can both fire
            return
        tag = self._running.pop(proc)
        if not shiboken6.isValid(proc):  # nobody is waiting any more
            return
        pages = split_pngs(bytes(proc.readAllStandardOutput().data())) if code == 0 else []
        proc.deleteLater()
        if pages:
            self.done.emit(tag, pages)
        else:
            self.failed.emit(tag, "The PDF could not be turned into page images.")
