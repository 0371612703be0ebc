"""``NavBar``: the workspace's page switcher — Patients, Dashboard, Mileage, Reports,
Inventory — as a row of tab-like buttons under the menu bar. The same pages are in the View menu
(Ctrl+1…5, from ``desktop.shortcuts``); ``set_badge`` shows a count (low supplies).

Contract: ``set_current(name)`` reflects the page shown (no signal); a click emits
``page_chosen(name)``. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QPushButton, QWidget

from desktop.shortcuts import BY_ID, native

PAGES: tuple[tuple[str, str], ...] = (
    ("patients", "Patients"),
    ("dashboard", "Dashboard"),
    ("mileage", "Mileage"),
    ("reports", "Reports"),
    ("inventory", "Inventory"),
    ("schedule", "Schedule"),
)


class NavBar(QWidget):
    page_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 0, 14, 0)
        row.setSpacing(2)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for name, title in PAGES:
            button = QPushButton(title)
            button.setObjectName(f"nav_{name}")
            button.setProperty("role", "nav")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            shortcut = f"page_{name}"
            button.setToolTip(f"{BY_ID[shortcut].label} ({native(shortcut)})")
            button.clicked.connect(lambda _c=False, n=name: self.page_chosen.emit(n))
            self.group.addButton(button)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        self.set_current("patients")

    def set_badge(self, name: str, count: int) -> None:
        """A count after a page's title ("Inventory · 2 low"), or none."""
        title = dict(PAGES)[name]
        self.buttons[name].setText(f"{title} · {count} low" if count else title)

    def set_current(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is not None:
            button.setChecked(True)
