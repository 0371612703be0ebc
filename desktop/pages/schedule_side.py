"""The schedule page's side panel (issue 19): the selected appointment with the plan of care's
frequency against what is booked, the waitlist (offers for a freed slot, adding and removing
patients) and a clinician's working hours and blocked time.

Contract: widgets only — the page runs the services and calls ``show_*``; the panel emits what
the user asked for (``book_offer(entry, slot)``, ``add_waiting(days, window)``,
``remove_waiting(entry)``, ``save_hours(days)``, ``block(start, end, label)``). Text fields are
parsed here with the CLI's own parsers, so "Mon-Fri=08:00-12:00,13:00-17:00" means the same in
both; a bad field shows its message and emits nothing. GUI thread only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError, InvalidInput
from core.domain.schedule import SERVICES
from desktop.fields import DateField, TimeField
from desktop.formats import show_date
from desktop.widgets import label, named

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_hours(text: str) -> tuple[tuple[tuple[dt.time, dt.time], ...], ...]:
    """ "Mon-Fri=08:00-12:00,13:00-17:00; Sat=09:00-12:00" → 7 weekdays of spans."""
    from core.rules.schedule_text import parse_span as _span
    from core.rules.schedule_text import parse_weekdays as _weekdays

    days: list[tuple[tuple[dt.time, dt.time], ...]] = [() for _ in range(7)]
    for spec in (s.strip() for s in text.replace("\n", ";").split(";")):
        if not spec:
            continue
        if "=" not in spec:
            raise InvalidInput(f"{spec[:40]!r} is not DAYS=HH:MM-HH:MM[,HH:MM-HH:MM].")
        which, spans = spec.split("=", 1)
        for day in _weekdays(which):
            days[day] = tuple(_span(x) for x in spans.split(",") if x.strip())
    return tuple(days)


def days_text(weekdays: Any) -> str:
    """(0, 1, 2, 3, 4) → "Mon-Fri"; (0, 2, 4) → "Mon, Wed, Fri"."""
    days = sorted(set(weekdays))
    runs: list[list[int]] = []
    for d in days:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(DAY_NAMES[r[0]] if len(r) == 1 else
                     f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" for r in runs)


def _list(name: str, accessible: str) -> QListWidget:
    widget = named(QListWidget(), name)
    widget.setAccessibleName(accessible)
    widget.setWordWrap(True)
    widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return widget


def _scrolled(panel: QWidget) -> QScrollArea:
    """A tab's panel that scrolls on a short screen instead of making the window taller."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(panel)
    return area


def show_hours(days: Any) -> str:
    """The inverse of ``parse_hours`` (consecutive days with the same spans grouped)."""
    out: list[str] = []
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and days[j + 1] == days[i]:
            j += 1
        if days[i]:
            which = DAY_NAMES[i] if i == j else f"{DAY_NAMES[i]}-{DAY_NAMES[j]}"
            out.append(which + "=" + ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in days[i]))
        i = j + 1
    return "; ".join(out)


