"""``MileagePage``: the clinician's mileage log (``desktop.books.mileage``) as a page.

Contract: ``link_visit(visit_id, label, patient_id, date)`` ties the next trip to the home visit
open in the note editor (None unlinks); ``focus_form()`` puts the cursor in the distance field
("Log trip…" in the note). The log reloads itself on ``mileage`` changes. GUI thread only.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.books.mileage import MileageLogPanel
from desktop.pages.base import Page

BLURB = (
    "Drives for home visits and errands at the IRS standard rate of each date. Places are "
    "labels, never addresses; exports name patients by reference only."
)


class MileagePage(Page):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__("mileagePage", "Mileage", BLURB, parent)
        self.panel = MileageLogPanel(ctx)
        self.body.addWidget(self.panel)

    def load(self) -> None:
        self.panel.refresh()

    def link_visit(
        self,
        visit_id: uuid.UUID | None,
        label: str = "",
        patient_id: uuid.UUID | None = None,
        date: Any = None,
    ) -> None:
        self.panel.link_visit(visit_id, label, patient_id, date)

    def focus_form(self) -> None:
        self.panel.miles.setFocus()
        self.panel.miles.selectAll()

    def clear_panel(self) -> None:
        self.panel.clear()
