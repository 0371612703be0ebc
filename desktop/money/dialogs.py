"""Money at the desk: ``MoneyDialog`` takes a payment (against one visit or the oldest balance),
gives a refund (money on account, or a package's unused visits), sells a prepaid package (with
the codes it covers, or every code), or adjusts an account: a write-off or adjustment of one
visit's balance with a reason, or the void of a mistaken one (kind "adjust").

Contract:
- Built over the patient's ``billing.Account`` as the Billing tab last read it (visit choices,
  open packages); the write is one service call on the database worker (``desktop.money.ops``)
  and its ``Changes`` reload the tab. Amounts are typed in dollars (``parse_amount``); a
  refused value is shown in the dialog with focus on the field, and nothing is written.
- Reference is a check or card-slip number — never a card number (the hint says so).
- "adjust": "For" lists the visits that owe (a new write-off/adjustment: type, amount at most
  the balance, reason) and the earlier adjustments not voided yet ("Void …": the amount is the
  entry's, only a reason and a date). The reason is required; the service cleans it of the
  patient's identifiers and refuses a short one, shown under the form with nothing written.
- Keyboard: the amount (or package name) has focus; Enter saves; Escape cancels.
  ``recorded(value)`` follows a save. GUI thread only.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.domain.billing import format_cents, parse_amount
from core.domain.errors import ChartsideError
from desktop.fields import DateField
from desktop.money import ops
from desktop.widgets import heading, label, named

METHODS = (("card", "Card"), ("cash", "Cash"), ("check", "Check"), ("hsa", "HSA / FSA card"),
           ("other", "Other"))
TITLES = {"payment": ("Take a payment", "Record payment"),
          "refund": ("Give a refund", "Record refund"),
          "package": ("Sell a prepaid package", "Sell package"),
          "adjust": ("Adjust or write off", "Record")}
ADJUST_KINDS = (("write_off", "Write-off (will not be collected)"),
                ("adjustment", "Adjustment (courtesy, hardship, contractual)"))
VOID = "void:"


class MoneyDialog(QDialog):
    recorded = Signal(object)  # the stored payment / package

    def __init__(self, ctx: Any, kind: str, patient_id: uuid.UUID, account: Any = None,
                 parent: QWidget | None = None, *, visit_id: uuid.UUID | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"money_{kind}")
        self.kind = kind
        self.ctx = ctx
        self.patient_id = patient_id
        title, action = TITLES[kind]
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        v = QVBoxLayout(self)
        v.addWidget(heading(title, 2))
        if account is not None:
            v.addWidget(label(_balance(account), "muted", name="moneyBalance"))
        form = QFormLayout()
        self.form = form
        self.name = named(QLineEdit("10-visit package"), "packageName")
        self.visits = named(QSpinBox(), "packageVisits")
        self.visits.setRange(1, 200)
        self.visits.setValue(10)
        self.visits.valueChanged.connect(self._visits_changed)
        self.what = named(QComboBox(), "moneyWhat")
        self.amount = named(QLineEdit(), "moneyAmount")
        self.amount.setPlaceholderText("$, e.g. 85 or 85.50")
        self.method = named(QComboBox(), "moneyMethod")
        for value, text in METHODS:
            self.method.addItem(text, value)
        self.reference = named(QLineEdit(), "moneyReference")
        self.reference.setPlaceholderText("Check or slip number — never a card number")
        self.reference.setMaxLength(40)
        self.date = DateField("moneyDate", today=ctx.clock.today)
        self.date.set_value(ctx.clock.today())
        self.expires = DateField("packageExpires", today=ctx.clock.today)
        self.adjust_kind = named(QComboBox(), "adjustKind")
        for value, text in ADJUST_KINDS:
            self.adjust_kind.addItem(text, value)
        self.reason = named(QLineEdit(), "adjustReason")
        self.reason.setPlaceholderText("Why, e.g. 'hardship, per policy' — no patient details")
        self.reason.setMaxLength(200)
        self.covers = named(QLineEdit(), "packageCovers")
        self.covers.setPlaceholderText("every code — or e.g. 97110, 97140")
        self.covers.setToolTip("The codes the package pays for; a visit's other codes stay on "
                               "the patient's balance. Empty: the package pays whole visits.")
        if kind == "package":
            form.addRow("Package &name", self.name)
            form.addRow("&Visits", self.visits)
            form.addRow("&Price", self.amount)
        elif kind == "adjust":
            form.addRow("F&or", self.what)
            form.addRow("&Kind", self.adjust_kind)
            form.addRow("&Amount", self.amount)
            form.addRow("Rea&son", self.reason)
        else:
            form.addRow("&Amount", self.amount)
            form.addRow("F&or" if kind == "payment" else "Refund &of", self.what)
        if kind != "adjust":  # no money moves: no method, no slip
            form.addRow("&Method", self.method)
            form.addRow("&Reference", self.reference)
        form.addRow("&Date" if kind != "package" else "&Bought on", self.date)
        if kind == "package":
            form.addRow("&Expires (optional)", self.expires)
            form.addRow("&Covers codes", self.covers)
        v.addLayout(form)
        self._fill_what(account, visit_id)
        self.what.currentIndexChanged.connect(self._what_changed)
        self.error = label("", "error", wrap=True, name="moneyError")
        v.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(action)
        self.ok.setObjectName("moneyOk")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)
        {"package": self.name, "adjust": self.what}.get(kind, self.amount).setFocus()
        self._what_changed()

    def _fill_what(self, account: Any, visit_id: uuid.UUID | None) -> None:
        if self.kind == "adjust":
            if account is None:
                return
            for va in sorted(account.ledger.visits.values(), key=lambda a: a.date):
                if va.balance_cents > 0 and va.visit_id in account.charged_visits:
                    self.what.addItem(f"Visit of {va.date:%b %d, %Y} (owes "
                                      f"{format_cents(va.balance_cents)})", str(va.visit_id))
            voided = {p.voids for p in account.payments if p.voids is not None}
            for p in account.payments:
                if p.kind in ("write_off", "adjustment") and p.id not in voided:
                    word = "write-off" if p.kind == "write_off" else "adjustment"
                    self.what.addItem(f"Void the {word} of {format_cents(p.amount_cents)} "
                                      f"({p.date:%b %d, %Y}: {p.memo})", f"{VOID}{p.id}")
            if visit_id is not None:
                self.what.setCurrentIndex(max(0, self.what.findData(str(visit_id))))
        elif self.kind == "payment":
            self.what.addItem("The oldest balance first", "")
            if account is not None:
                fees = {f.id for f in getattr(account, "fees", ())}  # paid oldest first
                for va in sorted(account.ledger.visits.values(), key=lambda a: a.date):
                    if va.visit_id in fees:
                        continue
                    owes = f"owes {format_cents(va.balance_cents)}" if va.balance_cents > 0 \
                        else "paid"
                    self.what.addItem(f"Visit of {va.date:%b %d, %Y} ({owes})", str(va.visit_id))
            if visit_id is not None:
                self.what.setCurrentIndex(max(0, self.what.findData(str(visit_id))))
        elif self.kind == "refund":
            self.what.addItem("Money paid (account credit)", "")
            if account is not None:
                ended = {p.ends_package for p in account.payments if p.ends_package}
                for status in account.packages:
                    if status.package.id not in ended and status.remaining > 0:
                        self.what.addItem(
                            f"Unused visits of {status.package.name} ({status.remaining} of "
                            f"{status.package.visits_total} left)", f"package:{status.package.id}")

    def _visits_changed(self, n: int) -> None:
        if not self.name.isModified():  # the default name follows the count until typed over
            self.name.setText(f"{n}-visit package")

    def _what_changed(self) -> None:
        data = str(self.what.currentData() or "")
        package = data.startswith("package:")
        void = data.startswith(VOID)
        self.amount.setEnabled(not package and not void)
        self.adjust_kind.setEnabled(not void)
        self.amount.setPlaceholderText("worked out from the unused visits" if package
                                       else "the whole entry" if void
                                       else "$, e.g. 85 or 85.50")
        if package or void:
            self.amount.clear()

    # -- saving ---------------------------------------------------------------------------------
    def save(self) -> None:
        self.error.clear()
        day = self.date.value()
        if day is None:
            return self._refuse(self.date.error() or "Type the date.", self.date)
        fields: dict[str, Any] = {"method": self.method.currentData(),
                                  "reference": self.reference.text().strip()}
        what = str(self.what.currentData() or "")
        kind = self.kind
        if kind == "adjust":
            if not what:
                return self._refuse("No visit owes anything and nothing can be voided.",
                                    self.what)
            fields = {"reason": self.reason.text(), "date": day}
            if what.startswith(VOID):
                kind = "void"
                fields["entry_id"] = uuid.UUID(what.removeprefix(VOID))
            else:
                try:
                    cents = parse_amount(self.amount.text())
                except ChartsideError as exc:
                    return self._refuse(str(exc), self.amount)
                if cents <= 0:
                    return self._refuse("Type an amount above $0.", self.amount)
                fields |= {"visit_id": uuid.UUID(what), "amount_cents": cents,
                           "kind": self.adjust_kind.currentData()}
        elif kind == "refund" and what.startswith("package:"):
            kind = "package_refund"
            fields |= {"package_id": uuid.UUID(what.removeprefix("package:")), "date": day}
        else:
            try:
                cents = parse_amount(self.amount.text())
            except ChartsideError as exc:
                return self._refuse(str(exc), self.amount)
            if cents <= 0:
                return self._refuse("Type an amount above $0.", self.amount)
            if kind == "package":
                expires = self.expires.value()
                if expires is None and not self.expires.is_empty():
                    return self._refuse(self.expires.error() or "Not a date.", self.expires)
                fields |= {"name": self.name.text(), "visits_total": self.visits.value(),
                           "price_cents": cents, "purchased_on": day, "expires_on": expires,
                           "covers": [c for c in self.covers.text().replace(",", " ").split()]}
            else:
                fields |= {"amount_cents": cents, "date": day}
                if kind == "payment" and what:
                    fields["visit_id"] = uuid.UUID(what)
        self.ok.setEnabled(False)
        ops.take_money(self, kind, self.patient_id, **fields).success(self._saved).failure(
            self._failed).run()

    def _refuse(self, message: str, widget: QWidget) -> None:
        self.error.setText(message)
        widget.setFocus()

    def _saved(self, result: Any) -> None:
        self.accept()
        self.recorded.emit(result.value)

    def _failed(self, error: BaseException) -> bool:
        self.ok.setEnabled(True)
        if not isinstance(error, ChartsideError):
            return False
        target = {"amount": self.amount, "price": self.amount, "name": self.name,
                  "visits_total": self.visits, "expires_on": self.expires,
                  "code": self.covers, "reason": self.reason,
                  "date": self.date}.get(getattr(error, "field", "") or "", self.amount)
        self._refuse(str(error), target)
        return True


def _balance(account: Any) -> str:
    from core.services.account_ledger import balance_words

    return balance_words(account.balance_cents) + "."
