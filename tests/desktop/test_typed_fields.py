"""Typed dates and times in the real screens (issue 13): a date of birth saves as typed, an
empty required date is an error, optional dates stay empty, calendars open on a sensible
month, and time fields take ``900``, ``9a``, ``1:05p``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QPoint, Qt

from core.services import charts, episodes, notes, patients
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock


def _session(seeded: Seeded) -> Any:
    return charts.open_chart(seeded.path, passphrase=PASSPHRASE)


def _new_patient_dialog(qtbot: Any, window: Any) -> Any:
    ws = window.workspace
    qtbot.mouseClick(ws.patients.new_button, Qt.MouseButton.LeftButton)
    dialog = ws._dialog
    qtbot.keyClicks(dialog.first, "Ottoline")
    qtbot.keyClicks(dialog.last, "Breckenridge")
    return dialog


def test_date_of_birth_saves_as_typed(qtbot: Any, open_window: Any, seeded: Seeded) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    dialog = _new_patient_dialog(qtbot, window)
    dob = dialog.dob
    for typed in ("4/12/1958", "04121958", "Apr 12 1958"):
        dob.edit.clear()
        qtbot.keyClicks(dob.edit, typed)
        assert dob.hint.text() == "Apr 12, 1958", typed  # what was understood
    dob.edit.clear()
    qtbot.keyClicks(dob.edit, "1958-04-12")  # the format the field shows
    assert dob.edit.text() == "1958-04-12"
    qtbot.keyClick(dob.edit, Qt.Key.Key_Tab)
    assert dob.value() == dt.date(1958, 4, 12)
    dialog.save()
    ws = window.workspace
    qtbot.waitUntil(lambda: "Breckenridge" in ws.chart.name.text(), timeout=10_000)
    session = _session(seeded)
    try:
        rows = patients.search_patients(session, "Breckenridge")
        born = patients.open_patient(session, rows[0].id).patient.date_of_birth
    finally:
        session.lock()
    assert born == dt.date(1958, 4, 12)


def test_empty_or_unreadable_date_of_birth_is_an_error(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    dialog = _new_patient_dialog(qtbot, window)
    dialog.save()  # untouched: never 1970-01-01
    assert "date of birth" in dialog.error.text()
    assert dialog.isVisible() and dialog.buttons.isEnabled()
    qtbot.keyClicks(dialog.dob.edit, "1958-13-40")
    assert dialog.dob.hint.property("state") == "bad"
    dialog.save()
    assert "not a date" in dialog.error.text()
    settle(qtbot, window)
    session = _session(seeded)
    try:
        assert patients.search_patients(session, "Breckenridge") == []
    finally:
        session.lock()


def _open_plan(qtbot: Any, window: Any, seeded: Seeded) -> Any:
    ws = window.workspace
    ws.open_plan(seeded.episode_id, "Quillfeatherstone, Zebulon")
    qtbot.waitUntil(lambda: ws.plan.episode is not None, timeout=10_000)
    return ws.plan


def _stored_episode(seeded: Seeded) -> Any:
    session = _session(seeded)
    try:
        return episodes.get_episode(session, seeded.episode_id)
    finally:
        session.lock()


def test_optional_plan_dates(qtbot: Any, open_window: Any, seeded: Seeded) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    plan = _open_plan(qtbot, window, seeded)
    end = plan.cert_end
    assert end.edit.text() == "" and end.value() is None
    end.setFocus()
    qtbot.keyClick(end.edit, Qt.Key.Key_Up)  # once raised "ends before it starts"
    qtbot.keyClick(end.edit, Qt.Key.Key_Tab)
    qtbot.wait(400)
    settle(qtbot, window)
    assert end.edit.text() == ""
    assert window.ctx.presenter.last is None
    assert _stored_episode(seeded).cert_end is None

    # the calendar opens near the certification, not on January 1900
    menu = end.pick.menu()
    menu.popup(end.mapToGlobal(QPoint(0, end.height())))
    assert (end.calendar.yearShown(), end.calendar.monthShown()) == (2026, 5)  # Feb 20 + 89 d
    menu.close()

    end.edit.setFocus()
    qtbot.keyClicks(end.edit, "5/20/26")
    assert end.hint.text() == "May 20, 2026"
    qtbot.keyClick(end.edit, Qt.Key.Key_Return)
    assert end.edit.text() == "2026-05-20"
    qtbot.keyClick(end.edit, Qt.Key.Key_Up)  # a date steps by a day
    qtbot.wait(400)
    settle(qtbot, window)
    assert _stored_episode(seeded).cert_end == dt.date(2026, 5, 21)

    end.edit.selectAll()
    qtbot.keyClick(end.edit, Qt.Key.Key_Delete)  # emptied: saved as no date
    qtbot.keyClick(end.edit, Qt.Key.Key_Return)
    qtbot.wait(400)
    settle(qtbot, window)
    assert _stored_episode(seeded).cert_end is None
    assert end.edit.text() == ""


def test_time_fields_take_what_people_type(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    session = _session(seeded)
    try:
        view = notes.start_note(
            session,
            episode_id=seeded.episode_id,
            clinician_id=seeded.clinician_id,
            date=dt.date(2026, 3, 2),
        ).value
        notes.add_block(session, view.note.id, "97110")
    finally:
        session.lock()
    window = open_window(seeded.path)
    unlock(qtbot, window)
    window.workspace.open_note(view.note.id)
    editor = window.workspace.editor
    qtbot.waitUntil(lambda: len(editor.blocks.rows) == 1, timeout=10_000)
    row = next(iter(editor.blocks.rows.values()))
    assert row.start.text() == "" and row.start.placeholderText() == "--:--"
    qtbot.keyClicks(row.start, "09:00")
    assert row.start.text() == "09:00"  # once "--:--900"
    assert row.start.value() == dt.time(9, 0)
    for typed, read in (("900", "09:00"), ("9a", "09:00"), ("13:05", "13:05"), ("1:05p", "13:05")):
        row.stop.selectAll()
        qtbot.keyClicks(row.stop, typed)
        qtbot.keyClick(row.stop, Qt.Key.Key_Return)
        assert row.stop.text() == read, typed
    row.stop.selectAll()
    qtbot.keyClicks(row.stop, "9:23")
    assert row.minutes.text() == "23 min"
    row._time_saver.flush()
    settle(qtbot, window)
    block = _stored_block(seeded, view.note.id)
    assert (block.start, block.stop) == (dt.time(9, 0), dt.time(9, 23))
    qtbot.keyClicks(row.start, "x")  # unreadable: marked, never saved
    qtbot.keyClick(row.start, Qt.Key.Key_Return)
    assert row.start.property("state") == "bad"
    row._time_saver.touch()
    row._time_saver.flush()
    settle(qtbot, window)
    block = _stored_block(seeded, view.note.id)
    assert (block.start, block.stop) == (dt.time(9, 0), dt.time(9, 23))
    row.start.selectAll()
    qtbot.keyClick(row.start, Qt.Key.Key_Delete)  # empty stays empty
    row.stop.setFocus()
    settle(qtbot, window)
    qtbot.wait(400)
    settle(qtbot, window)
    block = _stored_block(seeded, view.note.id)
    assert (block.start, block.stop) == (None, dt.time(9, 23))


def _stored_block(seeded: Seeded, note_id: Any) -> Any:
    session = _session(seeded)
    try:
        return notes.get_note(session, note_id).note.blocks[0]
    finally:
        session.lock()
