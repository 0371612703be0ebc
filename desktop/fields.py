"""Typed date and time fields: plain text boxes that read what people type
(``desktop.typed_values``) and say what they understood.

Contract:
- ``DateField``: a line edit, a calendar button and a hint label. ``value()`` is the date the
  text names (``None`` when empty or not a date; ``error()`` says which). The hint shows the
  date understood ("Apr 12, 1958") or what to type. On Enter, focus-out or a calendar click
  the text is rewritten as ISO and ``valueChanged(date | None)`` fires if the value changed;
  invalid text is left for the user to fix and changes nothing. Up/Down step a date by one
  day; on an empty field they do nothing. The calendar opens on the field's date, else on
  ``open_on()`` (default: today) — never on January 1900.
- ``TimeField``: a line edit for a clock time (``900``, ``9:00``, ``9a``, ``1:05p``, ``13:05``);
  empty means no time. ``timeChanged(time | None)`` fires as the typed value changes (only
  for text that reads as a time); on Enter/focus-out the text is rewritten as ``HH:mm`` and an
  unreadable entry is marked (``state="bad"``) with the reason in the tooltip.
- ``set_value`` never emits. GUI thread only; no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from desktop.typed_values import (
    DATE_EXAMPLE,
    TIME_EXAMPLE,
    EntryError,
    clock_time,
    iso_date,
    parse_date,
    parse_time,
    show_date,
)

DATE_PLACEHOLDER = "m/d/yyyy"
TIME_PLACEHOLDER = "--:--"


def _restyle(widget: QWidget, state: str) -> None:
    if widget.property("state") != state:
        widget.setProperty("state", state)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class _DateLine(QLineEdit):
    stepped = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}.get(Qt.Key(event.key()))
        if step is not None and not self.isReadOnly():
            self.stepped.emit(step)
            return
        super().keyPressEvent(event)


class DateField(QWidget):
    valueChanged = Signal(object)  # dt.date | None

    def __init__(
        self,
        name: str = "",
        parent: QWidget | None = None,
        *,
        open_on: Callable[[], dt.date] | None = None,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        super().__init__(parent)
        self._today = today or dt.date.today
        self._open_on = open_on or self._today
        self._committed: dt.date | None = None
        h = QHBoxLayout(self)
        h.setContentsMargins(0, 0, 0, 0)
        h.setSpacing(4)
        self.edit = _DateLine()
        self.edit.setPlaceholderText(DATE_PLACEHOLDER)
        self.edit.setToolTip(f"Type a date: {DATE_EXAMPLE}")
        self.edit.setMaximumWidth(130)
        self.pick = QToolButton()
        self.pick.setText("▾")
        self.pick.setToolTip("Choose on a calendar")
        self.pick.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(False)
        menu = QMenu(self.pick)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._calendar_opens)
        self.pick.setMenu(menu)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        for w in (self.edit, self.pick, self.hint):
            h.addWidget(w)
        h.addStretch(1)
        self.setFocusProxy(self.edit)
        self.setObjectName(name)
        self.edit.textEdited.connect(self._show_hint)
        self.edit.editingFinished.connect(self.commit)
        self.edit.stepped.connect(self._step)

    def setObjectName(self, name: str) -> None:  # type: ignore[override]
        super().setObjectName(name)
        self.edit.setObjectName(f"{name}Text" if name else "")

    # -- values ---------------------------------------------------------------------------------
    def value(self) -> dt.date | None:
        """The date the text names; ``None`` when it is empty or not a date."""
        try:
            return parse_date(self.edit.text(), today=self._today())
        except EntryError:
            return None

    def error(self) -> str | None:
        """Why the text is not a date, or ``None`` (empty text is not an error here)."""
        try:
            parse_date(self.edit.text(), today=self._today())
        except EntryError as exc:
            return str(exc)
        return None

    def is_empty(self) -> bool:
        return not self.edit.text().strip()

    def set_value(self, day: dt.date | None) -> None:
        self._committed = day
        self.edit.setText(iso_date(day))
        self._show_hint()

    def setReadOnly(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.pick.setEnabled(not read_only)

    # -- editing ----------------------------------------------------------------------------------
    def commit(self) -> None:
        """Rewrite readable text as ISO and report a changed value (Enter, focus-out, pick)."""
        if self.error() is not None:
            self._show_hint()
            return
        day = self.value()
        if iso_date(day) != self.edit.text():
            self.edit.setText(iso_date(day))
        self._show_hint()
        if day != self._committed:
            self._committed = day
            self.valueChanged.emit(day)

    def _show_hint(self, *_: object) -> None:
        problem = self.error()
        if problem is not None:
            self.hint.setText(f"Not a date: type {DATE_EXAMPLE}")
            self.hint.setToolTip(problem)
        else:
            self.hint.setText(show_date(self.value()))
            self.hint.setToolTip("")
        _restyle(self.hint, "bad" if problem else "")
        _restyle(self.edit, "bad" if problem else "")

    def _step(self, days: int) -> None:
        day = self.value()
        if day is None:
            return  # an empty (or unreadable) date stays as it is
        self.edit.setText(iso_date(day + dt.timedelta(days=days)))
        self.commit()

    def _calendar_opens(self) -> None:
        day = self.value() or self._open_on()
        self.calendar.setSelectedDate(QDate(day.year, day.month, day.day))
        self.calendar.setCurrentPage(day.year, day.month)

    def _picked(self, qd: QDate) -> None:
        menu = self.pick.menu()
        if menu is not None:
            menu.close()
        self.edit.setText(iso_date(dt.date(qd.year(), qd.month(), qd.day())))
        self.commit()


class TimeField(QLineEdit):
    """A clock time or none (see the module docstring)."""

    timeChanged = Signal(object)  # dt.time | None

    def __init__(self, name: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setPlaceholderText(TIME_PLACEHOLDER)
        self.setToolTip(f"Type a time: {TIME_EXAMPLE}")
        self.setMaximumWidth(72)
        self._last: dt.time | None = None
        self.textEdited.connect(self._edited)
        self.editingFinished.connect(self.tidy)

    def value(self) -> dt.time | None:
        """The time the text names; ``None`` when it is empty or not a time."""
        try:
            return parse_time(self.text())
        except EntryError:
            return None

    def error(self) -> str | None:
        try:
            parse_time(self.text())
        except EntryError as exc:
            return str(exc)
        return None

    def is_valid(self) -> bool:
        return self.error() is None

    def set_value(self, value: dt.time | None) -> None:
        self._last = value
        self.setText(clock_time(value))
        self._mark(None)

    def _edited(self, _text: str) -> None:
        problem = self.error()
        if problem is None:
            self._mark(None)
            value = self.value()
            if value != self._last:
                self._last = value
                self.timeChanged.emit(value)

    def tidy(self) -> None:
        """Rewrite readable text as ``HH:mm``; mark unreadable text (Enter, focus-out)."""
        problem = self.error()
        if problem is None and self.text() != clock_time(self.value()):
            self.setText(clock_time(self.value()))
        self._mark(problem)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.tidy()

    def _mark(self, problem: str | None) -> None:
        self.setToolTip(problem or f"Type a time: {TIME_EXAMPLE}")
        _restyle(self, "bad" if problem else "")