class ScheduleSide(QTabWidget):
    book_offer = Signal(object)  # waitlist entry
    add_waiting = Signal(object, object, object)  # weekdays, earliest, latest
    remove_waiting = Signal(object)  # waitlist entry
    save_hours = Signal(object)  # 7 weekdays of spans
    block = Signal(object, object, str)  # start, end, label
    save_policy = Signal(int, int, int)  # late-cancel window hours, late fee, no-show fee (¢)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleSide")
        self.setMinimumWidth(300)
        # -- the selected appointment ---------------------------------------------------------
        info = QWidget()
        box = QVBoxLayout(info)
        self.detail = label("Select an appointment or a free slot.", wrap=True,
                            name="scheduleDetail")
        self.plan = label("", "section", wrap=True, name="schedulePlan")
        self.plan.setAccessibleName("Plan of care frequency against bookings")
        box.addWidget(self.detail)
        box.addWidget(self.plan)
        box.addWidget(label("Keys: arrows move between slots and appointments · Enter starts "
                            "the note (or books a free slot) · N books here · Delete cancels · "
                            "Alt+arrows move, Alt+Shift+Up/Down shorten or lengthen · "
                            "Ctrl+Z / Ctrl+Shift+Z undo and redo a move.", "muted", wrap=True))
        box.addStretch(1)
        self.addTab(_scrolled(info), "Appointment")
        # -- waitlist ---------------------------------------------------------------------------
        wait = QWidget()
        box = QVBoxLayout(wait)
        self.offer_title = label("", "section", wrap=True, name="scheduleOfferTitle")
        self.offers = _list("scheduleOffers", "Waitlist offers for the freed slot")
        self.offer_button = named(QPushButton("Book into the freed slot"), "scheduleBookOffer")
        self.offer_button.clicked.connect(self._book_offer)
        for w in (self.offer_title, self.offers, self.offer_button):
            box.addWidget(w)
        self.show_offers((), None)
        box.addWidget(label("Waiting", "section"))
        self.waiting = _list("scheduleWaitlist", "Waitlist, longest waiting first")
        box.addWidget(self.waiting, 1)
        form = QFormLayout()
        self.wait_days = named(QLineEdit("Mon-Fri"), "scheduleWaitDays")
        self.wait_window = named(QLineEdit("07:00-19:00"), "scheduleWaitWindow")
        form.addRow("Days", self.wait_days)
        form.addRow("Between", self.wait_window)
        box.addLayout(form)
        row = QHBoxLayout()
        self.add_button = named(QPushButton("Add to waitlist"), "scheduleWaitAdd")
        self.add_button.setToolTip("Adds the patient and service chosen under Book, for the "
                                   "days and times above")
        self.remove_button = named(QPushButton("Remove"), "scheduleWaitRemove")
        row.addWidget(self.add_button, 1)
        row.addWidget(self.remove_button)
        box.addLayout(row)
        self.add_button.clicked.connect(self._add_waiting)
        self.remove_button.clicked.connect(self._remove_waiting)
        self.wait_error = label("", "error", wrap=True, name="scheduleWaitError")
        box.addWidget(self.wait_error)
        self.addTab(_scrolled(wait), "Waitlist")
        # -- hours and blocked time -------------------------------------------------------------
        hours = QWidget()
        box = QVBoxLayout(hours)
        self.hours_for = label("", "section", wrap=True, name="scheduleHoursFor")
        box.addWidget(self.hours_for)
        self.hours = named(QLineEdit(), "scheduleHours")
        self.hours.setPlaceholderText("Mon-Fri=08:00-12:00,13:00-17:00")
        self.hours.setAccessibleName("Working hours")
        self.hours_button = named(QPushButton("Save hours"), "scheduleSaveHours")
        self.hours_button.clicked.connect(self._save_hours)
        box.addWidget(self.hours)
        box.addWidget(self.hours_button)
        box.addWidget(label("Block time", "section"))
        form = QFormLayout()
        self.block_day = DateField("scheduleBlockDate")
        self.block_from = TimeField("scheduleBlockFrom")
        self.block_to = TimeField("scheduleBlockTo")
        self.block_label = named(QLineEdit(), "scheduleBlockLabel")
        self.block_label.setPlaceholderText("Team meeting, holiday…")
        form.addRow("Day", self.block_day)
        form.addRow("From", self.block_from)
        form.addRow("To", self.block_to)
        form.addRow("Label", self.block_label)
        box.addLayout(form)
        self.block_button = named(QPushButton("Block"), "scheduleBlock")
        self.block_button.clicked.connect(self._block)
        box.addWidget(self.block_button)
        box.addWidget(label("Cancellation policy (the whole practice)", "section"))
        form = QFormLayout()
        self.late_hours = named(QSpinBox(), "scheduleLateHours")
        self.late_hours.setRange(0, 168)
        self.late_hours.setSuffix(" h before")
        self.late_hours.setToolTip("A cancellation later than this is a late cancellation")
        self.late_fee = named(QLineEdit(), "scheduleLateFee")
        self.no_show_fee = named(QLineEdit(), "scheduleNoShowFee")
        for field in (self.late_fee, self.no_show_fee):
            field.setPlaceholderText("0 = no fee")
        form.addRow("Late if cancelled under", self.late_hours)
        form.addRow("Late-cancel fee $", self.late_fee)
        form.addRow("No-show fee $", self.no_show_fee)
        box.addLayout(form)
        self.policy_button = named(QPushButton("Save policy"), "scheduleSavePolicy")
        self.policy_button.setToolTip("Fees are posted to the patient's account when an "
                                      "appointment is marked late-cancelled or no-show")
        self.policy_button.clicked.connect(self._save_policy)
        box.addWidget(self.policy_button)
        self.hours_error = label("", "error", wrap=True, name="scheduleHoursError")
        box.addWidget(self.hours_error)
        box.addStretch(1)
        self.addTab(_scrolled(hours), "Hours")

    # -- shown by the page ----------------------------------------------------------------------
    def show_offers(self, offers: Any, slot: str | None) -> None:
        self.offers.clear()
        for row in offers:
            e = row.entry
            kind = SERVICES.get(e.service)
            item = QListWidgetItem(f"{row.patient_name}\n{kind.label if kind else e.service} "
                                   f"· waiting since {show_date(e.since.date())}")
            item.setData(Qt.ItemDataRole.UserRole, e)
            self.offers.addItem(item)
        if offers:
            self.offers.setCurrentRow(0)
        self.offer_title.setText(
            f"Freed: {slot}. Who on the waitlist could take it, longest waiting first:"
            if offers and slot else "No freed slot to offer.")
        self.offers.setVisible(bool(offers))
        self.offer_button.setVisible(bool(offers))

    def show_waitlist(self, rows: Any) -> None:
        self.waiting.clear()
        for row in rows:
            e = row.entry
            kind = SERVICES.get(e.service)
            item = QListWidgetItem(f"{row.patient_name}\n{kind.label if kind else e.service} · "
                                   f"{days_text(e.weekdays)} {e.earliest:%H:%M}-"
                                   f"{e.latest:%H:%M} · since {show_date(e.since.date())}")
            item.setData(Qt.ItemDataRole.UserRole, e)
            self.waiting.addItem(item)

    def show_hours_of(self, name: str, hours: Any) -> None:
        self.hours_for.setText(f"Working hours of {name}" if name else "")
        self.hours.setText(show_hours(hours.days) if hours is not None else "")

    def show_policy(self, policy: Any) -> None:
        self.late_hours.setValue(policy.late_window_hours)
        self.late_fee.setText(f"{policy.late_cancel_fee_cents / 100:.2f}")
        self.no_show_fee.setText(f"{policy.no_show_fee_cents / 100:.2f}")

    # -- asked by the user ------------------------------------------------------------------------
    def _save_policy(self) -> None:
        from core.domain.billing import parse_amount

        try:
            late = parse_amount(self.late_fee.text() or "0")
            no_show = parse_amount(self.no_show_fee.text() or "0")
        except ChartsideError as exc:
            self.hours_error.setText(str(exc))
            return
        self.hours_error.clear()
        self.save_policy.emit(self.late_hours.value(), late, no_show)

    def _book_offer(self) -> None:
        item = self.offers.currentItem()
        if item is not None:
            self.book_offer.emit(item.data(Qt.ItemDataRole.UserRole))

    def _add_waiting(self) -> None:
        from core.rules.schedule_text import parse_span as _span
        from core.rules.schedule_text import parse_weekdays as _weekdays

        try:
            days = _weekdays(self.wait_days.text())
            early, late = _span(self.wait_window.text())
        except ChartsideError as exc:
            self.wait_error.setText(str(exc))
            return
        self.wait_error.clear()
        self.add_waiting.emit(tuple(days), early, late)

    def _remove_waiting(self) -> None:
        item = self.waiting.currentItem()
        if item is None:
            self.wait_error.setText("Choose someone on the waitlist first.")
            return
        self.remove_waiting.emit(item.data(Qt.ItemDataRole.UserRole))

    def _save_hours(self) -> None:
        try:
            days = parse_hours(self.hours.text())
        except ChartsideError as exc:
            self.hours_error.setText(str(exc))
            return
        self.hours_error.clear()
        self.save_hours.emit(days)

    def _block(self) -> None:
        day, start, end = self.block_day.value(), self.block_from.value(), self.block_to.value()
        if day is None or start is None or end is None:
            self.hours_error.setText("Give the day and the times to block.")
            return
        self.hours_error.clear()
        self.block.emit(dt.datetime.combine(day, start), dt.datetime.combine(day, end),
                        self.block_label.text())
