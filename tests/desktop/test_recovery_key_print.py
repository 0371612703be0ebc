"""Issue 13: Print… on the recovery-key page opens the print dialog and prints the key.

The real screen, the real ``QPrintDialog`` (Qt's own dialog offscreen: "Print to File (PDF)"),
its file name typed in, Print pressed; the PDF is read back with pypdf.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QLineEdit, QPushButton

from core.services import charts
from desktop.screens.create_chart import PAGE_KEY, CreateChartScreen
from tests.desktop.conftest import FAST, PASSPHRASE


def test_print_writes_the_key_to_a_pdf(qtbot: Any, tmp_path: Path) -> None:
    session, key = charts.create_chart(tmp_path / "clinic.chart", PASSPHRASE, kdf=FAST)
    session.lock()
    screen = CreateChartScreen()
    qtbot.addWidget(screen)
    screen.start(tmp_path / "clinic.chart", demo=False)
    screen.show()
    screen.show_recovery_key(key)
    assert screen.pages.currentIndex() == PAGE_KEY

    qtbot.mouseClick(screen.findChild(QPushButton, "printKey"), Qt.MouseButton.LeftButton)
    dialog = screen.findChild(QPrintDialog, "printKeyDialog")
    assert dialog is not None and dialog.isVisible()  # it used to raise TypeError here
    out = tmp_path / "printout" / "recovery-key.pdf"
    out.parent.mkdir()
    name = dialog.findChild(QLineEdit, "filename")  # Qt's dialog: "Print to File (PDF)"
    assert name is not None
    name.setText(str(out))
    dialog.accept()

    qtbot.waitUntil(out.exists, timeout=5000)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    assert "Chartside recovery key" in text
    assert key in text.split()  # the whole key, on one line
    assert "clinic.chart" in text
