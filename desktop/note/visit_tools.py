"""``VisitTools``: the visit's own actions in the note editor's header — where and when it took
place ("Office (POS 11)", "Home visit (POS 12): 7 Harbor St"; "Date and place…" changes it
while the note is a draft), "Superbill…" (signed notes only: only they are billed) and, for a
home visit, "Log trip…" (the mileage log, linked to this visit).

Views only: ``set_visit(signed=, home=, place=)`` enables what applies and says why not; the
buttons emit ``place_requested`` / ``superbill_requested`` / ``mileage_requested`` and the
workspace acts. GUI thread only.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desktop.widgets import label, named


class VisitTools(QWidget):
    superbill_requested = Signal()
    mileage_requested = Signal()
    place_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitTools")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.place_label = label("", "muted", name="notePlace")
        self.place = named(QPushButton("Date and place…"), "notePlaceButton")
        self.place.setToolTip("Change the date of service, or office / home / telehealth")
        self.place.clicked.connect(self.place_requested)
        self.mileage = named(QPushButton("Log trip…"), "noteMileage")
        self.mileage.setToolTip("Add the drive to this home visit to the mileage log (Ctrl+3)")
        self.mileage.clicked.connect(self.mileage_requested)
        self.superbill = named(QPushButton("Superbill…"), "noteSuperbill")
        self.superbill.clicked.connect(self.superbill_requested)
        row.addWidget(self.place_label)
        row.addWidget(self.place)
        row.addWidget(self.mileage)
        row.addWidget(self.superbill)
        self.clear()

    def set_visit(self, *, signed: bool, home: bool, place: str = "") -> None:
        self.superbill.setEnabled(signed)
        self.superbill.setToolTip(
            "Superbill for this visit (PDF or print)"
            if signed
            else "Sign the note first: only signed notes appear on a superbill."
        )
        self.mileage.setVisible(home)
        self.place_label.setText(place if len(place) <= 48 else place[:47] + "…")
        self.place_label.setToolTip(place)
        self.place.setVisible(bool(place) and not signed)

    def clear(self) -> None:
        self.set_visit(signed=False, home=False)
