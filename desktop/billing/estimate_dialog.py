"""``EstimateDialog``: Patients ▸ Good-faith estimate… (issue 18) for the open episode.

Contract:
- On open it reads ``estimates.check_estimate`` on the database worker and shows the latest
  estimate (total, expected visits, period, issue date) beside what the episode's visits have
  billed so far, and its warnings: no estimate yet for a self-pay episode, or billed $400 or
  more above the estimate (the patient may dispute the bill).
- The clinician types the services a visit is expected to include (``97110x2, 97140``: the
  same grammar as ``chartside estimate --per-visit``, ``core.rules.estimates.parse_per_visit``)
  and, for a first visit, the evaluation code; **Issue estimate…** asks where to save the PDF
  and runs ``estimates.issue_estimate`` (plan of care frequency × duration, the self-pay fees on
  the issue date from the app clock): the PDF is written and the estimate kept with the
  episode (a synced record) in one transaction, audited. A malformed entry, an in-network
  episode, a plan without frequency and duration or a missing fee shows its message in the
  dialog; nothing is written.
- The file name proposed holds no patient data (``good-faith-estimate.pdf``). The dialog is
  closed when the chart locks (``Workspace._open_dialog``). GUI thread only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.billing import format_cents
from core.domain.errors import ChartsideError
from core.rules.estimates import parse_per_visit
from desktop.formats import show_date
from desktop.widgets import heading, label, named
from desktop.worker import CommandOp

Today = Callable[[], dt.date]


class EstimateDialog(QDialog):
    loaded = Signal(object)  # the EstimateCheck shown
    issued = Signal(object)  # the GoodFaithEstimate kept with the episode

    def __init__(self, episode_id: uuid.UUID, parent: QWidget | None = None, *,
                 today: Today | None = None) -> None:
        super().__init__(parent)
        self.episode_id = episode_id
        self._today = today or dt.date.today
        self._busy = False  # an estimate is being written: Issue waits for it
        self.setWindowTitle("Good-faith estimate")
        self.setObjectName("estimateDialog")
        self.resize(560, 420)
        outer = QVBoxLayout(self)
        outer.addWidget(heading("Good-faith estimate", 2))
        outer.addWidget(label(
            "For self-pay and out-of-network patients (No Surprises Act): the expected visits "
            "come from the plan of care (visits per week × weeks), the prices from the "
            "self-pay fee schedule.", "muted", wrap=True))
        self.summary = named(label("Reading the episode…", wrap=True), "estimateSummary")
        outer.addWidget(self.summary)
        self.warnings = named(label("", "warning", wrap=True), "estimateWarnings")
        self.warnings.hide()
        outer.addWidget(self.warnings)
        form = QFormLayout()
        self.per_visit = named(QLineEdit(), "estimatePerVisit")
        self.per_visit.setPlaceholderText("e.g. 97110x2, 97140")
        self.per_visit.setAccessibleName("Services expected at each visit")
        form.addRow("Each &visit:", self.per_visit)
        self.evaluation = named(QLineEdit(), "estimateEvaluation")
        self.evaluation.setPlaceholderText("e.g. 97162 (first visit only; optional)")
        self.evaluation.setAccessibleName("Evaluation code on the first visit")
        form.addRow("&Evaluation:", self.evaluation)
        outer.addLayout(form)
        self.status = named(QLabel(""), "estimateStatus")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        outer.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.issue_button = named(QPushButton("&Issue estimate…"), "estimateIssue")
        self.issue_button.setEnabled(False)
        buttons.addButton(self.issue_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.issue_button.clicked.connect(self._ask_save)
        self.per_visit.textChanged.connect(self._sync_button)
        self.evaluation.textChanged.connect(self._sync_button)
        self.per_visit.returnPressed.connect(self._ask_save)
        outer.addWidget(buttons)
        self.refresh()

    # -- reading ----------------------------------------------------------------------------
    def refresh(self) -> None:
        from core.services import estimates

        episode = self.episode_id
        # a command, not a query: reading the ledger may draw prepaid packages down, and the
        # other views hear of it (``changes_applied``)
        CommandOp(self, lambda chart: estimates.check_estimate(chart, episode)) \
            .success(lambda result: self._show(result.value)).failure(self._failed).run()

    def _show(self, check: Any) -> None:
        latest = check.estimate
        billed = format_cents(check.billed_cents)
        if latest is None:
            self.summary.setText(f"No estimate yet. Billed on this episode so far: {billed}.")
        else:
            self.summary.setText(
                f"Latest estimate: {format_cents(latest.total_cents)} for {latest.visits} "
                f"expected visits, {show_date(latest.period_from)} to "
                f"{show_date(latest.period_to)} (issued {show_date(latest.issued_on)}). "
                f"Billed on this episode so far: {billed}.")
        text = "\n".join(f"⚠ {f.message}" for f in check.findings)
        self.warnings.setText(text)
        self.warnings.setVisible(bool(text))
        self._sync_button()
        self.loaded.emit(check)

    def _sync_button(self) -> None:
        wanted = bool(self.per_visit.text().strip() or self.evaluation.text().strip())
        self.issue_button.setEnabled(wanted and not self._busy)

    # -- issuing ----------------------------------------------------------------------------
    def _ask_save(self) -> None:
        if self._busy or not self.issue_button.isEnabled():
            return
        try:
            parse_per_visit(self.per_visit.text())  # a typo is named before the file dialog
        except ChartsideError as exc:
            self._error(exc)
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save good-faith estimate",
                                              "good-faith-estimate.pdf", "PDF (*.pdf)")
        if path:
            self.issue_to(Path(path))

    def issue_to(self, path: Path) -> None:
        """Issue the estimate, write it to ``path`` and keep it with the episode."""
        from core.services import estimates

        try:
            per_visit = parse_per_visit(self.per_visit.text())
        except ChartsideError as exc:
            self._error(exc)
            return
        evaluation = self.evaluation.text().strip().upper() or None
        episode, issued_on = self.episode_id, self._today()
        self._busy = True
        self.issue_button.setEnabled(False)
        self._say("Writing the estimate…", "muted")
        (CommandOp(self, lambda chart: estimates.issue_estimate(
            chart, episode, per_visit, path, evaluation=evaluation, issued_on=issued_on))
         .success(lambda result: self._issued(result.value, path))
         .failure(self._failed).run())

    def _issued(self, estimate: Any, path: Path) -> None:
        self._busy = False
        self._sync_button()
        self._say(f"Saved {path.name}: {format_cents(estimate.total_cents)} for "
                  f"{estimate.visits} expected visits, kept with the episode. Give the patient "
                  "a copy.", "muted")
        self.issued.emit(estimate)
        self.refresh()

    def _failed(self, error: BaseException) -> bool:
        self._busy = False
        if not isinstance(error, ChartsideError):
            self._say("The estimate could not be made; the error is reported.", "error")
            self._sync_button()
            return False  # a bug: the app's presenter shows and logs it
        self._error(error)
        return True

    def _error(self, error: ChartsideError) -> None:
        self._say(str(error), "error")  # the message and its hint
        self._sync_button()

    def _say(self, text: str, role: str) -> None:
        if self.status.property("role") != role:
            self.status.setProperty("role", role)
            self.status.style().unpolish(self.status)  # the stylesheet's colour for the role
            self.status.style().polish(self.status)
        self.status.setText(text)
