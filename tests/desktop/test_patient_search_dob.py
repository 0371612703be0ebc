"""Issue 13: the patient search finds birth dates typed the US way (4/9/1958, 04/09/1958,
04091958) as well as ISO, and Enter opens the only match. The real window and search box."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from core.services import charts, patients
from core.storage.repos import search_terms
from tests.desktop.conftest import PASSPHRASE, Seeded, settle, unlock


@pytest.mark.parametrize(
    ("typed", "terms"),
    [
        ("4/9/1958", ["1958-04-09"]),
        ("04/09/1958", ["1958-04-09"]),
        ("04091958", ["1958-04-09"]),
        ("19580409", ["1958-04-09"]),
        ("4-9-58", ["58-04-09"]),
        ("4/9", ["-04-09"]),
        ("Quill 1958", ["quill", "1958"]),
        ("12345678", ["12345678"]),  # not a date: kept as typed
        ("13/45/1958", ["13/45/1958"]),
    ],
)
def test_search_terms(typed: str, terms: list[str]) -> None:
    assert search_terms(typed) == terms


def _add_patient(seeded: Seeded, first: str, last: str, born: dt.date) -> None:
    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        patients.create_patient(session, first_name=first, last_name=last, date_of_birth=born)
    finally:
        session.lock()


def _search(qtbot: Any, window: Any, text: str) -> list[str]:
    ws = window.workspace
    box = ws.patients.search
    box.clear()
    qtbot.keyClicks(box, text)
    qtbot.waitUntil(lambda: not ws.patients._debounce.isActive())
    settle(qtbot, window)
    model = ws.patients.model
    return [model.row_at(r).display_name.split(",")[0] for r in range(model.rowCount())]


def test_us_birth_dates_find_the_patient_and_enter_opens_them(
    qtbot: Any, open_window: Any, seeded: Seeded
) -> None:
    _add_patient(seeded, "Zelda", "Quillon", dt.date(1961, 7, 30))
    _add_patient(seeded, "Ansel", "Marrowby", dt.date(1958, 9, 4))  # 9/4, not 4/9
    window = open_window(seeded.path)
    unlock(qtbot, window)
    for typed in ("4/9/1958", "04/09/1958", "04091958", "1958-04-09", "4/9"):
        assert _search(qtbot, window, typed) == ["Quillfeatherstone"], typed
    assert _search(qtbot, window, "9/4/1958") == ["Marrowby"]
    assert _search(qtbot, window, "quill") == ["Quillfeatherstone", "Quillon"]

    ws = window.workspace
    chosen: list[Any] = []
    ws.patients.patient_chosen.connect(chosen.append)
    qtbot.keyClick(ws.patients.search, Qt.Key.Key_Return)  # two matches: none is opened
    assert chosen == []
    assert ws.patients.empty.text() == "2 patients match: add to the name or the birth date."

    # typed and Enter at once, before the search ran: the only match opens
    ws.patients.search.setFocus()
    ws.patients.search.clear()
    qtbot.keyClicks(ws.patients.search, "04/09/1958")
    qtbot.keyClick(ws.patients.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: chosen == [seeded.patient_id], timeout=5000)
    qtbot.waitUntil(
        lambda: ws.chart.chart is not None and ws.chart.patient_id == seeded.patient_id,
        timeout=10_000,
    )
    assert "Quillfeatherstone" in ws.chart.name.text()
