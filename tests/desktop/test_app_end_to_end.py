"""End to end through the real widgets: create a chart, a patient, an episode (M17.11, two
goals), a daily note with 97110 and 97530, see and fix the findings, see the 59/X prompt only
when paired blocks are distinct in time (payer pair 97110+97530, NCCI pair 97140+97530),
acknowledge a warning, sign, and find the signed note in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt

from core.domain.enums import Laterality, NoteStatus
from core.services import charts, signing, ui_queries
from tests.desktop.conftest import PASSPHRASE, accept_new_note, settle

LEFT = Qt.MouseButton.LeftButton


def ids(editor: Any) -> list[str]:
    return [f.id for f in editor.check.findings] if editor.check else []


def wait_check(qtbot: Any, window: Any, editor: Any) -> None:
    """Let debounced saves fire, then wait for the recheck that follows them."""
    qtbot.wait(350)
    settle(qtbot, window)
    qtbot.wait(150)
    settle(qtbot, window)


def activate(qtbot: Any, window: Any) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def create_chart(qtbot: Any, window: Any) -> None:
    assert window.current_screen() == "welcome"
    qtbot.mouseClick(window.screens.welcome.create_button, LEFT)
    create = window.screens.create
    assert window.current_screen() == "create"
    qtbot.keyClicks(create.passphrase, "short")
    qtbot.keyClicks(create.repeat, "short")
    qtbot.mouseClick(create.create_button, LEFT)
    assert "at least 10" in create.error.text()  # refused locally, nothing created
    create.passphrase.clear()
    create.repeat.clear()
    qtbot.keyClicks(create.passphrase, PASSPHRASE)
    assert create.strength.text()  # the hint updates as the passphrase is typed
    qtbot.keyClicks(create.repeat, PASSPHRASE)
    qtbot.mouseClick(create.create_button, LEFT)
    qtbot.waitUntil(lambda: create.key_label.text() != "", timeout=15_000)
    key = create.key_label.text().replace("\n", "-")  # shown as two lines of four groups
    assert len(key.split("-")) == 8
    qtbot.mouseClick(create.key_next, LEFT)
    qtbot.keyClicks(create.confirm_field, "ZZZZ" if not key.endswith("ZZZZ") else "YYYY")
    qtbot.mouseClick(create.confirm_button, LEFT)
    assert "not the last group" in create.confirm_error.text()
    create.confirm_field.clear()
    qtbot.keyClicks(create.confirm_field, key.rsplit("-", 1)[1].lower())
    qtbot.mouseClick(create.confirm_button, LEFT)
    qtbot.waitUntil(lambda: window.current_screen() == "setup", timeout=10_000)
    setup = window.screens.setup
    qtbot.keyClicks(setup.practice, "Harbor Test Clinic")
    qtbot.keyClicks(setup.first, "Maya")
    qtbot.keyClicks(setup.last, "Okafor")
    qtbot.keyClicks(setup.credentials, "PT, DPT")
    qtbot.mouseClick(setup.save_button, LEFT)
    qtbot.waitUntil(lambda: window.current_screen() == "workspace", timeout=10_000)
    assert [p.label for p in window.ctx.session.clinicians] == ["Maya Okafor, PT, DPT"]


def create_patient_and_episode(qtbot: Any, window: Any) -> None:
    ws = window.workspace
    qtbot.mouseClick(ws.patients.new_button, LEFT)
    dialog = ws._dialog
    qtbot.keyClicks(dialog.first, "Zebulon")
    qtbot.keyClicks(dialog.last, "Quillfeatherstone")
    qtbot.keyClicks(dialog.dob.edit, "4/9/1958")
    dialog.save()
    qtbot.waitUntil(lambda: ws.chart.name.text() == "Quillfeatherstone, Zebulon", timeout=10_000)
    qtbot.waitUntil(lambda: ws.patients.model.rowCount() == 1)
    assert not ws.chart.new_note_button.isEnabled()  # no episode yet

    qtbot.mouseClick(ws.chart.episode_button, LEFT)
    dialog = ws._dialog
    dialog.payer.setCurrentIndex(dialog.payer.findText("Commercial insurance (default)"))
    dialog.start.edit.clear()
    qtbot.keyClicks(dialog.start.edit, "2026-02-20")
    dialog.save()
    plan = ws.plan
    qtbot.waitUntil(lambda: ws.page() == "plan" and plan.episode is not None, timeout=10_000)

    qtbot.keyClicks(plan.icd_search, "M17.11")
    assert plan.icd_busy.running or plan._search_timer.isActive()
    qtbot.waitUntil(lambda: plan.icd_results.count() > 0, timeout=30_000)
    assert not plan.icd_busy.running
    assert plan.icd_results.item(0).text().startswith("M17.11")
    qtbot.keyClick(plan.icd_search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: plan.dx_model.rowCount() == 1, timeout=10_000)
    dx = plan.dx_model.row_at(0)
    assert (dx.code, Laterality(dx.laterality)) == ("M17.11", Laterality.RIGHT)

    for term, activity in ((0, "Climb 12 stairs reciprocally"), (1, "Walk 1500 feet")):
        plan.goal_term.setCurrentIndex(term)
        qtbot.keyClicks(plan.goal_activity, activity)
        qtbot.keyClicks(plan.goal_baseline, "4")
        qtbot.keyClicks(plan.goal_target, "12")
        qtbot.mouseClick(plan.add_goal_button, LEFT)
        qtbot.waitUntil(lambda n=term + 1: plan.goal_model.rowCount() == n, timeout=10_000)
    # a plan field saves as it is typed
    qtbot.keyClicks(plan.referring, "Dr. Alma Whitfield")
    qtbot.wait(400)
    settle(qtbot, window)
    assert plan.episode.referring_provider == "Dr. Alma Whitfield"

    activate(qtbot, window)  # the dialogs took the focus (offscreen has no window manager)
    qtbot.keyClick(plan.goal_activity, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: ws.page() == "chart")
    qtbot.waitUntil(lambda: ws.chart.goal_model.rowCount() == 2, timeout=10_000)


def set_times(qtbot: Any, row: Any, start: str | None, stop: str | None) -> None:
    """Type the times as a clinician would (``915``, not a spin box)."""
    for field, value in ((row.start, start), (row.stop, stop)):
        if value is not None:
            field.selectAll()
            qtbot.keyClicks(field, value.replace(":", ""))
    row._time_saver.flush()


def test_chart_a_visit_end_to_end(qtbot: Any, open_window: Any, tmp_path: Any, clock: Any):
    chart_path = tmp_path / "new.chart"
    window = open_window(chart_path)
    create_chart(qtbot, window)
    create_patient_and_episode(qtbot, window)
    ws = window.workspace
    editor = ws.editor

    # -- a daily note, live-timed with the injected clock ---------------------------------
    clock.set_now(dt.datetime(2026, 3, 2, 9, 0))
    qtbot.mouseClick(ws.chart.new_note_button, LEFT)
    accept_new_note(qtbot, window)  # Enter: today, office
    qtbot.waitUntil(lambda: editor.ws is not None and ws.page() == "note", timeout=10_000)
    qtbot.keyClicks(editor.soap.edits["subjective"], "Knee pain 3/10; did home program .hep ")
    assert "Reviewed home exercise program" in editor.soap.edits["subjective"].toPlainText()
    qtbot.keyClicks(editor.soap.edits["objective"], "Step-ups and carrying task as charted.")
    qtbot.keyClicks(editor.soap.edits["assessment"], "Tolerated well; stairs improving.")

    editor.blocks.picker.choose("97110")
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 1, timeout=10_000)
    editor.blocks.picker.choose("97530")
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 2, timeout=10_000)
    wait_check(qtbot, window, editor)
    ex_row, act_row = editor.blocks.rows.values()
    found = ids(editor)
    assert found.count("block.missing_time") == 2
    assert found.count("block.missing_goal_link") == 2
    assert {"form.97530.few_components", "form.97530.no_skilled_cues"} <= set(found)
    assert not editor.sign_bar.button.isEnabled()
    assert "fixed" in editor.sign_bar.reason.text()

    # click a finding: the cursor goes to its field
    row = next(i for i, f in enumerate(editor.findings.model.rows) if f.id.endswith("goal_link"))
    index = editor.findings.model.index(row, 1)
    rect = editor.findings.table.visualRect(index)
    qtbot.mouseClick(editor.findings.table.viewport(), LEFT, pos=rect.center())
    assert any(box.hasFocus() for r in (ex_row, act_row) for box in r.goal_boxes.values())

    # -- fix them -------------------------------------------------------------------------
    qtbot.mouseClick(ex_row.start_now, LEFT)  # 09:00
    clock.set_now(dt.datetime(2026, 3, 2, 9, 23))
    qtbot.mouseClick(ex_row.stop_now, LEFT)  # 09:23
    assert ex_row.minutes.text() == "23 min"
    set_times(qtbot, act_row, "09:15", "09:30")  # overlapping 97110 first
    for r in (ex_row, act_row):
        next(iter(r.goal_boxes.values())).click()
        qtbot.keyClicks(r.connection, "to climb stairs at home (STG 1)")
        r.side.setCurrentIndex(r.side.findData("right"))
        r.side.activated.emit(r.side.currentIndex())
    form = ex_row.form
    form._add()
    model = form.model
    for col, value in enumerate(("Leg press", "seated", "3", "10", "40", "lb")):
        model.setData(model.index(0, col), value)
    form.target.setCurrentText("strength")
    act = act_row.form
    qtbot.keyClicks(act.activity, "Patient performed 4 trials of floor-to-waist lifts")
    qtbot.keyClicks(act.task, "carrying laundry upstairs")
    act.components["balance"].click()
    act.components["lifting"].click()
    qtbot.keyClicks(act.cues, "tactile cues for trunk alignment")
    act.assistance.setCurrentText("contact guard")
    editor.total.spin.setValue(50)
    wait_check(qtbot, window, editor)
    found = ids(editor)
    assert "pair.same_time" in found  # 97110 + 97530 overlap: no 59/X possible
    assert not act_row.prompt.isVisible() and not ex_row.prompt.isVisible()

    set_times(qtbot, act_row, "09:23", "09:38")  # now distinct in time
    wait_check(qtbot, window, editor)
    found = ids(editor)
    assert "pair.same_time" not in found
    assert "pair.modifier_suggested" in found  # the commercial payer asks for 59/X
    assert act_row.prompt.isVisible() and "97110" in act_row.prompt_text.text()
    assert not ex_row.prompt.isVisible()

    # -- 97140 with 97530: the NCCI pair ---------------------------------------------------
    editor.blocks.picker.choose("97140")
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 3, timeout=10_000)
    man_row = list(editor.blocks.rows.values())[2]
    set_times(qtbot, man_row, "09:30", "09:40")  # overlaps 97530
    next(iter(man_row.goal_boxes.values())).click()
    man_row.side.setCurrentIndex(man_row.side.findData("right"))
    man_row.side.activated.emit(man_row.side.currentIndex())
    man_row.form.technique.setCurrentText("Grade III joint mobilization")
    qtbot.keyClicks(man_row.form.region, "right knee")
    editor.total.spin.setValue(60)
    wait_check(qtbot, window, editor)
    same_time = [f for f in editor.check.findings if f.id == "pair.same_time"]
    assert same_time and "97140" in same_time[0].message
    assert "97140" not in act_row.prompt_text.text()  # no NCCI prompt while overlapping

    set_times(qtbot, man_row, "09:38", "09:48")
    wait_check(qtbot, window, editor)
    assert "pair.same_time" not in ids(editor)
    assert "pair.modifier_required" in ids(editor)  # NCCI: blocks signing until chosen
    assert act_row.prompt.isVisible() and "97140" in act_row.prompt_text.text()
    assert not editor.sign_bar.button.isEnabled()
    qtbot.mouseClick(act_row.prompt_xu, LEFT)
    wait_check(qtbot, window, editor)
    assert not act_row.prompt.isVisible()
    found = ids(editor)
    assert not [f for f in found if f.startswith("pair.")], found
    blocking = [f.id for f in editor.check.findings if str(f.severity) == "block"]
    assert blocking == [], blocking

    # -- a warning acknowledged with a reason ----------------------------------------------
    warns = [f for f in editor.check.findings if f.needs_attention]
    # the 97140 block; and the visit has no clock times (visit.times_missing, since 9ec2dd7)
    assert sorted(f.id for f in warns) == ["block.missing_goal_connection", "visit.times_missing"]
    goal_warning = next(f for f in warns if f.id == "block.missing_goal_connection")
    row = editor.findings.model.rows.index(goal_warning)
    editor.findings.table.selectRow(row)
    assert editor.findings.ack_row.isVisibleTo(editor.findings)
    qtbot.keyClicks(editor.findings.reason, "Manual therapy prepares the knee for STG 1")
    qtbot.mouseClick(editor.findings.ack_button, LEFT)
    wait_check(qtbot, window, editor)
    left = [f.id for f in editor.check.findings if f.needs_attention]
    assert left == ["visit.times_missing"]  # a warning: acknowledged in the sign dialog
    assert editor.units.primary.text().endswith("units")
    assert "Cascade" not in editor.units.primary_title.text()

    # -- sign, then the note is read-only and takes addenda -----------------------------------
    assert editor.sign_bar.button.isEnabled()
    note_id = editor.note_id
    editor.soap.edits["plan"].setFocus()
    qtbot.keyClicks(editor.soap.edits["plan"], "Progress step height next visit")
    qtbot.keyClick(
        editor.soap.edits["plan"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: editor.signing.dialog is not None, timeout=10_000)  # the summary
    dialog = editor.signing.dialog
    assert "97110" in dialog.summary.text()
    # the warning still open asks for its reason before Sign is possible
    assert list(dialog.ack_edits) == ["visit.times_missing"]
    assert not dialog.sign_button.isEnabled()
    qtbot.keyClicks(dialog.ack_edits["visit.times_missing"], "Home visit, clock times in S")
    assert dialog.sign_button.isEnabled()
    qtbot.mouseClick(dialog.sign_button, LEFT)
    qtbot.waitUntil(lambda: editor.ws is not None and editor.ws.note.is_signed, timeout=10_000)
    assert editor.soap.edits["subjective"].isReadOnly()
    assert editor.addenda.isVisibleTo(editor)
    qtbot.keyClicks(editor.addenda.text, "Late entry: ice applied at home.")
    qtbot.mouseClick(editor.addenda.button, LEFT)
    qtbot.waitUntil(lambda: len(editor.ws.note.addenda) == 1, timeout=10_000)
    settle(qtbot, window)

    # -- the database agrees ---------------------------------------------------------------
    session = charts.open_chart(chart_path, passphrase=PASSPHRASE)
    try:
        stored = ui_queries.open_note(session, note_id).note
        assert stored.status is NoteStatus.SIGNED or stored.status == "signed"
        assert stored.content_hash and signing.verify_signed(session, note_id)
        assert stored.plan == "Progress step height next visit"
        assert "Reviewed home exercise program" in stored.subjective
        by_code = {b.code: b for b in stored.blocks}
        assert by_code["97530"].modifiers == ("XU",)
        assert by_code["97110"].details["exercises"][0]["load"] == 40
        assert by_code["97140"].details["technique"] == "Grade III joint mobilization"
        assert (by_code["97110"].start, by_code["97110"].stop) == (dt.time(9, 0), dt.time(9, 23))
        assert stored.acknowledged[0]["finding_id"].startswith("block.missing_goal_connection")
        assert stored.acknowledged[1] == {"finding_id": "visit.times_missing",
                                          "reason": "Home visit, clock times in S"}
        assert stored.addenda[0].text == "Late entry: ice applied at home."
    finally:
        session.lock()
