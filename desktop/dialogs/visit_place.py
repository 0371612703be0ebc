"""``VisitPlaceDialog``: the date of service and the place of a visit — office (POS 11), home
(POS 12, with the address), telehealth at home (POS 10) or elsewhere (POS 02, with the
modality). It starts a new note (``for_new_note``) or changes a draft's visit (``for_visit``).

Contract:
- Keyboard first: the date field has focus; Enter accepts (today, at the place of the
  episode's last visit — office for the first one: one keystroke),
  Escape cancels. Alt+O/H/T/E pick the place. The address row shows for a home visit (filled
  with the patient's address when the chart knows it), the modality row for telehealth.
- Saving runs ``notes.start_note`` / ``visits.set_visit_place`` on the database worker with
  ``today`` from the app clock (so a future date is refused there, as is one before the
  episode started); a refusal is shown in the dialog, the dialog stays open and nothing is
  written. ``started(note_id)`` / ``changed(visit)`` follow a save. GUI thread only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.enums import PlaceOfService, TelehealthModality
from core.domain.errors import ChartsideError
from desktop.fields import DateField, TimeField
from desktop.ops import notes as ops
from desktop.widgets import heading, label, named

PLACES: tuple[tuple[PlaceOfService, str, str], ...] = (
    (PlaceOfService.OFFICE, "&Office", "Office (POS 11)"),
    (PlaceOfService.HOME, "&Home", "Home visit (POS 12)"),
    (PlaceOfService.TELEHEALTH_HOME, "&Telehealth, patient at home",
     "Telehealth, patient at home (POS 10)"),
    (PlaceOfService.TELEHEALTH_NOT_HOME, "T&elehealth, patient elsewhere",
     "Telehealth, patient not at home (POS 02)"),
)
MODALITIES: tuple[tuple[TelehealthModality, str], ...] = (
    (TelehealthModality.AUDIO_VIDEO, "Audio and video (modifier 95)"),
    (TelehealthModality.AUDIO_ONLY, "Audio only (modifier 93)"),
)


SHORT = {PlaceOfService.OFFICE: "Office", PlaceOfService.HOME: "Home",
         PlaceOfService.TELEHEALTH_HOME: "Telehealth", PlaceOfService.TELEHEALTH_NOT_HOME:
         "Telehealth"}


def place_short(pos: Any) -> str:
    """ "Home · POS 12" — the note header's button."""
    return f"{SHORT.get(PlaceOfService(pos), 'Place')} · POS {PlaceOfService(pos).value}"


def place_text(pos: Any, address: str = "", modality: Any = None) -> str:
    """ "Home visit (POS 12): 7 Harbor St" — for the note header."""
    name = next((t for p, _a, t in PLACES if p == pos), f"POS {pos}")
    if address:
        return f"{name}: {address}"
    if modality:
        how = next((t for m, t in MODALITIES if m == modality), str(modality))
        return f"{name}, {how.split(' (')[0].lower()}"
    return name


