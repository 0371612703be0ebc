"""``VisitTools``: the visit's own actions in the note editor's header — "Superbill…" (signed
notes only: only they are billed) and, for a home visit, "Log trip…" (the mileage log, linked
to this visit).

Views only: ``set_visit(signed=, home=)`` enables what applies and says why not; the buttons
emit ``superbill_requested`` / ``mileage_requested`` and the workspace acts. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desktop.widgets import named


class VisitTools(QWidget):
    superbill_requested = Signal()
    mileage_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitTools")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.mileage = named(QPushButton("Log trip…"), "noteMileage")
        self.mileage.setToolTip("Add the drive to this home visit to the mileage log (Ctrl+3)")
        self.mileage.clicked.connect(self.mileage_requested)
        self.superbill = named(QPushButton("Superbill…"), "noteSuperbill")
        self.superbill.clicked.connect(self.superbill_requested)
        row.addWidget(self.mileage)
        row.addWidget(self.superbill)
        self.clear()

    def set_visit(self, *, signed: bool, home: bool) -> None:
        self.superbill.setEnabled(signed)
        self.superbill.setToolTip(
            "Superbill for this visit (PDF or print)"
            if signed
            else "Sign the note first: only signed notes appear on a superbill."
        )
        self.mileage.setVisible(home)

    def clear(self) -> None:
        self.set_visit(signed=False, home=False)
