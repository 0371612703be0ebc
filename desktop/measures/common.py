"""Small helpers shared by the measure widgets."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """Set the object name (QSS selectors and tests find widgets by it) and return the widget."""
    widget.setObjectName(name)
    return widget
