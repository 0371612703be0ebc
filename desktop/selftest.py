"""``chartside --self-test``: does this installation work? Offline, in a temporary folder.

Contract: ``run_self_test(out=sys.stdout)`` runs the steps below in order, prints one line per
step (``ok``/``FAIL``/``skip``, the step, its wall time, what it checked) and a total line, and
returns 0 only if no step failed (a skipped step is not a failure). Without a console (the
windowed Windows build) the report goes to ``self-test.txt`` in the log folder. Nothing else
outside a fresh temporary folder is read or written: the chart, settings, state and logs all
go there (``CHARTSIDE_*`` folder variables, restored afterwards) and the folder is removed at
the end.
Qt runs on its ``offscreen`` platform, so the test works over SSH and in CI. Synthetic data only.

Steps:
- ``chart``: create an encrypted chart with the app's real key-derivation cost: a practice, a
  clinician, a self-pay payer, a patient, an episode with a goal, a fee.
- ``note``: write a daily note (sections, a timed block linked to the goal), sign it, lock the
  chart, unlock it and read the note back (text, signature, snapshot hash).
- ``units``: the CMS 8-minute rule on 97110=23 + 97140=15 minutes must give 3 units.
- ``superbill``: render a self-pay patient's superbill PDF and read it back with QtPdf (the same
  renderer the preview and Print use): pages, and the patient's name in the text.
- ``scribe``: transcribe the first 3 seconds of the bundled probe recording with the bundled
  model (SHA-256 checked). Skipped, saying so, when the scribe extra is not installed.
- ``window``: every file the style sheet names exists (icons); open the main window offscreen
  on the chart, unlock it through the unlock screen, wait for the workspace, close it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

_ENV_KEYS = ("CHARTSIDE_DATA_DIR", "CHARTSIDE_CONFIG_DIR", "CHARTSIDE_STATE_DIR",
             "CHARTSIDE_LOG_DIR", "CHARTSIDE_CHART", "QT_QPA_PLATFORM", "XDG_DATA_HOME")
NOTE_TEXT = "Self-test: step-ups 3x10 with cues for knee control."
PATIENT = "Selftestpatient"  # synthetic


class SelfTestFailed(Exception):
    """A step's check did not hold (the message says which)."""


class StepSkipped(Exception):
    """A step that cannot run in this installation (the message says why)."""


@dataclass
class _State:
    folder: Path
    chart_path: Path = field(init=False)
    passphrase: str = field(default_factory=lambda: "st-" + secrets.token_urlsafe(18))
    ids: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.chart_path = self.folder / "self-test.chart"


@contextmanager
def _isolated(folder: Path) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    os.environ.update(
        CHARTSIDE_DATA_DIR=str(folder / "data"), CHARTSIDE_CONFIG_DIR=str(folder / "config"),
        CHARTSIDE_STATE_DIR=str(folder / "state"), CHARTSIDE_LOG_DIR=str(folder / "logs"),
        CHARTSIDE_CHART=str(folder / "self-test.chart"), XDG_DATA_HOME=str(folder / "xdg"),
        QT_QPA_PLATFORM="offscreen")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _app() -> Any:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from desktop.app import make_application

    app = QCoreApplication.instance()
    if app is not None and not isinstance(app, QApplication):
        raise SelfTestFailed("a non-GUI Qt application already runs in this process")
    return app or make_application()


