"""The measures panel and alerts list on the real app's database worker and a real chart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from core.domain.enums import GoalStatus, GoalTerm, NoteType
from core.services import charts, episodes, measures, notes
from desktop.measures.alerts import ProgressAlertsView
from desktop.measures.panel import MeasuresPanel
from desktop.worker import QueryOp
from tests.desktop.conftest import PASSPHRASE, Seeded, seed_chart, settle, unlock

TODAY = dt.date(2026, 3, 2)  # the ManualClock's day


def prepare(tmp_path: Path) -> tuple[Seeded, Any]:
    seeded = seed_chart(tmp_path / "clinic.chart")
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        goal = episodes.add_goal(session, seeded.episode_id, term=GoalTerm.LONG,
                                 activity="Walk in the community", measure_id="LEFS",
                                 target="60").value
        episodes.update_episode(session, seeded.episode_id, cert_end=TODAY + dt.timedelta(3))
        measures.record_score(session, episode_id=seeded.episode_id, measure_id="LEFS",
                              date=dt.date(2026, 2, 20), responses=[2] * 19 + [0], today=TODAY)
    finally:
        session.lock()
    return seeded, goal


def read(qtbot: Any, window: Any, fn: Any) -> Any:
    """Run a read on the app's database worker and return its value."""
    out: list[Any] = []
    QueryOp(window, fn).success(out.append).run()
    settle(qtbot, window)
    return out[0]


def open_panel(qtbot: Any, window: Any, seeded: Seeded) -> MeasuresPanel:
    panel = MeasuresPanel(window.ctx)
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        panel.show_episode(seeded.episode_id)
    return panel


def test_panel_shows_goals_and_trend_and_records_a_score_from_the_keyboard(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    seeded, goal = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    panel = open_panel(qtbot, window, seeded)
    assert [c.progress.activity for c in panel.board.cards(GoalStatus.ONGOING)][-1] == (
        "Walk in the community")
    assert len(panel.charts) == 1 and panel.charts[0].spec.measure_id == "LEFS"
    assert panel.charts[0].spec.targets[0].value == 60
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    panel.start_entry("LEFS")
    assert panel.stack.currentWidget() is panel.form
    qtbot.waitUntil(lambda: panel.form.fields[0].hasFocus())
    for _ in range(20):  # 20 × "3" = 60: reaches the target
        qtbot.keyClicks(panel.form.focusWidget() or panel.form.fields[-1], "3")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        qtbot.keyClick(panel.form.save_button, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert panel.stack.currentIndex() == 0
    met = panel.board.cards(GoalStatus.MET)
    assert [c.goal_id for c in met] == [goal.id]
    assert len(panel.charts[0].spec.scored) == 2
    stored = read(qtbot, window, lambda chart: episodes.get_episode(chart, seeded.episode_id))
    assert stored.goal(goal.id).status is GoalStatus.MET  # the plan of care agrees


def test_refused_save_is_shown_on_the_form(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    seeded, _goal = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    panel = open_panel(qtbot, window, seeded)
    panel.start_entry("NPRS")
    panel.form.set_responses([4])
    panel.form.date.set_value(panel.form.date.value() + dt.timedelta(days=5))  # the future: refused
    panel.form.submit()
    settle(qtbot, window)
    assert "future date" in panel.form.errors
    assert panel.stack.currentWidget() is panel.form
    assert window.ctx.presenter.last is None or "future" not in window.ctx.presenter.last[0]


def test_progress_report_button_drafts_a_note(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    seeded, _goal = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    panel = open_panel(qtbot, window, seeded)
    with qtbot.waitSignal(panel.note_chosen, timeout=10_000) as got:
        qtbot.mouseClick(panel.report_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    view = read(qtbot, window, lambda chart: notes.get_note(chart, got.args[0]))
    assert view.note.note_type is NoteType.PROGRESS_REPORT
    assert "LEFS" in view.note.objective


def test_alerts_view_lists_the_expiring_plan(
    qtbot: Any, open_window: Any, tmp_path: Path
) -> None:
    seeded, _goal = prepare(tmp_path)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    view = ProgressAlertsView(window.ctx)
    qtbot.addWidget(view)
    view.refresh()
    settle(qtbot, window)
    assert view.model.rowCount() == 1
    row = view.model.row_at(0)
    assert row.kind == "plan_of_care_expiring" and row.patient_id == seeded.patient_id
    index = view.model.index(0, 2)
    assert "Plan of care ends 2026-03-05 (in 3 days)" in index.data()
    with qtbot.waitSignal(view.patient_chosen) as got:
        view.table.activated.emit(index)
    assert got.args[0] == seeded.patient_id
