"""The superbill dialog and the exports list, offscreen, on a real chart behind the database
worker: preview pages (QtPdf), Save, Print, the blocked/override path and the no-QtPdf fallback."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from core.services import billing, charts, practice
from core.storage import audit
from core.storage.keys import KdfParams
from desktop import worker as worker_module
from desktop.billing import SuperbillDialog, SuperbillExportsWidget, pdfpages
from desktop.billing.presets import preset_range
from tests.conftest import PASSPHRASE
from tests.integration.test_billing_ledger import DAY0, Clinic, add_visit, make_clinic


@dataclass
class Desk:
    path: Path
    clinic: Clinic
    visits: list[uuid.UUID]


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    """A chart with 3 signed visits (97110 × 2 units at $60) and one draft."""
    path = tmp_path / "desk.chart"
    session, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    clinic = make_clinic(session)
    billing.set_fee(session, "97110", 6000, effective_from=DAY0 - dt.timedelta(days=30))
    visits = [add_visit(clinic, DAY0 + dt.timedelta(days=2 * i), [("97110", 30)])
              for i in range(3)]
    add_visit(clinic, DAY0 + dt.timedelta(days=8), [("97110", 30)], signed=False)
    session.lock()
    return Desk(path, clinic, visits)


@pytest.fixture
def db(qtbot: QtBot, desk: Desk) -> Iterator[worker_module.DatabaseWorker]:
    w = worker_module.DatabaseWorker()
    worker_module.install(w, worker_module.JobRunner(w))
    worker_module.SessionOp(
        None, lambda: charts.open_chart(desk.path, passphrase=PASSPHRASE)).run()
    assert w.wait_idle()
    yield w
    w.shutdown()


def run_on_chart(w: worker_module.DatabaseWorker, fn: object) -> object:
    box: list[object] = []
    worker_module.QueryOp(None, fn).success(box.append).run()  # type: ignore[arg-type]
    assert w.wait_idle()
    return box[0]


def wait_ready(qtbot: QtBot, dialog: SuperbillDialog) -> None:
    qtbot.waitUntil(lambda: dialog.preview is not None and not dialog.busy.running, timeout=30_000)


def audit_actions(w: worker_module.DatabaseWorker) -> list[str]:
    def read(chart: charts.ChartSession) -> list[str]:
        with chart.uow() as uow:
            return [r["action"] for r in audit.recent(uow.conn, 500) if r["entity"] == "superbill"]

    return run_on_chart(w, read)  # type: ignore[return-value]


def test_preview_save_and_exports_list(
    qtbot: QtBot, db: worker_module.DatabaseWorker, desk: Desk,
    tmp_path: Path,
) -> None:
    clinic = desk.clinic
    dialog = SuperbillDialog(clinic.patient_id, date_from=DAY0, date_to=DAY0 + dt.timedelta(30),
                             today=DAY0 + dt.timedelta(40))
    qtbot.addWidget(dialog)
    dialog.show()
    wait_ready(qtbot, dialog)
    assert len(dialog.page_images) == dialog.preview.pages == 1
    assert dialog.preview_pane.pages_layout.count() == 1
    assert "3 visits" in dialog.summary.text() and "$360.00" in dialog.summary.text()
    found = [dialog.findings.item(i).data(256) for i in range(dialog.findings.count())]
    assert "scrub.unsigned_excluded" in found
    assert dialog.override_box.isHidden() and dialog.save_button.isEnabled()
    out = tmp_path / "saved.pdf"
    with qtbot.waitSignal(dialog.exported, timeout=20_000) as signal:
        dialog.save_to(out)
    assert signal.args == [out] and out.read_bytes()[:5] == b"%PDF-"
    assert "Saved saved.pdf" in dialog.status.text()

    exports = SuperbillExportsWidget(clinic.patient_id)
    qtbot.addWidget(exports)
    with qtbot.waitSignal(exports.loaded, timeout=10_000):
        exports.refresh()
    assert exports.model.rowCount() == 1
    index = exports.model.index(0, exports.model.Column.ACTION)
    assert exports.model.data(index) == "Saved PDF"
    assert exports.model.data(exports.model.index(0, exports.model.Column.PATIENT)) == (
        "Testcase, Wren")
    assert exports.empty.isHidden()


def test_blocked_until_reason_then_override_audited(
    qtbot: QtBot, db: worker_module.DatabaseWorker, desk: Desk,
    tmp_path: Path,
) -> None:
    clinic = desk.clinic
    run_on_chart(db, lambda chart: practice.update_clinician(chart, clinic.clinician_id, npi=None))
    dialog = SuperbillDialog.for_visit(clinic.patient_id, desk.visits[0])
    qtbot.addWidget(dialog)
    wait_ready(qtbot, dialog)
    assert dialog.request().visit_id == desk.visits[0]
    assert "1 visit ·" in dialog.summary.text()
    assert not dialog.override_box.isHidden()
    assert not dialog.save_button.isEnabled() and not dialog.print_button.isEnabled()
    dialog.reason.setText("ok")  # too short to be a reason
    assert not dialog.save_button.isEnabled()
    dialog.reason.setText("NPI issued yesterday, registry lagging")
    assert dialog.save_button.isEnabled()
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.save_to(tmp_path / "override.pdf")
    assert audit_actions(db)[:2] == ["export", "override"]


def test_print_is_audited_and_paints_pages(
    qtbot: QtBot, db: worker_module.DatabaseWorker, desk: Desk,
    tmp_path: Path,
) -> None:
    clinic = desk.clinic
    dialog = SuperbillDialog.for_patient(clinic.patient_id, today=DAY0 + dt.timedelta(days=5))
    qtbot.addWidget(dialog)
    dialog.preset.setCurrentText("Custom")
    dialog.date_from.set_value(DAY0)
    dialog.date_to.set_value(DAY0 + dt.timedelta(days=5))
    dialog.refresh()
    wait_ready(qtbot, dialog)
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    with qtbot.waitSignal(dialog.printed, timeout=30_000):
        dialog.print_to(printer)
    assert (tmp_path / "printed.pdf").stat().st_size > 1000
    assert audit_actions(db)[0] == "print"


def test_text_fallback_without_qtpdf(
    qtbot: QtBot, db: worker_module.DatabaseWorker, desk: Desk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdfpages, "available", lambda: False)
    clinic = desk.clinic
    dialog = SuperbillDialog(clinic.patient_id, date_from=DAY0, date_to=DAY0 + dt.timedelta(30))
    qtbot.addWidget(dialog)
    dialog.show()
    wait_ready(qtbot, dialog)
    assert dialog.preview_pane.text_preview.isVisible()
    assert not dialog.preview_pane.pages_area.isVisible()
    assert "97110" in dialog.preview_pane.text_preview.toPlainText()
    assert dialog.save_button.isEnabled() and not dialog.print_button.isEnabled()


def test_nothing_to_bill_shows_in_status(
    qtbot: QtBot, db: worker_module.DatabaseWorker, desk: Desk
) -> None:
    clinic = desk.clinic
    dialog = SuperbillDialog(clinic.patient_id, date_from=dt.date(2020, 1, 1),
                             date_to=dt.date(2020, 1, 31))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "No signed visit" in dialog.status.text(), timeout=20_000)
    assert not dialog.save_button.isEnabled()


def test_presets() -> None:
    today = dt.date(2026, 3, 20)
    assert preset_range("This month", today) == (dt.date(2026, 3, 1), today)
    assert preset_range("Last month", today) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert preset_range("Last 3 months", today)[0] == dt.date(2026, 1, 1)
    assert preset_range("This year", today)[0] == dt.date(2026, 1, 1)
    assert preset_range("Last 12 months", today)[0] == dt.date(2025, 4, 1)
    assert preset_range("Last month", dt.date(2026, 1, 31)) == (
        dt.date(2025, 12, 1), dt.date(2025, 12, 31))


def test_actions_open_the_dialog(
    qtbot: QtBot, db: worker_module.DatabaseWorker, desk: Desk
) -> None:
    from PySide6.QtWidgets import QWidget

    from desktop.billing import patient_superbill_action, visit_superbill_action

    host = QWidget()
    qtbot.addWidget(host)
    opened: list[SuperbillDialog] = []
    visit = visit_superbill_action(host, lambda: (desk.clinic.patient_id, desk.visits[1]),
                                   opened.append)
    patient = patient_superbill_action(host, lambda: None, opened.append)
    patient.trigger()  # nothing selected: nothing opens
    assert not opened
    visit.trigger()
    assert len(opened) == 1 and opened[0].request().visit_id == desk.visits[1]
    wait_ready(qtbot, opened[0])
    assert "1 visit ·" in opened[0].summary.text()
    opened[0].close()


def test_medicare_patient_is_offered_the_claim_not_a_superbill(
    qtbot: QtBot, db: worker_module.DatabaseWorker, desk: Desk,
) -> None:
    clinic = desk.clinic

    def to_medicare(chart: charts.ChartSession) -> None:
        profile = practice.add_payer_profile(
            chart, name="Medicare Part B", key="medicare", uses_kx_threshold=True,
            requires_discipline_modifier=True).value
        with chart.uow() as uow:
            episode = uow.episodes.get(clinic.episode_id)
            episode.payer_profile_id = profile.id
            uow.episodes.save(episode)
            uow.commit()

    run_on_chart(db, to_medicare)
    dialog = SuperbillDialog.for_visit(clinic.patient_id, desk.visits[0])
    qtbot.addWidget(dialog)
    wait_ready(qtbot, dialog)
    assert dialog.claim_route and not dialog.claim_notice.isHidden()
    assert "claim" in dialog.claim_notice.text()
    assert dialog.override_box.isHidden()
    dialog.reason.setText("The patient wants to file it herself")
    assert not dialog.save_button.isEnabled() and not dialog.print_button.isEnabled()
