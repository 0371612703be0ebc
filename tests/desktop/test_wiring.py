"""The feature areas as a therapist reaches them in the real window, on a copy of a demo chart
(``demo.populate``, built once per module): the dashboard (Ctrl+2, a row opens its note), the
measures tab (trend, Ctrl+M, a drafted progress report opens), billing (the balance, the chart's
and the note's "Superbill…"), mileage (Log trip… from a home visit), the clock in the status bar,
the reports (Ctrl+4) — and that locking empties them and unlocking brings them back."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from core.domain.enums import NoteType
from core.services import charts, demo
from desktop.shortcuts import SHORTCUTS, ShortcutsDialog
from tests.desktop.conftest import FAST, PASSPHRASE, settle, unlock

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
TODAY = dt.date(2026, 3, 2)  # the ManualClock's day


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.chart"
    session, _key = charts.create_chart(path, PASSPHRASE, kdf=FAST)
    try:
        demo.populate(session, today=TODAY)
    finally:
        session.lock()
    return path


@pytest.fixture
def demo_chart(demo_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "chart"
    folder.mkdir()
    for suffix in ("", ".keys"):
        shutil.copyfile(f"{demo_template}{suffix}", folder / f"demo.chart{suffix}")
    return folder / "demo.chart"


def opened(qtbot: Any, open_window: Any, path: Path) -> Any:
    window = open_window(path)
    unlock(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def press(qtbot: Any, window: Any, key: Qt.Key, modifier: Any = CTRL) -> None:
    """A key press where the user is (the focused widget, else the window). Offscreen, the
    window is not re-activated by a window manager when a dialog closes: do it here."""
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)


def choose(qtbot: Any, window: Any, name: str) -> Any:
    ws = window.workspace
    rows = [r.display_name for r in ws.patients.model.rows]
    index = ws.patients.model.index(rows.index(name), 0)
    table = ws.patients.table
    qtbot.mouseClick(table.viewport(), LEFT, pos=table.visualRect(index).center())
    qtbot.waitUntil(lambda: ws.chart.chart is not None and ws.chart.name.text() == name)
    return ws.chart


def double_click_row(qtbot: Any, table: Any, row: int, column: int = 0) -> None:
    index = table.model().index(row, column)
    table.scrollTo(index)
    where = table.visualRect(index).center()
    qtbot.mouseClick(table.viewport(), LEFT, pos=where)  # a real double-click starts with one
    qtbot.mouseDClick(table.viewport(), LEFT, pos=where)


def click_tab(qtbot: Any, tabs: Any, widget: Any) -> None:
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(tabs.indexOf(widget)).center())
    assert tabs.currentWidget() is widget


def open_visit(qtbot: Any, window: Any, *, signed: bool) -> Any:
    """Double-click the first visit of the open chart whose note is (not) signed."""
    ws = window.workspace
    model = ws.chart.visit_model
    row = next(
        i
        for i, v in enumerate(model.rows)
        if v.note_id is not None and (str(v.note_status) == "signed") == signed
    )
    visit = model.row_at(row)
    double_click_row(qtbot, ws.chart.visit_table, row)
    qtbot.waitUntil(
        lambda: (
            ws.page() == "note"
            and ws.editor.ws is not None
            and ws.editor.ws.note.id == visit.note_id
        )
    )
    return visit


def test_the_shortcut_table_has_no_clash_and_help_lists_the_pages(qtbot: Any) -> None:
    from PySide6.QtGui import QKeySequence

    keys = [QKeySequence(s.keys).toString() for s in SHORTCUTS]
    assert len(keys) == len(set(keys)), "two actions share keys: Qt would fire neither"
    by_id = {s.id: s.keys for s in SHORTCUTS}
    assert [by_id[f"page_{p}"] for p in ("patients", "dashboard", "mileage", "reports")] == [
        "Ctrl+1",
        "Ctrl+2",
        "Ctrl+3",
        "Ctrl+4",
    ]
    assert by_id["record_measure"] == "Ctrl+M" and by_id["section_s"] == "Alt+1"
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    labels = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]
    assert "Dashboard: what needs doing" in labels and "Mileage log" in labels


def test_dashboard_opens_a_note_and_comes_back_after_a_lock(
    qtbot: Any, open_window: Any, demo_chart: Path
) -> None:
    window = opened(qtbot, open_window, demo_chart)
    ws = window.workspace
    assert not window.statusBar().isHidden() and ws.clock.button.isEnabled()
    qtbot.waitUntil(lambda: ws.due.view.empty.text() != "")  # the demo has nothing due
    press(qtbot, window, Qt.Key.Key_2)
    assert ws.area() == "dashboard" and ws.nav.buttons["dashboard"].isChecked()
    board = ws.dashboard.board
    qtbot.waitUntil(lambda: board.model.rowCount() > 0)
    assert "due" in board.summary.text()
    rows = board.visible_rows()
    first = next(i for i, r in enumerate(rows) if r.target_kind == "note")
    wanted = rows[first]
    double_click_row(qtbot, board.table, first, column=3)
    qtbot.waitUntil(lambda: ws.editor.ws is not None and ws.editor.note_id == wanted.target_id)
    assert ws.area() == "patients" and ws.page() == "note"
    assert ws.patient_id == wanted.patient_id
    qtbot.mouseClick(ws.nav.buttons["dashboard"], LEFT)
    assert ws.area() == "dashboard"
    press(qtbot, window, Qt.Key.Key_L)  # lock
    assert window.current_screen() == "unlock" and window.statusBar().isHidden()
    assert board.model.rowCount() == 0 and ws.editor.ws is None
    assert ws.clock.status.text() == "" and ws.due.view.model.rowCount() == 0
    assert ws.due.view.empty.text() == ""
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: board.model.rowCount() > 0)
    assert ws.area() == "dashboard"  # back where the user was, the note behind it
    assert ws.location().note_id == wanted.target_id


def test_measures_tab_shows_the_trend_records_with_ctrl_m_and_drafts_a_report(
    qtbot: Any, open_window: Any, demo_chart: Path
) -> None:
    window = opened(qtbot, open_window, demo_chart)
    ws = window.workspace
    chart = choose(qtbot, window, "Ellery, Rowan")
    tabs = chart.tabs
    assert tabs.measures.episode_id is None  # read only when shown (an audited view)
    click_tab(qtbot, tabs, tabs.measures)
    qtbot.waitUntil(lambda: tabs.measures.data is not None)
    lefs = next(c for c in tabs.measures.charts if c.spec.measure_id == "LEFS")
    assert len(lefs.spec.scored) >= 3 and lefs.spec.targets
    assert tabs.measures.board.cards()
    click_tab(qtbot, tabs, tabs.overview)
    press(qtbot, window, Qt.Key.Key_M)  # Record measure
    assert tabs.currentWidget() is tabs.measures
    assert tabs.measures.stack.currentWidget() is tabs.measures.form
    qtbot.keyClick(tabs.measures.form.fields[0], Qt.Key.Key_Escape)
    assert tabs.measures.stack.currentIndex() == 0
    qtbot.mouseClick(tabs.measures.report_button, LEFT)
    qtbot.waitUntil(lambda: ws.page() == "note" and ws.editor.ws is not None, timeout=10_000)
    assert ws.editor.ws.note.note_type is NoteType.PROGRESS_REPORT
    assert "LEFS" in ws.editor.ws.note.objective


def test_billing_tab_and_superbill_from_the_chart_and_the_note(
    qtbot: Any, open_window: Any, demo_chart: Path, tmp_path: Path
) -> None:
    window = opened(qtbot, open_window, demo_chart)
    ws = window.workspace
    chart = choose(qtbot, window, "Oyelaran, Augustin")  # self-pay, paid $250 by card
    tabs = chart.tabs
    click_tab(qtbot, tabs, tabs.billing)
    billing = tabs.billing
    qtbot.waitUntil(lambda: billing.account is not None)
    assert billing.balance.text().startswith(("Balance due", "Credit", "Nothing"))
    assert [
        billing.payments_model.index(0, 4).data(),
        billing.payments_model.index(0, 3).data(),
    ] == ["$250.00", "1042"]
    listed = [a for a in window.menus["Patients"].actions() if not a.isSeparator()]
    assert listed[-2:] == [ws.patient_superbill, ws.estimate_action]
    qtbot.mouseClick(chart.superbill_button, LEFT)  # the patient's statement
    statement = ws._dialog
    assert statement.visit_id is None and statement.patient_id == chart.patient_id
    assert statement.today == TODAY  # the app's clock dates it
    statement.reject()
    click_tab(qtbot, tabs, tabs.overview)
    visit = open_visit(qtbot, window, signed=True)
    assert ws.visit_superbill.isEnabled() and ws.visit_tools.superbill.isEnabled()
    assert ws.visit_superbill in window.menus["Note"].actions()
    qtbot.mouseClick(ws.visit_tools.superbill, LEFT)
    dialog = ws._dialog
    assert (dialog.patient_id, dialog.visit_id) == (chart.patient_id, visit.id)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=20_000)
    assert dialog.preview.superbill.visit_ids == (visit.id,) or list(
        dialog.preview.superbill.visit_ids
    ) == [visit.id]
    dialog.save_to(tmp_path / "visit.pdf")
    qtbot.waitUntil(lambda: (tmp_path / "visit.pdf").exists(), timeout=20_000)
    settle(qtbot, window)
    dialog.reject()
    qtbot.mouseClick(ws.editor.findChild(type(chart.superbill_button), "noteBack"), LEFT)
    click_tab(qtbot, tabs, tabs.billing)
    qtbot.waitUntil(lambda: billing.exports.model.rowCount() == 1)
    draft = open_visit(qtbot, window, signed=False)
    assert draft and not ws.visit_superbill.isEnabled()  # only signed notes are billed
    assert "Sign the note first" in ws.visit_tools.superbill.toolTip()
    press(qtbot, window, Qt.Key.Key_L)
    assert billing.account is None and billing.payments_model.rowCount() == 0
    assert not ws.patient_superbill.isEnabled()


def test_mileage_from_a_home_visit_the_clock_and_reports(
    qtbot: Any, open_window: Any, demo_chart: Path
) -> None:
    window = opened(qtbot, open_window, demo_chart)
    ws = window.workspace
    choose(qtbot, window, "Dunmore, Percival")  # home visits
    visit = open_visit(qtbot, window, signed=True)
    assert ws.clock.kind.itemText(0).startswith("Visit (Dunmore")
    assert not ws.visit_tools.mileage.isHidden()
    qtbot.mouseClick(ws.visit_tools.mileage, LEFT)  # Log trip…
    assert ws.area() == "mileage"
    panel = ws.mileage.panel
    assert panel.visit_id == visit.id and "Dunmore" in panel.linked.text()
    assert panel.date.value() == visit.date
    qtbot.waitUntil(lambda: panel.miles.hasFocus())
    qtbot.keyClicks(panel.miles, "8.5")
    qtbot.mouseClick(panel.findChild(type(ws.visit_tools.mileage), "tripAdd"), LEFT)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)
    line = panel.model.row_at(0)
    assert line.to_place.startswith("Patient ") and "Dunmore" not in line.to_place
    assert panel.error.text() == ""
    ws.clock.kind.setCurrentIndex(0)  # visit time, against the open visit
    qtbot.mouseClick(ws.clock.button, LEFT)
    qtbot.waitUntil(lambda: ws.clock.button.text() == "Clock out", timeout=10_000)
    assert ws.clock.status.text().startswith("Visit since 09:00")
    press(qtbot, window, Qt.Key.Key_4)
    assert ws.area() == "reports"
    reports = ws.reports
    qtbot.waitUntil(lambda: reports.as_of.text() != "", timeout=20_000)
    assert reports.view.revenue.summary.text().startswith("Charges $")
    assert reports.view.visits.model.rowCount() > 0
    qtbot.mouseClick(reports.view.findChild(type(ws.clock.button), "reportRefresh"), LEFT)
    qtbot.waitUntil(lambda: reports.as_of.text() != "", timeout=20_000)
    press(qtbot, window, Qt.Key.Key_3)
    assert ws.area() == "mileage"
    press(qtbot, window, Qt.Key.Key_L)
    assert panel.model.rowCount() == 0 and panel.visit_id is None
    assert reports.view.revenue.model.rowCount() == 0
    assert ws.clock.kind.itemText(0) == "Visit" and ws.clock.status.text() == ""
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    assert ws.area() == "mileage"
    press(qtbot, window, Qt.Key.Key_1)
    assert ws.area() == "patients" and ws.page() == "note"


def test_due_soon_lists_an_expiring_plan_and_opens_the_patient_on_its_episode(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    from core.services import episodes
    from tests.desktop.conftest import seed_chart

    seeded = seed_chart(tmp_path / "clinic.chart")
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        episodes.update_episode(session, seeded.episode_id, cert_end=TODAY + dt.timedelta(3))
    finally:
        session.lock()
    window = opened(qtbot, open_window, seeded.path)
    ws = window.workspace
    view = ws.due.view
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.table.isVisibleTo(ws.due) and view.empty.text() == ""
    assert "Plan of care ends" in view.model.index(0, 2).data()
    double_click_row(qtbot, view.table, 0, column=1)
    qtbot.waitUntil(lambda: ws.chart.chart is not None and ws.page() == "chart")
    assert ws.patient_id == seeded.patient_id
    assert ws.chart.current_episode_id() == seeded.episode_id
