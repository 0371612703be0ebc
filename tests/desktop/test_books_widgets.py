"""The books panels on their own: the dashboard's rows open what they name, the bar chart
paints, and — on a real chart through the database worker — the mileage log, the clock and
the reports load, write and export."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtGui import QColor

from core.domain.changes import Changes
from core.domain.enums import NoteType
from core.services import charts, mileage
from core.services.dashboard import Dashboard, DashboardRow
from core.storage.keys import KdfParams
from desktop.autolock import ManualClock
from desktop.books.charts import BarChart, BarSeries, render_chart
from desktop.books.clock import ClockWidget
from desktop.books.dashboard import ComplianceDashboard
from desktop.books.mileage import MileageLogPanel
from desktop.books.reports import ReportsView
from desktop.context import AppBus, SessionFacts
from tests.desktop.conftest import PASSPHRASE
from tests.integration.test_books_world import make_base, make_visit, new_case, save_visits

# A native Qt thread sometimes segfaults at this module's teardown (seen since 2026-12, root cause
# open: docs/desktop.md "Known gaps"); pytest-rerunfailures reruns a crashed test (under xdist).
pytestmark = pytest.mark.flaky(reruns=2)


TODAY = dt.date(2026, 3, 16)


def _ctx(clinician_id: uuid.UUID | None = None) -> SimpleNamespace:
    return SimpleNamespace(bus=AppBus(), clock=ManualClock(dt.datetime(2026, 3, 16, 9, 0)),
                           session=SessionFacts(clinician_id=clinician_id),
                           present=lambda *a: None)


def _row(rule: str, severity: str, kind: str, **kw: Any) -> DashboardRow:
    pid = uuid.uuid4()
    target = pid if kind == "patient" else uuid.uuid4()
    return DashboardRow(rule, severity, f"{rule} message", kind, target, pid, "Doe, Jo",
                        "JD-000001", episode_id=target if kind == "episode" else None,
                        note_id=target if kind == "note" else None, date=TODAY, **kw)


def test_dashboard_rows_filter_and_open(qtbot: Any) -> None:
    view = ComplianceDashboard(_ctx())
    qtbot.addWidget(view)
    rows = (_row("note_unsigned", "urgent", "note", age_days=9),
            _row("kx_threshold", "due", "episode"), _row("visit_cap", "soon", "episode"),
            _row("note_unsigned", "soon", "note", age_days=0))
    view.set_dashboard(Dashboard(TODAY, rows))
    assert view.summary.text() == "1 overdue · 1 due · 2 soon"
    assert view.model.rowCount() == 4
    assert [view.filter.itemText(i) for i in range(view.filter.count())] == [
        "All rules", "Unsigned note (2)", "KX threshold (1)", "Authorized visits (1)"]
    view.filter.setCurrentIndex(1)
    assert [r.rule for r in view.visible_rows()] == ["note_unsigned", "note_unsigned"]
    assert view.visible_rows()[0].severity == "urgent"
    got: list[tuple[str, Any]] = []
    notes: list[Any] = []
    patients: list[Any] = []
    view.open_requested.connect(lambda kind, ident: got.append((kind, ident)))
    view.note_chosen.connect(notes.append)
    view.patient_chosen.connect(patients.append)
    with qtbot.waitSignal(view.open_requested):
        view.table.doubleClicked.emit(view.proxy.index(0, 3))
    first = view.visible_rows()[0]
    assert got == [("note", first.target_id)] and notes == [first.note_id]
    assert patients == [first.patient_id]
    view.filter.setCurrentIndex(0)
    episodes: list[Any] = []
    view.episode_chosen.connect(episodes.append)
    kx = next(r for r in view.visible_rows() if r.rule == "kx_threshold")
    view.open_row(kx)
    assert episodes == [kx.episode_id] and got[-1] == ("episode", kx.episode_id)
    view.clear()
    assert view.model.rowCount() == 0 and view.filter.count() == 1


def test_bar_chart_paints_grouped_and_stacked(qtbot: Any, tmp_path: Path) -> None:
    chart = BarChart()
    qtbot.addWidget(chart)
    months = ["01", "02", "03"]
    chart.set_data("Revenue", months, [BarSeries("Accrual", (100.0, 250.0, 0.0), "#2f6f7e"),
                                       BarSeries("Cash", (80.0, -20.0, 40.0), "#d08c2f")],
                   fmt=lambda v: f"${v:,.0f}")
    image = render_chart(chart, 400, 240)
    colours = {image.pixelColor(x, y).name() for x in range(0, 400, 2) for y in range(0, 240, 2)}
    assert {"#2f6f7e", "#d08c2f"} <= colours
    image.save(str(tmp_path / "grouped.png"))
    chart.set_data("Visits", months, [BarSeries("Done", (5.0, 6.0, 7.0), "#2f6f7e"),
                                      BarSeries("No-show", (1.0, 0.0, 2.0), "#b42318")],
                   stacked=True)
    stacked = render_chart(chart, 400, 240)
    assert stacked.pixelColor(0, 0) == QColor("#ffffff")
    assert "#b42318" in {stacked.pixelColor(x, y).name() for x in range(0, 400, 2)
                         for y in range(0, 240, 2)}
    with pytest.raises(ValueError):
        chart.set_data("Bad", months, [BarSeries("x", (1.0,), "#000000")])
    chart.set_data("Empty", [], [])
    render_chart(chart, 300, 200)  # "Nothing to show" rather than a crash


# -- on a real chart, through the database worker ------------------------------------------------
@pytest.fixture
def live(qtbot: Any, tmp_path: Path) -> Iterator[SimpleNamespace]:
    from desktop.worker import DatabaseWorker, JobRunner, SessionOp, install

    path = tmp_path / "books.chart"
    session, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    base = make_base(session, fees_from=dt.date(2025, 1, 1))
    case = new_case(base, "Gus", "Holloway", start=TODAY - dt.timedelta(days=20))
    save_visits(session, [
        make_visit(case, TODAY - dt.timedelta(days=20), kind=NoteType.EVALUATION),
        make_visit(case, TODAY - dt.timedelta(days=12), exercises=(("Squat", 10),)),
        make_visit(case, TODAY - dt.timedelta(days=9), signed=False)])
    mileage.record_trip(session, base.pt.id, date=TODAY - dt.timedelta(days=12), miles=14.2,
                        patient_id=case.patient.id)
    session.lock()
    worker = DatabaseWorker()
    install(worker, JobRunner(worker))
    ctx = _ctx(base.pt.id)
    worker.on_changes = ctx.bus.changes_applied.emit
    SessionOp(None, lambda: charts.open_chart(path, passphrase=PASSPHRASE)).run()
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=10_000)
    yield SimpleNamespace(ctx=ctx, worker=worker, base=base, case=case, tmp=tmp_path)
    worker.shutdown()


def settle(qtbot: Any, live: SimpleNamespace) -> None:
    qtbot.waitUntil(lambda: live.worker.pending == 0, timeout=20_000)


def test_dashboard_refreshes_from_the_chart(qtbot: Any, live: SimpleNamespace) -> None:
    view = ComplianceDashboard(live.ctx)
    qtbot.addWidget(view)
    view.refresh()
    settle(qtbot, live)
    rules = {r.rule for r in view.visible_rows()}
    assert "note_unsigned" in rules
    unsigned = next(r for r in view.visible_rows() if r.rule == "note_unsigned")
    assert unsigned.age_days == 9 and unsigned.severity == "urgent"
    # a hidden dashboard does not reload on every saved keystroke; it catches up when shown
    live.ctx.bus.changes_applied.emit(Changes({"note": frozenset({unsigned.note_id})}))
    assert not view._reload.isActive()
    view.show()
    qtbot.waitExposed(view)
    assert view._reload.isActive()
    with qtbot.waitSignal(live.worker.drained, timeout=10_000):
        pass
    assert not view._stale


def test_mileage_panel_adds_confirms_and_exports(qtbot: Any, live: SimpleNamespace) -> None:
    panel = MileageLogPanel(live.ctx)
    qtbot.addWidget(panel)
    panel.refresh()
    settle(qtbot, live)
    assert panel.model.rowCount() == 1 and "14.2 mi" in panel.totals.text()
    assert "$10.30" in panel.totals.text()  # 14.2 mi × 72.5¢ = 1029.5¢, half up
    panel.add_trip({"date": TODAY, "miles": 3.0, "from_label": "Office",
                    "to_label": "Bank", "purpose": ""})
    settle(qtbot, live)
    assert "business purpose" in panel.error.text()
    asked: list[float] = []
    panel.confirm_long = lambda miles: asked.append(miles) or True
    panel.add_trip({"date": TODAY, "miles": 640.0, "from_label": "Office",
                    "to_label": "Conference", "purpose": "CEU course"})
    settle(qtbot, live)
    settle(qtbot, live)
    assert asked == [640.0]
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=10_000)
    out = live.tmp / "m.csv"
    with qtbot.waitSignal(panel.exported, timeout=10_000) as got:
        panel.export_to(out)
    assert got.args[0] == out and "Conference" in out.read_text("utf-8")
    panel.table.selectRow(1)
    panel.remove_selected()
    settle(qtbot, live)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)


def test_clock_widget_in_and_out(qtbot: Any, live: SimpleNamespace) -> None:
    widget = ClockWidget(live.ctx)
    qtbot.addWidget(widget)
    widget.refresh()
    settle(qtbot, live)
    assert widget.button.text() == "Clock in" and "nothing clocked" in widget.today.text()
    assert "unsigned" not in widget.week.text()  # the draft (Mar 7) is last week's
    widget.kind.setCurrentIndex(0)  # visit time without an open visit is refused
    widget.toggle()
    assert "Open the visit first" in widget.error.text()
    widget.kind.setCurrentIndex(1)
    widget.toggle()
    settle(qtbot, live)
    qtbot.waitUntil(lambda: widget.button.text() == "Clock out", timeout=10_000)
    assert widget.status.text().startswith("Documentation since 09:00")
    live.ctx.clock.advance(50 * 60)
    widget.toggle()
    settle(qtbot, live)
    qtbot.waitUntil(lambda: widget.button.text() == "Clock in", timeout=10_000)
    assert "administrative 0:50" in widget.today.text()


def test_reports_view_loads_and_exports(qtbot: Any, live: SimpleNamespace) -> None:
    view = ReportsView(live.ctx)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.refresh()
    settle(qtbot, live)
    qtbot.waitUntil(lambda: view.units.model.rowCount() > 0, timeout=10_000)
    assert view.revenue.model.rowCount() == 13  # 12 months + total
    assert "accrual revenue $340.00" in view.revenue.summary.text()  # $150 eval + $190 visit
    assert "1 completed visit not billed" in view.revenue.summary.text()
    assert view.visits.chart is not None and view.visits.chart.series[0].name == "Completed"
    out = live.tmp / "visits.csv"
    with qtbot.waitSignal(view.exported, timeout=10_000):
        view.export_to("visits", out)
    assert out.read_text("utf-8").startswith("month,clinician,completed")
    view.show()
    qtbot.waitExposed(view)
    view.grab().save(str(live.tmp / "reports.png"))


def test_mileage_panel_logs_a_home_health_days_legs(qtbot: Any, live: SimpleNamespace) -> None:
    """Issue 19: the Mileage page proposes the legs of the day's completed home visits (by the
    form's date) and logs the miles typed, in one go; a leg left at 0 is skipped."""
    from core.domain.enums import PlaceOfService
    from core.domain.schedule import AppointmentStatus
    from core.services import schedule
    from desktop.worker import CommandOp

    pt, patient = live.base.pt.id, live.case.patient.id

    def book_day(chart: Any) -> None:
        for hour in (9, 11):
            made = schedule.book(chart, patient, pt, dt.datetime.combine(TODAY, dt.time(hour)),
                                 place=PlaceOfService.HOME, address="7 Test Street",
                                 allow_outside_hours=True).appointment
            assert made is not None
            for status in (AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED):
                schedule.set_status(chart, made.id, status)

    CommandOp(None, book_day).run()
    settle(qtbot, live)
    panel = MileageLogPanel(live.ctx)
    qtbot.addWidget(panel)
    panel.date.set_value(TODAY)
    panel.refresh()
    settle(qtbot, live)
    box = panel.home_legs
    qtbot.waitUntil(lambda: len(box.boxes) == 3, timeout=10_000)
    box.boxes[0].setValue(3.2)
    box.boxes[2].setValue(5.0)  # the middle leg is left at 0: skipped
    with qtbot.waitSignal(box.logged, timeout=10_000) as got:
        box.log_button.click()
    assert [e.miles for e in got.args[0]] == [3.2, 5.0]
    settle(qtbot, live)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=10_000)  # 1 before + 2
    qtbot.waitUntil(lambda: len(box.boxes) == 1, timeout=10_000)  # only the skipped leg is left
    assert "7 Test Street" not in repr([panel.model.index(r, 2).data()
                                        for r in range(panel.model.rowCount())])
