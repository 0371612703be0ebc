"""Charting by keyboard, and how the desktop answers under load (issue 13, "Measure").

- **A three-code daily note, "new note" to signed, at 1366×768**: the real window on a real
  encrypted chart (a PT's right-knee episode with two goals), driven with key presses only —
  Ctrl+N, Enter for today/office, the four SOAP sections (Alt+1…4), three timed services
  (Ctrl+B, the code, From/To times, the goal tick, the tie sentence, the code's form), Ctrl+Enter
  and Enter on the one-screen summary. Counted: key presses (chords count once; typed
  clinical text apart from keys spent moving and commanding) and screens (each dialog or page
  the clinician has to look at). The note must end signed with three codes, or the run fails.
- **Keystroke echo**: a key press in Subjective → the character painted (the event handled
  and the editor's viewport repainted, synchronously), median of 200.
- **Page switch**: Ctrl+1…4 → the page painted, median of 40 (10 rounds of four pages).

Both latencies are measured twice in one run: as the machine is (the baseline), then with two
extra busy processes spinning on the two cores (load), and reported with the ratio.

Run: ``python -m bench charting`` (or ``make bench``). Medians; results in bench/results/.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench._harness import ms, report

PASSPHRASE = "bench-lantern-orchard-47"
TODAY = dt.datetime(2026, 3, 2, 9, 0)
SIZE = (1366, 768)


def _wait(condition: Callable[[], Any], timeout: float = 30.0) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("benchmark step did not finish")
        QApplication.processEvents()
        time.sleep(0.001)


def _seed(path: Path) -> None:
    from core.domain.enums import Discipline, GoalTerm
    from core.services import charts, episodes, patients, practice, ui_queries
    from core.storage.keys import KdfParams

    session, _ = charts.create_chart(path, PASSPHRASE, kdf=KdfParams.fast_for_tests())
    try:
        practice.save_practice(session, name="Bench Therapy")
        pt = practice.add_clinician(
            session, first_name="Maya", last_name="Okafor", discipline=Discipline.PT
        ).value
        charts.set_current_clinician(session, str(pt.id))
        payer = None
        for profile in ui_queries.default_payer_profiles():
            added = practice.add_payer_profile(
                session, name=profile.name, key=profile.key, unit_method=profile.unit_method,
                requires_discipline_modifier=profile.requires_discipline_modifier,
            ).value
            payer = added if profile.key == "commercial" else payer
        assert payer is not None
        patient = patients.create_patient(
            session, first_name="Benedikt", last_name="Aaronson",
            date_of_birth=dt.date(1958, 4, 9),
        ).value
        episode = episodes.create_episode(
            session, patient_id=patient.id, discipline=Discipline.PT,
            start_date=dt.date(2026, 2, 20), cert_start=dt.date(2026, 2, 20),
            payer_profile_id=payer.id, clinician_id=pt.id, diagnoses=["M17.11"],
        ).value
        episodes.add_goal(session, episode.id, term=GoalTerm.SHORT, activity="Climb 12 stairs")
        episodes.add_goal(session, episode.id, term=GoalTerm.LONG, activity="Walk 1500 feet")
    finally:
        session.lock()


class Keyboard:
    """Key presses sent where the focus is, counted: ``text`` (clinical words typed) apart from
    ``keys`` (everything else: moving, commanding, choosing)."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.text = 0
        self.keys = 0
        self.phase = ""
        self.by_phase: dict[str, int] = {}

    def _count(self, n: int) -> None:
        self.keys += n
        self.by_phase[self.phase] = self.by_phase.get(self.phase, 0) + n

    def _target(self) -> Any:
        """Where a key goes: the open dialog's focus widget, else the window's. Offscreen
        there is no window manager to move activation between them, so it is done here."""
        from PySide6.QtWidgets import QApplication

        modal = QApplication.activeModalWidget()
        if modal is None and not self.window.isActiveWindow():
            self.window.activateWindow()
            _wait(self.window.isActiveWindow)
        target = (modal or self.window).focusWidget()
        assert target is not None, "no widget has the keyboard focus"
        return target

    def press(self, key: Any, modifier: Any = None, times: int = 1) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        for _ in range(times):
            QTest.keyClick(self._target(), key, modifier or Qt.KeyboardModifier.NoModifier)
            self._count(1)

    def type(self, text: str, *, clinical: bool = True) -> None:
        from PySide6.QtTest import QTest

        for char in text:
            QTest.keyClicks(self._target(), char)
        if clinical:
            self.text += len(text)
        else:
            self._count(len(text))


