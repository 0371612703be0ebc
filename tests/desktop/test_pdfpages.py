"""QtPdf page rendering for the superbill preview and Print (issue 16): real PDFs from reportlab,
read from memory; no poppler needed (PATH emptied); a damaged PDF is a clear error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from core.domain.errors import ChartsideError
from desktop.billing import pdfpages
from desktop.billing.pdfpages import PageRasterizer, PdfPages, PdfUnreadable


def two_pages() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=letter)
    c.setFont("Helvetica", 18)
    c.drawString(72, 700, "Superbill Quillfeatherstone page one")
    c.rect(72, 500, 300, 120, fill=1)
    c.showPage()
    c.drawString(72, 700, "Second page total 360.00")
    c.showPage()
    c.save()
    return out.getvalue()


def dark_fraction(image: QImage) -> float:
    small = image.scaled(120, 155)
    dark = sum(1 for y in range(small.height()) for x in range(small.width())
               if small.pixelColor(x, y).lightness() < 128)
    return dark / (small.width() * small.height())


def test_pages_text_and_images_from_memory(qapp: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")  # no pdftoppm, no helper process of any kind
    assert pdfpages.available()
    with PdfPages(two_pages()) as pages:
        assert pages.count == 2
        assert "Quillfeatherstone" in pages.text(0)
        assert "360.00" in pages.text(1)
        image = pages.render(0, 100)
        assert (image.width(), image.height()) == (850, 1100)  # 8.5 x 11 in at 100 dpi
        assert image.pixelColor(5, 5).lightness() == 255  # paper is white, not transparent
        assert 0.05 < dark_fraction(image) < 0.5  # the filled box and the text are drawn


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4\nnot really", b"\x00" * 2048])
def test_damaged_pdf_is_a_clear_error(qapp: object, data: bytes) -> None:
    with pytest.raises(PdfUnreadable, match="could not be read") as info:
        PdfPages(data)
    assert isinstance(info.value, ChartsideError)


def test_rasterizer_is_asynchronous_and_reports_failures(qtbot: QtBot) -> None:
    rasterizer = PageRasterizer()
    with qtbot.waitSignal(rasterizer.done, timeout=10_000) as done:
        rasterizer.render("a", two_pages(), 50)
        assert rasterizer.busy  # nothing rendered inside the call
    assert done.args[0] == "a" and len(done.args[1]) == 2
    assert not rasterizer.busy
    with qtbot.waitSignal(rasterizer.failed, timeout=10_000) as failed:
        rasterizer.render("b", b"garbage", 50)
    assert failed.args[0] == "b" and "could not be read" in failed.args[1]


def test_print_path_needs_no_poppler(qapp: object, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """What the dialog's Print does: pages rendered at print resolution painted on a printer
    (a PDF file here), with no program on PATH."""
    from pypdf import PdfReader
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QPainter
    from PySide6.QtPrintSupport import QPrinter

    monkeypatch.setenv("PATH", "")
    images = pdfpages.render_pages(two_pages(), 150)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    painter = QPainter()
    assert painter.begin(printer)
    for i, image in enumerate(images):
        if i:
            printer.newPage()
        area = painter.viewport()
        size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        painter.drawImage(QRect(area.x(), area.y(), size.width(), size.height()), image)
    painter.end()
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == 2
