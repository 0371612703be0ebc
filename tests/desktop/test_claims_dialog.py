"""The CMS-1500 dialog (issue 18), offscreen, on a real chart behind the database worker: opened
from the superbill dialog, preview pages, Save read back, the red-form mode with the printer
offset kept in the options, and an itemised refusal in the status line."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.domain.claims import ClaimStatus
from core.services import billing, charts, claims, patients
from core.storage.keys import KdfParams
from desktop import worker as worker_module
from desktop.billing import SuperbillDialog, pdfpages
from desktop.billing.claim_form import OFFSET_KEY, ClaimFormDialog
from desktop.settings import Options
from tests.conftest import PASSPHRASE
from tests.integration.test_billing_ledger import DAY0, Clinic, add_visit, make_clinic


@pytest.fixture
def clinic_db(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
              ) -> Iterator[Clinic]:
    monkeypatch.setenv("CHARTSIDE_CONFIG_DIR", str(tmp_path / "config"))
    path = tmp_path / "claims.chart"
    session, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    clinic = make_clinic(session, payer_key="commercial")
    billing.set_fee(session, "97110", 6000, effective_from=DAY0 - dt.timedelta(days=30))
    for i in range(7):  # 7 lines: a continuation form
        add_visit(clinic, DAY0 + dt.timedelta(days=i), [("97110", 30)])
    session.lock()
    w = worker_module.DatabaseWorker()
    worker_module.install(w, worker_module.JobRunner(w))
    worker_module.SessionOp(None, lambda: charts.open_chart(path, passphrase=PASSPHRASE)).run()
    assert w.wait_idle()
    yield clinic
    w.shutdown()


def test_claim_form_from_the_superbill_dialog(qtbot: QtBot, clinic_db: Clinic,
                                              tmp_path: Path) -> None:
    end = DAY0 + dt.timedelta(days=10)
    superbill = SuperbillDialog(clinic_db.patient_id, date_from=DAY0, date_to=end, today=end)
    qtbot.addWidget(superbill)
    dialog = superbill.open_claim_form()
    assert isinstance(dialog, ClaimFormDialog)  # a child of the superbill dialog
    assert (dialog.date_from.value(), dialog.date_to.value()) == (DAY0, end)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=30_000)
    assert dialog.preview.pages == 2 and dialog.save_button.isEnabled()
    assert "7 line(s) on 2 form(s)" in dialog.status.text()
    if pdfpages.available():
        qtbot.waitUntil(lambda: len(dialog.pane.page_images) == 2, timeout=20_000)
    out = tmp_path / "form.pdf"
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.save_to(out)
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "HEALTH INSURANCE CLAIM FORM" in text and "TESTCASE, WREN" in text
    assert "M17.11" in text and "PAGE 1 OF 2" in text
    # red form: text only, the offset kept for this device
    before = dialog._generation
    dialog.offset_x.setValue(1.5)
    dialog.red_form.setChecked(True)  # a new preview after the debounce
    qtbot.waitUntil(lambda: dialog._generation > before and dialog.preview is not None,
                    timeout=30_000)
    page = PdfReader(io.BytesIO(dialog.preview.pdf)).pages[0].extract_text()
    assert "TESTCASE, WREN" in page and "HEALTH INSURANCE CLAIM FORM" not in page
    printer = dialog.printer.currentText()
    assert json.loads(Options().get(OFFSET_KEY)) == {printer: [1.5, 0.0]}  # per printer
    test_page = tmp_path / "test.pdf"
    dialog.save_test_page(test_page)
    assert "right +1.5 mm" in " ".join(PdfReader(test_page).pages[0].extract_text().split())
    # filing on paper: one claim per day, marked sent with the save
    before = dialog._generation
    dialog.mark_sent.setChecked(True)
    qtbot.waitUntil(lambda: dialog._generation > before and dialog.preview is not None,
                    timeout=30_000)
    days = len(dialog.preview.claims)
    assert days > 1 and dialog.preview.sent == ()  # a preview marks nothing
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.save_to(tmp_path / "paper.pdf")
    assert f"{days} claim(s) marked sent" in dialog.status.text()
    sent = worker_module.QueryOp(None, lambda chart: claims.list_claims(chart))
    found: list[Any] = []
    sent.success(found.append).run()
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    assert len(found[0]) == days and {c.status for c in found[0]} == {ClaimStatus.SENT}
    assert {c.sent_at.date() for c in found[0]} == {end}  # the app clock's day, not the system's


def test_missing_member_id_is_listed(qtbot: QtBot, clinic_db: Clinic) -> None:
    def clear(chart: charts.ChartSession) -> None:
        patients.update_patient(chart, clinic_db.patient_id, member_id="")

    worker_module.CommandOp(None, clear).run()
    dialog = ClaimFormDialog(clinic_db.patient_id, today=DAY0 + dt.timedelta(days=10))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "member id" in dialog.status.text(), timeout=30_000)
    assert not dialog.save_button.isEnabled() and dialog.preview is None


def test_claims_page_lists_imports_and_shows_the_remittance(
        qtbot: QtBot, clinic_db: Clinic, tmp_path: Path) -> None:
    from core.rules.claims.x835 import Adjustment, PaidClaim, write_835
    from core.services import claims
    from desktop.billing.claims_page import ClaimsDialog

    def send(chart: charts.ChartSession) -> object:
        claims.update_payer_claim_ids(chart, "commercial", payer_id="CMP02",
                                      submitter_id="SUB1", receiver_id="CLEAR")
        from core.services import practice

        practice.save_practice(chart, postal_code="97103-1234")
        return claims.export_837p(chart, date_from=DAY0, date_to=DAY0 + dt.timedelta(days=10),
                                  payer="commercial", out=tmp_path / "c.x12").value

    box: list[object] = []
    worker_module.CommandOp(None, send).success(box.append).run()
    qtbot.waitUntil(lambda: bool(box), timeout=30_000)
    batch = box[0]
    sent = batch.claims  # type: ignore[attr-defined]
    dialog = ClaimsDialog()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == len(sent) == 7, timeout=20_000)
    assert dialog.model.data(dialog.model.index(0, dialog.model.Column.STATUS)) == "Sent"
    era = tmp_path / "era.835"
    era.write_text(write_835(
        [PaidClaim(c.control_number, c.charge_cents, c.charge_cents - 1000,
                   adjustments=[Adjustment("CO", "45", 1000)]) for c in sent[:-1]]
        + [PaidClaim(sent[-1].control_number, sent[-1].charge_cents, 0, "4",
                     [Adjustment("CO", "197", sent[-1].charge_cents)])],
        trace="EFT1", paid_on=DAY0 + dt.timedelta(days=30)))
    with qtbot.waitSignal(dialog.imported, timeout=30_000) as signal:
        dialog.import_file(era)
    assert len(signal.args[0].posted) == 7 and signal.args[0].denied == 1
    assert "Posted 7 claim payment(s)" in dialog.message.text()
    dialog.status_filter.setCurrentIndex(dialog.status_filter.findData("denied"))
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=20_000)
    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    qtbot.waitUntil(lambda: "CO-197" in dialog.detail.toPlainText(), timeout=20_000)
    assert "Prior authorization" in dialog.detail.toPlainText()
    assert "denied" in dialog.detail.toPlainText()
    # the denied claim is reopened for correction from the page: only a denied one can be
    assert dialog.reopen_button.isEnabled()
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        qtbot.mouseClick(dialog.reopen_button, Qt.MouseButton.LeftButton)
    assert "reopened" in dialog.message.text() and dialog.model.rowCount() == 0  # not denied
    dialog.status_filter.setCurrentIndex(dialog.status_filter.findData("reopened"))
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=20_000)
    dialog.status_filter.setCurrentIndex(dialog.status_filter.findData("paid"))
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 6, timeout=20_000)
    dialog.table.setCurrentIndex(dialog.model.index(0, 0))
    assert not dialog.reopen_button.isEnabled()  # a paid claim is not reopened here
