"""Find an ICD-10-CM diagnosis by code or words, and choose one with the keyboard or mouse.

Contract:
- Typing searches 350 ms after the last keystroke (Enter: at once). The search runs as a job
  off the GUI thread (the first builds an index, ~2 s) with a busy indicator; only the
  newest answer is shown, with the first row selected.
- While the focus stays in the search box, Up/Down/PageUp/PageDown/Home/End (with Ctrl for
  Home/End) move the selection in the results; Enter chooses the *selected* row (once it
  always chose the top one: "knee osteoarthritis" ↓↓ Enter added M17.0 instead of M17.11).
  Enter, double-click or activation in the list chooses that row.
- ``chosen(code)`` reports the choice; the host adds the diagnosis and calls ``reset()``.
- GUI thread only; the search goes through ``desktop.ops.episodes.search_icd``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.models.lists import SIDES
from desktop.ops import episodes as ops
from desktop.saving import make_timer
from desktop.widgets import Busy, named

_MOVES = {
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_Down: 1,
    Qt.Key.Key_PageUp: -5,
    Qt.Key.Key_PageDown: 5,
}


class DiagnosisPicker(QWidget):
    chosen = Signal(str)  # an ICD-10-CM code

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._seq = 0
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.search = named(QLineEdit(), "icdSearch")
        self.search.setPlaceholderText(
            "Add a diagnosis: type an ICD-10-CM code (M17.11) or words (knee osteoarthritis)"
            " — ↑↓ to choose, Enter to add"
        )
        self.search.setClearButtonEnabled(True)
        v.addWidget(self.search)
        self.busy = Busy("Searching ICD-10-CM…")
        self.busy.setObjectName("icdBusy")
        v.addWidget(self.busy)
        self.results = named(QListWidget(), "icdResults")
        self.results.setMaximumHeight(150)
        self.results.hide()
        self.results.itemActivated.connect(self._choose)
        self.results.itemDoubleClicked.connect(self._choose)
        v.addWidget(self.results)
        self.timer = make_timer(self, 350, single=True)
        self.timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self.timer.start())
        self.search.returnPressed.connect(self._search_or_choose)
        self.search.installEventFilter(self)

    # -- keyboard ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._move(event)
        return False

    def _move(self, event: QKeyEvent) -> bool:
        count = self._choosable()
        if not count or not self.results.isVisible():
            return False
        key = Qt.Key(event.key())
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        row = self.results.currentRow()
        if key in _MOVES:
            row = min(count - 1, max(0, row + _MOVES[key]))
        elif ctrl and key == Qt.Key.Key_Home:
            row = 0
        elif ctrl and key == Qt.Key.Key_End:
            row = count - 1
        else:
            return False
        self.results.setCurrentRow(row)
        self.results.scrollToItem(self.results.item(row))
        return True

    def _choosable(self) -> int:
        first = self.results.item(0)
        if first is None or first.data(Qt.ItemDataRole.UserRole) is None:
            return 0  # the "no match" line
        return self.results.count()

    # -- searching ----------------------------------------------------------------------------
    def run_search(self) -> None:
        query = self.search.text().strip()
        self._seq += 1
        seq = self._seq
        if len(query) < 2:
            self.results.clear()
            self.results.hide()
            self.busy.stop()
            return
        self.busy.start("Searching ICD-10-CM… (the first search takes a few seconds)")
        ops.search_icd(self, query).success(lambda rows: self._show(seq, rows)).failure(
            lambda e: self._failed(seq, e)
        ).run()

    def _show(self, seq: int, rows: list[Any]) -> None:
        if seq != self._seq:
            return
        self.busy.stop()
        self.results.clear()
        for info in rows:
            side = SIDES.get(info.laterality, "")
            side = f"  ·  {side}" if side and side != "—" else ""
            item = QListWidgetItem(f"{info.code}   {info.description}{side}")
            item.setData(Qt.ItemDataRole.UserRole, info.code)
            self.results.addItem(item)
        if not rows:
            self.results.addItem("No billable ICD-10-CM code matches. Try other words.")
        else:
            self.results.setCurrentRow(0)
        self.results.show()

    def _failed(self, seq: int, error: BaseException) -> bool:
        if seq == self._seq:
            self.busy.stop()
        return False

    def _search_or_choose(self) -> None:
        if self.timer.isActive() or not self.results.isVisible():
            self.timer.stop()
            self.run_search()  # the results shown are for older text
        elif self.results.currentItem() is not None:
            self._choose(self.results.currentItem())

    def _choose(self, item: QListWidgetItem | None) -> None:
        code = item.data(Qt.ItemDataRole.UserRole) if item else None
        if code:
            self.chosen.emit(str(code))

    def reset(self) -> None:
        self._seq += 1
        self.timer.stop()
        self.search.clear()
        self.timer.stop()  # clearing the text restarted it
        self.results.clear()
        self.results.hide()
        self.busy.stop()
