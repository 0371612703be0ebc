"""The superbill preview pane: page images in a scroll area, or a text table without QtPdf.

Contract: ``show_pages(images)`` replaces the pages; ``show_text(superbill)`` shows the lines as
HTML (the fallback when QtPdf is missing); ``show_message(text)`` explains an empty preview
(nothing signed to bill in these dates) in place of the pages. Formats what it is given; no
I/O. GUI thread only.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QTextBrowser, QVBoxLayout, QWidget

from core.domain.billing import format_cents


class PreviewPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page_images: list[QImage] = []
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.pages_area = QScrollArea()
        self.pages_area.setObjectName("superbillPages")
        self.pages_area.setWidgetResizable(True)
        host = QWidget()
        self.pages_layout = QVBoxLayout(host)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.pages_area.setWidget(host)
        self.text_preview = QTextBrowser()
        self.text_preview.setObjectName("superbillTextPreview")
        self.text_preview.hide()
        v.addWidget(self.pages_area, 1)
        v.addWidget(self.text_preview, 1)

    def _empty_pages(self) -> None:
        while self.pages_layout.count():
            item = self.pages_layout.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()

    def show_message(self, text: str) -> None:
        self.page_images = []
        self.text_preview.hide()
        self.pages_area.show()
        self._empty_pages()
        message = QLabel(text)
        message.setObjectName("superbillEmpty")
        message.setProperty("role", "muted")
        message.setWordWrap(True)
        message.setFixedWidth(380)
        message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages_layout.addStretch(1)
        self.pages_layout.addWidget(message)
        self.pages_layout.addStretch(2)

    def show_pages(self, pages: list[QImage]) -> None:
        self.page_images = pages
        self.text_preview.hide()
        self.pages_area.show()
        self._empty_pages()
        for image in pages:
            page = QLabel()
            page.setObjectName("superbillPage")
            page.setPixmap(QPixmap.fromImage(image))
            page.setStyleSheet("background: white; border: 1px solid #c7ced8;")
            self.pages_layout.addWidget(page)

    def show_text(self, bill: Any) -> None:
        rows = "".join(
            f"<tr><td>{ln.date:%m/%d/%Y}</td><td>{ln.code}</td>"
            f"<td>{escape(' '.join(ln.modifiers))}</td><td>{ln.pointers}</td><td>{ln.units}</td>"
            f"<td align=right>{format_cents(ln.charge_cents)}</td></tr>"
            for ln in bill.lines
        )
        self.text_preview.setHtml(
            "<p><i>The page preview needs QtPdf (PySide6-Addons); Save still writes the "
            f"PDF.</i></p><h3>Superbill {escape(bill.number)}</h3><table cellpadding=3><tr>"
            "<th>Date</th><th>Code</th><th>Modifiers</th><th>Dx</th><th>Units</th>"
            f"<th>Charge</th></tr>{rows}</table><p>Total {format_cents(bill.charges_cents)} · "
            f"paid {format_cents(bill.paid_cents)} · balance {format_cents(bill.balance_cents)}</p>"
        )
        self.page_images = []
        self.pages_area.hide()
        self.text_preview.show()
