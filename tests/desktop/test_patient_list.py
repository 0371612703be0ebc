"""Patient list: instant search and the two filters (active episode, unsigned notes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.services import charts, patients
from tests.desktop.conftest import PASSPHRASE, Seeded, accept_new_note, unlock


def test_search_and_filters(qtbot: Any, open_window: Any, seeded: Seeded) -> None:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        patients.create_patient(
            session, first_name="Ada", last_name="Brightwater", date_of_birth=dt.date(1990, 5, 1)
        )
    finally:
        session.lock()
    window = open_window(seeded.path)
    unlock(qtbot, window)
    panel = window.workspace.patients

    def names() -> list[str]:
        return [r.display_name for r in panel.model.rows]

    qtbot.waitUntil(lambda: len(names()) == 2)
    qtbot.keyClicks(panel.search, "quill")
    qtbot.waitUntil(lambda: names() == ["Quillfeatherstone, Zebulon"])
    qtbot.keyClicks(panel.search.clear() or panel.search, "1990")  # birth year
    qtbot.waitUntil(lambda: names() == ["Brightwater, Ada"])
    panel.search.clear()
    qtbot.waitUntil(lambda: len(names()) == 2)
    panel.active_only.setChecked(True)  # Ada has no episode
    qtbot.waitUntil(lambda: names() == ["Quillfeatherstone, Zebulon"])
    panel.active_only.setChecked(False)
    panel.unsigned_only.setChecked(True)  # nobody has a draft yet
    qtbot.waitUntil(lambda: names() == [])
    assert "No patients match" in panel.empty.text()
    window.workspace.open_patient(seeded.patient_id)
    qtbot.waitUntil(lambda: window.workspace.chart.new_note_button.isEnabled())
    window.workspace.new_note()
    accept_new_note(qtbot, window)
    qtbot.waitUntil(lambda: window.workspace.editor.ws is not None, timeout=10_000)
    qtbot.waitUntil(lambda: names() == ["Quillfeatherstone, Zebulon"], timeout=5_000)
    assert panel.model.rows[0].unsigned_notes == 1
