"""First-run details for a new chart: the practice name and the clinician who signs notes.

A view: ``submitted(dict)`` carries ``practice_name, first_name, last_name, discipline,
credentials, npi``; the chart flow saves them (with the pack's payer profiles) in one op.
Validation errors come back through ``show_error`` (the domain validates NPI and names).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QWidget

from desktop.widgets import CenteredCard, heading, label, named

DISCIPLINES = (("PT", "Physical therapy"), ("OT", "Occupational therapy"), ("SLP", "Speech"),
               ("LMT", "Massage therapy"))


class SetupScreen(CenteredCard):
    submitted = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, width=520)
        self.setObjectName("setupScreen")
        b = self.body
        b.addWidget(heading("About you"))
        b.addWidget(
            label(
                "Notes you sign carry your name and credentials. You can add colleagues "
                "and payer details later.",
                "muted",
                wrap=True,
            )
        )
        form = QFormLayout()
        self.practice = named(QLineEdit(), "practiceName")
        self.practice.setPlaceholderText("e.g. Harborview Therapy")
        self.first = named(QLineEdit(), "clinicianFirst")
        self.last = named(QLineEdit(), "clinicianLast")
        self.discipline = named(QComboBox(), "clinicianDiscipline")
        for code, name in DISCIPLINES:
            self.discipline.addItem(name, code)
        self.credentials = named(QLineEdit(), "clinicianCredentials")
        self.credentials.setPlaceholderText("e.g. PT, DPT")
        self.npi = named(QLineEdit(), "clinicianNpi")
        self.npi.setPlaceholderText("optional, 10 digits")
        form.addRow("Practice", self.practice)
        form.addRow("First name", self.first)
        form.addRow("Last name", self.last)
        form.addRow("Discipline", self.discipline)
        form.addRow("Credentials", self.credentials)
        form.addRow("NPI", self.npi)
        b.addLayout(form)
        self.error = label("", "error", wrap=True, name="setupError")
        b.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        self.save_button = named(QPushButton("Start charting"), "setupSave")
        self.save_button.setProperty("role", "primary")
        self.save_button.clicked.connect(self._submit)
        row.addWidget(self.save_button)
        b.addLayout(row)

    def start(self) -> None:
        for field in (self.practice, self.first, self.last, self.credentials, self.npi):
            field.clear()
        self.error.clear()
        self.save_button.setEnabled(True)
        self.practice.setFocus()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.save_button.setEnabled(True)

    def _submit(self) -> None:
        details: dict[str, Any] = {
            "practice_name": self.practice.text().strip(),
            "first_name": self.first.text().strip(),
            "last_name": self.last.text().strip(),
            "discipline": self.discipline.currentData(),
            "credentials": self.credentials.text().strip(),
            "npi": self.npi.text().strip(),
        }
        if not details["first_name"] or not details["last_name"]:
            self.error.setText("Type your first and last name.")
            return
        self.error.clear()
        self.save_button.setEnabled(False)
        self.submitted.emit(details)
