"""Killing the app (SIGKILL) mid-note loses nothing typed more than a second ago."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from core.services import charts, notes
from tests.desktop.conftest import PASSPHRASE, Seeded

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Pain 3/10 after stairs; slept through the night"


def test_sigkill_mid_note_keeps_the_text(seeded: Seeded, tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.desktop._crash_child", str(seeded.path), TEXT],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = ""
        deadline = time.monotonic() + 60
        while not line.startswith("TYPED") and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line and child.poll() is not None:
                break
        assert line.startswith("TYPED"), f"child did not reach the note (exit {child.poll()})"
        note_id = uuid.UUID(line.split()[1])
        time.sleep(1.1)  # a second after the last keystroke
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    session = charts.open_chart(seeded.path, passphrase=PASSPHRASE)
    try:
        assert notes.get_note(session, note_id).note.subjective == TEXT
    finally:
        session.lock()
