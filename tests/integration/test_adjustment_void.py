"""A mistaken write-off or adjustment is reversed by a void entry (issue 14): the visit owes
again, both entries stay on the record (ledger, export, outbox), the void is audited; bad
voids are refused with nothing written. One real chart per test."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from core.domain.billing import PaymentKind
from core.domain.errors import InvalidInput, NotFound, ValidationError
from core.services import billing, charts, exports, reports
from core.services.account_ledger import ledger_lines
from core.storage import tables as t
from core.storage.chart import ChartSession
from tests.conftest import PASSPHRASE
from tests.integration.cli_inprocess import Ran, run
from tests.integration.test_billing_ledger import DAY0, Clinic, add_visit
from tests.integration.test_billing_ledger import clinic as clinic  # the fixture

LATER = DAY0 + dt.timedelta(days=30)


def test_a_void_gives_the_written_off_amount_back(clinic: Clinic, chart: ChartSession) -> None:
    pid = clinic.patient_id
    visit = add_visit(clinic, DAY0, [("97110", 30)])  # $120
    payment = billing.record_payment(chart, pid, 2000, date=DAY0, visit_id=visit).value
    off = billing.record_adjustment(chart, pid, visit, 10000, reason="Wrong patient, typo",
                                    date=DAY0 + dt.timedelta(days=5)).value
    assert billing.account(chart, pid).value.balance_cents == 0
    before = billing.account(chart, pid).value
    # refused, nothing written: a payment, a reason too short, a date before the entry, unknown
    with pytest.raises(InvalidInput, match="Only an adjustment or a write-off"):
        billing.void_adjustment(chart, pid, payment.id, reason="entered twice", date=LATER)
    with pytest.raises(ValidationError, match="reason"):
        billing.void_adjustment(chart, pid, off.id, reason=" no ", date=LATER)
    with pytest.raises(InvalidInput, match="dated before"):
        billing.void_adjustment(chart, pid, off.id, reason="entered on the wrong visit",
                                date=DAY0)
    with pytest.raises(NotFound):
        billing.void_adjustment(chart, pid, visit, reason="entered on the wrong visit",
                                date=LATER)
    assert [p.id for p in billing.account(chart, pid).value.payments] == [
        p.id for p in before.payments]
    void = billing.void_adjustment(chart, pid, off.id, reason="Entered on the wrong visit",
                                   date=LATER).value
    assert void.kind is PaymentKind.VOID and void.amount_cents == -10000
    assert void.voids == off.id and void.visit_id == visit
    with pytest.raises(InvalidInput, match="voided already"):
        billing.void_adjustment(chart, pid, off.id, reason="Entered on the wrong visit",
                                date=LATER)
    account = billing.account(chart, pid).value
    va = account.ledger.visits[visit]
    assert va.written_off_cents == 0 and va.balance_cents == 10000
    assert account.ledger.received_cents == 2000 and account.balance_cents == 10000
    # the write-off can be made again afterwards (the visit owes again)
    lines = ledger_lines(account)
    assert [ln.kind for ln in lines][-2:] == ["adjustment", "void"]
    assert lines[-2].description.startswith("Write-off (voided)") and lines[-2].amount_cents \
        == -10000
    assert lines[-1].description.startswith("Void of a write-off on the visit of")
    assert "Entered on the wrong visit" in lines[-1].description
    assert lines[-1].amount_cents == 10000 and lines[-1].balance_cents == 10000
    # never a delete: both rows stay, both exported, the void went to the sync outbox
    data = json.loads(json.dumps(exports.export_json(chart)))
    patient = next(p for p in data["patients"] if p["id"] == str(pid))
    assert sorted(p["kind"] for p in patient["payments"]) == ["payment", "void", "write_off"]
    with chart.uow() as uow:
        versions = uow.conn.execute(select(t.record_versions.c.record_id).where(
            t.record_versions.c.record_id == void.id)).all()
    assert versions
    audit = [r for r in charts.recent_audit(chart, 20)
             if r["entity_id"] in (str(void.id), void.id.hex)]
    assert audit and "kind=void" in str(audit[0]["detail"])
    assert "wrong visit" not in json.dumps(charts.recent_audit(chart, 20), default=str)
    # the revenue report nets the two: no adjustment left in the month
    report = reports.revenue_report(chart, date_from=DAY0, date_to=LATER)
    assert sum(m.adjustments_cents for m in report.months) == 0
    assert report.closing_balance_cents == 10000


def test_cli_void(clinic: Clinic, chart: ChartSession, capsys: pytest.CaptureFixture[str],
                  monkeypatch: pytest.MonkeyPatch) -> None:
    pid = clinic.patient_id
    visit = add_visit(clinic, DAY0, [("97110", 30)])
    off = billing.record_adjustment(chart, pid, visit, 5000, kind="adjustment",
                                    reason="Courtesy by mistake", date=DAY0).value
    chart.lock()

    def cli(*words: str) -> Ran:
        return run(capsys, monkeypatch, ["--chart", str(chart.path), "adjust", "--patient",
                                         str(pid), *words], {"CHARTSIDE_PASSPHRASE": PASSPHRASE})

    both = cli("--void", str(off.id), "--amount", "50", "--reason", "given by mistake")
    assert both.returncode == 2 and "leave out --visit and --amount" in both.stderr
    neither = cli("--reason", "given by mistake")
    assert neither.returncode == 2 and "--void ENTRY" in neither.stderr
    done = cli("--void", str(off.id), "--reason", "given by mistake",
               "--date", LATER.isoformat())
    assert done.returncode == 0 and "owes $50.00 again" in done.stdout
    again = cli("--void", str(off.id), "--reason", "given by mistake")
    assert again.returncode == 2 and "voided already" in again.stderr
    assert "Traceback" not in again.stderr
