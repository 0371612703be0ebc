"""Measure widgets on their own (no chart): entry form keyboard flow, trend chart, goals board."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel

from core.domain.enums import GoalStatus, GoalTerm
from core.domain.episode import Goal
from core.rules.measures import definition, goal_progress, trend_spec
from desktop.measures.entry import MeasureEntryForm
from desktop.measures.goals_board import GoalsBoard
from desktop.measures.trend import TrendChart, nice_ticks, render_chart

DAY = dt.date(2026, 3, 2)


def form_for(qtbot: Any, measure: str) -> MeasureEntryForm:
    form = MeasureEntryForm()
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.set_measure(definition(measure), date=DAY)
    return form


def type_keys(qtbot: Any, text: str) -> None:
    for ch in text:
        widget = QApplication.focusWidget()
        if ch == " ":
            qtbot.keyClick(widget, Qt.Key.Key_Space)
        elif ch == "<":
            qtbot.keyClick(widget, Qt.Key.Key_Backspace)
        else:
            qtbot.keyClicks(widget, ch)


# -- entry form --------------------------------------------------------------------------------
def test_lefs_digits_auto_advance_and_enter_saves(qtbot: Any) -> None:
    form = form_for(qtbot, "LEFS")
    assert len(form.fields) == 20
    qtbot.waitUntil(lambda: form.fields[0].hasFocus())
    type_keys(qtbot, "3" * 20)  # each 0–4 digit is a complete answer: no Tab needed
    assert form.responses() == [3] * 20
    assert form.preview.text().startswith("LEFS 60 points")
    assert "20 of 20 items" in form.preview.text()
    with qtbot.waitSignal(form.submitted) as got:
        qtbot.keyClick(form.save_button, Qt.Key.Key_Return)
    entry = got.args[0]
    assert (entry.measure_id, entry.date, entry.responses) == ("LEFS", DAY, (3,) * 20)


def test_space_leaves_a_blank_and_backspace_goes_back(qtbot: Any) -> None:
    form = form_for(qtbot, "QuickDASH")
    qtbot.waitUntil(lambda: form.fields[0].hasFocus())
    type_keys(qtbot, "2 3")  # item 2 left blank
    assert form.responses()[:3] == [2, None, 3]
    assert form.fields[3].hasFocus()
    type_keys(qtbot, "<")  # empty item 4: back to item 3
    assert form.fields[2].hasFocus()
    type_keys(qtbot, "<4")  # clears item 3 then types 4 and advances
    assert form.responses()[:3] == [2, None, 4]


def test_unscorable_form_explains_and_may_still_be_saved(qtbot: Any) -> None:
    form = form_for(qtbot, "QuickDASH")
    form.set_responses([3] * 9 + [None, None])
    assert form.preview.text().startswith("Unscorable: 2 of 11 QuickDASH items unanswered")
    assert form.save_button.isEnabled()
    form.set_responses([3] * 10 + [None])
    assert "QuickDASH 50.0 points" in form.preview.text()


def test_impossible_answers_block_saving(qtbot: Any) -> None:
    form = form_for(qtbot, "PPS")
    qtbot.waitUntil(lambda: form.fields[0].hasFocus())
    type_keys(qtbot, "45")
    assert "45 is not a PPS level" in form.errors
    assert not form.save_button.isEnabled()
    assert form.fields[0].property("invalid") is True
    assert not form.submit()
    form.set_responses([50])
    assert form.errors == "" and form.save_button.isEnabled()


def test_two_digit_items_wait_for_the_second_digit(qtbot: Any) -> None:
    form = form_for(qtbot, "PSFS")
    qtbot.waitUntil(lambda: form.fields[0].hasFocus())
    type_keys(qtbot, "1")
    assert form.fields[0].hasFocus()  # could still become 10
    type_keys(qtbot, "0")
    assert form.fields[1].hasFocus()
    type_keys(qtbot, "4")
    assert form.fields[2].hasFocus()
    assert form.preview.text().startswith("PSFS 7.0 points")


def test_six_minute_walk_in_feet_previews_metres(qtbot: Any) -> None:
    form = form_for(qtbot, "6MWT")
    form.unit.setCurrentIndex(form.unit.findData("ft"))
    form.set_responses([1000])
    assert form.preview.text().startswith("6MWT 305 m")
    with qtbot.waitSignal(form.submitted) as got:
        form.submit()
    assert got.args[0].unit == "ft" and got.args[0].responses == (1000,)


def test_escape_cancels(qtbot: Any) -> None:
    form = form_for(qtbot, "NPRS")
    with qtbot.waitSignal(form.cancelled):
        qtbot.keyClick(form, Qt.Key.Key_Escape)


# -- trend chart -------------------------------------------------------------------------------
def _spec() -> Any:
    points = [(DAY + dt.timedelta(days=7 * i), v) for i, v in
              enumerate([52.3, 50.0, None, 45.5, 40.9, 36.4])]
    goal = Goal(term=GoalTerm.LONG, activity="Dress", measure_id="QuickDASH", baseline="52",
                target="20", unit="points")
    return trend_spec("QuickDASH", points, [goal_progress(goal, points, as_of=DAY + dt.timedelta(
        days=40))])


def test_trend_chart_draws_band_target_and_series(qtbot: Any) -> None:
    chart = TrendChart()
    qtbot.addWidget(chart)
    chart.resize(560, 260)
    spec = _spec()
    chart.set_spec(spec)
    image = chart.grab().toImage()
    plot = chart._plot()
    target_y = int(chart._y_of(plot, 20, spec.y_min, spec.y_max))
    near = {image.pixelColor(x, y).name() for y in range(target_y - 1, target_y + 2)
            for x in range(int(plot.left()), int(plot.right()))}
    assert "#2e7d4f" in near  # the goal target's dashed line
    series_y = int(chart._y_of(plot, spec.points[0].value, spec.y_min, spec.y_max))
    first_x = int(chart._x_of(plot, spec.points[0].date, spec.points[0].date,
                              spec.points[-1].date))
    assert image.pixelColor(first_x, series_y).name() == "#2f6f7e"  # the baseline dot
    band_y = round(chart._y_of(plot, spec.band_high - 1, spec.y_min, spec.y_max))
    band = image.pixelColor(int(plot.left()) + 3, band_y)
    assert band != QColor("#ffffff")  # the MCID band is shaded
    assert chart.accessibleName().startswith("QuickDASH")
    assert "MCID 14 points" in chart.toolTip()


def test_render_chart_without_scores_and_without_spec(qtbot: Any) -> None:
    empty = trend_spec("LEFS", [])
    assert not render_chart(empty).isNull()
    assert not render_chart(None).isNull()


def test_nice_ticks() -> None:
    assert nice_ticks(0, 100) == [0, 25, 50, 75, 100]
    assert nice_ticks(0, 80) == [0, 20, 40, 60, 80]
    assert nice_ticks(0, 10) == [0, 2.5, 5, 7.5, 10]


# -- goals board -------------------------------------------------------------------------------
def _progress(status: GoalStatus, **kw: Any) -> Any:
    from core.rules.measures import GoalProgress

    fields = {"goal_id": uuid.uuid4(), "term": GoalTerm.LONG, "activity": f"Goal {status}",
              "measure_id": "LEFS", "stored_status": status, "status": status,
              "evaluable": True, "reason": "Because.", "unit": "points", "baseline": 38.0,
              "current": 47.0, "target": 60.0, "fraction": 9 / 22}
    fields.update(kw)
    return GoalProgress(**fields)  # type: ignore[arg-type]


def test_goals_board_columns_and_activation(qtbot: Any) -> None:
    board = GoalsBoard()
    qtbot.addWidget(board)
    board.show()
    rows = [_progress(GoalStatus.ONGOING), _progress(GoalStatus.PARTIALLY_MET),
            _progress(GoalStatus.MET), _progress(GoalStatus.PARTIALLY_MET,
                                                 stored_status=GoalStatus.ONGOING)]
    board.set_goals(rows)
    assert len(board.cards(GoalStatus.PARTIALLY_MET)) == 2
    assert len(board.cards(GoalStatus.NOT_MET)) == 0
    assert not board._columns[GoalStatus.DISCONTINUED][0].isVisible()
    card = board.cards(GoalStatus.MET)[0]
    assert card.findChild(QLabel, "goalPath").text() == "LEFS 38 → 47 → 60 points"
    stale = [c for c in board.cards() if c.progress.status_changed]
    assert stale and stale[0].findChild(QLabel, "goalStale") is not None
    with qtbot.waitSignal(board.goal_activated) as got:
        qtbot.keyClick(card, Qt.Key.Key_Return)
    assert got.args[0] == card.goal_id
    board.set_goals([_progress(GoalStatus.DISCONTINUED, evaluable=False)])
    assert board._columns[GoalStatus.DISCONTINUED][0].isVisible()
    assert len(board.cards()) == 1


def test_a_lone_decimal_point_is_reported_not_a_crash(qtbot: Any) -> None:
    form = form_for(qtbot, "TUG")
    qtbot.waitUntil(lambda: form.fields[0].hasFocus())
    type_keys(qtbot, ".")
    assert "is not a number" in form.errors
    assert not form.save_button.isEnabled()
    type_keys(qtbot, "<9.5")
    assert form.errors == "" and form.preview.text().startswith("TUG 9.5 s")
