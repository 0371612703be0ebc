"""New patient form (Ctrl+Shift+N). Window-modal but non-blocking (``open()``).

Saves through ``patients.create_patient`` on the worker; domain validation errors (names,
date of birth) are shown inline; ``created(id)`` fires after the save. The date of birth is
typed (``4/12/1958``, ``04121958``, ``1958-04-12``…, ``desktop.fields.DateField``) and
required: empty or unreadable is an error here, never a default date.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from desktop.fields import DateField
from desktop.ops import patients as ops
from desktop.widgets import heading, label, named

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
        self.dob = DateField("dateOfBirth")
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
            "date_of_birth": self.dob.value(),
            "sex": self.sex.currentData(),
            "phone": self.phone.text().strip(),
            "insurance_name": self.insurance.text().strip(),
            "member_id": self.member_id.text().strip(),
        }

    def save(self) -> None:
        fields = self.fields()
        born = fields["date_of_birth"]
        problem = self.dob.error()
        if problem is None and born is None:
            problem = "Enter the date of birth, e.g. 4/12/1958."
        elif born is not None and born > dt.date.today():
            problem = "Date of birth is in the future."
        if problem is not None:
            self.error.setText(problem)
            self.dob.setFocus()
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
