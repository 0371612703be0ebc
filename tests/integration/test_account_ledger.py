"""The account as a statement (``core.services.account_ledger``) on a real chart: every charge,
package discount, payment, package purchase and refund is a line, and the running balance ends
at the account's balance whatever the mix."""

from __future__ import annotations

import datetime as dt

from core.services import billing, packages
from core.services.account_ledger import balance_words, ledger_lines
from core.storage.chart import ChartSession
from tests.integration.test_billing_ledger import DAY0, add_visit, make_clinic


def test_running_balance_ends_at_the_account_balance(chart: ChartSession) -> None:
    clinic = make_clinic(chart)
    billing.set_fee(chart, "97110", 6000, effective_from=DAY0 - dt.timedelta(days=30))
    billing.set_fee(chart, "97140", 5000, effective_from=DAY0 - dt.timedelta(days=30))
    pid = clinic.patient_id
    first = add_visit(clinic, DAY0, [("97110", 30), ("97140", 15)])
    billing.record_payment(chart, pid, 4000, date=DAY0, visit_id=first, reference="77")
    package = billing.sell_package(chart, pid, name="4-visit package", visits_total=4,
                                   price_cents=30000, purchased_on=DAY0 + dt.timedelta(days=1),
                                   method="cash").value
    add_visit(clinic, DAY0 + dt.timedelta(days=2), [("97110", 30)])  # drawn from the package
    add_visit(clinic, DAY0 + dt.timedelta(days=3), [("97110", 30)], signed=False)  # a draft
    billing.record_payment(chart, pid, 9000, date=DAY0 + dt.timedelta(days=4))
    billing.record_refund(chart, pid, 1500, date=DAY0 + dt.timedelta(days=5), method="check")
    packages.refund_package(chart, pid, package.id, date=DAY0 + dt.timedelta(days=6))
    account = billing.account(chart, pid).value
    lines = ledger_lines(account)
    kinds = [ln.kind for ln in lines]
    assert kinds == ["charge", "payment", "package", "charge", "discount", "payment", "refund",
                     "refund"]
    assert lines[0].description.startswith("Visit: 97110 ")
    assert " × 2; 97140 " in lines[0].description and lines[0].description.endswith(" × 1")
    assert lines[0].amount_cents == 17000 and lines[1].amount_cents == -4000
    assert "ref 77" in lines[1].description and "for the visit of" in lines[1].description
    assert lines[-1].description.startswith("Refund of unused visits of 4-visit package")
    assert lines[-1].balance_cents == account.balance_cents
    running = 0
    for ln in lines:
        running += ln.amount_cents
        assert ln.balance_cents == running
    assert sorted(ln.date for ln in lines) == [ln.date for ln in lines]
    assert balance_words(account.balance_cents).startswith(("Balance due", "Credit", "Nothing"))
    assert balance_words(-1000) == "Credit $10.00" and balance_words(0) == "Nothing owed"
