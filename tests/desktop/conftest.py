"""Desktop test fixtures: real encrypted charts in ``tmp_path`` (cheap KDF), an injectable
clock, isolated config/state/data folders, and a helper that builds, shows and tears down
the real ``MainWindow`` (its database worker thread is always stopped).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.domain.enums import Discipline, GoalTerm
from core.services import charts, episodes, patients, practice, ui_queries
from core.storage.keys import KdfParams
from desktop.autolock import ManualClock

PASSPHRASE = "tidal-lantern-orchard-47"
FAST = KdfParams.fast_for_tests()


@pytest.fixture(autouse=True)
def _desktop_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings, smart phrases and the demo chart's default place live in ``tmp_path``."""
    monkeypatch.setenv("CHARTSIDE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("CHARTSIDE_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 3, 2, 9, 0))


@dataclass
class Seeded:
    path: Path
    patient_id: Any
    episode_id: Any
    clinician_id: Any
    goal_ids: list[Any]


def seed_chart(path: Path, *, payer_key: str = "commercial") -> Seeded:
    """A chart with a practice, a PT, the pack's payer profiles, one patient, one episode
    (right knee, M17.11) and two goals; locked again before the app opens it."""
    session, _recovery = charts.create_chart(path, PASSPHRASE, kdf=FAST)
    try:
        practice.save_practice(session, name="Test Therapy")
        pt = practice.add_clinician(
            session, first_name="Maya", last_name="Okafor", discipline=Discipline.PT
        ).value
        charts.set_current_clinician(session, str(pt.id))
        payer_ids = {}
        for profile in ui_queries.default_payer_profiles():
            payer = practice.add_payer_profile(
                session,
                name=profile.name,
                key=profile.key,
                unit_method=profile.unit_method,
                requires_discipline_modifier=profile.requires_discipline_modifier,
            ).value
            payer_ids[profile.key] = payer.id
        patient = patients.create_patient(
            session,
            first_name="Zebulon",
            last_name="Quillfeatherstone",
            date_of_birth=dt.date(1958, 4, 9),
        ).value
        episode = episodes.create_episode(
            session,
            patient_id=patient.id,
            discipline=Discipline.PT,
            start_date=dt.date(2026, 2, 20),
            cert_start=dt.date(2026, 2, 20),
            payer_profile_id=payer_ids[payer_key],
            clinician_id=pt.id,
            diagnoses=["M17.11"],
        ).value
        goals = [
            episodes.add_goal(
                session, episode.id, term=GoalTerm.SHORT, activity="Climb 12 stairs"
            ).value.id,
            episodes.add_goal(
                session, episode.id, term=GoalTerm.LONG, activity="Walk 1500 feet"
            ).value.id,
        ]
    finally:
        session.lock()
    return Seeded(path, patient.id, episode.id, pt.id, goals)


@pytest.fixture
def seeded(tmp_path: Path) -> Seeded:
    return seed_chart(tmp_path / "clinic.chart")


@pytest.fixture
def open_window(qtbot: Any, clock: ManualClock) -> Iterator[Callable[..., Any]]:
    """``open_window(path)`` → a shown ``MainWindow`` on ``path``; closed after the test."""
    from desktop.app import create_main_window

    windows: list[Any] = []

    def make(path: Path, **kw: Any) -> Any:
        window = create_main_window(path, kdf=FAST, clock=clock, explicit=True, **kw)
        window.show()
        windows.append(window)
        return window

    yield make
    from desktop.worker import wait_for_jobs

    for window in windows:
        window.close()
        window.ctx.worker.shutdown()
    wait_for_jobs()
    for window in windows:
        window.deleteLater()
    qtbot.wait(10)  # let Qt delete them, so widgets do not pile up across tests


def settle(qtbot: Any, window: Any, timeout: int = 10_000) -> None:
    """Wait until every op submitted so far was delivered and timers had a chance to fire."""
    qtbot.waitUntil(lambda: window.ctx.worker.pending == 0, timeout=timeout)


def unlock(qtbot: Any, window: Any, secret: str = PASSPHRASE) -> None:
    """Unlock through the real screen. Generous waits: on a loaded machine (CI, or several
    sessions sharing two cores) the first unlock of a process took more than 10 s."""
    from PySide6.QtCore import Qt

    screen = window.screens.unlock
    assert window.current_screen() == "unlock"
    qtbot.keyClicks(screen.secret, secret)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.current_screen() == "workspace", timeout=45_000)
    ws = window.workspace
    qtbot.waitUntil(lambda: ws.patients.model.rowCount() > 0, timeout=45_000)


def accept_new_note(qtbot: Any, window: Any) -> None:
    """Press Enter in the "New daily note" dialog (today, office) that a new note opens."""
    from PySide6.QtCore import Qt

    from desktop.dialogs.visit_place import VisitPlaceDialog

    ws = window.workspace
    qtbot.waitUntil(lambda: isinstance(ws.current_dialog(), VisitPlaceDialog), timeout=10_000)
    dialog = ws.current_dialog()
    qtbot.keyClick(dialog.date.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.current_dialog() is None, timeout=10_000)
    # The offscreen platform does not hand activation back to the window when a dialog
    # closes (a desktop's window manager does): focus-sensitive tests need it back.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)


def new_note(qtbot: Any, window: Any) -> Any:
    """A new daily note for the first patient of the list, through the chart's New note
    button and its dialog; returns the note editor once it shows the note."""
    from PySide6.QtCore import Qt

    ws = window.workspace
    ws.patients.table.selectRow(0)
    qtbot.waitUntil(lambda: ws.chart.chart is not None and ws.chart.new_note_button.isEnabled())
    qtbot.mouseClick(ws.chart.new_note_button, Qt.MouseButton.LeftButton)
    accept_new_note(qtbot, window)
    qtbot.waitUntil(lambda: ws.editor.ws is not None, timeout=10_000)
    return ws.editor


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every desktop test may be rerun (up to twice) when it fails: a native Qt thread
    sometimes segfaults while pytest-qt processes events at a test's teardown (root cause open,
    docs/desktop.md "Known gaps"; seen in several modules of this tier, more often under load).
    With pytest-xdist the crashed worker is replaced and the test runs again; a real failure
    still fails after the reruns."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=2))