# -- steps --------------------------------------------------------------------------------------
def step_chart(st: _State) -> str:
    from core.domain.enums import Discipline, GoalTerm, UnitMethod
    from core.services import billing, charts, episodes, patients, practice

    session, _recovery = charts.create_chart(st.chart_path, st.passphrase)
    try:
        practice.save_practice(session, name="Self-Test Therapy", address_line1="1 Test Lane",
                               city="Portland", state="OR", postal_code="97204",
                               phone="503-555-0100")
        pt = practice.add_clinician(session, first_name="Sam", last_name="Selftest",
                                    discipline=Discipline.PT, credentials="PT, DPT").value
        charts.set_current_clinician(session, str(pt.id))
        payer = practice.add_payer_profile(session, name="Self-pay", key="cash",
                                           unit_method=UnitMethod.PER_CODE).value
        patient = patients.create_patient(session, first_name="Pat", last_name=PATIENT,
                                          date_of_birth=dt.date(1970, 1, 1)).value
        start = dt.date.today() - dt.timedelta(days=7)
        episode = episodes.create_episode(
            session, patient_id=patient.id, discipline=Discipline.PT, start_date=start,
            payer_profile_id=payer.id, clinician_id=pt.id, diagnoses=["M17.11"]).value
        goal = episodes.add_goal(session, episode.id, term=GoalTerm.SHORT,
                                 activity="Climb 12 stairs",
                                 functional_purpose="reach the bedroom").value
        billing.set_fee(session, "97110", 6000, effective_from=start)
        st.ids = {"clinician": pt.id, "patient": patient.id, "episode": episode.id,
                  "goal": goal.id}
    finally:
        session.lock()
    return "encrypted chart created (real key-derivation cost); practice, patient, episode"


def step_note(st: _State) -> str:
    from core.domain.enums import Laterality
    from core.services import charts, notes, signing

    session = charts.open_chart(st.chart_path, passphrase=st.passphrase)
    try:
        view = notes.start_note(session, episode_id=st.ids["episode"],
                                clinician_id=st.ids["clinician"], date=dt.date.today(),
                                start_time=dt.time(9), end_time=dt.time(9, 30),
                                today=dt.date.today()).value
        note_id = view.note.id
        notes.edit_section(session, note_id, "objective", NOTE_TEXT)
        notes.edit_section(session, note_id, "assessment", "Tolerated well.")
        notes.add_block(session, note_id, "97110", start=dt.time(9), stop=dt.time(9, 30),
                        goal_ids=(st.ids["goal"],), laterality=Laterality.RIGHT,
                        goal_connection="Strength for stairs.",
                        details={"exercises": [{"name": "Step-ups", "sets": 3, "reps": 10}],
                                 "target_outcome": "strength"})
        notes.set_total_treatment_minutes(session, note_id, 30)
        signing.sign_note(session, note_id, signer_id=st.ids["clinician"])
    finally:
        session.lock()
    session = charts.open_chart(st.chart_path, passphrase=st.passphrase)
    try:
        note = notes.get_note(session, note_id).note
        intact = signing.verify_signed(session, note_id)
    finally:
        session.lock()
    if note.objective != NOTE_TEXT or not note.is_signed or not intact:
        raise SelfTestFailed("the note read back differs from what was written and signed")
    return "note written and signed, chart locked and unlocked, note read back (hash intact)"


def step_units(_st: _State) -> str:
    from core.rules.units import compute_units

    result = compute_units({"97110": 23, "97140": 15}, "cms")
    if result.total_units != 3:
        raise SelfTestFailed(f"97110=23 + 97140=15 min gave {result.total_units} units, not 3")
    return "97110=23 + 97140=15 min -> 3 units (CMS 8-minute rule)"


def step_superbill(st: _State) -> str:
    from core.services import charts, superbill
    from core.services.superbill import SuperbillRequest
    from desktop.billing.pdfpages import PdfPages

    session = charts.open_chart(st.chart_path, passphrase=st.passphrase)
    try:
        pdf = superbill.preview_superbill(session, SuperbillRequest(st.ids["patient"])).value.pdf
    finally:
        session.lock()
    _app()
    with PdfPages(pdf) as pages:
        count = pages.count
        text = " ".join(pages.text(i) for i in range(count))
        blank = pages.render(0, 50).isNull()
    if count < 1 or PATIENT not in text or "97110" not in text or blank:
        raise SelfTestFailed(f"the superbill PDF read back wrong ({count} pages)")
    return f"superbill PDF {len(pdf) // 1024} KB, {count} page(s), read back with QtPdf"


