"""Child process for test_crash_keeps_text: runs the real app offscreen, unlocks, starts a
note, types into Subjective with QTest, prints ``TYPED <note id>`` and keeps running until
the parent kills it with SIGKILL. Usage: python -m tests.desktop._crash_child CHART TEXT"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.storage.keys import KdfParams
from desktop.app import create_main_window, make_application

PASSPHRASE = "tidal-lantern-orchard-47"


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit("timed out")
        QApplication.processEvents()
        time.sleep(0.005)


def main() -> None:
    chart, text = Path(sys.argv[1]), sys.argv[2]
    app = make_application()
    window = create_main_window(chart, kdf=KdfParams.fast_for_tests(), explicit=True)
    window.show()
    QTest.keyClicks(window.screens.unlock.secret, PASSPHRASE)
    QTest.mouseClick(window.screens.unlock.unlock_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: window.current_screen() == "workspace")
    ws = window.workspace
    wait_until(lambda: ws.patients.model.rowCount() > 0)
    ws.patients.table.selectRow(0)
    wait_until(lambda: ws.chart.chart is not None and ws.chart.new_note_button.isEnabled())
    QTest.mouseClick(ws.chart.new_note_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: ws.current_dialog() is not None)
    QTest.keyClick(ws.current_dialog().date.edit, Qt.Key.Key_Return)  # today, office
    wait_until(lambda: ws.editor.ws is not None)
    subjective = ws.editor.soap.edits["subjective"]
    subjective.setFocus()
    QTest.keyClicks(subjective, text)
    print(f"TYPED {ws.editor.note_id}", flush=True)
    app.exec()  # typed text is saved by the app itself; the parent kills us


if __name__ == "__main__":
    main()
