"""Practice and money in the app (issue 13): the practice profile and fee schedule dialog, taking
a payment, selling a package, refunds (money and a package's unused visits), the account
ledger with its running balance, and a superbill from the app that carries the fees in a real
PDF — real widgets on a real encrypted chart."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from PySide6.QtCore import Qt

from core.services import billing, charts, notes, practice, signing, ui_queries
from core.services.demo import fake_npi
from desktop.billing import SuperbillDialog
from desktop.money.dialogs import MoneyDialog
from desktop.money.practice_dialog import PracticeDialog
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock

VISIT_DAY = dt.date(2026, 2, 27)
GROUP_NPI = fake_npi("198765432")  # the test clock says Mar 2, 2026


def _signed_visit(seeded: Seeded) -> Any:
    """A signed daily note: 30 minutes of 97110 (2 units), linked to a goal."""
    chart = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        practice.update_clinician(chart, seeded.clinician_id, npi=fake_npi("176543210"))
        view = notes.start_note(chart, episode_id=seeded.episode_id,
                                clinician_id=seeded.clinician_id, date=VISIT_DAY,
                                start_time=dt.time(9), end_time=dt.time(9, 45)).value
        note_id = view.note.id
        for section in ("subjective", "objective", "assessment", "plan"):
            notes.edit_section(chart, note_id, section, f"Synthetic {section} for the test.")
        notes.add_block(chart, note_id, "97110", start=dt.time(9), stop=dt.time(9, 30),
                        laterality="right", goal_ids=(seeded.goal_ids[0],),
                        goal_connection="to climb the stairs at home")
        for f in ui_queries.note_check(chart, note_id, today=VISIT_DAY).findings:
            if f.severity == "warn":
                notes.acknowledge_warning(chart, note_id, f.key, "Synthetic test visit")
        signing.sign_note(chart, note_id, signer_id=seeded.clinician_id, today=VISIT_DAY)
        return view.visit.id, note_id
    finally:
        chart.lock()


def _read(seeded: Seeded, fn: Any) -> Any:
    chart = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        return fn(chart)
    finally:
        chart.lock()


def _window(qtbot: Any, open_window: Any, seeded: Seeded) -> Any:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def _practice_dialog(qtbot: Any, window: Any) -> PracticeDialog:
    ws = window.workspace
    assert ws.practice_action in window.menus["Chart"].actions()
    ws.practice_action.trigger()
    qtbot.waitUntil(lambda: isinstance(ws.current_dialog(), PracticeDialog))
    dialog = ws.current_dialog()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: dialog.fields["name"].text() == "Test Therapy", timeout=10_000)
    return dialog


def test_practice_profile_refuses_bad_ids_and_keeps_the_typing(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = _window(qtbot, open_window, seeded)
    dialog = _practice_dialog(qtbot, window)
    f = dialog.fields
    for name, text in (("address_line1", "1 Pier Road"), ("city", "Astoria"), ("state", "OR"),
                       ("postal_code", "97103"), ("tax_id", "12-34"),
                       ("taxonomy_code", "225100000x"), ("license_number", "CL-0042")):
        f[name].setText(text)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "EIN" in dialog.practice_error.text(), timeout=10_000)
    assert f["tax_id"].hasFocus() and f["city"].text() == "Astoria"  # nothing lost
    assert _read(seeded, practice.get_practice).city == ""  # nothing written
    f["tax_id"].setText("912345678")
    qtbot.keyClick(f["tax_id"], Qt.Key.Key_Return)  # Enter in a field saves
    qtbot.waitUntil(lambda: dialog.practice_status.text() == "Saved.", timeout=10_000)
    assert f["tax_id"].text() == "91-2345678" and f["taxonomy_code"].text() == "225100000X"
    stored = _read(seeded, practice.get_practice)
    assert (stored.city, stored.tax_id, stored.taxonomy_code, stored.license_number) == (
        "Astoria", "91-2345678", "225100000X", "CL-0042")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.workspace.current_dialog() is None)


def test_fees_payments_packages_refunds_ledger_and_superbill(
    qtbot: Any, open_window: Any, seeded: Seeded, tmp_path: Path
) -> None:
    visit_id, note_id = _signed_visit(seeded)
    window = _window(qtbot, open_window, seeded)
    ws = window.workspace
    dialog = _practice_dialog(qtbot, window)
    dialog.fields["npi"].setText(GROUP_NPI)  # the practice's ids, typed in the profile
    dialog.fields["tax_id"].setText("91-2345678")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.practice_status.text() == "Saved.", timeout=10_000)
    dialog.tabs.setCurrentIndex(1)
    assert dialog.no_fees.isVisible() and "$0.00" in dialog.no_fees.text()
    code = dialog.fee_code.lineEdit()
    code.setFocus()
    qtbot.keyClicks(code, "97110")
    qtbot.keyClicks(dialog.fee_amount, "sixty")
    qtbot.keyClick(dialog.fee_amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not an amount" in dialog.fee_error.text())
    assert dialog.fee_model.rowCount() == 0 and dialog.fee_amount.hasFocus()
    dialog.fee_amount.setText("60")
    dialog.fee_from.set_value(dt.date(2026, 1, 1))
    qtbot.keyClick(dialog.fee_amount, Qt.Key.Key_Return)  # Enter adds the fee
    qtbot.waitUntil(lambda: dialog.fee_model.rowCount() == 1, timeout=10_000)
    row = [dialog.fee_model.index(0, c).data() for c in range(6)]
    assert row[0] == "97110" and row[2] == "$60.00" and row[5] == "Every payer"
    assert row[1] == window.ctx.session.code_label("97110") and row[1]  # our own label
    assert [(e.code, e.amount_cents) for e in _read(seeded, billing.list_fees)] == [
        ("97110", 6000)]
    dialog.reject()

    # -- the patient's Billing tab: the visit is charged at the new fee ----------------------
    ws.open_patient(seeded.patient_id)
    tabs = ws.chart.tabs
    tabs.setCurrentWidget(tabs.billing)
    tab = tabs.billing
    qtbot.waitUntil(lambda: tab.account is not None, timeout=10_000)
    assert tab.balance.text() == "Balance due $120.00"
    assert all(b.isEnabled() for b in tab.money_buttons.values())

    def money(kind: str) -> MoneyDialog:
        tab.money_buttons[kind].click()
        qtbot.waitUntil(lambda: tab.money_dialog is not None and tab.money_dialog.isVisible())
        d = tab.money_dialog
        d.activateWindow()
        qtbot.waitUntil(d.isActiveWindow)
        return d

    def reloaded(text: str) -> None:
        qtbot.waitUntil(lambda: tab.balance.text() == text, timeout=10_000)

    pay = money("payment")
    assert pay.amount.hasFocus() and "Balance due $120.00" in pay.findChild(
        type(pay.error), "moneyBalance").text()
    pay.what.setCurrentIndex(pay.what.findData(str(visit_id)))
    qtbot.keyClicks(pay.amount, "50")
    pay.method.setCurrentIndex(pay.method.findData("check"))
    qtbot.keyClicks(pay.reference, "1042")
    qtbot.keyClick(pay.reference, Qt.Key.Key_Return)
    reloaded("Balance due $70.00")

    refund = money("refund")
    qtbot.keyClicks(refund.amount, "500")  # more than was paid: refused, nothing written
    qtbot.keyClick(refund.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "more than the patient has paid" in refund.error.text(),
                    timeout=10_000)
    assert refund.isVisible() and refund.amount.text() == "500"
    refund.amount.setText("20")
    qtbot.keyClick(refund.amount, Qt.Key.Key_Return)
    reloaded("Balance due $90.00")

    sell = money("package")
    assert sell.name.hasFocus()
    sell.visits.setValue(5)
    qtbot.keyClicks(sell.amount, "250")
    qtbot.keyClicks(sell.covers, "97-140")  # a malformed code: refused under the form
    qtbot.keyClick(sell.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not a procedure code" in sell.error.text(), timeout=10_000)
    assert sell.isVisible() and sell.covers.hasFocus()
    assert tab.packages.text() == "No prepaid package."
    sell.covers.setText("97140")  # manual therapy only: the 97110 visit draws nothing
    qtbot.keyClick(sell.amount, Qt.Key.Key_Return)
    reloaded("Credit $160.00")  # prepaid: held on account until visits draw it down
    assert tab.packages.text().startswith("5-visit package: bought ")
    assert "for $250.00; 0 of 5 visits used; covers 97140" in tab.packages.text()

    back = money("refund")
    index = next(i for i in range(back.what.count())
                 if str(back.what.itemData(i)).startswith("package:"))
    back.what.setCurrentIndex(index)
    assert not back.amount.isEnabled()
    qtbot.keyClick(back.reference, Qt.Key.Key_Return)
    reloaded("Balance due $90.00")

    # -- a write-off with a reason, then its void (a mistake reversed, both kept) -----------
    adjust = money("adjust")
    assert adjust.what.currentData() == str(visit_id) and adjust.what.count() == 1
    qtbot.keyClicks(adjust.amount, "10")
    qtbot.keyClicks(adjust.reason, "no")  # too short: refused, nothing written
    qtbot.keyClick(adjust.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "needs a reason" in adjust.error.text(), timeout=10_000)
    assert adjust.isVisible() and adjust.reason.hasFocus()
    adjust.reason.setText("Small balance, per policy")
    qtbot.keyClick(adjust.reason, Qt.Key.Key_Return)
    reloaded("Balance due $80.00")
    undo = money("adjust")
    index = next(i for i in range(undo.what.count())
                 if str(undo.what.itemData(i)).startswith("void:"))
    assert "Void the write-off of $10.00" in undo.what.itemText(index)
    undo.what.setCurrentIndex(index)
    assert not undo.amount.isEnabled() and not undo.adjust_kind.isEnabled()
    qtbot.keyClicks(undo.reason, "Written off by mistake")
    qtbot.keyClick(undo.reason, Qt.Key.Key_Return)
    reloaded("Balance due $90.00")
    again = money("adjust")  # voided: not offered again
    assert not any(str(again.what.itemData(i)).startswith("void:")
                   for i in range(again.what.count()))
    again.reject()

    # -- the ledger: every entry with the running balance, newest first --------------------
    settle(qtbot, window)
    model = tab.ledger_model
    entries = [(model.index(r, 1).data(), model.index(r, 2).data(), model.index(r, 3).data())
               for r in range(model.rowCount())]
    assert entries[-1][0].startswith("Visit: 97110") and entries[-1][1:] == (
        "$120.00", "$120.00")
    assert ("Check payment for the visit of Feb 27, 2026, ref 1042", "-$50.00",
            "$70.00") in entries
    assert entries[0][2] == "$90.00" == tab.balance.text().removeprefix("Balance due ")
    assert any(e[0].startswith("Refund of unused visits") for e in entries)
    assert any(e[0].startswith("Write-off (voided)") and e[1] == "-$10.00" for e in entries)
    assert any(e[0].startswith("Void of a write-off") and e[1] == "$10.00" for e in entries)
    hint = window.minimumSizeHint()  # the tab with its ledger fits a 1366x768 laptop
    assert hint.width() <= 1366 and hint.height() <= 768 - 48

    # -- a superbill from the app carries the fee (no override needed) ---------------------
    bill = SuperbillDialog(seeded.patient_id, date_from=dt.date(2026, 2, 1),
                           date_to=dt.date(2026, 3, 2), today=dt.date(2026, 3, 2), parent=window)
    qtbot.addWidget(bill)
    bill.show()
    qtbot.waitUntil(lambda: bill.preview is not None and not bill.busy.running, timeout=30_000)
    assert not bill.preview.blocking  # nothing to override: fees, NPIs and EIN are set
    assert "$120.00" in bill.summary.text() and bill.override_box.isHidden()
    out = tmp_path / "statement.pdf"
    with qtbot.waitSignal(bill.exported, timeout=20_000):
        bill.save_to(out)
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "11 97110" in text and "GP A 2 $120.00" in text  # POS 11, 2 units at $60
    assert "Total charges (item 28) $120.00" in text and "Amount paid (item 29) $50.00" in text
    bill.reject()

    # -- checkout from the signed note: "Payment…" against this visit ---------------------
    ws.open_note(note_id)
    qtbot.waitUntil(lambda: ws.editor.ws is not None and ws.editor.note_id == note_id,
                    timeout=10_000)
    tools = ws.visit_tools
    assert tools.payment.isVisibleTo(tools) and not tools.place.isEnabled()  # signed
    assert window.minimumSizeHint().width() <= 1366
    tools.payment.click()
    qtbot.waitUntil(lambda: isinstance(ws.current_dialog(), MoneyDialog), timeout=10_000)
    checkout = ws.current_dialog()
    assert checkout.what.currentData() == str(visit_id)
    qtbot.keyClicks(checkout.amount, "90")
    checkout.method.setCurrentIndex(checkout.method.findData("cash"))
    qtbot.keyClick(checkout.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.current_dialog() is None, timeout=10_000)
    settle(qtbot, window)
    account = _read(seeded, lambda c: billing.account(c, seeded.patient_id).value)
    assert account.balance_cents == 0
    assert account.ledger.visits[visit_id].paid_direct_cents == 12000  # $50 check + $70 cash
