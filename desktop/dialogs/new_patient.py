"""New patient form (Ctrl+Shift+N). Window-modal but non-blocking (``open()``).

Saves through ``patients.create_patient`` on the worker; domain validation errors (names,
date of birth) are shown inline; ``created(id)`` fires after the save. The date of birth is
typed (``4/12/1958``, ``04121958``, ``1958-04-12``…, ``desktop.fields.DateField``) and
required: empty or unreadable is an error here, never a default date.

A patient with the same name and date of birth already in the chart (``DuplicatePatient``)
is named in the dialog with two choices: *Open existing* (``existing_chosen(id)``; nothing is
created) or *Create anyway* (saved with ``allow_duplicate``). Editing the name or the date
of birth withdraws the question.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError, DuplicatePatient
from desktop.fields import DateField
from desktop.ops import patients as ops
from desktop.widgets import heading, label, named

SEXES = (("U", "Not recorded"), ("F", "Female"), ("M", "Male"), ("X", "Other"))


class NewPatientDialog(QDialog):
    created = Signal(uuid.UUID)
    existing_chosen = Signal(uuid.UUID)

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
        self.email = named(QLineEdit(), "email")
        self.no_reminders = named(QCheckBox("No appointment reminders"), "noReminders")
        self.insurance = named(QLineEdit(), "insuranceName")
        self.member_id = named(QLineEdit(), "memberId")
        form.addRow("First name", self.first)
        form.addRow("Last name", self.last)
        form.addRow("Date of birth", self.dob)
        form.addRow("Sex", self.sex)
        form.addRow("Phone", self.phone)
        form.addRow("E-mail", self.email)
        form.addRow("", self.no_reminders)
        form.addRow("Insurance", self.insurance)
        form.addRow("Member id", self.member_id)
        v.addLayout(form)
        self.error = label("", "error", wrap=True, name="newPatientError")
        v.addWidget(self.error)
        self.duplicate = named(QFrame(), "duplicatePatient")
        self.duplicate.setProperty("role", "warningBox")
        dv = QVBoxLayout(self.duplicate)
        self.duplicate_text = label("", "warning", wrap=True, name="duplicateText")
        dv.addWidget(self.duplicate_text)
        row = QHBoxLayout()
        self.open_existing = named(QPushButton("Open existing"), "openExisting")
        self.open_existing.clicked.connect(self._open_existing)
        self.create_anyway = named(QPushButton("Create anyway"), "createAnyway")
        self.create_anyway.clicked.connect(lambda: self.save(allow_duplicate=True))
        row.addStretch(1)
        row.addWidget(self.open_existing)
        row.addWidget(self.create_anyway)
        dv.addLayout(row)
        v.addWidget(self.duplicate)
        self.duplicate.hide()
        self._existing: tuple[uuid.UUID, ...] = ()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)
        for edit in (self.first, self.last):
            edit.textEdited.connect(self._withdraw_duplicate)
        self.dob.edit.textEdited.connect(self._withdraw_duplicate)

    def fields(self) -> dict[str, Any]:
        return {
            "first_name": self.first.text().strip(),
            "last_name": self.last.text().strip(),
            "date_of_birth": self.dob.value(),
            "sex": self.sex.currentData(),
            "phone": self.phone.text().strip(),
            "email": self.email.text().strip(),
            "no_reminders": self.no_reminders.isChecked(),
            "insurance_name": self.insurance.text().strip(),
            "member_id": self.member_id.text().strip(),
        }

    def save(self, *, allow_duplicate: bool = False) -> None:
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
        self.duplicate.setEnabled(False)
        ops.create_patient(self, allow_duplicate=allow_duplicate, **fields).success(
            self._saved
        ).failure(self._failed).run()

    def _saved(self, result: Any) -> None:
        self.accept()
        self.created.emit(result.value.id)

    def _failed(self, error: BaseException) -> bool:
        self.buttons.setEnabled(True)
        self.duplicate.setEnabled(True)
        if isinstance(error, DuplicatePatient):
            self._existing = tuple(error.existing)  # type: ignore[arg-type]
            many = len(self._existing) > 1
            self.duplicate_text.setText(
                error.message + (f" ({len(self._existing)} records)" if many else "")
                + " Open that chart, or create a second record anyway?"
            )
            self.error.clear()
            self.duplicate.show()
            self.open_existing.setDefault(True)
            self.open_existing.setFocus()
            return True
        if isinstance(error, ChartsideError):
            self.error.setText(str(error))
            return True
        return False

    def _open_existing(self) -> None:
        if self._existing:
            self.accept()
            self.existing_chosen.emit(self._existing[0])

    def _withdraw_duplicate(self, *_: object) -> None:
        self.duplicate.hide()
        self._existing = ()
