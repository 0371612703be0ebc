"""``BillingTab``: one patient's money on the patient chart — the balance, payments and
refunds, prepaid packages, and the superbill exports from the audit log.

Contract:
- ``set_patient(id)`` only remembers the patient; the account is read when the tab is shown
  (``billing.account`` is an audited view and may draw a package down, so it is a
  ``CommandOp``: ``desktop.billing.ops.account``). Answers for another patient are dropped.
- Reloads (debounced) on ``changes_applied`` carrying payments, packages, fees, notes or visits
  while shown; once on the next show while hidden. ``watch(dialog)`` reloads after a superbill
  dialog exports or prints (those write audit rows only, which ``changes_applied`` omits).
- "Superbill / statement…" emits ``superbill_requested``; the host opens the dialog.
- ``clear()`` (lock) drops every value. GUI thread only; no SQL, no rules: amounts come from
  the ledger as they are.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from core.domain.billing import format_cents
from desktop.billing import ops
from desktop.billing.exports import ExportsModel, SuperbillExportsWidget
from desktop.models.columns import ColumnsModel, fit_rows, table_for
from desktop.widgets import heading, label, named

RELOAD_ON = ("payment", "package", "fee", "note", "visit")
KINDS = {"payment": "Payment", "refund": "Refund", "package": "Package purchase"}
METHODS = {"hsa": "HSA", "check": "Check", "card": "Card", "cash": "Cash"}

PAYMENT_COLUMNS = [
    ("Date", lambda p: f"{p.date:%b %d, %Y}"),
    ("What", lambda p: KINDS.get(str(p.kind), str(p.kind))),
    ("Method", lambda p: METHODS.get(str(p.method), str(p.method).title())),
    ("Reference", lambda p: p.reference or "—"),
    ("Amount", lambda p: format_cents(p.amount_cents)),
]


def package_line(status: Any) -> str:
    """ "10-visit package: bought Jan 16, 2026 for $950.00; 10 of 10 visits used"."""
    p = status.package
    expires = f"; expires {p.expires_on:%b %d, %Y}" if p.expires_on else ""
    return (
        f"{p.name}: bought {p.purchased_on:%b %d, %Y} for {format_cents(p.price_cents)}; "
        f"{status.used} of {p.visits_total} visits used{expires}"
    )


def balance_text(cents: int) -> str:
    if cents > 0:
        return f"Balance due {format_cents(cents)}"
    if cents < 0:
        return f"Credit {format_cents(-cents)}"
    return "Nothing owed"


class BillingTab(QWidget):
    superbill_requested = Signal()
    loaded = Signal(object)  # patient id

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("billingTab")
        self.ctx = ctx
        self.patient_id: uuid.UUID | None = None
        self.account: Any = None
        self._stale = False
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 8, 0, 0)
        v.setSpacing(8)
        top = QHBoxLayout()
        sums = QVBoxLayout()
        self.balance = label("", "units", name="billingBalance")
        self.details = label("", "muted", wrap=True, name="billingDetails")
        sums.addWidget(self.balance)
        sums.addWidget(self.details)
        top.addLayout(sums, 1)
        self.superbill_button = named(QPushButton("Superbill / statement…"), "billingSuperbill")
        self.superbill_button.setToolTip("A superbill for one visit or a date range (PDF, print)")
        self.superbill_button.clicked.connect(self.superbill_requested)
        top.addWidget(self.superbill_button, 0, Qt.AlignmentFlag.AlignTop)
        v.addLayout(top)
        v.addWidget(heading("Prepaid packages", 3))
        self.packages = label("", "", wrap=True, name="billingPackages")
        v.addWidget(self.packages)
        v.addWidget(heading("Payments and refunds", 3))
        self.payments_model = ColumnsModel(PAYMENT_COLUMNS, self, numeric=(4,))
        self.payments = table_for(self.payments_model, "billingPayments", stretch=3)
        self.payments.setMaximumWidth(680)  # a short ledger, not a page-wide strip
        self.no_payments = label("", "hint", name="billingNoPayments")
        v.addWidget(self.payments)
        v.addWidget(self.no_payments)
        self.exports = SuperbillExportsWidget()
        self.exports.body.setContentsMargins(0, 0, 0, 0)
        self.exports.title.setProperty("role", "h3")  # a section of this tab, like the others
        self.exports.table.setColumnHidden(ExportsModel.Column.PATIENT, True)  # one patient
        self.exports.loaded.connect(self._fit_exports)
        v.addWidget(self.exports)
        v.addStretch(1)
        self._reload = QTimer(self, singleShot=True, interval=400)
        self._reload.timeout.connect(self.refresh)
        ctx.bus.changes_applied.connect(self._on_changes)
        self.superbill_button.setEnabled(False)

    # -- loading ------------------------------------------------------------------------------
    def set_patient(self, patient_id: uuid.UUID | None) -> None:
        if patient_id != self.patient_id:
            self.clear()
            self.patient_id = patient_id
            self.exports.patient_id = patient_id
            self._stale = patient_id is not None
            self.superbill_button.setEnabled(patient_id is not None)
            if self._stale and self.isVisible():
                self.refresh()

    def refresh(self) -> None:
        if self.patient_id is None:
            return
        self._stale = False
        patient_id = self.patient_id
        ops.account(self, patient_id).success(lambda r: self._show(patient_id, r.value)).run()
        self.exports.refresh()

    def _show(self, patient_id: uuid.UUID, account: Any) -> None:
        if patient_id != self.patient_id:
            return
        self.account = account
        ledger = account.ledger
        self.balance.setText(balance_text(ledger.balance_cents))
        parts = [
            f"Charges {format_cents(ledger.charges_cents)} over {len(ledger.visits)} "
            f"signed visit{'s' if len(ledger.visits) != 1 else ''}"
        ]
        if ledger.adjustments_cents:
            parts.append(f"package discount {format_cents(ledger.adjustments_cents)}")
        parts.append(f"received {format_cents(ledger.received_cents)}")
        if ledger.package_credit_cents:
            parts.append(f"unused package credit {format_cents(ledger.package_credit_cents)}")
        self.details.setText(" · ".join(parts) + ". Charges come from signed notes only.")
        payments = sorted(account.payments, key=lambda p: (p.date, str(p.id)), reverse=True)
        self.payments_model.set_rows(payments)
        fit_rows(self.payments)
        self.payments.setVisible(bool(payments))
        self.no_payments.setText("" if payments else "No payments recorded yet.")
        self.packages.setText(
            "\n".join(package_line(p) for p in account.packages) or "No prepaid package."
        )
        self.loaded.emit(patient_id)

    def _fit_exports(self, rows: int) -> None:
        fit_rows(self.exports.table, max_rows=5)
        self.exports.table.setVisible(rows > 0)

    def _on_changes(self, changes: Any) -> None:
        if self.patient_id is None or not any(kind in changes for kind in RELOAD_ON):
            return
        if self.isVisible():
            self._reload.start()
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._stale and self.patient_id is not None:
            self.refresh()

    def watch(self, dialog: Any) -> None:
        """Reload after ``dialog`` (a ``SuperbillDialog``) exports or prints."""
        dialog.exported.connect(lambda _path: self._after_superbill())
        dialog.printed.connect(self._after_superbill)

    def _after_superbill(self) -> None:
        if self.isVisible():
            self._reload.start()
        else:
            self._stale = True

    def clear(self) -> None:
        self._reload.stop()
        self._stale = False
        self.patient_id = None
        self.account = None
        self.exports.patient_id = None
        self.exports.clear()
        for lab in (self.balance, self.details, self.no_payments, self.packages):
            lab.clear()
        self.payments_model.clear()
        self.superbill_button.setEnabled(False)
