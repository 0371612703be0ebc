"""Sync settings page: join a server, receive or share the practice key, see and revoke devices.

Contract: a standalone ``QWidget`` for the preferences dialog (composed by the window's
owner). Every network action is a step run on its own ``RunDriver`` (the UI stays live; the
database worker is only used for the short database steps). ``refresh()`` reloads the local
status (and, when enrolled, the device list). The pairing code an approval produces is shown
here once, in large type, and is never stored. GUI thread only; no SQL, no PHI.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Generator
from typing import Any

import httpx
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from core.services import sync
from desktop.formats import show_date
from desktop.sync import ops
from desktop.sync.runner import RunDriver
from desktop.sync.status_widget import describe


class SyncSettingsPage(QWidget):
    status_changed = Signal(object)  # SyncStatus

    def __init__(
        self, parent: QWidget | None = None, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        super().__init__(parent)
        self._transport = transport
        self._driver = RunDriver(self)
        self._driver.failed.connect(self._show_error)
        self._after: Any = None
        self._driver.finished.connect(lambda value: self._after and self._after(value))
        layout = QVBoxLayout(self)
        self.state = QLabel("")
        self.state.setObjectName("syncState")
        layout.addWidget(self.state)

        join = QGroupBox("Join your practice's sync server")
        form = QFormLayout(join)
        self.server = QLineEdit()
        self.server.setPlaceholderText("https://sync.example-practice.com")
        self.code = QLineEdit()
        self.code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX from your practice admin")
        self.device_name = QLineEdit()
        self.enroll_button = QPushButton("Enroll this device")
        self.enroll_button.setObjectName("enroll")
        form.addRow("Server", self.server)
        form.addRow("Enrollment code", self.code)
        form.addRow("Device name", self.device_name)
        form.addRow(self.enroll_button)
        self.join_box = join
        layout.addWidget(join)

        key = QGroupBox("Practice key")
        key_layout = QFormLayout(key)
        self.pairing = QLineEdit()
        self.pairing.setPlaceholderText("code shown on the approving device")
        self.pair_button = QPushButton("Receive the key")
        self.pair_button.setObjectName("pair")
        key_layout.addRow("Pairing code", self.pairing)
        key_layout.addRow(self.pair_button)
        self.shown_code = QLabel("")
        self.shown_code.setObjectName("shownPairingCode")
        self.shown_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key_layout.addRow(self.shown_code)
        layout.addWidget(key)

        devices = QGroupBox("Devices of this practice")
        dev_layout = QVBoxLayout(devices)
        self.devices = QTableWidget(0, 4)
        self.devices.setHorizontalHeaderLabels(["Name", "Key", "Since", "State"])
        self.devices.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.devices.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QHBoxLayout()
        self.approve_button = QPushButton("Share the key with this device…")
        self.approve_button.setObjectName("approve")
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setObjectName("revoke")
        self.reload_button = QPushButton("Reload")
        for b in (self.approve_button, self.revoke_button, self.reload_button):
            buttons.addWidget(b)
        dev_layout.addWidget(self.devices)
        dev_layout.addLayout(buttons)
        layout.addWidget(devices)
        self.error = QLabel("")
        self.error.setObjectName("syncError")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)

        self.enroll_button.clicked.connect(self.enroll)
        self.pair_button.clicked.connect(self.pair)
        self.approve_button.clicked.connect(self.approve_selected)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.reload_button.clicked.connect(self.load_devices)
        self.status: sync.SyncStatus | None = None
        self.rows: list[sync.DeviceRow] = []

    # -- actions --------------------------------------------------------------------------
    def _start(self, run: Generator[Any, Any, Any], after: Any) -> None:
        if self._driver.running:
            return
        self.error.setText("")
        self._after = after
        self._driver.start(run)

    def refresh(self) -> None:
        ops.status(self).success(self._set_status).run()

    def enroll(self) -> None:
        if not self.device_name.text().strip():
            self.error.setText(
                "Give this device a name the practice will recognise (e.g. “Front desk”); "
                "it is shown in the practice's device list."
            )
            return
        run = sync.enroll_run(
            self.server.text(), self.code.text(), self.device_name.text(), self._transport
        )
        self._start(run, self._enrolled)

    def pair(self) -> None:
        self._start(
            sync.pair_run(self.pairing.text(), self._transport),
            self._paired,
        )

    def load_devices(self) -> None:
        self._start(sync.devices_run(self._transport), self._set_devices)

    def selected(self) -> sync.DeviceRow | None:
        row = self.devices.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def approve_selected(self) -> None:
        device = self.selected()
        if device is not None:
            self.approve(device.device_id)

    def approve(self, device_id: uuid.UUID) -> None:
        self._start(sync.approve_run(device_id, self._transport), self._show_code)

    def revoke_selected(self) -> None:
        device = self.selected()
        if device is not None:
            self._start(
                sync.revoke_run(device.device_id, self._transport),
                lambda _row: self.refresh(),
            )

    # -- rendering ------------------------------------------------------------------------
    def _enrolled(self, _result: Any) -> None:
        self.code.clear()
        self.refresh()

    def _paired(self, _key_id: Any) -> None:
        self.pairing.clear()
        self.refresh()

    def _show_code(self, approval: sync.Approval) -> None:
        self.shown_code.setText(
            f"Type this on “{approval.device_name}” (key {approval.fingerprint}):\n"
            f"<big>{approval.pairing_code}</big>".replace("\n", "<br>")
        )

    def _set_status(self, status: sync.SyncStatus) -> None:
        self.status = status
        self.state.setText(describe(status, dt.datetime.now(dt.UTC)))
        self.join_box.setVisible(not status.enrolled or status.revoked)
        self.status_changed.emit(status)
        if status.enrolled and not status.revoked and not self._driver.running:
            self.load_devices()

    def _set_devices(self, rows: list[sync.DeviceRow]) -> None:
        self.rows = rows
        self.devices.setRowCount(len(rows))
        for i, d in enumerate(rows):
            state = "revoked" if d.revoked_at else ("this device" if d.current else "active")
            for j, text in enumerate((d.name, d.fingerprint, show_date(d.created_at), state)):
                self.devices.setItem(i, j, QTableWidgetItem(text))

    def _show_error(self, error: BaseException) -> None:
        self.error.setText(
            str(error)
            if isinstance(error, ChartsideError)
            else "Something went wrong; details are in the log."
        )
