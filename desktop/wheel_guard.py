"""One app-wide rule for the mouse wheel: it scrolls the page, it never changes a value the
user is not editing.

Contract:
- ``install_wheel_guard(app=None)`` installs one ``WheelGuard`` event filter on the
  ``QApplication`` (idempotent; the chart flow calls it at start-up, before the idle monitor,
  so the monitor still sees the forwarded wheel events).
- Value widgets — combo boxes (the code pickers, Side, 59/X…), spin boxes and date/time
  editors (every ``QAbstractSpinBox``) and sliders (not scroll bars) — take the wheel only
  while they have the keyboard focus. Otherwise the event is handed to the nearest enclosing
  scroll area (then the next one out), which scrolls as if the widget were not there.
- A widget with the dynamic property ``wheelScrollsOnly`` set to true never takes the wheel,
  focused or not: pickers whose "change" is an action (adding a timed block) or a choice
  from hundreds of codes.
- The guarded widgets lose ``Qt.WheelFocus`` when they are polished (it would let the first
  notch give them the focus, and the second change them); they keep click and Tab focus.
- GUI thread only; no I/O.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

SCROLLS_ONLY = "wheelScrollsOnly"
_GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def is_guarded(widget: QObject) -> bool:
    """True for the widgets a wheel notch could change."""
    return isinstance(widget, _GUARDED) and not isinstance(widget, QScrollBar)


def takes_wheel(widget: QWidget) -> bool:
    """Whether ``widget`` (a guarded one) may use a wheel event now."""
    if widget.property(SCROLLS_ONLY):
        return False
    return widget.hasFocus()


def scroll_enclosing(widget: QWidget, event: QWheelEvent) -> bool:
    """Hand ``event`` to the scroll areas around ``widget``, innermost first; True when one of
    them used it."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport() is not None:
            viewport = parent.viewport()
            here = viewport.mapFromGlobal(event.globalPosition().toPoint())
            forwarded = QWheelEvent(
                QPointF(here),
                event.globalPosition(),
                event.pixelDelta(),
                event.angleDelta(),
                event.buttons(),
                event.modifiers(),
                event.phase(),
                event.inverted(),
                event.source(),
            )
            forwarded.setAccepted(False)
            QApplication.sendEvent(viewport, forwarded)
            if forwarded.isAccepted():
                return True
        parent = parent.parentWidget()
    return False


def no_wheel_focus(widget: QWidget) -> None:
    if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


class WheelGuard(QObject):
    """The application event filter (see the module docstring)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and is_guarded(watched):
            assert isinstance(watched, QWidget)
            no_wheel_focus(watched)
            return False
        if kind != QEvent.Type.Wheel or not is_guarded(watched):
            return False
        assert isinstance(watched, QWidget) and isinstance(event, QWheelEvent)
        if takes_wheel(watched):
            return False
        scroll_enclosing(watched, event)
        event.accept()  # handled here: Qt must not also propagate it to the parents
        return True


def install_wheel_guard(app: QApplication | None = None) -> WheelGuard | None:
    """Install the guard once on ``app`` (default: the running application)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is None:
        return None
    existing = app.findChild(WheelGuard)
    if existing is not None:
        return existing
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    for widget in QApplication.allWidgets():  # those polished before the guard existed
        if is_guarded(widget):
            no_wheel_focus(widget)
    return guard


__all__ = ["SCROLLS_ONLY", "WheelGuard", "install_wheel_guard", "is_guarded", "scroll_enclosing"]
