"""``BillingTab``: one patient's money on the patient chart — the balance, taking payments,
refunds and prepaid packages, the account ledger, and the superbill exports from the audit log.

Contract:
- ``set_patient(id)`` only remembers the patient; the account is read when the tab is shown
  (``billing.account`` is an audited view and may draw a package down, so it is a
  ``CommandOp``: ``desktop.billing.ops.account``). Answers for another patient are dropped.
- Reloads (debounced) on ``changes_applied`` carrying payments, packages, fees, notes or visits
  while shown; once on the next show while hidden. ``watch(dialog)`` reloads after a superbill
  dialog exports or prints (those write audit rows only, which ``changes_applied`` omits).
- "Superbill / statement…" emits ``superbill_requested``; the host opens the dialog.
- "Take payment…", "Refund…", "Sell package…" and "Adjust / write off…" (a write-off or
  adjustment with a reason, or the void of one) open ``desktop.money.dialogs.MoneyDialog``
  over the account as last read; the account ledger (``core.services.account_ledger``) lists
  charges, package discounts, payments, package purchases and refunds with the running balance.
- ``clear()`` (lock) drops every value. GUI thread only; no SQL, no rules: amounts come from
  the ledger as they are.
"""

from __future__ import annotations

import uuid
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from core.domain.billing import format_cents
from core.services.account_ledger import ledger_lines
from desktop.billing import ops
from desktop.billing.exports import ExportsModel, SuperbillExportsWidget
from desktop.formats import show_date
from desktop.models.columns import ColumnsModel, fit_rows, table_for
from desktop.money.dialogs import MoneyDialog
from desktop.widgets import heading, label, named

RELOAD_ON = ("payment", "package", "fee", "note", "visit")
KINDS = {"payment": "Payment", "refund": "Refund", "package": "Package purchase",
         "adjustment": "Adjustment (no money)", "write_off": "Write-off (no money)",
         "void": "Void of an adjustment (no money)"}
METHODS = {"hsa": "HSA", "check": "Check", "card": "Card", "cash": "Cash"}

LEDGER_COLUMNS = [
    ("Date", lambda e: show_date(e.date)),
    ("Entry", lambda e: e.description),
    ("Amount", lambda e: format_cents(e.amount_cents)),
    ("Balance", lambda e: format_cents(e.balance_cents)),
]

PAYMENT_COLUMNS = [
    ("Date", lambda p: show_date(p.date)),
    ("What", lambda p: KINDS.get(str(p.kind), str(p.kind))),
    ("Method", lambda p: METHODS.get(str(p.method), str(p.method).title())),
    ("Reference", lambda p: p.reference if p.reference and p.voids is None else "—"),
    ("Amount", lambda p: format_cents(p.amount_cents)),
]


def package_line(status: Any) -> str:
    """ "10-visit package: bought Jan 16, 2026 for $950.00; 10 of 10 visits used"."""
    p = status.package
    expires = f"; expires {show_date(p.expires_on)}" if p.expires_on else ""
    covers = f"; covers {', '.join(p.covered_codes)}" if p.covered_codes else ""
    return (
        f"{p.name}: bought {show_date(p.purchased_on)} for {format_cents(p.price_cents)}; "
        f"{status.used} of {p.visits_total} visits used{expires}{covers}"
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
        money = QHBoxLayout()
        self.money_buttons: dict[str, QPushButton] = {}
        for kind, text, tip in (
            ("payment", "Take payment…", "Cash, card or check, for a visit or the balance"),
            ("refund", "Refund…", "Money back, or a package's unused visits"),
            ("package", "Sell package…", "A prepaid bundle of visits, for every code or some"),
            ("adjust", "Adjust / write off…",
             "Take an amount off a visit's balance with a reason, or void a mistaken one"),
        ):
            button = named(QPushButton(text), f"billing_{kind}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _c=False, k=kind: self.open_money(k))
            self.money_buttons[kind] = button
            money.addWidget(button)
        money.addStretch(1)
        v.addLayout(money)
        v.addWidget(heading("Prepaid packages", 3))
        self.packages = label("", "", wrap=True, name="billingPackages")
        v.addWidget(self.packages)
        v.addWidget(heading("Account ledger", 3))
        self.ledger_model = ColumnsModel(LEDGER_COLUMNS, self, numeric=(2, 3))
        self.ledger = table_for(self.ledger_model, "billingLedger", stretch=1)
        self.ledger.setMaximumWidth(820)
        self.payments_model = ColumnsModel(PAYMENT_COLUMNS, self, numeric=(4,))
        self.no_payments = label("", "hint", name="billingNoPayments")
        v.addWidget(self.ledger)
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
        self._set_money_enabled(False)
        self.money_dialog: QDialog | None = None

    def _set_money_enabled(self, enabled: bool) -> None:
        for button in self.money_buttons.values():
            button.setEnabled(enabled)

    def open_money(self, kind: str, visit_id: uuid.UUID | None = None) -> MoneyDialog | None:
        """Open the payment / refund / package dialog over the account as last read."""
        if self.patient_id is None or self.account is None:
            return None
        dialog = MoneyDialog(self.ctx, kind, self.patient_id, self.account, self,
                             visit_id=visit_id)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.money_dialog = dialog
        return dialog

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
        visits = len(ledger.visits) - len(account.fees)
        parts = [
            f"Charges {format_cents(ledger.charges_cents)} over {visits} "
            f"signed visit{'s' if visits != 1 else ''}"
            + (f" and {len(account.fees)} cancellation/no-show fee"
               f"{'s' if len(account.fees) != 1 else ''}" if account.fees else "")
        ]
        if ledger.adjustments_cents:
            parts.append(f"package discount {format_cents(ledger.adjustments_cents)}")
        if ledger.written_off_cents:
            parts.append(f"adjusted or written off {format_cents(ledger.written_off_cents)}")
        parts.append(f"received {format_cents(ledger.received_cents)}")
        if ledger.package_credit_cents:
            parts.append(f"unused package credit {format_cents(ledger.package_credit_cents)}")
        self.details.setText(" · ".join(parts) + ". Charges come from signed notes only.")
        payments = sorted(account.payments, key=lambda p: (p.date, str(p.id)), reverse=True)
        self.payments_model.set_rows(payments)
        lines = ledger_lines(account)
        self.ledger_model.set_rows(list(reversed(lines)))  # newest first
        fit_rows(self.ledger, max_rows=8)
        # As tall as its rows (up to 8), but ready to give way to 3 on a short screen: a
        # fixed height here pushed a 1280x800 window past 800 px.
        row = self.ledger.verticalHeader().defaultSectionSize()
        head = self.ledger.horizontalHeader().sizeHint().height()
        self.ledger.setMinimumHeight(min(self.ledger.maximumHeight(), head + 3 * row + 4))
        self.ledger.setVisible(bool(lines))
        self.no_payments.setText("" if lines else "No charges or payments yet.")
        self._set_money_enabled(True)
        self.packages.setText(
            "\n".join(package_line(p) for p in account.packages) or "No prepaid package."
        )
        self.loaded.emit(patient_id)

    def _fit_exports(self, rows: int) -> None:
        fit_rows(self.exports.table, max_rows=5)
        self.exports.table.setVisible(rows > 0)

    def _on_changes(self, changes: Any) -> None:
        if self.patient_id is None or not any(changes.structural(k) for k in RELOAD_ON):
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
        self.ledger_model.clear()
        self.superbill_button.setEnabled(False)
        self._set_money_enabled(False)
        dialog, self.money_dialog = getattr(self, "money_dialog", None), None
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.reject()
