"""``PracticeDialog`` (Chart ▸ Practice and fees…): the practice profile that heads every
superbill (name, address, phone, group NPI, EIN, licence, NUCC taxonomy) and the fee schedule
(a fee per unit of each code, from a date, for every payer or one payer).

Contract:
- Reads once when opened (``ops.practice_and_fees``); saves through ``practice.save_practice``
  / ``billing.set_fee`` / ``billing.remove_fee`` on the database worker. A refused value (a bad
  NPI, EIN, taxonomy, an overlapping fee) is shown in the dialog, focus goes to the field,
  nothing is written and what was typed stays.
- Codes show Chartside's own short labels (``SessionFacts.code_label``), never AMA descriptors.
- Keyboard: Tab order follows the form; Enter in a profile field saves the profile, Enter in
  the fee row adds the fee; Escape closes.
  Sized for 1366×768. GUI thread only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.domain.billing import format_cents, parse_amount
from core.domain.errors import ChartsideError
from desktop.fields import DateField
from desktop.models.columns import ColumnsModel, table_for
from desktop.money import ops
from desktop.widgets import label, named

PRACTICE_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Practice &name", ""),
    ("address_line1", "&Address", "Street"),
    ("address_line2", "", "Suite, floor (optional)"),
    ("city", "&City", ""),
    ("state", "S&tate", "e.g. OR"),
    ("postal_code", "&ZIP", ""),
    ("phone", "&Phone", ""),
    ("npi", "Group NPI (33a)", "10 digits (type 2 NPI)"),
    ("tax_id", "&EIN (25)", "12-3456789"),
    ("license_number", "&Licence no.", "If your state licenses the practice"),
    ("taxonomy_code", "Ta&xonomy (33b)", "e.g. 225100000X (PT), 225X00000X (OT), 235Z00000X"),
)


def _date(d: dt.date | None) -> str:
    return f"{d:%b %d, %Y}" if d else "open"


class PracticeDialog(QDialog):
    saved = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("practiceDialog")
        self.setWindowTitle("Practice and fees")
        self.ctx = ctx
        self.resize(780, 600)
        self.payers: list[Any] = []
        v = QVBoxLayout(self)
        self.tabs = named(QTabWidget(), "practiceTabs")
        v.addWidget(self.tabs, 1)
        # -- the practice ---------------------------------------------------------------------
        page = QWidget()
        pv = QVBoxLayout(page)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for name, text, hint in PRACTICE_FIELDS:
            edit = named(QLineEdit(), f"practice_{name}")
            edit.setPlaceholderText(hint)
            self.fields[name] = edit
            edit.returnPressed.connect(self.save_practice)  # Enter saves the profile
            form.addRow(text, edit)
        pv.addLayout(form)
        pv.addWidget(label("These head every superbill: the CMS-1500 item each fills is in "
                           "brackets.", "hint", wrap=True))
        self.practice_error = label("", "error", wrap=True, name="practiceError")
        self.practice_status = label("", "muted", name="practiceStatus")
        pv.addWidget(self.practice_error)
        row = QHBoxLayout()
        row.addWidget(self.practice_status, 1)
        self.save_button = named(QPushButton("Save practice"), "practiceSave")
        self.save_button.clicked.connect(self.save_practice)
        row.addWidget(self.save_button)
        pv.addLayout(row)
        pv.addStretch(1)
        self.tabs.addTab(page, "Practice")
        # -- the fee schedule -----------------------------------------------------------------
        fees = QWidget()
        fv = QVBoxLayout(fees)
        self.fee_model = ColumnsModel([
            ("Code", lambda f: f.code),
            ("Service", lambda f: self.ctx.session.code_label(f.code) or "—"),
            ("Fee per unit", lambda f: format_cents(f.amount_cents)),
            ("From", lambda f: _date(f.effective_from)),
            ("To", lambda f: _date(f.effective_to)),
            ("Payer", lambda f: self._payer_name(f.payer_profile_id)),
        ], self, numeric=(2,))
        self.fee_table = table_for(self.fee_model, "feeTable", stretch=1)
        fv.addWidget(self.fee_table, 1)
        self.no_fees = label("No fees yet: every superbill shows $0.00 until you add them.",
                             "hint", wrap=True, name="noFees")
        fv.addWidget(self.no_fees)
        add = QFormLayout()
        self.fee_code = named(QComboBox(), "feeCode")
        self.fee_code.setEditable(True)
        self.fee_code.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for c in ctx.session.codes:
            self.fee_code.addItem(f"{c.code}  {c.label}", c.code)
        self.fee_code.setCurrentIndex(-1)
        code_edit = self.fee_code.lineEdit()
        assert code_edit is not None
        code_edit.setPlaceholderText("Code, e.g. 97110")
        self.fee_amount = named(QLineEdit(), "feeAmount")
        self.fee_amount.setPlaceholderText("$ per unit, e.g. 85")
        self.fee_from = DateField("feeFrom", today=ctx.clock.today)
        self.fee_from.set_value(ctx.clock.today())
        self.fee_to = DateField("feeTo", today=ctx.clock.today)
        self.fee_payer = named(QComboBox(), "feePayer")
        line = QHBoxLayout()
        self.fee_amount.setMinimumWidth(170)
        line.addWidget(self.fee_code, 3)
        line.addWidget(self.fee_amount, 1)
        add.addRow("Code and fee", line)
        dates = QHBoxLayout()
        dates.addWidget(self.fee_from)
        dates.addWidget(label("until", "muted"))
        dates.addWidget(self.fee_to)
        add.addRow("From", dates)
        add.addRow("Payer", self.fee_payer)
        fv.addLayout(add)
        self.fee_error = label("", "error", wrap=True, name="feeError")
        fv.addWidget(self.fee_error)
        buttons = QHBoxLayout()
        self.fee_status = label("", "muted", name="feeStatus")
        buttons.addWidget(self.fee_status, 1)
        self.remove_fee_button = named(QPushButton("Remove selected fee"), "feeRemove")
        self.remove_fee_button.clicked.connect(self.remove_fee)
        self.add_fee_button = named(QPushButton("Add fee"), "feeAdd")
        self.add_fee_button.clicked.connect(self.add_fee)
        buttons.addWidget(self.remove_fee_button)
        buttons.addWidget(self.add_fee_button)
        fv.addLayout(buttons)
        fv.addWidget(label("A new fee for a code closes the open one the day before it starts. "
                           "Labels are Chartside's own short names.", "hint", wrap=True))
        self.tabs.addTab(fees, "Fee schedule")
        for edit in (self.fee_amount, code_edit, self.fee_to.edit):
            edit.returnPressed.connect(self.add_fee)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        v.addWidget(close)
        for b in (self.save_button, self.add_fee_button, self.remove_fee_button):
            b.setAutoDefault(False)
        self.refresh()

    # -- reading ----------------------------------------------------------------------------------
    def refresh(self) -> None:
        ops.practice_and_fees(self).success(self._show).run()

    def _show(self, value: Any) -> None:
        current, fees, payers = value
        self.payers = list(payers)
        if current is not None:
            for name, edit in self.fields.items():
                edit.setText(getattr(current, name) or "")
        chosen = self.fee_payer.currentData()
        self.fee_payer.clear()
        self.fee_payer.addItem("Every payer", "")
        for p in self.payers:
            self.fee_payer.addItem(f"{p.name} only", str(p.id))
        self.fee_payer.setCurrentIndex(max(0, self.fee_payer.findData(chosen)))
        rows = sorted(fees, key=lambda f: (f.code, str(f.payer_profile_id or ""),
                                           f.effective_from))
        self.fee_model.set_rows(rows)
        self.no_fees.setVisible(not rows)
        self.remove_fee_button.setEnabled(bool(rows))

    def _payer_name(self, payer_id: uuid.UUID | None) -> str:
        if payer_id is None:
            return "Every payer"
        return next((p.name for p in self.payers if p.id == payer_id), "A payer")

    # -- the practice -----------------------------------------------------------------------------
    def save_practice(self) -> None:
        values: dict[str, Any] = {n: e.text().strip() for n, e in self.fields.items()}
        for optional in ("npi", "tax_id", "taxonomy_code"):
            values[optional] = values[optional] or None
        self.practice_error.clear()
        self.save_button.setEnabled(False)
        ops.save_practice(self, values).success(self._practice_saved).failure(
            self._practice_failed).run()

    def _practice_saved(self, result: Any) -> None:
        self.save_button.setEnabled(True)
        for name, edit in self.fields.items():
            edit.setText(getattr(result.value, name) or "")  # as stored (EIN 12-3456789 …)
        self.practice_status.setText("Saved.")
        self.saved.emit()

    def _practice_failed(self, error: BaseException) -> bool:
        self.save_button.setEnabled(True)
        if not isinstance(error, ChartsideError):
            return False
        self.practice_status.clear()
        self.practice_error.setText(str(error))
        target = self.fields.get(getattr(error, "field", "") or "")
        if target is not None:
            target.setFocus()
            target.selectAll()
        return True

    # -- fees -------------------------------------------------------------------------------------
    def _typed_code(self) -> str:
        text = self.fee_code.currentText().strip()
        data = self.fee_code.currentData()
        if data and text.startswith(str(data)):
            return str(data)
        return text.split()[0] if text else ""

    def add_fee(self) -> None:
        self.fee_error.clear()
        code = self._typed_code()
        try:
            if not code:
                raise _Refused("Choose or type a code.", self.fee_code)
            try:
                cents = parse_amount(self.fee_amount.text())
            except ChartsideError as exc:
                raise _Refused(str(exc), self.fee_amount) from exc
            start = self.fee_from.value()
            if start is None:
                raise _Refused(self.fee_from.error() or "Type the date the fee starts.",
                               self.fee_from)
            end = self.fee_to.value()
            if end is None and not self.fee_to.is_empty():
                raise _Refused(self.fee_to.error() or "The end date is not a date.", self.fee_to)
        except _Refused as refused:
            self.fee_error.setText(refused.message)
            refused.widget.setFocus()
            return
        payer = self.fee_payer.currentData()
        self.add_fee_button.setEnabled(False)
        ops.set_fee(self, code, cents, effective_from=start, effective_to=end,
                    payer_profile_id=uuid.UUID(payer) if payer else None,
                    ).success(self._fee_added).failure(self._fee_failed).run()

    def _fee_added(self, result: Any) -> None:
        self.add_fee_button.setEnabled(True)
        fee = result.value
        self.fee_status.setText(f"{fee.code}: {format_cents(fee.amount_cents)} per unit from "
                                f"{_date(fee.effective_from)}.")
        self.fee_amount.clear()
        self.fee_code.setCurrentIndex(-1)
        self.fee_code.setFocus()
        self.refresh()

    def _fee_failed(self, error: BaseException) -> bool:
        self.add_fee_button.setEnabled(True)
        if not isinstance(error, ChartsideError):
            return False
        self.fee_status.clear()
        self.fee_error.setText(str(error))
        return True

    def remove_fee(self) -> None:
        rows = self.fee_table.selectionModel().selectedRows()
        if not rows:
            self.fee_error.setText("Select the fee to remove in the table.")
            self.fee_table.setFocus()
            return
        fee = self.fee_model.rows[rows[0].row()]
        ops.remove_fee(self, fee.id).success(lambda _r: self._fee_removed(fee)).run()

    def _fee_removed(self, fee: Any) -> None:
        self.fee_status.setText(f"Removed the {fee.code} fee from {_date(fee.effective_from)}.")
        self.refresh()

    def keyPressEvent(self, event: Any) -> None:
        # Enter belongs to the fee row and the form buttons, never to "Close".
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return
        super().keyPressEvent(event)


class _Refused(Exception):
    def __init__(self, message: str, widget: QWidget) -> None:
        super().__init__(message)
        self.message = message
        self.widget = widget
