"""Small shared widgets: headings, a busy indicator, a centred card, pages. Typed date and
time fields are in ``desktop.fields``.

GUI thread only; no I/O. Styling comes from ``resources/styles/chartside.qss`` via object
names and the ``role`` dynamic property, never from inline colours.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from PySide6.QtCore import QDate, QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """``widget`` with its object name set (for the stylesheet, tests and tab order)."""
    widget.setObjectName(name)
    return widget


def label(text: str, role: str = "", *, wrap: bool = False, name: str = "") -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    return widget


def heading(text: str, level: int = 1) -> QLabel:
    return label(text, f"h{level}")


class Busy(QWidget):
    """An indeterminate progress bar with a caption; hidden until ``start``."""

    def __init__(self, caption: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(90)
        self.bar.setFixedHeight(6)
        self.caption = label(caption, "muted")
        layout.addWidget(self.bar)
        layout.addWidget(self.caption)
        layout.addStretch(1)
        self.hide()

    def start(self, caption: str | None = None) -> None:
        if caption is not None:
            self.caption.setText(caption)
        self.show()

    def stop(self) -> None:
        self.hide()

    @property
    def running(self) -> bool:
        return not self.isHidden()


class CenteredCard(QWidget):
    """A white card centred on the window background, for the welcome/unlock screens."""

    def __init__(self, parent: QWidget | None = None, *, width: int = 520) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.card = QFrame()
        self.card.setObjectName("card")
        self.card.setFixedWidth(width)
        self.body = QVBoxLayout(self.card)
        self.body.setContentsMargins(36, 32, 36, 32)
        self.body.setSpacing(12)
        row.addWidget(self.card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)


class Pages(QWidget):
    """Like ``QStackedWidget`` but sized to the page shown (hidden pages take no room, and
    word-wrapped labels get their real height), for the cards of the start screens."""

    currentChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._pages: list[QWidget] = []
        self._current = -1

    def addWidget(self, page: QWidget) -> int:
        self._pages.append(page)
        self._layout.addWidget(page)
        page.setVisible(len(self._pages) == 1)
        if self._current < 0:
            self._current = 0
        return len(self._pages) - 1

    def setCurrentIndex(self, index: int) -> None:
        for i, page in enumerate(self._pages):
            page.setVisible(i == index)
        if index != self._current:
            self._current = index
            self.currentChanged.emit(index)

    def currentIndex(self) -> int:
        return self._current

    def currentWidget(self) -> QWidget:
        return self._pages[self._current]

    def count(self) -> int:
        return len(self._pages)

    def widget(self, index: int) -> QWidget:
        return self._pages[index]


def to_date(qd: QDate) -> dt.date:
    return dt.date(qd.year(), qd.month(), qd.day())


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def hline() -> QFrame:
    line = QFrame()
    line.setObjectName("rule")
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFixedHeight(1)
    return line


ALIGN_TOP = Qt.AlignmentFlag.AlignTop


def reveal(scroll: QScrollArea, widget: QWidget, margin: int = 12) -> None:
    """Scroll ``scroll`` so that ``widget`` (inside it) is on screen: all of it when it fits,
    else its top. A widget added a moment ago has no geometry until the layouts run, so they
    run first (``ensureWidgetVisible`` alone scrolled to where the widget was not yet)."""
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    body = scroll.widget()
    if body is None or not body.isAncestorOf(widget):
        return
    layout = body.layout()
    if layout is not None:
        layout.activate()
    top = widget.mapTo(body, QPoint(0, 0)).y()
    bar = scroll.verticalScrollBar()
    seen = scroll.viewport().height()
    if widget.height() + 2 * margin > seen or top - margin < bar.value():
        bar.setValue(top - margin)
    elif top + widget.height() + margin > bar.value() + seen:
        bar.setValue(top + widget.height() + margin - seen)

