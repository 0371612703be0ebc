"""``ReportsPage``: revenue, visits and units per visit (``desktop.books.reports``) as a page.

Contract: the reports are computed when the page is first shown after an unlock, when the year
changes and when "Refresh" is pressed — on demand, never on every edit: each is an audited
view and the revenue report opens every patient's account. A busy line shows while they run
and the time they were computed afterwards. GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from desktop.books.reports import ReportsView
from desktop.pages.base import Page
from desktop.widgets import Busy, label

BLURB = (
    "Revenue (services delivered vs money received), visits and no-shows, units per visit. "
    "Computed when you open this page, change the year or press Refresh."
)


class ReportsPage(Page):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__("reportsPage", "Reports", BLURB, parent)
        self.ctx = ctx
        self.view = ReportsView(ctx)
        self.busy = Busy("Computing the reports…")
        self.as_of = label("", "hint", name="reportsAsOf")
        self.body.addWidget(self.view, 1)
        bar = self.view.toolbar  # Year, Refresh, [here], stretch, Export CSV…
        bar.insertWidget(bar.count() - 2, self.busy)
        bar.insertWidget(bar.count() - 2, self.as_of)
        self.view.loaded.connect(self._loaded)
        self.view.failed.connect(self.busy.stop)
        self.view.refresh_button.clicked.connect(self._started)
        self._year = QTimer(self, singleShot=True, interval=400)  # spinning through years
        self._year.timeout.connect(self.load)
        self.view.year.valueChanged.connect(lambda _y: self._year.start())

    def load(self) -> None:
        self._started()
        self.view.refresh()

    def _started(self) -> None:
        self.as_of.setText("")
        self.busy.start()

    def _loaded(self) -> None:
        self.busy.stop()
        self.as_of.setText(f"Computed at {self.ctx.clock.now():%H:%M}")

    def clear_panel(self) -> None:
        self._year.stop()
        self.busy.stop()
        self.as_of.setText("")
        self.view.clear()
