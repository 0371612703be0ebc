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

from PySide6.QtCore import QObject, QProcess, Signal

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
        proc.finished.connect(lambda code, _status, p=proc: self._finished(p, code))
        proc.errorOccurred.connect(lambda _err, p=proc: self._finished(p, -1))
        proc.start(exe, ["-r", str(int(dpi)), "-png", "-"])
        proc.write(pdf)
        proc.closeWriteChannel()

    def _finished(self, proc: QProcess, code: int) -> None:
        if proc not in self._running:  # errorOccurred and finished can both fire
            return
        tag = self._running.pop(proc)
        pages = split_pngs(bytes(proc.readAllStandardOutput().data())) if code == 0 else []
        proc.deleteLater()
        if pages:
            self.done.emit(tag, pages)
        else:
            self.failed.emit(tag, "The PDF could not be turned into page images.")
