"""The body diagram in the real note editor (issue 18), offscreen: a click on the back
outline offers the findings and marks the patient's side under the pointer, the typed form
adds a mark, a bad one shows its message and changes nothing, the marks reach the stored note
and its check, "Add to Objective" types them into the Objective box (saved by its own
debounce), right-click removes, and a signed note's diagram takes no clicks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from core.domain import body
from core.domain.enums import Laterality
from core.domain.visit import VOID_REASONS
from core.services import body_marks, charts, notes
from tests.desktop.conftest import PASSPHRASE, Seeded, new_note, settle, unlock


def _choose_from_menu(section: Any, name: str, text: str) -> None:
    """Trigger the action ``text`` of the section's open popup menu ``name``."""
    menu = section.findChild(QMenu, name)
    assert menu is not None and menu.isVisible()
    next(a for a in menu.actions() if a.text() == text).trigger()
    menu.close()


def _stored(seeded: Seeded, note_id: Any) -> Any:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        return body_marks.for_note(session, note_id)
    finally:
        session.lock()


def test_marks_by_click_and_by_form_reach_the_note(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = new_note(qtbot, window)
    section = editor.body_diagram
    view = section.diagram
    calf = body.regions()["calf"]
    x, y = calf.centre(Laterality.RIGHT)
    # the back view's right half: the patient's RIGHT
    qtbot.waitUntil(lambda: section.view is not None and not view.read_only, timeout=10_000)
    point = view.to_widget("back", x, y).toPoint()
    assert view.to_canvas(view.to_widget("back", x, y))[0] == "back"
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=point)
    _choose_from_menu(section, "bodyFindingMenu", "Trigger point")
    qtbot.waitUntil(lambda: section.list.count() == 1, timeout=10_000)
    assert section.list.item(0).text().endswith("Right calf: trigger point")
    # the typed form: a midline region takes no side; a rating
    section.region.setCurrentIndex(section.region.findData("sacrum"))
    assert [section.side.itemData(i) for i in range(section.side.count())] == [
        "not_applicable"]
    section.finding.setCurrentIndex(section.finding.findData("pain"))
    section.severity.setValue(4)
    qtbot.mouseClick(section.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: section.list.count() == 2, timeout=10_000)
    assert section.list.item(1).text().endswith("Sacrum: pain (4/10)")
    settle(qtbot, window)
    note_id = editor.note_id
    # Add to Objective types the marks into the box; its debounced save stores them
    qtbot.mouseClick(section.objective_button, Qt.MouseButton.LeftButton)
    objective = editor.soap.edits["objective"]
    assert objective.toPlainText() == ("Body diagram:\nRight calf: trigger point\n"
                                       "Sacrum: pain (4/10)")
    qtbot.mouseClick(section.objective_button, Qt.MouseButton.LeftButton)  # not twice
    assert objective.toPlainText().count("Right calf") == 1
    window.ctx.savers.flush_all()
    settle(qtbot, window)
    # a right-click on the calf mark removes it (where it is drawn now: the layout may have
    # resized the diagram since)
    point = view.mark_point(view.marks[0]).toPoint()
    qtbot.mouseClick(view, Qt.MouseButton.RightButton, pos=point)
    _choose_from_menu(section, "bodyMarkMenu", "Remove “Right calf: trigger point”")
    qtbot.waitUntil(lambda: section.list.count() == 1, timeout=10_000)
    settle(qtbot, window)
    window.close()
    stored = _stored(seeded, note_id)
    assert [m.text() for m in stored.marks] == ["Sacrum: pain (4/10)"]
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        with session.uow() as uow:
            assert "Right calf: trigger point" in uow.notes.get(note_id).objective
    finally:
        session.lock()


def test_a_refused_mark_shows_why_and_a_closed_note_takes_no_clicks(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:  # a voided draft with one mark: read-only like a signed note
        closed = notes.start_note(session, episode_id=seeded.episode_id,
                                  clinician_id=seeded.clinician_id,
                                  date=dt.date(2026, 2, 26)).value.note.id
        body_marks.add(session, closed, region="calf", side="left", finding="pain")
        notes.void_note(session, closed, reason=VOID_REASONS[0])
    finally:
        session.lock()
    window = open_window(seeded.path)
    unlock(qtbot, window)
    editor = new_note(qtbot, window)
    section = editor.body_diagram
    note_id = editor.note_id
    # a side the region does not have (a paired region given "midline") is refused by the core
    section.region.setCurrentIndex(section.region.findData("calf"))
    section.side.addItem("Midline", "not_applicable")
    section.side.setCurrentIndex(section.side.count() - 1)
    qtbot.mouseClick(section.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(section.error.text()), timeout=10_000)
    assert "left or right" in section.error.text() and section.list.count() == 0
    settle(qtbot, window)
    editor.show_note(closed)
    qtbot.waitUntil(lambda: section.note_id == closed and section.list.count() == 1,
                    timeout=10_000)
    assert section.diagram.read_only and not section.add_button.isEnabled()
    assert not section.objective_button.isEnabled()
    view = section.diagram
    view.resize(400, 440)
    calf = body.regions()["calf"]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton,
                     pos=view.to_widget("back", *calf.centre(Laterality.RIGHT)).toPoint())
    qtbot.wait(100)
    assert section.findChild(QMenu, "bodyFindingMenu") is None and section.list.count() == 1
    settle(qtbot, window)
    window.close()
    assert _stored(seeded, note_id).marks == ()
