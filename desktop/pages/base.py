"""``Page``: the frame every practice-wide page shares — a title, a line saying what the page is
for, an optional action row on the right, and the panel below.

Contract: subclasses implement ``load()`` (start the panel's reads) and ``clear_panel()``. The
page calls ``load()`` the first time it is shown after construction or ``clear()`` (lock), so
a locked-and-unlocked app reads again, and a page never shown reads nothing. GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from desktop.widgets import heading, label


class Page(QWidget):
    def __init__(self, name: str, title: str, blurb: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.loaded_once = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 16)
        outer.setSpacing(10)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = heading(title, 1)
        self.blurb = label(blurb, "muted", wrap=True)
        titles.addWidget(self.title)
        titles.addWidget(self.blurb)
        head.addLayout(titles, 1)
        self.actions_row = QHBoxLayout()
        head.addLayout(self.actions_row)
        outer.addLayout(head)
        self.body = QVBoxLayout()
        outer.addLayout(self.body, 1)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self.loaded_once:
            self.loaded_once = True
            self.load()

    def load(self) -> None:
        raise NotImplementedError

    def clear_panel(self) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        self.loaded_once = False
        self.clear_panel()
