"""The ledger holds up: a refunded package ends, an overpayment is account credit, a bounded
fee change gives the old fee back, and the JSON export carries the books."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from core.domain.errors import InvalidInput
from core.services import billing, exports, packages, superbill
from core.services.superbill import SuperbillRequest
from core.storage.chart import ChartSession
from tests.integration.test_billing_ledger import DAY0, Clinic, add_visit
from tests.integration.test_billing_ledger import clinic as clinic  # the fixture


def test_refunding_a_package_ends_it(clinic: Clinic, chart: ChartSession) -> None:
    pid = clinic.patient_id
    pack = billing.sell_package(chart, pid, name="5 visits", visits_total=5, price_cents=40000,
                                purchased_on=DAY0).value
    first = add_visit(clinic, DAY0 + dt.timedelta(days=1), [("97110", 30)])  # $120
    refund = packages.refund_package(chart, pid, pack.id, date=DAY0 + dt.timedelta(days=3),
                                     method="card").value
    assert refund.amount_cents == -(40000 - 8000)  # four unused visits at $80
    later = add_visit(clinic, DAY0 + dt.timedelta(days=5), [("97110", 31)])  # $124
    account = billing.account(chart, pid).value
    ledger = account.ledger
    assert ledger.visits[first].package_id == pack.id and ledger.visits[first].balance_cents == 0
    assert ledger.visits[later].package_id is None  # the refunded package draws nothing
    assert ledger.visits[later].paid_cents == 0 and ledger.visits[later].balance_cents == 12000
    assert ledger.package_credit_cents == 0 and ledger.unapplied_credit_cents == 0
    assert ledger.balance_cents == 12000
    with pytest.raises(InvalidInput):
        packages.refund_package(chart, pid, pack.id, date=DAY0 + dt.timedelta(days=6))


def test_an_unrefunded_package_keeps_drawing(clinic: Clinic, chart: ChartSession) -> None:
    pid = clinic.patient_id
    pack = billing.sell_package(chart, pid, name="5 visits", visits_total=5, price_cents=40000,
                                purchased_on=DAY0).value
    later = add_visit(clinic, DAY0 + dt.timedelta(days=5), [("97110", 30)])
    assert billing.account(chart, pid).value.ledger.visits[later].package_id == pack.id


def test_an_overpayment_is_account_credit_never_paid_above_charged(
    clinic: Clinic, chart: ChartSession
) -> None:
    pid = clinic.patient_id
    one = add_visit(clinic, DAY0, [("97110", 30)])  # $120
    billing.record_payment(chart, pid, 30000, date=DAY0, visit_id=one)  # $300 on that visit
    ledger = billing.account(chart, pid).value.ledger
    assert ledger.visits[one].paid_cents == 12000 and ledger.visits[one].balance_cents == 0
    assert ledger.unapplied_credit_cents == 18000 and ledger.balance_cents == -18000
    bill = superbill.preview_superbill(chart, SuperbillRequest(pid, visit_id=one)).value.superbill
    assert bill.paid_cents == 12000 and bill.balance_cents == 0
    two = add_visit(clinic, DAY0 + dt.timedelta(days=2), [("97110", 30)])  # the credit pays it
    ledger = billing.account(chart, pid).value.ledger
    assert ledger.visits[two].paid_applied_cents == 12000 and ledger.unapplied_credit_cents == 6000


def test_a_bounded_fee_change_gives_the_old_fee_back(clinic: Clinic, chart: ChartSession) -> None:
    start, end = DAY0 + dt.timedelta(days=10), DAY0 + dt.timedelta(days=20)
    billing.set_fee(chart, "97110", 7100, effective_from=start, effective_to=end)
    fees = sorted((f for f in billing.list_fees(chart) if f.code == "97110"),
                  key=lambda f: f.effective_from)
    assert [(f.amount_cents, f.effective_from, f.effective_to) for f in fees] == [
        (6000, DAY0 - dt.timedelta(days=30), start - dt.timedelta(days=1)),
        (7100, start, end),
        (6000, end + dt.timedelta(days=1), None),
    ]
    after = add_visit(clinic, end + dt.timedelta(days=5), [("97110", 30)])
    account = billing.account(chart, clinic.patient_id).value
    assert account.ledger.visits[after].charge_cents == 12000  # not a $0 gap
    # an open-ended change still simply closes the old fee
    billing.set_fee(chart, "97140", 5500, effective_from=start)
    assert len([f for f in billing.list_fees(chart) if f.code == "97140"]) == 2


def test_the_json_export_carries_the_books(clinic: Clinic, chart: ChartSession) -> None:
    pid = clinic.patient_id
    visit = add_visit(clinic, DAY0, [("97110", 30)])
    billing.record_payment(chart, pid, 5000, date=DAY0, visit_id=visit)
    pack = billing.sell_package(chart, pid, name="3 visits", visits_total=3, price_cents=9000,
                                purchased_on=DAY0).value
    packages.refund_package(chart, pid, pack.id, date=DAY0 + dt.timedelta(days=1))
    data = json.loads(json.dumps(exports.export_json(chart)))
    assert data["version"] == 2
    assert {f["code"] for f in data["fees"]} >= {"97110", "97140", "97162"}
    assert "mileage" in data and "clock_entries" in data
    patient = next(p for p in data["patients"] if p["id"] == str(pid))
    kinds = sorted(p["kind"] for p in patient["payments"])
    assert kinds == ["package", "payment", "refund"]
    assert patient["packages"][0]["name"] == "3 visits"
    assert "package_uses" in patient and "measure_scores" in patient


def test_a_too_short_override_reason_says_why(
    clinic: Clinic, chart: ChartSession, tmp_path: Path
) -> None:
    from core.services import practice
    from core.services.claim_scrub import ScrubBlocked

    visit = add_visit(clinic, DAY0, [("97110", 30)])
    practice.update_clinician(chart, clinic.clinician_id, npi=None)
    request = SuperbillRequest(clinic.patient_id, visit_id=visit)
    with pytest.raises(ScrubBlocked) as err:
        superbill.export_superbill(chart, request, tmp_path / "x.pdf", override_reason="Wren ok")
    assert "override reason was refused" in str(err.value) and "identifiers" in str(err.value)
    with pytest.raises(ScrubBlocked) as err:  # no reason at all: no such sentence
        superbill.export_superbill(chart, request, tmp_path / "x.pdf")
    assert "override reason was refused" not in str(err.value)


def test_ar_aging_buckets(clinic: Clinic, chart: ChartSession) -> None:
    from core.domain.aging import ar_aging

    pid = clinic.patient_id
    days = [DAY0, DAY0 + dt.timedelta(days=40), DAY0 + dt.timedelta(days=75),
            DAY0 + dt.timedelta(days=100)]
    visits = [add_visit(clinic, d, [("97110", 30)]) for d in days]  # $120 each
    billing.record_payment(chart, pid, 12000, date=days[3], visit_id=visits[3])  # paid up
    ledger = billing.account(chart, pid).value.ledger
    as_of = DAY0 + dt.timedelta(days=105)
    # ages 105, 65 and 30 days; the fourth visit is paid
    assert ar_aging(ledger, as_of) == {"0-30": 12000, "31-60": 0, "61-90": 12000, "90+": 12000}
    assert ar_aging(ledger, DAY0 + dt.timedelta(days=10)) == {
        "0-30": 12000, "31-60": 0, "61-90": 0, "90+": 0}  # later visits not yet due


def test_a_write_off_with_a_reason_reduces_the_visit_and_the_aging(
    clinic: Clinic, chart: ChartSession
) -> None:
    from core.domain.aging import ar_aging
    from core.domain.errors import ValidationError
    from core.services.account_ledger import ledger_lines

    pid = clinic.patient_id
    old = add_visit(clinic, DAY0, [("97110", 30)])  # $120
    new = add_visit(clinic, DAY0 + dt.timedelta(days=50), [("97110", 30)])  # $120
    billing.record_payment(chart, pid, 2000, date=DAY0, visit_id=old)
    before = billing.account(chart, pid).value.ledger
    # refused, and nothing written: more than the visit owes, no reason, nothing owed
    with pytest.raises(InvalidInput, match=r"owes \$100\.00"):
        billing.record_adjustment(chart, pid, old, 10001, reason="hardship per policy",
                                  date=DAY0 + dt.timedelta(days=90))
    with pytest.raises(ValidationError, match="reason"):
        billing.record_adjustment(chart, pid, old, 5000, reason=" ok ", date=DAY0)
    with pytest.raises(ValidationError, match="reason"):  # only the patient's name: redacted
        billing.record_adjustment(chart, pid, old, 5000, reason="Wren", date=DAY0)
    after_refusals = billing.account(chart, pid).value
    assert after_refusals.ledger == before and len(after_refusals.payments) == 1
    # a write-off of the old visit's rest, and a courtesy adjustment on the new one
    billing.record_adjustment(chart, pid, old, 10000, reason="Uncollectable after 3 statements",
                              date=DAY0 + dt.timedelta(days=90))
    billing.record_adjustment(chart, pid, new, 2000, kind="adjustment",
                              reason="Courtesy discount, hardship policy",
                              date=DAY0 + dt.timedelta(days=90))
    with pytest.raises(InvalidInput, match="owes nothing"):
        billing.record_adjustment(chart, pid, old, 100, reason="again by mistake",
                                  date=DAY0 + dt.timedelta(days=91))
    account = billing.account(chart, pid).value
    ledger = account.ledger
    assert ledger.visits[old].balance_cents == 0 and ledger.visits[old].written_off_cents == 10000
    assert ledger.visits[new].balance_cents == 10000
    assert ledger.received_cents == 2000  # a write-off is not money received
    assert ledger.balance_cents == 24000 - 12000 - 2000 == 10000
    assert ar_aging(ledger, DAY0 + dt.timedelta(days=100)) == {
        "0-30": 0, "31-60": 10000, "61-90": 0, "90+": 0}  # the written-off visit is gone
    lines = ledger_lines(account)
    assert lines[-1].balance_cents == ledger.balance_cents
    texts = [ln.description for ln in lines if ln.kind == "adjustment"]
    assert any(t.startswith("Write-off") and "Uncollectable" in t for t in texts)
    assert any(t.startswith("Adjustment") and "Courtesy" in t for t in texts)
    with pytest.raises(InvalidInput, match="more than the patient has paid"):
        billing.record_refund(chart, pid, 2001, date=DAY0)  # write-offs are not refundable
    bill = superbill.preview_superbill(chart, SuperbillRequest(pid)).value.superbill
    assert bill.written_off_cents == 12000 and bill.balance_cents == 10000
    assert all("Payment" in p.description for p in bill.payments)  # no money row for them
    data = json.loads(json.dumps(exports.export_json(chart)))
    patient = next(p for p in data["patients"] if p["id"] == str(pid))
    assert sorted(p["kind"] for p in patient["payments"]) == ["adjustment", "payment",
                                                              "write_off"]