def step_scribe(_st: _State) -> str:
    import importlib.util

    if importlib.util.find_spec("faster_whisper") is None:
        raise StepSkipped("the scribe extra (faster-whisper) is not installed")
    from scribe.audio import SAMPLE_RATE, load_audio
    from scribe.model import load_model
    from scribe.models import probe_audio
    from scribe.transcribe import transcribe

    _app()  # the probe decodes through Qt: the GUI application first, as in the app
    model = load_model()  # the bundled model, its files checked against the recorded SHA-256
    audio = load_audio(probe_audio())[: SAMPLE_RATE * 3]
    result = transcribe(audio, model=model)
    words = " ".join(getattr(result, "text", str(result)).split())
    if not words:
        raise SelfTestFailed("the bundled model heard nothing in the 3-second recording")
    return f"{model.name}: 3 s recording -> {len(words.split())} words"


def step_window(st: _State) -> str:
    from desktop.app import create_main_window, stylesheet
    from desktop.worker import wait_for_jobs

    app = _app()
    missing = [url for url in re.findall(r"url\(([^)]+)\)", stylesheet())
               if not Path(url.strip("'\"")).is_file()]
    if missing:
        raise SelfTestFailed(f"the style sheet names {len(missing)} missing file(s): {missing[0]}")
    window = create_main_window(st.chart_path)
    try:
        window.show()
        _wait(app, lambda: window.current_screen() == "unlock", "the unlock screen")
        screen = window.screens.unlock
        screen.secret.setText(st.passphrase)
        screen.unlock_button.click()
        _wait(app, lambda: window.current_screen() == "workspace", "the workspace after unlock",
              timeout=60.0)
    finally:
        window.close()
        window.ctx.worker.shutdown()
        wait_for_jobs()
        window.deleteLater()
        app.processEvents()
    return "main window opened offscreen, unlocked to the workspace, closed"


def _wait(app: Any, done: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SelfTestFailed(f"{what} did not appear within {timeout:.0f} s")
        app.processEvents()
        time.sleep(0.01)


STEPS: tuple[tuple[str, Callable[[_State], str]], ...] = (
    ("chart", step_chart),
    ("note", step_note),
    ("units", step_units),
    ("superbill", step_superbill),
    ("scribe", step_scribe),
    ("window", step_window),
)


def run_self_test(out: TextIO | None = None) -> int:
    if out is None and sys.stdout is None:
        # A windowed build (Windows) has no console: the report goes to the log folder.
        from core.paths import log_dir

        log_dir().mkdir(parents=True, exist_ok=True)
        with (log_dir() / "self-test.txt").open("w", encoding="utf-8") as report:
            return run_self_test(report)
    out = out or sys.stdout
    from core.version import version_line

    print(f"Chartside self-test: {version_line()}", file=out)
    folder = Path(tempfile.mkdtemp(prefix="chartside-self-test-"))
    failed = 0
    t_all = time.perf_counter()
    try:
        with _isolated(folder):
            st = _State(folder)
            for name, step in STEPS:
                t0 = time.perf_counter()
                try:
                    detail, mark = step(st), "ok  "
                except StepSkipped as skip:
                    detail, mark = f"skipped: {skip}", "skip"
                except Exception as error:  # report every failure and go on to the next step
                    failed += 1
                    detail, mark = f"{type(error).__name__}: {_message(error)}", "FAIL"
                    if os.environ.get("CHARTSIDE_SELF_TEST_TRACE") == "1":
                        traceback.print_exc(file=out)
                print(f"{mark} {name:<10} {time.perf_counter() - t0:6.2f} s  {detail}",
                      file=out, flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    verdict = "all steps passed" if not failed else f"{failed} step(s) FAILED"
    print(f"{'ok  ' if not failed else 'FAIL'} {'total':<10} "
          f"{time.perf_counter() - t_all:6.2f} s  {verdict}", file=out, flush=True)
    return 0 if not failed else 1


def _message(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error) or repr(error)
    return " ".join(str(text).split())[:300]
