"""Chart ▸ Online booking… (issue 19): publish the free times, and answer the patients'
requests — accept (the patient matched or created and the appointment booked, one
transaction) or decline with a reason.

The service calls (``core.services.booking``) talk to the sync server; they run on the
database worker like every other op (each HTTP call is capped at 20 s), so the screen never
waits on the network. A clash on accept declines the request and says why in the status line;
the request stays listed with the patient's contact details. The dialog shows names and
answers, so it is closed when the chart locks (``Workspace._open_dialog``). ``transport`` is
for tests (the server app in process).
"""

from __future__ import annotations

from typing import Any

import httpx
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from desktop.worker import CommandOp, QueryOp

_ROLE = 256  # Qt.UserRole


class BookingDialog(QDialog):
    loaded = Signal()
    answered = Signal(object)  # the Decision or the declined BookingRequest
    published = Signal(object)  # the Published

    def __init__(self, parent: QWidget | None = None, *,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(parent)
        self._transport = transport
        self._items: list[Any] = []
        self._note = ""  # what the last answer did, shown once the list has reloaded
        self.setWindowTitle("Online booking")
        self.setObjectName("bookingDialog")
        self.resize(760, 480)
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.publish_button = QPushButton("Publish free times")
        self.publish_button.setObjectName("bookingPublish")
        self.refresh_button = QPushButton("Check for requests")
        self.refresh_button.setObjectName("bookingRefresh")
        self.url = QLineEdit()
        self.url.setObjectName("bookingUrl")
        self.url.setReadOnly(True)
        self.url.setPlaceholderText("The page's address appears here after publishing")
        self.url.setAccessibleName("Booking page address")
        top.addWidget(self.publish_button)
        top.addWidget(self.url, 1)
        top.addWidget(self.refresh_button)
        outer.addLayout(top)
        middle = QHBoxLayout()
        self.requests = QListWidget()
        self.requests.setObjectName("bookingRequests")
        self.requests.setAccessibleName("Booking requests")
        self.detail = QTextBrowser()
        self.detail.setObjectName("bookingDetail")
        middle.addWidget(self.requests, 1)
        middle.addWidget(self.detail, 1)
        outer.addLayout(middle, 1)
        self.status = QLabel("")
        self.status.setObjectName("bookingStatus")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.accept_button = QPushButton("Accept and book")
        self.accept_button.setObjectName("bookingAccept")
        self.decline_button = QPushButton("Decline…")
        self.decline_button.setObjectName("bookingDecline")
        for b in (self.accept_button, self.decline_button):
            b.setEnabled(False)
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.publish_button.clicked.connect(self.publish)
        self.refresh_button.clicked.connect(self.refresh)
        self.requests.currentRowChanged.connect(self._select)
        self.accept_button.clicked.connect(self.accept_current)
        self.decline_button.clicked.connect(lambda: self.decline_current())

    # -- ops ------------------------------------------------------------------------------------
    def _busy(self, text: str) -> None:
        self.status.setText(text)
        for b in (self.publish_button, self.refresh_button, self.accept_button,
                  self.decline_button):
            b.setEnabled(False)

    def _idle(self) -> None:
        self.publish_button.setEnabled(True)
        self.refresh_button.setEnabled(True)
        self._select(self.requests.currentRow())

    def _failed(self, error: BaseException) -> bool:
        self._idle()
        if not isinstance(error, ChartsideError):
            return False
        self.status.setText(str(error))
        return True

    def publish(self) -> None:
        from core.services import booking

        self._busy("Publishing…")
        transport = self._transport
        (CommandOp(self, lambda chart: booking.publish(chart, transport=transport))
         .success(self._published).failure(self._failed).run())

    def _published(self, done: Any) -> None:
        self.url.setText(done.url)
        self.status.setText(f"Published {done.slots} free times for {done.services} services. "
                            "Paste the address into your Google Business Profile.")
        self._idle()
        self.published.emit(done)

    def refresh(self) -> None:
        from core.services import booking

        self._busy("Checking for requests…")
        transport = self._transport
        (QueryOp(self, lambda chart: booking.pull(chart, transport=transport))
         .success(self._show).failure(self._failed).run())

    def _show(self, items: list[Any]) -> None:
        self._items = items
        self.requests.clear()
        for r in items:
            who = f"{r.first_name} {r.last_name}".strip() or "(unreadable)"
            item = QListWidgetItem(f"{r.start.replace('T', ' ')}  {r.service}  {who}  "
                                   f"— {r.status}")
            item.setData(_ROLE, str(r.request_id))
            self.requests.addItem(item)
        count = f"{len(items)} requests." if items else "No booking requests."
        self.status.setText(f"{self._note} {count}".strip())
        self._note = ""
        self._idle()
        if items:
            self.requests.setCurrentRow(0)
        self.loaded.emit()

    def _current(self) -> Any | None:
        row = self.requests.currentRow()
        return self._items[row] if 0 <= row < len(self._items) else None

    def _select(self, _row: int) -> None:
        r = self._current()
        open_ = r is not None and r.status == "pending"
        self.accept_button.setEnabled(open_)
        self.decline_button.setEnabled(r is not None and r.status in ("pending", "unreadable",
                                                                       "expired"))
        if r is None:
            self.detail.clear()
            return
        from html import escape

        lines = [f"{r.email} · {r.phone}", f"{r.service}, {r.start.replace('T', ' ')}, "
                 f"{r.minutes} min", f"Status: {r.status}"]
        lines += [f"{r.questions.get(k, k)}: {v}" for k, v in r.answers.items()]
        if r.reason:
            lines.append(r.reason)
        head = f"<b>{escape(r.first_name)} {escape(r.last_name)}</b> — born " \
               f"{escape(r.date_of_birth)}"
        self.detail.setHtml("<br>".join([head, *(escape(x) for x in lines)]))

    def accept_current(self) -> None:
        from core.services import booking

        r = self._current()
        if r is None:
            return
        self._busy("Booking…")
        transport = self._transport
        (CommandOp(self, lambda chart: booking.accept(chart, r.request_id, transport=transport))
         .success(self._answered).failure(self._failed).run())

    def decline_current(self, reason: str | None = None) -> None:
        from core.services import booking

        r = self._current()
        if r is None:
            return
        if reason is None:
            reason, ok = QInputDialog.getText(self, "Decline request", "Reason (kept in the "
                                              "chart; the patient is not told automatically):")
            if not ok:
                return
        self._busy("Declining…")
        transport = self._transport
        (CommandOp(self, lambda chart: booking.decline(chart, r.request_id, reason or "",
                                                       transport=transport))
         .success(self._answered).failure(self._failed).run())

    def _answered(self, outcome: Any) -> None:
        if getattr(outcome, "booked", False):
            text = (f"Booked {outcome.request.first_name} {outcome.request.last_name} "
                    f"({'new patient' if outcome.new_patient else 'existing patient'}).")
        else:
            req = getattr(outcome, "request", outcome)
            text = f"Declined: {req.reason}"
        self._note = text
        self.answered.emit(outcome)
        self.refresh()
