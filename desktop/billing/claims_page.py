"""Chart ▸ Claims…: the claims this chart filed, by status, with the remittance detail (issue 18).

Contract:
- GUI thread only; reads are ``QueryOp``s and the 835 import a ``CommandOp`` on the database
  worker (``core.services.claims`` / ``core.services.remittance``). The table model is a thin
  adapter over plain rows (no I/O in ``data()``).
- The status filter shows all, unsent, sent, paid or denied claims; choosing a claim shows its
  remittance detail: each posting's payer, date, status, amounts, and the adjustments and
  remarks with our short labels. "Import 835…" posts an ERA file (``import_file(path)`` is the
  testable half) and lists what could not be matched; the list then reloads.
- Patient names come from the chart in the same read (the chart is open and unlocked: this is
  the clinician's own screen); nothing is written to logs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.domain.billing import format_cents
from core.domain.errors import ChartsideError
from desktop.formats import show_date
from desktop.widgets import label, named
from desktop.worker import CommandOp, QueryOp

STATUSES = ("all", "unsent", "sent", "paid", "denied", "reopened")


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: uuid.UUID
    control_number: str
    service_date: dt.date
    patient: str
    payer: str
    status: str
    charge_cents: int
    paid_cents: int
    adjustment_cents: int
    patient_responsibility_cents: int


def load_rows(chart: Any, status: str) -> list[ClaimRow]:
    """The claims (newest first) with patient and payer names: one unit of work."""
    from core.domain.claims import ClaimStatus

    with chart.uow() as uow:
        found = uow.claims.find(status=ClaimStatus(status) if status != "all" else None)
        payers = {p.id: p.name for p in uow.payers.list()}
        names: dict[uuid.UUID, str] = {}
        for c in found:
            if c.patient_id not in names:
                names[c.patient_id] = uow.patients.get(c.patient_id).display_name
        return [ClaimRow(c.id, c.control_number, c.service_date, names[c.patient_id],
                         payers.get(c.payer_profile_id, ""), str(c.status), c.charge_cents,
                         c.paid_cents, c.adjustment_cents, c.patient_responsibility_cents)
                for c in reversed(found)]


def remittance_html(chart: Any, claim_id: uuid.UUID) -> str:
    from html import escape

    from core.rules.claims.x835 import STATUS_LABELS, adjustment_label, remark_label

    with chart.uow() as uow:
        items = uow.claims.remittances_of(claim_id)
    if not items:
        return "<p>No remittance posted for this claim yet.</p>"
    parts = []
    for it in items:
        when = show_date(it.paid_on) if it.paid_on else "—"
        adjustments = "".join(
            f"<li>{escape(adjustment_label(str(g), str(code)))}: {format_cents(int(cents))}"
            "</li>" for g, code, cents in it.adjustments)
        remarks = "".join(f"<li>{escape(remark_label(r))}</li>" for r in it.remarks)
        parts.append(
            f"<h4>{escape(it.payer)} · {when} · trace {escape(it.trace_number)}</h4>"
            f"<p>{escape(STATUS_LABELS.get(it.status, it.status))}: charged "
            f"{format_cents(it.charge_cents)}, paid {format_cents(it.paid_cents)}, patient "
            f"responsibility {format_cents(it.patient_responsibility_cents)}</p>"
            + (f"<ul>{adjustments}</ul>" if adjustments else "")
            + (f"<p>Remarks:</p><ul>{remarks}</ul>" if remarks else ""))
    return "".join(parts)


class ClaimsModel(QAbstractTableModel):
    class Column(IntEnum):
        DATE = 0
        PATIENT = 1
        PAYER = 2
        STATUS = 3
        CHARGE = 4
        PAID = 5
        CONTROL = 6

    HEADERS = ("Date", "Patient", "Payer", "Status", "Charge", "Paid", "Claim no.")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ClaimRow] = []

    def set_rows(self, rows: list[ClaimRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        r = self.rows[index.row()]
        col = self.Column(index.column())
        return {
            self.Column.DATE: show_date(r.service_date),
            self.Column.PATIENT: r.patient,
            self.Column.PAYER: r.payer,
            self.Column.STATUS: r.status.capitalize(),
            self.Column.CHARGE: format_cents(r.charge_cents),
            self.Column.PAID: format_cents(r.paid_cents),
            self.Column.CONTROL: r.control_number,
        }[col]


class ClaimsDialog(QDialog):
    loaded = Signal()
    imported = Signal(object)  # the RemittanceImport

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Claims")
        self.setObjectName("claimsDialog")
        self.resize(980, 620)
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.status_filter = named(QComboBox(), "claimsStatus")
        for s in STATUSES:
            self.status_filter.addItem(s.capitalize(), s)
        self.import_button = named(QPushButton("Import 835…"), "claimsImport835")
        self.reopen_button = named(QPushButton("Reopen for correction"), "claimsReopen")
        self.reopen_button.setToolTip(
            "Set the chosen denied claim aside: its visits go on the next CMS-1500 or 837P as "
            "a corrected claim (resubmission code 7 with the payer's claim number).")
        self.reopen_button.setEnabled(False)
        top.addWidget(label("Show"))
        top.addWidget(self.status_filter)
        top.addStretch(1)
        top.addWidget(self.reopen_button)
        top.addWidget(self.import_button)
        outer.addLayout(top)
        split = QSplitter()
        self.model = ClaimsModel()
        self.table = named(QTableView(), "claimsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.detail = named(QTextBrowser(), "claimsRemittance")
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([640, 340])
        outer.addWidget(split, 1)
        self.message = label("", "muted", wrap=True, name="claimsMessage")
        outer.addWidget(self.message)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        outer.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self.status_filter.currentIndexChanged.connect(lambda *_: self.refresh())
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.import_button.clicked.connect(self._ask_import)
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.refresh()

    def refresh(self, after: Callable[[], None] | None = None) -> None:
        """Reload the list; ``after`` runs once it is shown (a message that must outlast the
        list's own "no claims" line)."""
        status = self.status_filter.currentData()

        def done(rows: list[ClaimRow]) -> None:
            self.model.set_rows(rows)
            self.detail.setHtml("")
            self.reopen_button.setEnabled(False)
            if not rows:
                self.message.setText("No claims with this status. Claims appear here when an "
                                     "837P file is written (chartside claims 837p).")
            if after is not None:
                after()
            self.loaded.emit()

        QueryOp(self, lambda chart: load_rows(chart, status)).success(done).run()

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        row = self.model.rows[current.row()]
        claim_id = row.id
        self.reopen_button.setEnabled(row.status == "denied")
        QueryOp(self, lambda chart: remittance_html(chart, claim_id)).success(
            self.detail.setHtml).run()

    def reopen_selected(self) -> None:
        """Reopen the chosen denied claim (one audited command; the list reloads)."""
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or self.model.rows[index.row()].status != "denied":
            return
        row = self.model.rows[index.row()]
        self.reopen_button.setEnabled(False)  # once: a second click waits for the answer

        def run(chart: Any) -> Any:
            from core.services import claims

            return claims.reopen_denied(chart, row.id)

        def told() -> None:
            self.message.setProperty("role", "muted")
            self.message.setText(
                f"Claim {row.control_number} reopened: its visits go on the next claim form or "
                "837P file as a corrected claim.")

        def done(_result: Any) -> None:
            self.refresh(after=told)

        def failed(exc: BaseException) -> bool:
            if not isinstance(exc, ChartsideError):
                return False
            def say() -> None:
                self.message.setProperty("role", "error")
                self.message.setText(str(exc))

            self.refresh(after=say)
            return True

        CommandOp(self, run).success(done).failure(failed).run()

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import 835 remittance", "",
                                              "X12 (*.835 *.x12 *.txt *.edi);;All files (*)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        def run(chart: Any) -> Any:
            from core.services import remittance

            return remittance.import_835(chart, path)

        def done(result: Any) -> None:
            r = result.value
            text = (f"Posted {len(r.posted)} claim payment(s), {format_cents(r.paid_cents)} "
                    f"paid, {format_cents(r.written_off_cents)} contractual written off, "
                    f"{r.denied} denied; {len(r.already_posted)} already posted.")
            if r.unmatched:
                text += " Not matched (never sent from this chart): " + ", ".join(
                    c.control_number for c in r.unmatched) + "."
            self.message.setProperty("role", "muted")
            self.message.setText(text)
            self.imported.emit(r)
            self.refresh()

        def failed(exc: BaseException) -> bool:
            if not isinstance(exc, ChartsideError):
                return False  # a bug: the app presenter shows it
            self.message.setProperty("role", "error")
            self.message.setText(str(exc))
            return True

        CommandOp(self, run).success(done).failure(failed).run()
