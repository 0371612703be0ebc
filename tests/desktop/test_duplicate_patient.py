"""Issue 13: a new patient with the same name and date of birth as one in the chart is not
created silently. The real New patient dialog (Ctrl+Shift+N) in the real window: the dialog
names the existing patient; *Open existing* opens their chart and creates nothing; *Create
anyway* creates the second record. The core refuses it too, unless asked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from core.domain.errors import DuplicatePatient
from core.services import charts, patients
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock

LEFT = Qt.MouseButton.LeftButton


def _count(seeded: Seeded) -> int:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        return len(patients.search_patients(session, "quillfeatherstone"))
    finally:
        session.lock()


def test_core_refuses_a_duplicate_unless_asked(seeded: Seeded) -> None:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        same = {"first_name": "ZEBULON ", "last_name": "quillfeatherstone",
                "date_of_birth": dt.date(1958, 4, 9)}
        with pytest.raises(DuplicatePatient, match="born Apr 9, 1958 is already") as caught:
            patients.create_patient(session, **same)
        assert caught.value.existing == (seeded.patient_id,)
        # another birthday or another first name is another person
        patients.create_patient(session, **(same | {"date_of_birth": dt.date(1958, 4, 10)}))
        patients.create_patient(session, **(same | {"first_name": "Zebedee"}))
        second = patients.create_patient(session, allow_duplicate=True, **same).value
        assert second.id != seeded.patient_id
        found = patients.find_duplicates(session, first_name="Zébulon", last_name="Quill-"
                                         "featherstone", date_of_birth=dt.date(1958, 4, 9))
        assert {r.id for r in found} == {seeded.patient_id, second.id}
    finally:
        session.lock()


def _new_patient_dialog(qtbot: Any, window: Any) -> Any:
    ws = window.workspace
    qtbot.keyClick(ws.patients.search, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: ws._dialog is not None and ws._dialog.isVisible())
    dialog = ws._dialog
    qtbot.keyClicks(dialog.first, "Zebulon")
    qtbot.keyClicks(dialog.last, "Quillfeatherstone")
    qtbot.keyClicks(dialog.dob.edit, "4/9/1958")
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    qtbot.waitUntil(dialog.duplicate.isVisible, timeout=10_000)
    assert dialog.duplicate_text.text() == (
        "Zebulon Quillfeatherstone, born Apr 9, 1958 is already in the chart. "
        "Open that chart, or create a second record anyway?")
    return dialog


def test_dialog_open_existing_creates_nothing(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    ws = window.workspace
    dialog = _new_patient_dialog(qtbot, window)
    assert dialog.isVisible()  # nothing typed is lost
    qtbot.mouseClick(dialog.open_existing, LEFT)
    qtbot.waitUntil(lambda: ws.chart.patient_id == seeded.patient_id, timeout=10_000)
    assert not dialog.isVisible()
    window.flow.lock()
    settle(qtbot, window)
    assert _count(seeded) == 1


def test_dialog_create_anyway_makes_a_second_record(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    ws = window.workspace
    dialog = _new_patient_dialog(qtbot, window)
    qtbot.keyClicks(dialog.email, "zq@example.test")  # issue 19: reminders go to it, or not
    dialog.no_reminders.setChecked(True)
    created: list[Any] = []
    dialog.created.connect(created.append)
    qtbot.mouseClick(dialog.create_anyway, LEFT)
    qtbot.waitUntil(lambda: len(created) == 1, timeout=10_000)
    assert created[0] != seeded.patient_id
    qtbot.waitUntil(lambda: ws.chart.patient_id == created[0], timeout=10_000)
    window.flow.lock()
    settle(qtbot, window)
    assert _count(seeded) == 2
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        made = patients.open_patient(session, created[0]).patient
        assert made.email == "zq@example.test" and made.no_reminders
    finally:
        session.lock()


def test_editing_the_name_withdraws_the_question(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    dialog = _new_patient_dialog(qtbot, window)
    qtbot.keyClicks(dialog.first, "a")
    assert not dialog.duplicate.isVisible()
