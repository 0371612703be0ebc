"""A searchable picker over the code catalog, showing our short labels ("97110 · Therapeutic
exercise …"). Typing filters by code or words; Enter or a click chooses.

``code_chosen(code)`` fires when the user picks a catalog entry (or types a bare code that is
in the catalog). The mouse wheel never chooses (``wheel_guard.SCROLLS_ONLY``): QComboBox
reports a wheel notch as ``activated``, which once turned 97110 into 97112 and, on the
"Add a timed service" picker, added a block. The catalog comes from ``SessionFacts.codes``
(loaded on the worker). Up/Down open the list rather than step to the next code (stepping is
reported as ``activated`` too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from desktop.wheel_guard import SCROLLS_ONLY


class CodePicker(QComboBox):
    code_chosen = Signal(str)

    def __init__(
        self,
        codes: Sequence[Any],
        parent: QWidget | None = None,
        *,
        timed: bool | None = True,
        placeholder: str = "Code or words…",
    ) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setProperty(SCROLLS_ONLY, True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(14)
        # Size to a sensible width, not to the longest label in the catalog.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(22)
        line = self.lineEdit()
        assert line is not None  # editable combo boxes always have one
        line.setPlaceholderText(placeholder)
        for c in codes:
            if timed is None or c.timed == timed:
                self.addItem(f"{c.code} · {c.label}", c.code)
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.setCurrentIndex(-1)
        self._silent = False
        self._emitting = False
        self.activated.connect(self._activated)
        completer.activated[str].connect(self._completed)  # type: ignore[index]
        line.returnPressed.connect(self._typed)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # QComboBox steps to the next code on Up/Down and reports it as activated: one key
        # press changed a block's code or added a block. Open the list instead.
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not event.modifiers():
            self.showPopup()
            return
        super().keyPressEvent(event)

    def set_code(self, code: str) -> None:
        self._silent = True
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(code)
        self._silent = False

    def code(self) -> str:
        data = self.currentData()
        if data and self.currentText() == self.itemText(self.currentIndex()):
            return str(data)
        return self.currentText().split(" ", 1)[0].strip().upper()

    def choose(self, code: str) -> None:
        """Programmatic choice (keyboard users, tests): as if picked from the list."""
        self.set_code(code)
        self._emit(code)

    def _emit(self, code: str) -> None:
        # Enter in the line edit, the completer and the combo can all report one choice.
        if self._emitting:
            return
        self._emitting = True
        QTimer.singleShot(0, lambda: setattr(self, "_emitting", False))
        self.code_chosen.emit(code)

    def _activated(self, index: int) -> None:
        if not self._silent and index >= 0:
            self._emit(str(self.itemData(index)))

    def _completed(self, text: str) -> None:
        index = self.findText(text)
        if index >= 0:
            self.setCurrentIndex(index)
            self._emit(str(self.itemData(index)))

    def _typed(self) -> None:
        code = self.code()
        if self.findData(code) >= 0:
            self.set_code(code)
            self._emit(code)
