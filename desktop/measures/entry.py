"""``MeasureEntryForm``: keyboard-fast numeric entry of one measure's item responses.

Contract:
- ``set_measure(definition, date=...)`` builds one small field per item, numbered; item
  wording is never shown (licensed instruments), only our own field labels for one-field
  tests and PSFS activity slots. The range hint says what each item takes.
- Keys: type a digit and the cursor jumps to the next item as soon as the answer cannot grow
  (0–4 items advance on every digit; "1" on a 0–10 item waits for "0" or Space). Space/Tab
  go forward leaving a blank (= not answered), Backspace on an empty item goes back, Enter
  saves, Esc cancels.
- The score preview updates on every keystroke through ``core.rules.measures.score`` (pure,
  microseconds); impossible answers are flagged on the item and block saving; an unscorable
  but valid form may be saved (the answers are documentation) and the preview says why.
- Emits ``submitted(MeasureEntry)`` and ``cancelled()``; it saves nothing itself.
- GUI thread only; no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.measures import InvalidResponse, Response, format_value
from core.rules.measures import MeasureDefinition, response_error, score
from desktop.fields import DateField
from desktop.measures.common import named
from desktop.widgets import label

PER_ROW = 10


@dataclass(frozen=True, slots=True)
class MeasureEntry:
    measure_id: str
    date: dt.date
    responses: tuple[Response, ...]
    unit: str | None


def complete_values(d: MeasureDefinition) -> set[str] | None:
    """The answers an item can take, as typed text; None when it takes decimals."""
    if d.response_values is not None:
        return {f"{v:g}" for v in d.response_values}
    if not d.integer:
        return None
    return {str(v) for v in range(int(d.response_min), int(d.response_max) + 1)}


class ItemField(QLineEdit):
    """One item's answer; asks the form to move on or back."""

    advance = Signal()
    retreat = Signal()

    def __init__(self, number: int, integer: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.setObjectName(f"item{number}")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pattern = r"\d{0,3}" if integer else r"\d{0,4}([.,]\d{0,2})?"
        self.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self))
        self.setFixedWidth(44 if integer else 90)
        self.setAccessibleName(f"Item {number}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.advance.emit()
            return
        if key == Qt.Key.Key_Backspace and not self.text():
            self.retreat.emit()
            return
        super().keyPressEvent(event)

    def value(self) -> Response | str:
        """The typed number, None when blank, or the text itself when it is not a number
        (the form then reports it like any impossible answer)."""
        text = self.text().strip().replace(",", ".")
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number


class MeasureEntryForm(QWidget):
    submitted = Signal(object)  # MeasureEntry
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measureEntry")
        self.definition: MeasureDefinition | None = None
        self.fields: list[ItemField] = []
        self._complete: set[str] | None = None
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.title = label("", "h3", name="measureTitle")
        head.addWidget(self.title, 1)
        self.date = DateField("measureDate")
        head.addWidget(label("Date", "fieldLabel"))
        head.addWidget(self.date)
        self.unit = named(QComboBox(), "measureUnit")
        self.unit.currentIndexChanged.connect(self._refresh)
        head.addWidget(self.unit)
        v.addLayout(head)
        self.hint = label("", "hint", wrap=True, name="measureHint")
        v.addWidget(self.hint)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(6)
        v.addLayout(self.grid)
        self.preview = label("", "units", wrap=True, name="measurePreview")
        self.error = label("", "error", wrap=True, name="measureError")
        v.addWidget(self.preview)
        v.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = named(QPushButton("Cancel"), "measureCancel")
        self.cancel_button.clicked.connect(self.cancelled.emit)
        self.save_button = named(QPushButton("Save score"), "measureSave")
        self.save_button.setProperty("role", "primary")
        self.save_button.setToolTip("Save (Enter)")
        self.save_button.clicked.connect(self.submit)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        v.addLayout(buttons)

    # -- building ---------------------------------------------------------------------------------
    def set_measure(self, d: MeasureDefinition, *, date: dt.date | None = None) -> None:
        self.definition = d
        self._complete = complete_values(d)
        for f in self.fields:
            f.deleteLater()
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.fields = []
        self.title.setText(d.name)
        day = date or dt.date.today()
        self.date.set_value(day)
        self.unit.blockSignals(True)
        self.unit.clear()
        for name in d.entry_units:
            self.unit.addItem(name, name)
        self.unit.setVisible(bool(d.entry_units))
        self.unit.blockSignals(False)
        shown = (
            ""
            if d.text_free_to_show
            else ("Item wording is licensed and not shown: enter the numbers from the form. ")
        )
        self.hint.setText(
            f"{shown}Each item takes {d.response_range}; leave blank if not answered "
            f"(Space skips). {d.missing_rule}"
        )
        labels = d.item_labels if len(d.item_labels) == d.max_items else ()
        for i in range(d.max_items):
            field = ItemField(i + 1, d.integer, self)
            field.textEdited.connect(lambda _t, f=field: self._edited(f))
            field.returnPressed.connect(self.submit)
            field.advance.connect(lambda f=field: self._move(f, +1))
            field.retreat.connect(lambda f=field: self._move(f, -1))
            caption = QLabel(labels[i] if labels else str(i + 1))
            caption.setProperty("role", "fieldLabel")
            if labels:
                self.grid.addWidget(caption, i, 0)
                self.grid.addWidget(field, i, 1, Qt.AlignmentFlag.AlignLeft)
            else:
                row, col = divmod(i, PER_ROW)
                caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.grid.addWidget(caption, row * 2, col)
                self.grid.addWidget(field, row * 2 + 1, col)
            self.fields.append(field)
        self._refresh()
        if self.fields:
            self.fields[0].setFocus()

    # -- keyboard flow ----------------------------------------------------------------------------
    def _move(self, field: ItemField, step: int) -> None:
        index = self.fields.index(field) + step
        if 0 <= index < len(self.fields):
            self.fields[index].setFocus()
            self.fields[index].selectAll()
        elif index >= len(self.fields):
            self.save_button.setFocus()

    def _edited(self, field: ItemField) -> None:
        self._refresh()
        text = field.text()
        done = (
            self._complete is not None
            and text in self._complete
            and not any(other != text and other.startswith(text) for other in self._complete)
        )
        if done and not field.property("invalid"):
            self._move(field, +1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
            return
        super().keyPressEvent(event)

    # -- values -----------------------------------------------------------------------------------
    def responses(self) -> list[Response]:
        """The answers as numbers (None = blank). Call only when ``errors`` is empty."""
        return [v if not isinstance(v, str) else None for v in (f.value() for f in self.fields)]

    def set_responses(self, values: list[Response]) -> None:
        for field, value in zip(self.fields, values, strict=False):
            field.setText("" if value is None else f"{value:g}")
        self._refresh()

    def entry_unit(self) -> str | None:
        return self.unit.currentData() if self.unit.count() else None

    def _refresh(self) -> None:
        d = self.definition
        if d is None:
            return
        problems = []
        for field in self.fields:
            problem = response_error(d, field.number, field.value())
            field.setProperty("invalid", bool(problem))
            field.setToolTip(problem or "")
            if problem:
                problems.append(problem)
        self.save_button.setEnabled(not problems)
        if problems:
            self.error.setText(problems[0])
            self.preview.setText("")
            return
        try:
            result = score(d.id, self.responses(), unit=self.entry_unit())
        except InvalidResponse as exc:
            self.error.setText(str(exc))
            self.save_button.setEnabled(False)
            return
        self.error.setText("")
        if result.scorable:
            extra = "".join(f" · {format_value(v, 1)} {n}" for n, v in result.secondary)
            band = f" · {result.band}" if result.band else ""
            self.preview.setText(
                f"{d.id} {result.display}{extra}{band} · "
                f"{result.items_used} of {result.items_expected} items"
            )
        else:
            self.preview.setText(f"Unscorable: {result.reason}")

    @property
    def errors(self) -> str:
        return self.error.text()

    def submit(self) -> bool:
        """Emit ``submitted`` when every answer is possible; False (and a message) otherwise."""
        d = self.definition
        if d is None:
            return False
        self._refresh()
        if not self.save_button.isEnabled():
            return False
        day = self.date.value()
        if day is None:
            self.show_error(self.date.error() or "Enter the date the measure was taken.")
            self.date.setFocus()
            return False
        self.submitted.emit(
            MeasureEntry(
                d.id,
                day,
                tuple(self.responses()),
                self.entry_unit(),
            )
        )
        return True

    def show_error(self, message: str) -> None:
        """Show a failure from the service (e.g. a date in the future)."""
        self.error.setText(message)
