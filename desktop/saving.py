"""Save-as-you-type: debounced savers that every editor field uses, and the registry that
flushes them all on lock and close.

Contract:
- ``DebouncedSaver(parent, save, read, delay_ms=300)``: call ``touch()`` on every change; after
  ``delay_ms`` without another change (or at once on ``flush()``) it calls ``save(read())``,
  which submits a ``CommandOp`` to the database worker. So nothing typed more than
  ``delay_ms`` + one save (well under a second) ago can be lost to a crash.
- ``watch_focus(widget)`` flushes when that widget loses focus.
- ``SaverRegistry.flush_all()`` flushes every live saver (the app calls it before locking,
  closing and signing). Savers unregister themselves when their parent is destroyed.
- GUI thread only.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer

DEBOUNCE_MS = 300


def make_timer(parent: QObject, interval_ms: int, *, single: bool = False) -> QTimer:
    timer = QTimer(parent)
    timer.setInterval(interval_ms)
    timer.setSingleShot(single)
    return timer


class SaverRegistry:
    def __init__(self) -> None:
        self._savers: weakref.WeakSet[DebouncedSaver] = weakref.WeakSet()

    def add(self, saver: DebouncedSaver) -> None:
        self._savers.add(saver)

    def discard(self, saver: DebouncedSaver) -> None:
        self._savers.discard(saver)

    def flush_all(self) -> int:
        """Flush every pending saver; returns how many had something to save."""
        return sum(1 for saver in self._live() if saver.flush())

    def cancel_all(self) -> None:
        for saver in self._live():
            saver.cancel()

    def _live(self) -> list[DebouncedSaver]:
        return [s for s in list(self._savers) if shiboken6.isValid(s)]

    @property
    def dirty(self) -> bool:
        return any(s.dirty for s in self._live())


registry = SaverRegistry()


class DebouncedSaver(QObject):
    def __init__(
        self,
        parent: QObject,
        save: Callable[[Any], None],
        read: Callable[[], Any],
        *,
        delay_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self._save = save
        self._read = read
        self.dirty = False
        self._timer = make_timer(self, delay_ms, single=True)
        self._timer.timeout.connect(self.flush)
        registry.add(self)

    def touch(self) -> None:
        self.dirty = True
        self._timer.start()

    def flush(self) -> bool:
        self._timer.stop()
        if not self.dirty:
            return False
        self.dirty = False
        self._save(self._read())
        return True

    def cancel(self) -> None:
        self._timer.stop()
        self.dirty = False

    def watch_focus(self, widget: QObject) -> None:
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut:
            self.flush()
        return False
