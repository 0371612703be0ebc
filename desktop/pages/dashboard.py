"""``DashboardPage``: the compliance dashboard (``desktop.books.dashboard``) as a page — what
needs doing today, most urgent first; a row opens the record it names.

Contract: forwards ``ComplianceDashboard.row_opened(DashboardRow)``; the workspace decides
where each row goes. The board reloads itself on changes (while shown); "Refresh" reloads now.
GUI thread only.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from desktop.books.dashboard import ComplianceDashboard
from desktop.models.lists import fmt_date
from desktop.pages.base import Page
from desktop.widgets import named

BLURB = (
    "Unsigned notes, progress reports and plans of care coming due, KX and visit limits, "
    "repeated notes. Double-click a row (or press Enter) to open it."
)


class DashboardPage(Page):
    row_opened = Signal(object)  # core.services.dashboard.DashboardRow

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__("dashboardPage", "Dashboard", BLURB, parent)
        self.ctx = ctx
        self.board = ComplianceDashboard(ctx)
        self.board.row_opened.connect(self.row_opened)
        refresh = named(QPushButton("Refresh"), "dashboardRefresh")
        refresh.clicked.connect(self.load)
        self.actions_row.addWidget(refresh)
        self.body.addWidget(self.board)

    def load(self) -> None:
        self.title.setText(f"Dashboard · {fmt_date(self.ctx.clock.today())}")
        self.board.refresh()

    def clear_panel(self) -> None:
        self.title.setText("Dashboard")
        self.board.clear()
