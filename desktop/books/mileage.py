"""``MileageLogPanel``: the current clinician's trips for a year, totals per IRS rate, a form
to add a leg, removal, and CSV/PDF export.

Contract:
- Uses ``ctx.session.clinician_id`` (the signed-in clinician), ``ctx.clock`` and ``ctx.bus``.
  ``refresh()`` loads ``ops.mileage_log`` for the chosen year; it reloads (debounced) when
  ``changes_applied`` carries ``mileage``. ``set_log`` renders a log value directly.
- The host may link the form to a home visit (``link_visit(visit_id, label, patient_id)``): the
  trip then goes to the patient's home and the log shows the patient by reference only. The
  patient id is sent with the visit: ``MileageEntry`` validates "@patient" before the service
  fills the patient in from the visit, so a visit alone is refused (core gap, reported).
- Adding a trip runs ``ops.record_trip``; a refused trip shows the service's message under the
  form. A leg over 500 miles (``LongTrip``) asks ``confirm_long(miles)`` (a yes/no dialog,
  replaceable in tests) and, if confirmed, saves it with ``confirm_long=True``.
- Export asks ``choose_path(kind)`` for a ``.csv`` or ``.pdf`` file and emits ``exported(path)``.
- GUI thread only; no SQL, no rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.domain.books import LongTrip, MileageLine, MileageLog
from core.domain.errors import ChartsideError, ValidationError
from desktop.books import ops
from desktop.books.home_legs import HomeLegsBox
from desktop.books.reports import ColumnsModel, table_for, usd
from desktop.fields import DateField
from desktop.formats import show_date
from desktop.models.base import RowRole

LINE_COLUMNS = [
    ("Date", lambda ln: show_date(ln.date)), ("From", lambda ln: ln.from_place),
    ("To", lambda ln: ln.to_place), ("Purpose", lambda ln: ln.purpose),
    ("Miles", lambda ln: f"{ln.miles:.1f}"),
    ("Rate", lambda ln: f"{ln.rate_cents}¢" if ln.rate_cents is not None else "no rate"),
    ("Amount", lambda ln: usd(ln.amount_cents) if ln.amount_cents is not None else ""),
]


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ChartsideError(f"{text!r} is not an odometer reading.") from None


class MileageLogPanel(QWidget):
    exported = Signal(object)  # Path

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mileageLog")
        self.ctx = ctx
        self.visit_id: uuid.UUID | None = None
        self.patient_id: uuid.UUID | None = None
        self.year = QSpinBox(objectName="mileageYear", minimum=2000, maximum=2200)
        self.year.setValue(ctx.clock.today().year)
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.model = ColumnsModel(LINE_COLUMNS, self, numeric=(4, 5, 6))
        self.table = table_for(self.model, "mileageTable", stretch=3)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.totals = QLabel("", objectName="mileageTotals", wordWrap=True)
        self.error = QLabel("", objectName="mileageError", wordWrap=True)
        self.error.setProperty("role", "error")
        self.date = DateField("tripDate", today=ctx.clock.today)
        self.date.set_value(ctx.clock.today())
        self.miles = QDoubleSpinBox(objectName="tripMiles", decimals=1, maximum=99999.0)
        self.miles.setSpecialValueText("from odometer")
        self.odo_start = QLineEdit(objectName="tripOdoStart", placeholderText="optional")
        self.odo_end = QLineEdit(objectName="tripOdoEnd", placeholderText="optional")
        self.from_place = QLineEdit("Office", objectName="tripFrom")
        self.to_place = QLineEdit(objectName="tripTo", placeholderText="e.g. Supply store")
        self.purpose = QLineEdit(objectName="tripPurpose", placeholderText="Business purpose")
        self.vehicle = QLineEdit(objectName="tripVehicle")
        self.linked = QLabel("", objectName="tripLinked", wordWrap=True)
        self.linked.setProperty("role", "hint")
        add = QPushButton("Add trip", objectName="tripAdd")
        add.clicked.connect(self.add_from_form)
        remove = QPushButton("Remove selected", objectName="tripRemove")
        remove.clicked.connect(self.remove_selected)
        form = QFormLayout()
        form.addRow("Date", self.date)
        form.addRow("Distance (mi)", self.miles)
        odo = QHBoxLayout()
        odo.addWidget(self.odo_start)
        odo.addWidget(QLabel("to"))
        odo.addWidget(self.odo_end)
        form.addRow("Odometer", odo)
        form.addRow("From", self.from_place)
        form.addRow("To", self.to_place)
        form.addRow("Purpose", self.purpose)
        form.addRow("Vehicle", self.vehicle)
        form.addRow("", self.linked)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(QLabel("Year"))
        top.addWidget(self.year)
        top.addStretch(1)
        for kind in ("csv", "pdf"):
            b = QPushButton(f"Export {kind.upper()}…", objectName=f"mileageExport{kind}")
            b.clicked.connect(lambda _c=False, k=kind: self._export_clicked(k))
            top.addWidget(b)
        add.setProperty("role", "primary")
        # The log on the left, the form beside it at a readable width: the table keeps the
        # page's height and the form does not stretch across a wide window.
        entry = QWidget(objectName="tripForm")
        entry.setFixedWidth(400)
        ev = QVBoxLayout(entry)
        ev.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Add a trip")
        title.setProperty("role", "h3")
        ev.addWidget(title)
        ev.addLayout(form)
        ev.addLayout(buttons)
        ev.addWidget(self.error)
        self.home_legs = HomeLegsBox(ctx)  # issue 19: the home visits' legs of the form's date
        self.home_legs.logged.connect(lambda _e: self.refresh())
        self.date.valueChanged.connect(lambda _d: self._load_home_legs())
        ev.addSpacing(12)
        ev.addWidget(self.home_legs)
        ev.addStretch(1)
        log = QVBoxLayout()
        log.addWidget(self.table, 1)
        under = QHBoxLayout()
        under.addWidget(self.totals, 1)
        under.addWidget(remove)  # acts on the table's selection
        log.addLayout(under)
        body = QHBoxLayout()
        body.setSpacing(20)
        body.addLayout(log, 1)
        body.addWidget(entry)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(top)
        v.addLayout(body, 1)
        self.choose_path: Callable[[str], Path | None] = self._ask_path
        self.confirm_long: Callable[[float], bool] = self._ask_long
        self._reload = QTimer(self, singleShot=True, interval=300)
        self._reload.timeout.connect(self.refresh)
        ctx.bus.changes_applied.connect(self._on_changes)

    # -- data -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        ops.mileage_log(self, self.year.value(), self.ctx.session.clinician_id).success(
            self.set_log).run()
        self._load_home_legs()

    def _load_home_legs(self) -> None:
        day = self.date.value()
        if day is not None:
            self.home_legs.load(day)

    def set_log(self, log: MileageLog) -> None:
        self.model.set_rows(log.lines)
        parts = [f"{r.trips} trips, {r.miles:,.1f} mi at {r.rate_cents}¢ = "
                 f"{usd(r.amount_cents)}" for r in log.by_rate]
        total = (f"Total {log.total_miles:,.1f} mi, {usd(log.total_amount_cents)}"
                 if log.lines else "No trips this year.")
        missing = (f" {len(log.unrated_dates)} trip(s) have no IRS rate on file."
                   if log.unrated_dates else "")
        self.totals.setText("; ".join([*parts, total]) + missing)

    def _on_changes(self, changes: Any) -> None:
        if "mileage" in changes:
            self._reload.start()

    def link_visit(self, visit_id: uuid.UUID | None, label: str = "",
                   patient_id: uuid.UUID | None = None, date: Any = None) -> None:
        """Tie the next trip to a home visit (``None`` unlinks); ``date`` (the visit's) becomes
        the trip's date."""
        self.visit_id = visit_id
        self.patient_id = patient_id if visit_id is not None else None
        if visit_id is not None and date is not None:
            self.date.set_value(date)
        self.linked.setText(f"Linked to {label or 'the current visit'}: the trip goes to the "
                            "patient's home." if visit_id else "")
        self.to_place.setPlaceholderText("the patient's home" if visit_id else "e.g. Supply store")

    # -- adding and removing --------------------------------------------------------------------
    def form_fields(self) -> dict[str, Any]:
        day = self.date.value()
        if day is None:
            raise ValidationError(self.date.error() or "Enter the date of the trip.", field="date")
        fields: dict[str, Any] = {
            "date": day,
            "miles": self.miles.value() or None,
            "odometer_start": _number(self.odo_start.text()),
            "odometer_end": _number(self.odo_end.text()),
            "from_label": self.from_place.text(),
            "vehicle": self.vehicle.text(),
        }
        if self.to_place.text().strip() or self.visit_id is None:
            fields["to_label"] = self.to_place.text()
        if self.purpose.text().strip() or self.visit_id is None:
            fields["purpose"] = self.purpose.text()
        if self.visit_id is not None:
            fields["visit_id"] = self.visit_id
            if self.patient_id is not None:
                fields["patient_id"] = self.patient_id
        return fields

    def add_from_form(self) -> None:
        try:
            fields = self.form_fields()
        except ChartsideError as exc:
            self.error.setText(str(exc))
            return
        self.add_trip(fields)

    def add_trip(self, fields: dict[str, Any]) -> None:
        clinician = self.ctx.session.clinician_id
        if clinician is None:
            self.error.setText("Choose who you are (File ▸ Clinician) before logging trips.")
            return
        self.error.setText("")

        def refused(error: BaseException) -> bool:
            if isinstance(error, LongTrip) and not fields.get("confirm_long"):
                if self.confirm_long(error.miles):
                    self.add_trip({**fields, "confirm_long": True})
                else:
                    self.error.setText(str(error))
                return True
            if isinstance(error, ChartsideError):
                self.error.setText(str(error))
                return True
            return False

        ops.record_trip(self, clinician, **fields).success(self._added).failure(refused).run()

    def _added(self, _result: Any) -> None:
        for box in (self.odo_start, self.odo_end, self.purpose):
            box.clear()
        self.miles.setValue(0)
        self.error.setText("")
        self.refresh()

    def selected_line(self) -> MileageLine | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(RowRole) if rows else None

    def remove_selected(self) -> None:
        line = self.selected_line()
        if line is not None:
            ops.delete_trip(self, line.entry_id).success(lambda _r: self.refresh()).run()

    # -- export ---------------------------------------------------------------------------------
    def _ask_path(self, kind: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the mileage log", f"mileage-{self.year.value()}.{kind}",
            "PDF (*.pdf)" if kind == "pdf" else "CSV (*.csv)")
        return Path(name) if name else None

    def _ask_long(self, miles: float) -> bool:
        answer = QMessageBox.question(
            self, "A long trip", f"{miles:,.1f} miles in one leg is unusual. Save it anyway?")
        return answer == QMessageBox.StandardButton.Yes

    def _export_clicked(self, kind: str) -> None:
        path = self.choose_path(kind)
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        ops.export_mileage(self, path, self.year.value(), self.ctx.session.clinician_id).success(
            lambda result: self.exported.emit(result.value.path)).run()

    def clear(self) -> None:
        self._reload.stop()
        self.model.clear()
        self.totals.setText("")
        self.error.setText("")
        self.link_visit(None)