class VisitPlaceDialog(QDialog):
    started = Signal(uuid.UUID)  # the new note's id
    changed = Signal(object)  # the visit after the change

    def __init__(
        self,
        ctx: Any,
        *,
        title: str,
        action: str,
        date: dt.date,
        place: PlaceOfService = PlaceOfService.OFFICE,
        address: str = "",
        home_address: str = "",
        modality: TelehealthModality | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("visitPlaceDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.ctx = ctx
        self.home_address = home_address
        self.episode_id: uuid.UUID | None = None
        self.visit_id: uuid.UUID | None = None
        self.start_time: dt.time | None = None  # a new note's visit start (the clock's now)
        v = QVBoxLayout(self)
        v.addWidget(heading(title, 2))
        form = QFormLayout()
        self.date = DateField("visitDate", today=ctx.clock.today)
        self.date.set_value(date)
        form.addRow("Date of &service", self.date)
        places = QWidget()
        col = QVBoxLayout(places)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        self.places = QButtonGroup(self)
        self.place_buttons: dict[PlaceOfService, QRadioButton] = {}
        for pos, text, tip in PLACES:
            button = named(QRadioButton(f"{text} (POS {pos.value})"), f"place{pos.value}")
            button.setToolTip(tip)
            self.places.addButton(button)
            self.place_buttons[pos] = button
            col.addWidget(button)
        form.addRow("Place", places)
        self.address = named(QLineEdit(address or ""), "visitAddress")
        self.address.setPlaceholderText("Street, city, state ZIP")
        self.address.setMaxLength(200)
        form.addRow("&Address", self.address)
        self.modality = named(QComboBox(), "visitModality")
        for m, text in MODALITIES:
            self.modality.addItem(text, m.value)
        if modality is not None:
            self.modality.setCurrentIndex(max(0, self.modality.findData(str(modality))))
        form.addRow("Mo&de", self.modality)
        # Time in and out: a visit's own clock times, against which its timed blocks are
        # checked (``visit.times_missing`` until both are there). Shown for an existing visit.
        self.time_in = TimeField("visitTimeIn")
        self.time_out = TimeField("visitTimeOut")
        times = QWidget()
        trow = QHBoxLayout(times)
        trow.setContentsMargins(0, 0, 0, 0)
        trow.addWidget(self.time_in)
        trow.addWidget(label("to"))
        trow.addWidget(self.time_out)
        trow.addStretch(1)
        self.times_row = times
        form.addRow("&Time in / out", times)
        self.form = form
        v.addLayout(form)
        self.error = label("", "error", wrap=True, name="visitPlaceError")
        v.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(action)
        self.ok.setObjectName("visitPlaceOk")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.buttons)
        v.addLayout(row)
        self.place_buttons[PlaceOfService(place)].setChecked(True)
        self.places.buttonToggled.connect(lambda *_: self._place_changed())
        self._place_changed()
        self.date.setFocus()

    # -- state ----------------------------------------------------------------------------------
    def place(self) -> PlaceOfService:
        return next(p for p, b in self.place_buttons.items() if b.isChecked())

    def _place_changed(self) -> None:
        pos = self.place()
        home = pos is PlaceOfService.HOME
        self.form.setRowVisible(self.address, home)
        self.form.setRowVisible(self.modality, pos.is_telehealth)
        if home and not self.address.text().strip() and self.home_address:
            self.address.setText(self.home_address)
        self.adjustSize()

    def values(self) -> dict[str, Any] | None:
        """The fields for the service, or None (with the reason shown) when one is unreadable."""
        day = self.date.value()
        if day is None:
            self.error.setText(self.date.error() or "Type the date of service.")
            self.date.setFocus()
            return None
        pos = self.place()
        out: dict[str, Any] = {
            "date": day,
            "place_of_service": pos,
            "address": self.address.text().strip() if pos is PlaceOfService.HOME else "",
            "telehealth_modality": self.modality.currentData() if pos.is_telehealth else None,
        }
        if self.times_row.isVisibleTo(self):
            for field in (self.time_in, self.time_out):
                if not field.is_valid():
                    self.error.setText(field.error() or "Type a time, e.g. 9:05 or 13:40.")
                    field.setFocus()
                    return None
            out["start_time"] = self.time_in.value()
            out["end_time"] = self.time_out.value()
        return out

    # -- saving ---------------------------------------------------------------------------------
    def save(self) -> None:
        fields = self.values()
        if fields is None:
            return
        self.error.clear()
        today = self.ctx.clock.today()
        if self.visit_id is not None:
            op = ops.set_visit_place(self, self.visit_id, today=today, **fields)
            op.success(self._changed)
        else:
            assert self.episode_id is not None and self.ctx.session.clinician_id is not None
            op = ops.start_note(self, episode_id=self.episode_id,
                                clinician_id=self.ctx.session.clinician_id,
                                start_time=self.start_time, today=today, **fields)
            op.success(self._started)
        self.ok.setEnabled(False)
        op.failure(self._failed).run()

    def _started(self, result: Any) -> None:
        self.accept()
        self.started.emit(result.value.note.id)

    def _changed(self, result: Any) -> None:
        self.accept()
        self.changed.emit(result.value)

    def _failed(self, error: BaseException) -> bool:
        self.ok.setEnabled(True)
        if isinstance(error, ChartsideError):
            self.error.setText(str(error))
            field = getattr(error, "field", "")
            target = {"address": self.address, "date": self.date,
                      "telehealth_modality": self.modality, "start_time": self.time_in,
                      "end_time": self.time_out}.get(field)
            if target is not None:
                target.setFocus()
            return True
        return False


def for_new_note(
    ctx: Any, episode_id: uuid.UUID, *, home_address: str = "", start_time: dt.time | None = None,
    place: PlaceOfService = PlaceOfService.OFFICE, parent: QWidget | None = None,
) -> VisitPlaceDialog:
    """Today, at ``place`` (the workspace passes the place of the episode's last visit)."""
    dialog = VisitPlaceDialog(ctx, title="New daily note", action="Start note",
                              date=ctx.clock.today(), place=place, home_address=home_address,
                              parent=parent)
    dialog.episode_id = episode_id
    dialog.start_time = start_time
    dialog.form.setRowVisible(dialog.times_row, False)  # a new note starts its clock now
    return dialog


def for_visit(ctx: Any, visit: Any, *, home_address: str = "",
              parent: QWidget | None = None) -> VisitPlaceDialog:
    dialog = VisitPlaceDialog(
        ctx, title="Date and place of this visit", action="Save", date=visit.date,
        place=visit.place_of_service, address=visit.address, home_address=home_address,
        modality=visit.telehealth_modality, parent=parent)
    dialog.visit_id = visit.id
    dialog.time_in.set_value(visit.start_time)
    dialog.time_out.set_value(visit.end_time)
    return dialog
