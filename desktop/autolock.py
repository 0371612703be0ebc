"""Auto-lock after idle minutes, and the clipboard guard that clears our text on lock.

Contract:
- ``Clock`` is injectable: ``monotonic()`` for idle time and ``now()`` for wall-clock times
  ("start now" buttons, today's date). Tests pass a ``ManualClock`` and call ``check()``.
- ``IdleMonitor`` watches the application's input events (keys, clicks, wheel, mouse moves)
  and emits ``idle`` once when ``minutes`` pass without any; it re-arms on ``reset()`` (the
  app calls it at unlock). A timer polls every ``poll_ms``; ``check()`` may be called anytime.
- ``ClipboardGuard`` remembers text that reached the clipboard while a Chartside window was
  active (copied from the app); ``clear_if_ours()`` empties the clipboard only when it still
  holds that text, so text the user copied from elsewhere is left alone.
- GUI thread only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication

from desktop.saving import make_timer

_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.InputMethod,
}


class Clock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> dt.datetime:
        return dt.datetime.now()

    def today(self) -> dt.date:
        return self.now().date()


class ManualClock(Clock):
    """A clock tests move by hand."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._mono = 1000.0
        self._now = start or dt.datetime(2026, 3, 2, 9, 0)

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._mono += seconds
        self._now += dt.timedelta(seconds=seconds)

    def set_now(self, when: dt.datetime) -> None:
        self._now = when


class IdleMonitor(QObject):
    idle = Signal()

    def __init__(
        self, clock: Clock, minutes: int, parent: QObject | None = None, *, poll_ms: int = 15_000
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.minutes = minutes
        self._last = clock.monotonic()
        self._armed = False
        self._timer = make_timer(self, poll_ms)
        self._timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def arm(self) -> None:
        """Start watching (after unlock)."""
        self._last = self._clock.monotonic()
        self._armed = True
        self._timer.start()

    def disarm(self) -> None:
        self._armed = False
        self._timer.stop()

    def reset(self) -> None:
        self._last = self._clock.monotonic()

    @property
    def idle_seconds(self) -> float:
        return self._clock.monotonic() - self._last

    def check(self) -> bool:
        if self._armed and self.idle_seconds >= self.minutes * 60:
            self.disarm()
            self.idle.emit()
            return True
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._armed and event.type() in _INPUT_EVENTS:
            self._last = self._clock.monotonic()
        return False


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ClipboardGuard(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ours: str | None = None  # a digest: the guard itself holds no PHI
        clipboard = QApplication.clipboard()
        clipboard.dataChanged.connect(self._changed)

    def _changed(self) -> None:
        text = QApplication.clipboard().text()
        if not text:
            self._ours = None
        elif QApplication.activeWindow() is not None or QApplication.focusWidget() is not None:
            self._ours = _digest(text)
        else:
            self._ours = None

    def mark_ours(self, text: str) -> None:
        """For copies the app makes itself (e.g. the recovery key's Copy button)."""
        self._ours = _digest(text)

    def clear_if_ours(self) -> bool:
        clipboard = QApplication.clipboard()
        text = clipboard.text()
        if self._ours is not None and text and _digest(text) == self._ours:
            clipboard.clear()
            self._ours = None
            return True
        return False
