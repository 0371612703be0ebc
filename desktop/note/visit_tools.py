"""``VisitTools``: the visit's own actions in the note editor's header — where it took place
(a short button, "Office · POS 11", "Home · POS 12"…, whose tooltip has the whole place and
address; on a draft it opens "Date and place…"), "Superbill…" (signed notes only: only they
are billed), "Payment…" at checkout (signed notes: a payment against this visit) and, for a
home visit, "Log trip…" (the mileage log, linked to this visit) and, on an assistant's visit,
the supervising therapist it bills under (issue 14: Medicare bills a PTA/COTA visit under the
supervising PT/OT — 24J and the signature are theirs; the first entry is the plan's therapist).

Views only: ``set_visit(signed=, home=, place=, short=)`` enables what applies and says why
not; the buttons emit ``place_requested`` / ``payment_requested`` / ``superbill_requested`` /
``mileage_requested`` and the picker ``supervisor_chosen(id or None)``; the workspace acts.
Short texts keep the header inside 1366 px. GUI thread only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

from desktop.widgets import named


class VisitTools(QWidget):
    superbill_requested = Signal()
    mileage_requested = Signal()
    place_requested = Signal()
    payment_requested = Signal()
    supervisor_chosen = Signal(object)  # uuid.UUID | None (None: the plan's therapist)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("visitTools")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.place = named(QPushButton(""), "notePlaceButton")
        self.place.clicked.connect(self.place_requested)
        self.mileage = named(QPushButton("Log trip…"), "noteMileage")
        self.mileage.setToolTip("Add the drive to this home visit to the mileage log (Ctrl+3)")
        self.mileage.clicked.connect(self.mileage_requested)
        self.payment = named(QPushButton("Payment…"), "notePayment")
        self.payment.setToolTip("Checkout: take a payment against this visit")
        self.payment.clicked.connect(self.payment_requested)
        self.superbill = named(QPushButton("Superbill…"), "noteSuperbill")
        self.superbill.clicked.connect(self.superbill_requested)
        self.supervisor = named(QComboBox(), "noteSupervisor")
        self.supervisor.activated.connect(
            lambda i: self.supervisor_chosen.emit(self.supervisor.itemData(i)))
        row.addWidget(self.supervisor)
        row.addWidget(self.place)
        row.addWidget(self.mileage)
        row.addWidget(self.payment)
        row.addWidget(self.superbill)
        self.clear()

    def set_visit(self, *, signed: bool, home: bool, place: str = "", short: str = "",
                  supervisors: Sequence[Any] = (), supervisor_id: uuid.UUID | None = None,
                  plan_therapist: str = "") -> None:
        """``supervisors``: ``Choice``s (id, label) for an assistant's visit, else empty."""
        self._set_supervisors(supervisors, supervisor_id, plan_therapist, signed)
        self.superbill.setEnabled(signed)
        self.superbill.setToolTip(
            "Superbill for this visit (PDF or print)"
            if signed
            else "Sign the note first: only signed notes appear on a superbill."
        )
        self.mileage.setVisible(home)
        self.payment.setVisible(signed)
        self.place.setText(short or place)
        self.place.setVisible(bool(place))
        self.place.setEnabled(not signed)
        self.place.setToolTip(
            f"{place}. Signed: the date and place no longer change." if signed
            else f"{place}. Change the date of service or the place…")

    def _set_supervisors(self, choices: Sequence[Any], current: uuid.UUID | None,
                         plan: str, signed: bool) -> None:
        box = self.supervisor
        box.blockSignals(True)
        box.clear()
        box.addItem(f"Supervised by {plan} (plan of care)" if plan
                    else "Supervising therapist: none chosen", None)
        for choice in choices:
            box.addItem(f"Supervised by {choice.label}", choice.id)
        found = box.findData(current) if current is not None else 0
        box.setCurrentIndex(max(found, 0))
        box.blockSignals(False)
        box.setVisible(bool(choices) or current is not None)
        box.setEnabled(not signed)
        box.setToolTip(
            "Signed: the supervising therapist no longer changes." if signed else
            "The supervising PT/OT this assistant's visit bills under (Medicare: 24J and the "
            "claim signature are theirs, CQ/CO on the lines).")

    def clear(self) -> None:
        self.set_visit(signed=False, home=False)
