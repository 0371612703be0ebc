"""Desktop benchmarks (offscreen Qt, real encrypted charts in a temporary folder):

- cold start to the unlock screen: a fresh ``python -m desktop.cli`` process until its first
  screen is painted (``CHARTSIDE_EXIT_WHEN_READY``), wall clock from spawn (target < 1.5 s);
- unlock to a usable patient list, with the default (production) KDF: Unlock clicked →
  patient rows shown (target < 1 s);
- opening a patient with 200 visits: row clicked → chart with 200 visits shown (< 300 ms);
- keystroke to saved in the note editor: the save op's round trip once the 300 ms debounce
  fires (target < 50 ms), and the whole keystroke → committed time including the debounce;
- idle memory (RSS) of the app unlocked on the demo chart with a patient open (a child
  process, so the benchmark's own allocations do not count).

Run: ``python -m bench desktop`` (or ``make bench``). Medians; results in bench/results/.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._harness import ms, report

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "benchmark-passphrase-1"
RUNS = 5


def _env(tmp: Path) -> dict[str, str]:
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CHARTSIDE_CONFIG_DIR=str(tmp / "config"),
        CHARTSIDE_STATE_DIR=str(tmp / "state"),
        XDG_DATA_HOME=str(tmp / "data"),
        PYTHONPATH=str(ROOT),
    )


def _wait(condition: Callable[[], Any], timeout: float = 60.0) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("benchmark step did not finish")
        QApplication.processEvents()
        time.sleep(0.0005)


def _rss_kb(status: str = "/proc/self/status", key: str = "VmRSS:") -> int:
    with open(status, encoding="ascii") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key))


# -- cold start (child processes) -------------------------------------------------------------
def cold_start(tmp: Path, chart: Path) -> tuple[list[float], list[int]]:
    env = dict(_env(tmp), CHARTSIDE_EXIT_WHEN_READY="1")
    times, rss = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "desktop.cli", "--chart", str(chart)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdout is not None
        line = child.stdout.readline()
        elapsed = time.perf_counter() - t0
        child.wait(timeout=30)
        parts = line.split()
        if not parts or parts[0] != "CHARTSIDE_READY" or parts[1] != "unlock":
            raise RuntimeError(f"unexpected start: {line!r}")
        times.append(elapsed)
        rss.append(int(parts[3]))
    return times, rss


# -- in-process measurements ----------------------------------------------------------------------
def _seed(chart: Path) -> Any:
    """The demo chart (default KDF) plus one patient with 200 visits."""
    from core.domain.enums import Discipline
    from core.services import charts, demo, episodes, notes, patients, practice

    session, _ = charts.create_chart(chart, PASSPHRASE)
    demo.populate(session)
    clinician = practice.list_clinicians(session)[0]
    payer = practice.list_payer_profiles(session)[0]
    patient = patients.create_patient(
        session, first_name="Benedikt", last_name="Aaronson", date_of_birth=dt.date(1950, 1, 2)
    ).value
    episode = episodes.create_episode(
        session,
        patient_id=patient.id,
        discipline=Discipline.PT,
        start_date=dt.date(2024, 1, 2),
        payer_profile_id=payer.id,
        clinician_id=clinician.id,
    ).value
    for i in range(200):
        notes.start_note(
            session,
            episode_id=episode.id,
            clinician_id=clinician.id,
            date=dt.date(2024, 1, 2) + dt.timedelta(days=3 * i),
            start_time=dt.time(9, 0),
        )
    session.lock()
    return patient.id


def in_process(tmp: Path, chart: Path, big_patient: Any) -> dict[str, list[float]]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from desktop.app import create_main_window

    out: dict[str, list[float]] = {"unlock": [], "open200": [], "save": [], "keystroke": []}
    window = create_main_window(chart, explicit=True)  # production KDF (the chart's own)
    window.resize(1280, 800)
    window.show()
    _wait(lambda: window.workspace is not None)  # warm-up done while the user types
    screen = window.screens.unlock
    ws = window.workspace
    for _ in range(RUNS):
        screen.secret.setText(PASSPHRASE)
        t0 = time.perf_counter()
        QTest.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
        _wait(lambda: window.current_screen() == "workspace" and ws.patients.model.rowCount())
        out["unlock"].append(time.perf_counter() - t0)
        _wait(lambda: window.ctx.worker.pending == 0)
        window.flow.lock()
        _wait(lambda: window.ctx.worker.pending == 0)
    screen.secret.setText(PASSPHRASE)
    QTest.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    _wait(lambda: ws.patients.model.rowCount() > 0)

    rows = ws.patients.model.rows
    big = next(i for i, r in enumerate(rows) if r.id == big_patient)
    other = next(i for i, r in enumerate(rows) if r.id != big_patient)
    for _ in range(RUNS):
        ws.patients.table.selectRow(other)
        _wait(lambda: ws.chart.chart is not None and ws.chart.chart.patient.id != big_patient)
        _wait(lambda: window.ctx.worker.pending == 0)
        t0 = time.perf_counter()
        ws.patients.table.selectRow(big)
        _wait(lambda: ws.chart.chart is not None and ws.chart.visit_model.rowCount() == 200)
        out["open200"].append(time.perf_counter() - t0)

    ws.patients.table.selectRow(other)
    _wait(lambda: ws.chart.chart is not None and ws.chart.new_note_button.isEnabled())
    ws.new_note()
    _wait(lambda: ws.current_dialog() is not None)
    ws.current_dialog().save()  # the "New daily note" dialog: today, office
    _wait(lambda: ws.editor.ws is not None)
    edit = ws.editor.soap.edits["subjective"]
    saver = ws.editor.soap.savers["subjective"]
    worker = window.ctx.worker
    done: list[float] = []
    for i in range(RUNS * 4):
        _wait(lambda: worker.pending == 0)
        QTest.qWait(500)  # let coalesced list refreshes run first
        _wait(lambda: worker.pending == 0)
        done.clear()
        worker.delivered.connect(lambda *_: done.append(time.perf_counter()))
        t_key = time.perf_counter()
        QTest.keyClick(edit, Qt.Key.Key_A)
        if i % 2 == 0:  # the save itself, from the moment the debounce fires
            t0 = time.perf_counter()
            saver.flush()
            _wait(lambda: done)
            out["save"].append(done[0] - t0)
        else:  # keystroke → committed, debounce included
            _wait(lambda: done, timeout=5)
            out["keystroke"].append(done[0] - t_key)
        worker.delivered.disconnect()
    window.close()
    return out


# -- idle memory (child) ---------------------------------------------------------------------------
def idle_child(chart: Path) -> None:
    """Child mode: unlock the chart, open a patient, sit idle, print RSS."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from desktop.app import create_main_window

    window = create_main_window(chart, explicit=True)
    window.resize(1280, 800)
    window.show()
    _wait(lambda: window.workspace is not None)
    window.screens.unlock.secret.setText(PASSPHRASE)
    QTest.mouseClick(window.screens.unlock.unlock_button, Qt.MouseButton.LeftButton)
    ws = window.workspace
    _wait(lambda: ws.patients.model.rowCount() > 0)
    ws.patients.table.selectRow(0)
    _wait(lambda: ws.chart.chart is not None)
    QTest.qWait(3000)
    print(f"RSS {_rss_kb()} {_rss_kb(key='VmHWM:')}", flush=True)
    window.close()


