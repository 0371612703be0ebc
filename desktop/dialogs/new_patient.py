"""New patient form (Ctrl+Shift+N). Window-modal but non-blocking (``open()``).

Saves through ``patients.create_patient`` on the worker; domain validation errors (names,
date of birth) are shown inline; ``created(id)`` fires after the save.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from desktop.ops import patients as ops
from desktop.widgets import heading, label, named, to_date

SEXES = (("U", "Not recorded"), ("F", "Female"), ("M", "Male"), ("X", "Other"))


class NewPatientDialog(QDialog):
    created = Signal(uuid.UUID)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newPatientDialog")
        self.setWindowTitle("New patient")
        self.setMinimumWidth(440)
        v = QVBoxLayout(self)
        v.addWidget(heading("New patient", 2))
        form = QFormLayout()
        self.first = named(QLineEdit(), "firstName")
        self.last = named(QLineEdit(), "lastName")
        self.dob = named(QDateEdit(), "dateOfBirth")
        self.dob.setDisplayFormat("yyyy-MM-dd")
        self.dob.setCalendarPopup(True)
        self.dob.setMinimumDate(QDate(1900, 1, 1))
        self.dob.setDate(QDate(1970, 1, 1))
        self.sex = named(QComboBox(), "sex")
        for code, text in SEXES:
            self.sex.addItem(text, code)
        self.phone = named(QLineEdit(), "phone")
        self.insurance = named(QLineEdit(), "insuranceName")
        self.member_id = named(QLineEdit(), "memberId")
        form.addRow("First name", self.first)
        form.addRow("Last name", self.last)
        form.addRow("Date of birth", self.dob)
        form.addRow("Sex", self.sex)
        form.addRow("Phone", self.phone)
        form.addRow("Insurance", self.insurance)
        form.addRow("Member id", self.member_id)
        v.addLayout(form)
        self.error = label("", "error", wrap=True, name="newPatientError")
        v.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)

    def fields(self) -> dict[str, Any]:
        return {
            "first_name": self.first.text().strip(),
            "last_name": self.last.text().strip(),
            "date_of_birth": to_date(self.dob.date()),
            "sex": self.sex.currentData(),
            "phone": self.phone.text().strip(),
            "insurance_name": self.insurance.text().strip(),
            "member_id": self.member_id.text().strip(),
        }

    def save(self) -> None:
        fields = self.fields()
        if fields["date_of_birth"] > dt.date.today():
            self.error.setText("Date of birth is in the future.")
            return
        self.buttons.setEnabled(False)
        ops.create_patient(self, **fields).success(self._saved).failure(self._failed).run()

    def _saved(self, result: Any) -> None:
        self.accept()
        self.created.emit(result.value.id)

    def _failed(self, error: BaseException) -> bool:
        self.buttons.setEnabled(True)
        if isinstance(error, ChartsideError):
            self.error.setText(str(error))
            return True
        return False