def _open_window(chart: Path) -> Any:
    from core.storage.keys import KdfParams
    from desktop.app import create_main_window
    from desktop.autolock import ManualClock

    window = create_main_window(chart, kdf=KdfParams.fast_for_tests(),
                                clock=ManualClock(TODAY), explicit=True)
    window.resize(*SIZE)
    window.show()
    window.activateWindow()
    _wait(lambda: window.workspace is not None)
    window.screens.unlock.secret.setText(PASSPHRASE)
    window.screens.unlock.unlock_button.click()
    _wait(lambda: window.current_screen() == "workspace"
          and window.workspace.patients.model.rowCount() > 0)
    return window


def daily_note(window: Any) -> dict[str, Any]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QDialog

    ws = window.workspace
    ws.patients.table.selectRow(0)
    _wait(lambda: ws.chart.chart is not None and ws.chart.new_note_button.isEnabled())
    settle = lambda: _wait(lambda: window.ctx.worker.pending == 0)  # noqa: E731
    settle()
    ctrl, alt = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier
    kb = Keyboard(window)
    screens: list[str] = []

    def seen(name: str) -> None:
        if not screens or screens[-1] != name:
            screens.append(name)

    t0 = time.perf_counter()
    kb.phase = "start the note (Ctrl+N, Enter)"
    ws.chart.new_note_button.setFocus()
    kb.press(Qt.Key.Key_N, ctrl)  # New daily note
    _wait(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    seen("new daily note: date and place")
    kb.press(Qt.Key.Key_Return)  # today, office
    _wait(lambda: ws.page() == "note" and ws.editor.ws is not None)
    seen("note editor")
    editor = ws.editor
    sections = {
        Qt.Key.Key_1: "Knee sore after stairs at work, 3/10. Did HEP 5 of 7 days.",
        Qt.Key.Key_2: "R knee flexion 118, extension -3. Step-up 8 in with rail.",
        Qt.Key.Key_3: "Better stair tolerance; quad control improving toward STG 1.",
        Qt.Key.Key_4: "Continue 2x/week; progress step height.",
    }
    kb.phase = "move between S/O/A/P (Alt+1…4)"
    for key, text in sections.items():
        kb.press(key, alt)
        kb.type(text)
    blocks: list[tuple[str, str, str, str, str | None, dict[str, Any]]] = [
        # code, from, to, side key, modifier key, the code's own fields to fill
        ("97110", "900", "915", "r", None, {}),
        ("97140", "915", "925", "r", None, {}),
        ("97530", "925", "940", "r", "x", {
            "detail_functional_task": "Stair climbing carrying a box at work",
            "components": 2,
            "detail_skilled_cues": "Verbal cues for knee over toes",
        }),
    ]
    focus = window.focusWidget

    def on(widget: Any) -> bool:
        current = focus()
        return current is widget or (current is not None and widget.isAncestorOf(current))

    def tab_to(widget: Any) -> None:
        for _ in range(80):
            if on(widget):
                return
            kb.press(Qt.Key.Key_Tab)
        raise RuntimeError(f"Tab never reached {widget.objectName()}")

    connection = "Builds quad control for stairs (STG 1)"
    for n, (code, start, stop, side, modifier, details) in enumerate(blocks, start=1):
        kb.phase = "add the service (Ctrl+B, code, Enter)"
        kb.press(Qt.Key.Key_B, ctrl)  # add a timed service: the code picker
        kb.type(code, clinical=False)
        kb.press(Qt.Key.Key_Return)
        _wait(lambda n=n: bool(len(editor.blocks.rows) == n))
        settle()
        row = list(editor.blocks.rows.values())[-1]
        _wait(lambda row=row: bool(on(row.start)))  # the new block has the focus (its From time)
        kb.phase = "its times, side, 59/X and goal (values and Tab)"
        kb.type(start, clinical=False)
        tab_to(row.stop)
        kb.type(stop, clinical=False)
        tab_to(row.side)
        kb.type(side, clinical=False)  # "r": Right
        if modifier:
            tab_to(row.modifier)
            kb.type(modifier, clinical=False)  # "x": XU, the pair edit's modifier
        tab_to(next(iter(row.goal_boxes.values())))
        kb.press(Qt.Key.Key_Space)  # tick STG 1
        tab_to(row.connection)
        kb.type(connection)  # why this service serves the goal
        kb.phase = "the 97530 form's fields (Tab, Space)"
        for name, value in details.items():
            if name == "components":
                boxes = [w for w in row.form.focus_chain() if type(w).__name__ == "QCheckBox"]
                for box in boxes[:value]:
                    tab_to(box)
                    kb.press(Qt.Key.Key_Space)
                continue
            field = next(w for w in row.form.focus_chain() if w.objectName() == name)
            tab_to(field)
            kb.type(value)
        settle()
    kb.phase = "total treatment time (Tab…, 40)"
    tab_to(editor.total.spin)
    kb.type("40", clinical=False)
    kb.press(Qt.Key.Key_Tab)
    settle()
    window.ctx.savers.flush_all()  # as Sign does first (typed text saves 300 ms after a key)
    settle()
    editor.request_check()
    _wait(lambda: not editor._check_timer.isActive() and not editor._check_inflight)
    settle()
    before_sign = [f"{f.severity}:{f.id}" for f in (editor.check.findings if editor.check
                                                     else []) if str(f.severity) != "info"]
    kb.phase = "sign (Ctrl+Enter, Enter)"
    kb.press(Qt.Key.Key_Return, ctrl)  # Sign
    _wait(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
    seen("sign summary")
    dialog: Any = QApplication.activeModalWidget()
    for edit in getattr(dialog, "ack_edits", {}).values():
        tab_to_dialog = edit  # the first reason has the focus; Tab moves to the next
        while dialog.focusWidget() is not tab_to_dialog:
            kb.press(Qt.Key.Key_Tab)
        # the one warning left: the visit's end time has no field in the editor (see docs)
        kb.phase = "a reason for the visit-times warning"
        kb.type("Visit ended with the last service at 9:40", clinical=False)
    kb.phase = "sign (Ctrl+Enter, Enter)"
    kb.press(Qt.Key.Key_Return)  # Sign note (the default button)
    _wait(lambda: editor.ws is not None and editor.ws.note.is_signed, timeout=30)
    elapsed = time.perf_counter() - t0
    note = editor.ws.note
    assert [b.code for b in note.blocks] == ["97110", "97140", "97530"], note.blocks
    return {"keys": kb.keys, "text": kb.text, "screens": screens, "open_at_sign": before_sign,
            "by_phase": kb.by_phase,
            "seconds": elapsed, "note_id": note.id}


def _spin(stop: Any) -> None:
    """A busy process (the load): spins until ``stop`` is set."""
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


@contextmanager
def busy_cores(n: int = 2) -> Iterator[None]:
    """``n`` extra processes spinning on the cores while the block runs (bounded: they stop
    when it ends, or after 10 minutes at most)."""
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    procs = [ctx.Process(target=_spin, args=(stop,), daemon=True) for _ in range(n)]
    for proc in procs:
        proc.start()
    time.sleep(0.5)
    try:
        yield
    finally:
        stop.set()
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()


def echo_latency(window: Any, samples: int = 200) -> list[float]:
    """Key press in Subjective → the character on screen: the key event handled and the
    editor's viewport repainted (``repaint`` paints synchronously). The debounced save and the
    check run on the worker meanwhile, as they do while the clinician types."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    ws = window.workspace
    edit = ws.editor.soap.edits["subjective"]
    edit.setFocus()
    out = []
    for i in range(samples):
        key = Qt.Key.Key_A if i % 10 else Qt.Key.Key_Space
        t0 = time.perf_counter()
        QTest.keyClick(edit, key)
        edit.viewport().repaint()
        out.append(time.perf_counter() - t0)
        if i % 10 == 9:
            QTest.qWait(20)  # a typist's pause: timers and worker answers run
    return out


PAGES = (("Key_2", "dashboard"), ("Key_3", "mileage"), ("Key_4", "reports"),
         ("Key_1", "patients"))


def page_switch(window: Any, rounds: int = 10) -> list[float]:
    """Ctrl+2, 3, 4, 1 → the page shown and the window repainted."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    ws = window.workspace
    out = []
    for _ in range(rounds):
        for key_name, area in PAGES:
            t0 = time.perf_counter()
            QTest.keyClick(window, getattr(Qt.Key, key_name),
                           Qt.KeyboardModifier.ControlModifier)
            _wait(lambda area=area: bool(ws.area() == area))
            window.repaint()
            out.append(time.perf_counter() - t0)
            QTest.qWait(50)  # what the page loads in the background lands in between
    _wait(lambda: window.ctx.worker.pending == 0)
    return out


def _open_draft(window: Any) -> None:
    """A fresh daily note, for the echo measurement (the signed one is read-only)."""
    from PySide6.QtWidgets import QApplication

    ws = window.workspace
    ws.show_area("patients")
    ws.back()
    _wait(lambda: ws.page() == "chart")
    ws.new_note()
    _wait(lambda: ws.current_dialog() is not None)
    ws.current_dialog().save()
    _wait(lambda: ws.page() == "note" and ws.editor.ws is not None
          and not ws.editor.ws.note.is_signed)
    window.activateWindow()
    _wait(window.isActiveWindow)
    QApplication.processEvents()


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        os.environ.update(CHARTSIDE_CONFIG_DIR=str(tmp / "config"),
                          CHARTSIDE_STATE_DIR=str(tmp / "state"),
                          XDG_DATA_HOME=str(tmp / "data"))
        chart = tmp / "bench.chart"
        _seed(chart)
        from desktop.app import make_application

        make_application([])
        window = _open_window(chart)
        try:
            flows = [daily_note(window)]
            _open_draft(window)
            echo = {"baseline": echo_latency(window)}
            switch = {"baseline": page_switch(window)}
            with busy_cores(2):
                switch["load"] = page_switch(window)
                _open_draft(window)
                echo["load"] = echo_latency(window)
        except BaseException:
            import traceback

            traceback.print_exc()  # the app's excepthook logs without the text
            raise
        finally:
            window.close()
            window.ctx.worker.shutdown()
    flow = flows[0]
    med = {f"{k}_{c}": statistics.median(v) for k, d in (("echo", echo), ("switch", switch))
           for c, v in d.items()}
    p95 = {f"{k}_{c}": statistics.quantiles(v, n=20)[-1] for k, d in (("echo", echo),
           ("switch", switch)) for c, v in d.items()}
    rows = [
        ("3-code daily note, new note → signed, 1366×768",
         f"{flow['keys']} keys + {flow['text']} characters of clinical text, "
         f"{len(flow['screens'])} screens ({' → '.join(flow['screens'])})"),
        *[(f"  {phase}", str(n)) for phase, n in flow["by_phase"].items()],
        ("  driven as fast as the app answers", f"{flow['seconds']:.1f} s"),
        ("keystroke echo, as the machine is", f"{ms(med['echo_baseline'])} "
         f"(p95 {ms(p95['echo_baseline'])})"),
        ("keystroke echo, + 2 busy processes", f"{ms(med['echo_load'])} "
         f"(p95 {ms(p95['echo_load'])}), ×{med['echo_load'] / med['echo_baseline']:.2f}"),
        ("page switch (Ctrl+1…4), as the machine is", f"{ms(med['switch_baseline'])} "
         f"(p95 {ms(p95['switch_baseline'])})"),
        ("page switch, + 2 busy processes", f"{ms(med['switch_load'])} "
         f"(p95 {ms(p95['switch_load'])}), ×{med['switch_load'] / med['switch_baseline']:.2f}"),
        ("load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}"),
    ]
    report("charting", rows, raw={
        "flow": {k: v for k, v in flow.items() if k != "note_id"},
        "echo": echo, "switch": switch,
    })


if __name__ == "__main__":
    main()