def idle_memory(tmp: Path, chart: Path) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_desktop", "--idle-child", str(chart)],
        cwd=ROOT,
        env=_env(tmp),
        capture_output=True,
        text=True,
        timeout=180,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("RSS"))
    _, rss, peak = line.split()
    return int(rss), int(peak)


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for key, value in _env(tmp).items():
            os.environ[key] = value
        chart = tmp / "bench.chart"
        print("Seeding the demo chart (default KDF) and a patient with 200 visits…")
        big = _seed(chart)
        starts, start_rss = cold_start(tmp, chart)
        rss, peak = idle_memory(tmp, chart)
        measured = in_process(tmp, chart, big)
    med = {k: statistics.median(v) for k, v in measured.items()}
    cold = statistics.median(starts)
    rows = [
        ("cold start → unlock screen (target < 1.5 s)", ms(cold)),
        ("  RSS at the unlock screen", f"{statistics.median(start_rss) / 1024:.0f} MiB"),
        ("unlock → patient list, default KDF (< 1 s)", ms(med["unlock"])),
        ("open a patient with 200 visits (< 300 ms)", ms(med["open200"])),
        ("keystroke save op, after debounce (< 50 ms)", ms(med["save"])),
        ("keystroke → committed, 300 ms debounce incl.", ms(med["keystroke"])),
        ("idle RSS, unlocked, patient open", f"{rss / 1024:.0f} MiB (peak {peak / 1024:.0f} MiB)"),
    ]
    report(
        "desktop",
        rows,
        raw={"cold_start": starts, "start_rss_kb": start_rss, "idle_rss_kb": rss, **measured},
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--idle-child":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        idle_child(Path(sys.argv[2]))
    else:
        main()
