"""PDF pages as images for the superbill preview and for printing, rendered in memory by QtPdf.

Why QtPdf: it ships in the PySide6-Addons wheel (a base dependency), so the preview and Print
work on any machine Chartside installs on — no poppler, no helper process — and the PDF is
read from a ``QBuffer``: no page of PHI ever touches the disk.

Contract:
- ``available()``: QtPdf can be imported here (False in a PySide6-Essentials-only install; the
  dialog then shows a text summary and disables Print; Save still works).
- ``PdfPages(pdf)``: the document loaded from memory (raises ``PdfUnreadable``, a
  ``ChartsideError``, if QtPdf cannot read it); ``count``, ``text(i)`` (the page's text),
  ``render(i, dpi)`` (a ``QImage`` on a white background), ``close()``. A ``QGuiApplication``
  must exist. GUI thread only.
- ``PageRasterizer.render(tag, pdf, dpi)`` renders every page after the current event
  (a zero timer, so the caller's flow stays asynchronous) and emits ``done(tag, images)`` or
  ``failed(tag, message)`` on the GUI thread. ``tag`` lets the caller drop stale results.
Speed: ~20–60 ms per letter page at 100 dpi (bench_superbill measures it).
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter

from core.domain.errors import ChartsideError


class PdfUnreadable(ChartsideError):
    """QtPdf could not read the PDF (or QtPdf is missing)."""


@functools.cache
def available() -> bool:
    try:
        from PySide6 import QtPdf  # noqa: F401
    except ImportError:
        return False
    return True


class PdfPages:
    """One PDF held in memory; pages rendered on request."""

    def __init__(self, pdf: bytes) -> None:
        if not available():
            raise PdfUnreadable("The page preview needs QtPdf (the PySide6-Addons package).",
                                hint="Reinstall Chartside; Save still writes the PDF.")
        from PySide6.QtPdf import QPdfDocument

        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._doc = QPdfDocument()
        self._doc.load(self._buffer)
        if self._doc.status() != QPdfDocument.Status.Ready or self._doc.pageCount() < 1:
            error = self._doc.error()
            self.close()
            raise PdfUnreadable(f"The PDF could not be read ({error.name}).")

    @property
    def count(self) -> int:
        return int(self._doc.pageCount())

    def text(self, page: int) -> str:
        return str(self._doc.getAllText(page).text())

    def render(self, page: int, dpi: float) -> QImage:
        points = self._doc.pagePointSize(page)
        size = QSize(max(1, round(points.width() * dpi / 72)),
                     max(1, round(points.height() * dpi / 72)))
        image = self._doc.render(page, size)
        # QtPdf leaves unpainted areas transparent: put the page on paper.
        paper = QImage(image.size(), QImage.Format.Format_RGB32)
        paper.fill(QColor("white"))
        painter = QPainter(paper)
        painter.drawImage(0, 0, image)
        painter.end()
        paper.setDotsPerMeterX(round(dpi / 0.0254))
        paper.setDotsPerMeterY(round(dpi / 0.0254))
        return paper

    def close(self) -> None:
        self._doc.close()
        self._buffer.close()

    def __enter__(self) -> PdfPages:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def render_pages(pdf: bytes, dpi: float) -> list[QImage]:
    with PdfPages(pdf) as pages:
        return [pages.render(i, dpi) for i in range(pages.count)]


class PageRasterizer(QObject):
    done = Signal(object, list)  # tag, [QImage per page]
    failed = Signal(object, str)  # tag, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending = 0

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def render(self, tag: Any, pdf: bytes, dpi: int) -> None:
        self._pending += 1
        QTimer.singleShot(0, self, lambda: self._render(tag, pdf, dpi))

    def _render(self, tag: Any, pdf: bytes, dpi: int) -> None:
        self._pending -= 1
        try:
            images = render_pages(pdf, dpi)
        except ChartsideError as error:
            self.failed.emit(tag, error.message)
            return
        self.done.emit(tag, images)
