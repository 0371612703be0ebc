"""A prepaid package that covers some codes (issue 14): a visit draws only the covered codes'
charge from it, the rest stays on the patient's balance; a visit with none of its codes draws
nothing; a package sold without a list covers whole visits as before. One real chart."""

from __future__ import annotations

import datetime as dt

import pytest

from core.domain.errors import ValidationError
from core.services import billing
from core.services.account_ledger import ledger_lines
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE
from tests.integration.cli_inprocess import Ran, run
from tests.integration.test_billing_ledger import DAY0, Clinic, add_visit
from tests.integration.test_billing_ledger import clinic as clinic  # the fixture


def test_a_package_pays_only_the_codes_it_covers(clinic: Clinic, chart: ChartSession) -> None:
    pid = clinic.patient_id
    with pytest.raises(ValidationError):  # a malformed code: refused, nothing sold
        billing.sell_package(chart, pid, name="bad", visits_total=2, price_cents=10000,
                             purchased_on=DAY0, covers=["97110", "971"])
    assert billing.account(chart, pid).value.packages == ()
    pack = billing.sell_package(chart, pid, name="Exercise x4", visits_total=4, price_cents=20000,
                                purchased_on=DAY0, covers=["97110 "]).value
    assert pack.covered_codes == ("97110",)
    # fires: 97110 ($120) + 97140 ($100): the package pays $50 of the 97110 line only
    mixed = add_visit(clinic, DAY0 + dt.timedelta(days=1), [("97110", 30), ("97140", 30)])
    # does not fire: a manual-therapy-only visit is not the package's
    manual = add_visit(clinic, DAY0 + dt.timedelta(days=2), [("97140", 30)])
    account = billing.account(chart, pid).value
    va = account.ledger.visits[mixed]
    assert va.package_id == pack.id and va.paid_package_cents == 5000
    assert va.adjustment_cents == 12000 - 5000  # the discount is on the covered line
    assert va.balance_cents == 10000  # 97140 stays owed
    other = account.ledger.visits[manual]
    assert other.package_id is None and other.balance_cents == 10000
    assert account.packages[0].used == 1
    assert account.ledger.balance_cents == 20000 - 20000 + 10000 + 10000 - 5000 * 3
    # a payment at the desk on the mixed visit pays the uncovered code, the draw stays
    billing.record_payment(chart, pid, 10000, date=DAY0 + dt.timedelta(days=1), visit_id=mixed)
    va = billing.account(chart, pid).value.ledger.visits[mixed]
    assert va.package_id == pack.id and va.balance_cents == 0
    kinds = [line.kind for line in ledger_lines(billing.account(chart, pid).value)]
    assert "discount" in kinds
    # the stored package reads back with its list
    stored = billing.account(chart, pid).value.packages[0].package
    assert stored.covered_codes == ("97110",)


def test_a_package_without_a_list_still_pays_whole_visits(
    clinic: Clinic, chart: ChartSession
) -> None:
    pid = clinic.patient_id
    pack = billing.sell_package(chart, pid, name="All x2", visits_total=2, price_cents=16000,
                                purchased_on=DAY0).value
    assert pack.covered_codes == ()
    visit = add_visit(clinic, DAY0 + dt.timedelta(days=1), [("97110", 30), ("97140", 30)])
    va = billing.account(chart, pid).value.ledger.visits[visit]
    assert va.package_id == pack.id and va.paid_package_cents == 8000 and va.balance_cents == 0


def test_cli_package_covers(clinic: Clinic, chart: ChartSession,
                            capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    pid = str(clinic.patient_id)
    chart.lock()

    def cli(*words: str) -> Ran:
        return run(capsys, monkeypatch, ["--chart", str(chart.path), *words],
                   {"CHARTSIDE_PASSPHRASE": PASSPHRASE})

    bad = cli("package", "--patient", pid, "--name", "x", "--visits", "3", "--price", "90",
              "--covers", "97110,abc")
    assert bad.returncode == 2 and "'ABC' is not a procedure code" in bad.stderr.replace(
        "'abc'", "'ABC'") and "Traceback" not in bad.stderr
    sold = cli("package", "--patient", pid, "--name", "Ther-ex x3", "--visits", "3", "--price",
               "90", "--covers", "97110, 97530", "--date", DAY0.isoformat())
    assert sold.returncode == 0 and "covering 97110, 97530" in sold.stdout
    balance = cli("balance", "--patient", pid)
    assert "(covers 97110, 97530)" in balance.stdout
    assert balance.stdout.count("package '") == 1  # the refused sale wrote nothing
