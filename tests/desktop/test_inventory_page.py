"""The Inventory page (issue 20) through real widgets on a real chart: the nav badge counts low
items at unlock, the table shows counts per place and days left, a delivery and a move are
recorded from the form, an over-draw is refused inline (nothing recorded), and the reorder list
is written as CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from core.services import charts, inventory
from tests.conftest import PASSPHRASE
from tests.desktop.conftest import Seeded, settle, unlock


def _cells(table: Any, row: int) -> list[str]:
    return [table.item(row, c).text() if table.item(row, c) else ""
            for c in range(table.columnCount())]


def test_inventory_page(qtbot: Any, open_window: Any, seeded: Seeded, tmp_path: Path) -> None:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        inventory.add_item(session, name="Electrodes", unit="pair", reorder_point=Decimal(4),
                           reorder_quantity=Decimal(20), hcpcs="A4556")
        inventory.add_location(session, "Car kit", clinician_id=seeded.clinician_id)
        inventory.set_template(session, "home-visit", [("Electrodes", "6", "pair")])
        from core.domain.enums import PlaceOfService
        from core.services import schedule

        schedule.book(session, seeded.patient_id, seeded.clinician_id,
                      dt.datetime(2026, 3, 2, 10), service="home-visit",
                      place=PlaceOfService.HOME, address="1 Elm St", allow_outside_hours=True)
        inventory.receive(session, "Electrodes", "3")
        inventory.add_item(session, name="Gloves", unit="box", unit_cost_cents=750)
        inventory.receive(session, "Gloves", "10", at=dt.datetime(2026, 2, 1, 9))
        inventory.use(session, "Gloves", "4", at=dt.datetime(2026, 2, 20, 9))
    finally:
        session.lock()
    window = open_window(seeded.path)
    unlock(qtbot, window)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.nav.buttons["inventory"].text() == "Inventory · 1 low",
                    timeout=20_000)
    window.actions_by_id["page_dashboard"].trigger()  # the low-stock row, with its forecast
    board = ws.dashboard.board
    qtbot.waitUntil(lambda: any(r.rule == "low_stock" for r in board.visible_rows()),
                    timeout=20_000)
    row = next(r for r in board.visible_rows() if r.rule == "low_stock")
    assert row.message.startswith("Electrodes: 3 pair on hand (reorder at 4)")
    board.open_row(row)  # opens the Inventory page
    page = ws.inventory
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=20_000)
    assert _cells(page.table, 0)[:2] == ["Electrodes", "3 pair"]
    assert _cells(page.table, 0)[4] == "LOW"

    def record(kind: str, amount: str, place: str = "Clinic", target: str = "Car kit") -> None:
        page.kind.setCurrentIndex(page.kind.findData(kind))
        page.place.setCurrentIndex(page.place.findText(place))
        page.target.setCurrentIndex(page.target.findText(target))
        page.amount.setText(amount)
        qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
        settle(qtbot, window)

    record("receive", "10")
    qtbot.waitUntil(lambda: _cells(page.table, 0)[1] == "13 pair", timeout=20_000)
    assert ws.nav.buttons["inventory"].text() == "Inventory"  # no longer low
    record("move", "5")
    qtbot.waitUntil(lambda: "Car kit 5" in _cells(page.table, 0)[2], timeout=20_000)
    record("use", "6", place="Car kit")
    qtbot.waitUntil(lambda: "Only 5 pair" in page.error.text(), timeout=20_000)
    assert page.amount.text() == "6" and _cells(page.table, 0)[1] == "13 pair"
    out = tmp_path / "reorder.csv"
    record("adjust", "-8")  # needs a reason
    qtbot.waitUntil(lambda: "Say why" in page.error.text(), timeout=20_000)
    page.reason.setText("counted the shelf")
    qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: _cells(page.table, 0)[1] == "5 pair", timeout=20_000)
    page.reason.setText("one pair torn")
    record("adjust", "-1", place="Car kit")
    qtbot.waitUntil(lambda: _cells(page.table, 0)[4] == "LOW", timeout=20_000)
    assert ws.nav.buttons["inventory"].text() == "Inventory · 1 low"
    page.export_reorder(out)
    qtbot.waitUntil(out.exists, timeout=20_000)
    assert out.read_text().splitlines()[1].startswith("Electrodes,,pair,4,4,20,A4556")
    # Reports ▸ Supplies: use per month, stock value at a date, the reorder list as CSV
    window.actions_by_id["page_reports"].trigger()
    tab = ws.reports.view.supplies
    ws.reports.view.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: "Stock value at" in tab.summary.text(), timeout=30_000)
    assert ("2026-02", "Gloves", "box", Decimal(4)) in tab.data["report"].usage
    assert tab.value_at.date().toString("yyyy-MM-dd") == "2026-03-02"  # the app's today
    assert tab.data["value"] == 6 * 750  # Gloves only: the Electrodes came later
    assert [r.item.name for r in tab.data["reorder"]] == ["Electrodes"]
    usage_csv = tmp_path / "usage.csv"
    ws.reports.view.export_to("supplies", usage_csv)
    tab.export_to("reorder", tmp_path / "reorder2.csv")
    tab.export_to("reorder-pdf", tmp_path / "reorder.pdf")
    qtbot.waitUntil(lambda: (tmp_path / "reorder.pdf").exists(), timeout=20_000)
    assert (tmp_path / "reorder.pdf").read_bytes().startswith(b"%PDF")
    qtbot.waitUntil(lambda: (tmp_path / "reorder2.csv").exists(), timeout=20_000)
    assert "2026-02,Gloves,box,4" in usage_csv.read_text()
    assert (tmp_path / "reorder2.csv").read_text().splitlines()[1].startswith("Electrodes,")
    # Schedule ▸ the day: the clinician's car kit against today's home visit (needs 6, holds 4)
    window.actions_by_id["page_schedule"].trigger()
    kit = ws.schedule.car_kit
    qtbot.waitUntil(lambda: kit.isVisibleTo(ws.schedule) and kit.table.rowCount() == 1,
                    timeout=20_000)
    assert _cells(kit.table, 0) == ["Car kit", "Electrodes", "4 pair", "6 pair"]
    assert "Electrodes (needs 6, holds 4 pair)" in kit.warning.text()
    assert "1 home visit today" in kit.title.text()


def test_supplies_shown_and_changed_on_the_note(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    """The note editor's "Supplies used": the templates' proposal appears when a 97110 block is
    added; a quantity changed in the row, an added item and a removed one are stored on the
    note; a bad quantity is refused under the section and changes nothing."""
    from core.services import note_supplies
    from tests.desktop.conftest import accept_new_note

    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        inventory.add_item(session, name="Theraband", unit="m")
        inventory.add_item(session, name="Gloves", unit="pair")
        pads = inventory.add_item(session, name="Electrode pads", unit="each", hcpcs="A4556")
        inventory.receive(session, "Theraband", "1")
        inventory.set_template(session, "97110", [("Theraband", "1", "m"), ("Gloves", "1", "pair")])
    finally:
        session.lock()
    window = open_window(seeded.path)
    unlock(qtbot, window)
    ws = window.workspace
    ws.patients.table.selectRow(0)
    qtbot.waitUntil(lambda: ws.chart.chart is not None and ws.chart.new_note_button.isEnabled())
    qtbot.mouseClick(ws.chart.new_note_button, Qt.MouseButton.LeftButton)
    accept_new_note(qtbot, window)
    editor = ws.editor
    qtbot.waitUntil(lambda: editor.ws is not None, timeout=10_000)
    supplies = editor.supplies
    qtbot.waitUntil(lambda: supplies.view is not None, timeout=10_000)
    assert supplies.table.rowCount() == 0 and "No usage template" in supplies.hint.text()
    editor.blocks.picker.choose("97110")
    qtbot.waitUntil(lambda: supplies.table.rowCount() == 2, timeout=10_000)
    assert _cells(supplies.table, 0)[0] == "Gloves" and _cells(supplies.table, 1)[3] == "1"
    assert "From the usage templates" in supplies.hint.text()

    def quantity(row: int) -> Any:
        return supplies.table.cellWidget(row, 1)

    quantity(1).setText("-1")  # Theraband
    quantity(1).editingFinished.emit()
    qtbot.waitUntil(lambda: "more than 0" in supplies.error.text(), timeout=10_000)
    settle(qtbot, window)
    assert quantity(1).text() == "1" and not supplies.view.edited
    quantity(1).setText("2.5")
    quantity(1).editingFinished.emit()
    qtbot.waitUntil(lambda: supplies.view.edited, timeout=10_000)
    assert "Theraband: 1 m at Clinic" in supplies.warning.text()  # the clinic holds 1 m
    supplies.item.setCurrentIndex(supplies.item.findData(str(pads.id)))
    supplies.amount.setText("4")
    qtbot.mouseClick(supplies.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: supplies.table.rowCount() == 3, timeout=10_000)
    qtbot.mouseClick(supplies.table.cellWidget(1, 4), Qt.MouseButton.LeftButton)  # Gloves
    qtbot.waitUntil(lambda: supplies.table.rowCount() == 2, timeout=10_000)
    settle(qtbot, window)
    assert supplies.reset_button.isVisibleTo(supplies)
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        stored = note_supplies.for_note(session, editor.note_id)
    finally:
        session.lock()
    assert [(r.name, r.quantity) for r in stored.rows] == [
        ("Electrode pads", Decimal(4)), ("Theraband", Decimal("2.5"))]
