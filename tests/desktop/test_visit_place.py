"""Place and date of a visit in the app (issue 13): the "New daily note" dialog (Enter: today,
office), a home visit with its address (filled from the patient's) and "Log trip…", a
telehealth visit's modality, a past date, a refused future date, and "Date and place…" on a
draft — real widgets on a real encrypted chart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt

from core.domain.enums import PlaceOfService
from core.services import charts, patients
from desktop.dialogs.visit_place import VisitPlaceDialog
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock


def _add_address(seeded: Seeded) -> None:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        patients.update_patient(session, seeded.patient_id, address_line1="12 Lantern Way",
                                city="Astoria", state="OR", postal_code="97103")
    finally:
        session.lock()


def _open_dialog(qtbot: Any, window: Any) -> VisitPlaceDialog:
    ws = window.workspace
    ws.patients.table.selectRow(0)
    qtbot.waitUntil(lambda: ws.chart.chart is not None and ws.chart.new_note_button.isEnabled())
    window.actions_by_id["new_note"].trigger()  # Ctrl+N
    qtbot.waitUntil(lambda: isinstance(ws.current_dialog(), VisitPlaceDialog))
    dialog = ws.current_dialog()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.date.edit.hasFocus() or dialog.focusWidget() is dialog.date.edit
    return dialog


def test_enter_starts_todays_office_note(qtbot: Any, open_window: Any, seeded: Seeded,
                                         clock: Any) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    dialog = _open_dialog(qtbot, window)
    assert dialog.date.value() == clock.today() and dialog.place() is PlaceOfService.OFFICE
    assert dialog.address.isHidden() and dialog.modality.isHidden()
    qtbot.keyClick(dialog.date.edit, Qt.Key.Key_Return)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.editor.ws is not None, timeout=10_000)
    visit = ws.editor.ws.visit
    assert (visit.date, visit.place_of_service) == (clock.today(), PlaceOfService.OFFICE)
    assert ws.visit_tools.place.text() == "Office · POS 11"
    assert ws.visit_tools.place.toolTip().startswith("Office (POS 11). Change")
    assert not ws.visit_tools.mileage.isVisibleTo(ws.visit_tools)


def test_escape_starts_nothing(qtbot: Any, open_window: Any, seeded: Seeded) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    dialog = _open_dialog(qtbot, window)
    qtbot.keyClick(dialog.date.edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.workspace.current_dialog() is None)
    settle(qtbot, window)
    assert window.workspace.page() == "chart"
    assert window.workspace.chart.visit_model.rowCount() == 0


def test_home_visit_on_a_past_date_then_log_trip(qtbot: Any, open_window: Any, seeded: Seeded,
                                                 clock: Any) -> None:
    _add_address(seeded)
    window = open_window(seeded.path)
    unlock(qtbot, window)
    dialog = _open_dialog(qtbot, window)
    future = clock.today() + dt.timedelta(days=3)
    dialog.date.edit.selectAll()
    qtbot.keyClicks(dialog.date.edit, f"{future.month}/{future.day}/{future.year}")
    dialog.date.edit.setFocus()
    dialog.focusNextChild()  # Tab: the place buttons (the calendar button takes no focus)
    assert dialog.focusWidget() is dialog.place_buttons[PlaceOfService.OFFICE]
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Down)  # Office -> Home
    assert dialog.place() is PlaceOfService.HOME
    assert dialog.address.text() == "12 Lantern Way, Astoria, OR 97103"
    dialog.ok.click()
    qtbot.waitUntil(lambda: "future" in dialog.error.text(), timeout=10_000)
    assert dialog.isVisible() and window.workspace.chart.visit_model.rowCount() == 0
    past = clock.today() - dt.timedelta(days=4)
    dialog.date.edit.selectAll()
    qtbot.keyClicks(dialog.date.edit, past.strftime("%m%d%Y"))
    dialog.address.clear()
    dialog.ok.click()
    qtbot.waitUntil(lambda: "address" in dialog.error.text(), timeout=10_000)
    assert dialog.address.hasFocus() or dialog.focusWidget() is dialog.address
    qtbot.keyClicks(dialog.address, "7 Harbor St, Astoria")
    qtbot.keyClick(dialog.address, Qt.Key.Key_Return)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.editor.ws is not None, timeout=10_000)
    visit = ws.editor.ws.visit
    assert (visit.date, visit.place_of_service, visit.address) == (
        past, PlaceOfService.HOME, "7 Harbor St, Astoria")
    assert ws.visit_tools.place.text() == "Home · POS 12"
    assert "Home visit (POS 12): 7 Harbor St, Astoria" in ws.visit_tools.place.toolTip()
    assert ws.visit_tools.mileage.isVisibleTo(ws.visit_tools)
    assert window.minimumSizeHint().width() <= 1366  # the note header fits a 1366 px screen
    ws.open_patient(seeded.patient_id)  # the next note starts where this episode's visits are
    qtbot.waitUntil(lambda: ws.chart.visit_model.rowCount() == 1, timeout=10_000)
    window.actions_by_id["new_note"].trigger()
    qtbot.waitUntil(lambda: isinstance(ws.current_dialog(), VisitPlaceDialog))
    again = ws.current_dialog()
    assert again.place() is PlaceOfService.HOME
    assert again.address.text() == "12 Lantern Way, Astoria, OR 97103"
    again.reject()
    ws.open_note(ws.chart.visit_model.rows[0].note_id)
    qtbot.waitUntil(lambda: ws.page() == "note" and ws.editor.ws is not None, timeout=10_000)
    ws.visit_tools.mileage.click()  # "Log trip…"
    assert ws.area() == "mileage"
    panel = ws.mileage.panel
    assert panel.miles.hasFocus() or ws.mileage.focusWidget() is panel.miles
    assert panel.linked.text().startswith("Linked to")


def test_telehealth_and_date_and_place_on_a_draft(qtbot: Any, open_window: Any,
                                                  seeded: Seeded, clock: Any) -> None:
    window = open_window(seeded.path)
    unlock(qtbot, window)
    dialog = _open_dialog(qtbot, window)
    dialog.place_buttons[PlaceOfService.OFFICE].setFocus()
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Down)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Down)  # Office -> Home -> Telehealth
    assert dialog.place() is PlaceOfService.TELEHEALTH_HOME and dialog.modality.isVisible()
    dialog.modality.setCurrentIndex(1)  # audio only
    qtbot.keyClick(dialog.date.edit, Qt.Key.Key_Return)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.editor.ws is not None, timeout=10_000)
    visit = ws.editor.ws.visit
    assert (visit.place_of_service, str(visit.telehealth_modality)) == ("10", "audio_only")
    assert "(POS 10), audio only" in ws.visit_tools.place.toolTip()
    # "Date and place…" on the draft: back to the office, yesterday
    assert ws.visit_tools.place.isVisibleTo(ws.visit_tools)
    ws.visit_tools.place.click()
    qtbot.waitUntil(lambda: isinstance(ws.current_dialog(), VisitPlaceDialog))
    change = ws.current_dialog()
    assert change.place() is PlaceOfService.TELEHEALTH_HOME
    change.place_buttons[PlaceOfService.OFFICE].setChecked(True)
    change.date.set_value(clock.today() - dt.timedelta(days=1))
    qtbot.keyClick(change.date.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.editor.ws is not None and ws.editor.ws.visit.place_of_service
                    == PlaceOfService.OFFICE, timeout=10_000)
    assert ws.editor.ws.visit.date == clock.today() - dt.timedelta(days=1)
    assert ws.editor.ws.visit.telehealth_modality is None



def test_time_in_and_out_clear_the_missing_times_warning(qtbot: Any, open_window: Any,
                                                         seeded: Seeded, clock: Any) -> None:
    """A draft with a timed block and no time out warns ``visit.times_missing``; choosing the
    finding opens "Date and place…", whose Time in / out fields set both in one step, and the
    warning goes — no reason to type at signing."""
    from core.services import notes as note_service

    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        view = note_service.start_note(session, episode_id=seeded.episode_id,
                                       clinician_id=seeded.clinician_id, date=clock.today(),
                                       start_time=dt.time(9, 0)).value
        note_id = view.note.id
        note_service.add_block(session, note_id, "97110", start=dt.time(9, 2),
                               stop=dt.time(9, 25))
    finally:
        session.lock()
    window = open_window(seeded.path)
    unlock(qtbot, window)
    ws = window.workspace
    ws.open_note(note_id)
    qtbot.waitUntil(lambda: ws.editor.ws is not None and ws.editor.note_id == note_id,
                    timeout=30_000)
    qtbot.waitUntil(lambda: "visit.times_missing" in _ids(ws), timeout=30_000)
    ws.editor.focus_field("visit.start_time")  # what choosing the finding does
    qtbot.waitUntil(lambda: isinstance(ws.current_dialog(), VisitPlaceDialog))
    change = ws.current_dialog()
    assert change.times_row.isVisibleTo(change) and change.time_in.value() == dt.time(9, 0)
    change.time_out.setText("930")  # typed as therapists type times
    qtbot.keyClick(change.time_out, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.editor.ws is not None
                    and ws.editor.ws.visit.end_time == dt.time(9, 30), timeout=30_000)
    qtbot.waitUntil(lambda: "visit.times_missing" not in _ids(ws), timeout=30_000)
    settle(qtbot, window)


def _ids(ws: Any) -> set[str]:
    panel = ws.editor.findings
    return {f.id for r in range(panel.model.rowCount()) if (f := panel.finding_at(r))}
