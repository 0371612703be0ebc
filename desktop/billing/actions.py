"""``QAction``s that open the superbill dialog, for the host window's menus and context menus.

Contract: the host passes callables that return the ids currently selected (or None when nothing
is, which makes the action a no-op); the action opens a non-modal ``SuperbillDialog`` that
deletes itself when closed and returns it through ``on_open`` (e.g. to connect ``exported`` to
the exports list's ``refresh``). ``today`` (e.g. the app clock's ``today``) dates the statement
and its presets; without it the dialog uses the system date. GUI thread only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from desktop.billing.dialog import SuperbillDialog

OnOpen = Callable[[SuperbillDialog], None]
Today = Callable[[], dt.date]


def _open(dialog: SuperbillDialog, on_open: OnOpen | None) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if on_open is not None:
        on_open(dialog)
    dialog.open()


def visit_superbill_action(
    parent: QWidget,
    selected: Callable[[], tuple[uuid.UUID, uuid.UUID] | None],
    on_open: OnOpen | None = None,
    *,
    today: Today | None = None,
) -> QAction:
    """"Superbill…" for the selected visit; ``selected()`` returns (patient id, visit id)."""
    action = QAction("Superbill…", parent)
    action.setObjectName("superbillVisitAction")

    def trigger() -> None:
        ids = selected()
        if ids is not None:
            day = today() if today is not None else None
            _open(SuperbillDialog.for_visit(ids[0], ids[1], parent=parent, today=day), on_open)

    action.triggered.connect(trigger)
    return action


def patient_superbill_action(
    parent: QWidget,
    selected: Callable[[], uuid.UUID | None],
    on_open: OnOpen | None = None,
    *,
    today: Today | None = None,
) -> QAction:
    """"Superbill / statement…" for the selected patient (a date range, this month first)."""
    action = QAction("Superbill / statement…", parent)
    action.setObjectName("superbillPatientAction")

    def trigger() -> None:
        patient_id = selected()
        if patient_id is not None:
            day = today() if today is not None else None
            _open(SuperbillDialog.for_patient(patient_id, parent=parent, today=day), on_open)

    action.triggered.connect(trigger)
    return action
