"""First-launch screen: create a chart, or open the demo chart (or an existing chart file).

A view: emits ``create_chosen`` / ``demo_chosen`` / ``open_chosen(path)``; the chart flow
does the work. No PHI is ever shown here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from desktop.widgets import CenteredCard, heading, label


class WelcomeScreen(CenteredCard):
    create_chosen = Signal()
    demo_chosen = Signal()
    open_chosen = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, width=540)
        self.setObjectName("welcomeScreen")
        b = self.body
        b.addWidget(heading("Welcome to Chartside"))
        b.addWidget(
            label(
                "Your charts stay on this computer, encrypted with a passphrase only you "
                "know. Nothing is sent anywhere.",
                "muted",
                wrap=True,
            )
        )
        b.addSpacing(8)
        self.create_button = QPushButton("Create a chart for my practice")
        self.create_button.setObjectName("createChart")
        self.create_button.setProperty("role", "primary")
        self.create_button.clicked.connect(self.create_chosen)
        b.addWidget(self.create_button)
        b.addWidget(label("Choose a passphrase and keep a printed recovery key.", "hint"))
        b.addSpacing(6)
        self.demo_button = QPushButton("Open the demo chart")
        self.demo_button.setObjectName("openDemo")
        self.demo_button.clicked.connect(self.demo_chosen)
        b.addWidget(self.demo_button)
        b.addWidget(
            label("Ten made-up patients with six weeks of visits, to try things out.", "hint")
        )
        b.addSpacing(6)
        self.open_button = QPushButton("Open an existing chart file…")
        self.open_button.setObjectName("openExisting")
        self.open_button.setProperty("role", "link")
        self.open_button.clicked.connect(self._browse)
        b.addWidget(self.open_button)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a chart", "", "Charts (*.chart);;All (*)")
        if path:
            self.open_chosen.emit(Path(path))
