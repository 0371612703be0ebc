"""Guard against a Qt binding that corrupts the interpreter (PySide6 6.12.0 on Python 3.11).

PySide6-Essentials 6.12.0 dropped one reference to ``None`` on every Qt call returning void;
before Python 3.12 ``None`` is refcounted, so a long session aborted with "deallocating None".
pyproject.toml pins ``<6.12``; this test fails if a build with that bug comes back.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QWidget


def test_void_qt_calls_do_not_leak_none_references(qapp: QApplication) -> None:
    widget = QWidget()
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.setWindowTitle("x")
    assert abs(sys.getrefcount(None) - before) < 50
