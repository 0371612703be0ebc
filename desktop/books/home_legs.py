"""``HomeLegsBox``: the mileage legs of a home-health day, logged from the Mileage page.

Contract: ``load(day)`` reads ``home_visits.home_day`` for the signed-in clinician
(``ctx.session.clinician_id``) on the database worker and shows each proposed leg — from, to
(the patient by name on this screen; the log itself keeps only the reference) — with a miles box
for each leg not yet logged (0 skips it). "Log legs" records them in one transaction
(``home_visits.log_legs``); a refusal shows the service's message and nothing is written. Emits
``logged`` after a successful log. GUI thread only; no SQL, no rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.books import PATIENT_PLACE
from core.domain.errors import ChartsideError
from core.services import home_visits
from desktop.formats import show_date
from desktop.worker import CommandOp, QueryOp


class HomeLegsBox(QWidget):
    logged = Signal(object)  # list of MileageEntry

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("homeLegs")
        self.ctx = ctx
        self.day: home_visits.HomeDay | None = None
        self.boxes: list[QDoubleSpinBox] = []
        title = QLabel("Home visits of the day")
        title.setProperty("role", "h3")
        self.status = QLabel("")
        self.status.setObjectName("homeLegsStatus")
        self.status.setWordWrap(True)
        self.status.setProperty("role", "hint")
        self.rows = QGridLayout()
        self.log_button = QPushButton("Log legs")
        self.log_button.setObjectName("homeLegsLog")
        self.log_button.clicked.connect(self.log)
        self.log_button.setEnabled(False)
        self.error = QLabel("")
        self.error.setObjectName("homeLegsError")
        self.error.setWordWrap(True)
        self.error.setProperty("role", "error")
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(title)
        v.addWidget(self.status)
        v.addLayout(self.rows)
        v.addWidget(self.log_button)
        v.addWidget(self.error)

    def load(self, day: dt.date) -> None:
        who = self.ctx.session.clinician_id
        if who is None:
            self.status.setText("Choose who you are (File ▸ Clinician) to see your home visits.")
            return
        QueryOp(self, lambda chart: home_visits.home_day(chart, who, day)).success(
            self.show_day).run()

    def show_day(self, day: home_visits.HomeDay) -> None:
        self.day = day
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.boxes = []
        names = {s.appointment.patient_id: s.patient_name for s in day.stops}
        if not day.stops:
            self.status.setText(f"No home visits on {show_date(day.day)}.")
        elif not day.legs:
            self.status.setText(f"{len(day.stops)} home visits; legs are proposed as they are "
                                "marked completed.")
        else:
            self.status.setText("Miles for each leg (0 skips it); no address reaches the log.")
        for row, leg in enumerate(day.legs):
            frm = names[leg.patient_id] if leg.from_label == PATIENT_PLACE else leg.from_label
            to = names[leg.patient_id] if leg.to_label == PATIENT_PLACE else leg.to_label
            self.rows.addWidget(QLabel(f"{leg.number}. {frm} → {to}"), row, 0)
            if leg.logged:
                self.rows.addWidget(QLabel("logged"), row, 1)
                continue
            box = QDoubleSpinBox()
            box.setObjectName(f"homeLegMiles{leg.number}")
            box.setDecimals(1)
            box.setMaximum(9999.0)
            box.setSuffix(" mi")
            box.setAccessibleName(f"Miles, leg {leg.number}")
            self.rows.addWidget(box, row, 1)
            self.boxes.append(box)
        self.log_button.setEnabled(bool(self.boxes))
        self.error.setText("")

    def log(self) -> None:
        day = self.day
        if day is None or not self.boxes:
            return
        miles = [box.value() or None for box in self.boxes]
        who = day.clinician_id

        def refused(error: BaseException) -> bool:
            if isinstance(error, ChartsideError):
                self.error.setText(str(error))
                return True
            return False

        def done(entries: Any) -> None:
            self.logged.emit(entries)
            self.load(day.day)

        (CommandOp(self, lambda chart: home_visits.log_legs(chart, who, day.day, miles))
         .success(done).failure(refused).run())
