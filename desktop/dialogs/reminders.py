"""Chart ▸ Appointment reminders… (issue 19): the e-mail reminders due now (appointments 24–48 h
ahead, each sent once) and a Send now button.

Reads and the send run on the database worker (``core.services.reminders``); the SMTP session is
short (a handful of messages, 20 s timeout per step), so it does not get a lane of its own. A
refusal (no mail settings, server unreachable, message refused) shows in the status line and
nothing is marked sent that was not accepted by the server. The list shows times and addresses
only, and the dialog is closed when the chart locks (``Workspace._open_dialog``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from desktop.formats import show_date
from desktop.worker import CommandOp, QueryOp


class RemindersDialog(QDialog):
    loaded = Signal()
    sent = Signal(object)  # the SendReport

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Appointment reminders")
        self.setObjectName("remindersDialog")
        self.resize(560, 380)
        outer = QVBoxLayout(self)
        intro = QLabel("E-mail reminders for the appointments 24–48 hours from now. Each "
                       "appointment gets one; the text names only the practice, the day, the "
                       "time and the place. The mail server is set with "
                       "'chartside schedule reminders setup'.")
        intro.setWordWrap(True)
        outer.addWidget(intro)
        self.due_list = QListWidget()
        self.due_list.setObjectName("remindersDue")
        self.due_list.setAccessibleName("Reminders due")
        outer.addWidget(self.due_list, 1)
        self.status = QLabel("")
        self.status.setObjectName("remindersStatus")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.send_button = QPushButton("Send now")
        self.send_button.setObjectName("remindersSend")
        self.send_button.setEnabled(False)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.send_button.clicked.connect(self.send)
        outer.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        from core.services import reminders

        QueryOp(self, lambda chart: reminders.due(chart)).success(self._show).run()

    def _show(self, items: list[Any]) -> None:
        self.due_list.clear()
        for d in items:
            when = f"{show_date(d.appointment.start.date())} {d.appointment.start:%H:%M}"
            self.due_list.addItem(f"{when}  —  {d.recipient or 'not sent: ' + d.skipped}")
        sendable = any(d.recipient for d in items)
        self.send_button.setEnabled(sendable)
        if not items:
            self.due_list.addItem("No reminders are due.")
        self.loaded.emit()

    def send(self) -> None:
        from core.services import reminders

        self.send_button.setEnabled(False)
        self.status.setText("Sending…")
        (CommandOp(self, lambda chart: reminders.send_due(chart))
         .success(self._sent).failure(self._failed).run())

    def _sent(self, report: Any) -> None:
        skipped = f"; {len(report.skipped)} without an e-mail address" if report.skipped else ""
        self.status.setText(f"Sent {len(report.sent)} reminders{skipped}.")
        self.sent.emit(report)
        self.refresh()

    def _failed(self, error: BaseException) -> bool:
        if not isinstance(error, ChartsideError):
            return False
        self.status.setText(str(error))
        self.refresh()
        return True
