"""The superbill dialog: a visit or a date range → scrub findings, a page preview, Save and Print.

Contract:
- GUI thread only. Every chart access is an op from ``desktop.billing.ops`` on the app's
  database worker (``desktop.worker.install`` must have run); page images are rendered in
  memory by QtPdf after the event that asked for them (``desktop.billing.pdfpages``).
- The preview re-runs (debounced) when the scope, dates or paper change; a late result from an
  older request is dropped. Blocking findings disable Save/Print until an override reason of a
  few words is typed; the field warns that the reason goes to the audit log and must not
  identify the patient (the service strips identifiers as well).
- Preview and Print: QtPdf (PySide6-Addons) renders the PDF from a ``QBuffer`` — no poppler,
  no file on disk. Where QtPdf is missing (an Essentials-only install) the dialog shows the
  superbill as a text summary and printing is unavailable (Save still works).
- ``save_to(path)`` and ``print_to(printer)`` are the testable halves of the Save/Print buttons
  (which first ask for a file name / show the print dialog). Signals: ``exported(Path)``,
  ``printed()``. Expected errors show in the dialog's status line; bugs go to the app presenter.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.domain.billing import format_cents
from core.domain.errors import ChartsideError
from desktop.billing import ops, pdfpages
from desktop.billing.pdfpages import PageRasterizer
from desktop.billing.presets import PRESETS, preset_range
from desktop.billing.preview import PreviewPane
from desktop.fields import DateField
from desktop.formats import count
from desktop.widgets import Busy, label

W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


_SEVERITY = {"block": "Must fix", "warn": "Check", "info": "Note"}
PREVIEW_DPI = 72  # a Letter page is 612 px wide: fits the pane without scrolling sideways
PRINT_DPI = 200
OVERRIDE_MIN = 4


class SuperbillDialog(QDialog):
    exported = Signal(Path)
    printed = Signal()

    def __init__(
        self,
        patient_id: uuid.UUID,
        *,
        visit_id: uuid.UUID | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        today: dt.date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("superbillDialog")
        self.setWindowTitle("Superbill")
        self.resize(980, 760)
        self.patient_id, self.visit_id = patient_id, visit_id
        self.today = today or dt.date.today()
        self.preview: Any = None  # core.services.superbill.SuperbillPreview
        self._generation = 0
        self._printer: QPrinter | None = None
        self.rasterizer = PageRasterizer(self)
        self.rasterizer.done.connect(self._pages_ready)
        self.rasterizer.failed.connect(self._pages_failed)
        self._build()
        start, end = preset_range("This month", self.today)
        if date_from or date_to:
            self.preset.setCurrentText("Custom")
            start, end = date_from or start, date_to or end
        self.date_from.set_value(start)
        self.date_to.set_value(end)
        (self.visit_only if visit_id else self.date_range).setChecked(True)
        self.visit_only.setEnabled(visit_id is not None)
        self._sync_scope()
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh)
        for signal in (
            self.date_from.valueChanged,
            self.date_to.valueChanged,
            self.paper.currentIndexChanged,
            self.scope.idToggled,
        ):
            signal.connect(self._changed)
        self.preset.currentTextChanged.connect(self._apply_preset)
        self.reason.textChanged.connect(self._sync_buttons)
        QTimer.singleShot(0, self.refresh)

    @classmethod
    def for_visit(
        cls,
        patient_id: uuid.UUID,
        visit_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        today: dt.date | None = None,
    ) -> SuperbillDialog:
        return cls(patient_id, visit_id=visit_id, today=today, parent=parent)

    @classmethod
    def for_patient(
        cls, patient_id: uuid.UUID, parent: QWidget | None = None, *, today: dt.date | None = None
    ) -> SuperbillDialog:
        return cls(patient_id, today=today, parent=parent)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.scope = QButtonGroup(self)
        self.visit_only = QRadioButton("This visit")
        self.date_range = QRadioButton("Dates of service")
        self.scope.addButton(self.visit_only, 0)
        self.scope.addButton(self.date_range, 1)
        self.preset = _named(QComboBox(), "superbillPreset")
        self.preset.addItems(PRESETS)
        self.date_from, self.date_to = DateField("superbillFrom"), DateField("superbillTo")
        self.paper = _named(QComboBox(), "superbillPaper")
        self.paper.addItem("US Letter", "letter")
        self.paper.addItem("A4", "a4")
        for w in (
            self.visit_only,
            self.date_range,
            self.preset,
            self.date_from,
            label("to"),
            self.date_to,
            label("Paper"),
            self.paper,
        ):
            top.addWidget(w)
        top.addStretch(1)
        outer.addLayout(top)
        self.busy = Busy("Preparing the superbill…")
        outer.addWidget(self.busy)
        self.summary = label("", "muted", wrap=True, name="superbillSummary")
        outer.addWidget(self.summary)
        split = QSplitter(Qt.Orientation.Horizontal)
        side = QWidget()
        sv = QVBoxLayout(side)
        sv.setContentsMargins(0, 0, 0, 0)
        sv.addWidget(label("Claim scrub", "h3"))
        self.findings = _named(QListWidget(), "superbillFindings")
        self.findings.setWordWrap(True)  # wraps only with no sideways scrolling:
        self.findings.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.findings.setResizeMode(QListWidget.ResizeMode.Adjust)
        sv.addWidget(self.findings, 1)
        self.override_box = QWidget()
        form = QFormLayout(self.override_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.override_hint = label(
            "Blocking problems stand. To export anyway, say why. The reason is written to the "
            "audit log: do not type the patient's name, date of birth or any identifier.",
            "error",
            wrap=True,
        )
        self.reason = _named(QLineEdit(), "superbillOverrideReason")
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("e.g. NPI issued, registry update pending")
        form.addRow(self.override_hint)
        form.addRow("Reason", self.reason)
        sv.addWidget(self.override_box)
        # Medicare (mandatory claim submission): no superbill whatever the reason; the claim.
        self.claim_notice = label(
            "This patient's payer requires the practice to file the claim: a superbill to "
            "submit is not offered. Bill it as a claim (CMS-1500 or 837P) instead.",
            "error", wrap=True, name="superbillClaimRoute")
        sv.addWidget(self.claim_notice)
        split.addWidget(side)
        self.preview_pane = PreviewPane()
        right = self.preview_pane
        split.addWidget(right)
        split.setSizes([300, 680])
        outer.addWidget(split, 1)
        bottom = QHBoxLayout()
        self.status = label("", "muted", wrap=True, name="superbillStatus")
        bottom.addWidget(self.status, 1)
        self.save_button = _named(QPushButton("Save PDF…"), "superbillSave")
        self.print_button = _named(QPushButton("Print…"), "superbillPrint")
        close = QPushButton("Close")
        self.save_button.clicked.connect(self._ask_save)
        self.print_button.clicked.connect(self._ask_print)
        close.clicked.connect(self.reject)
        # issue 18: the insurer's claim form for the same patient and dates
        self.claim_button = _named(QPushButton("Claim form (CMS-1500)…"), "superbillClaimForm")
        self.claim_button.setToolTip("The CMS-1500 form for these visits (insured patients)")
        self.claim_button.clicked.connect(self.open_claim_form)
        for button in (self.claim_button, self.save_button, self.print_button, close):
            bottom.addWidget(button)
        outer.addLayout(bottom)
        self.override_box.hide()
        self.claim_notice.hide()
        self._sync_buttons()

    # -- request ------------------------------------------------------------------------------
    def request(self) -> Any:
        from core.services.superbill import SuperbillRequest

        paper = self.paper.currentData()
        if self.visit_only.isChecked() and self.visit_id is not None:
            return SuperbillRequest(
                self.patient_id, visit_id=self.visit_id, paper=paper, issued_on=self.today
            )
        return SuperbillRequest(
            self.patient_id,
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            paper=paper,
            issued_on=self.today,
        )

    def _changed(self, *_args: Any) -> None:
        self._sync_scope()
        self._debounce.start()

    def _apply_preset(self, name: str) -> None:
        if name != "Custom":
            start, end = preset_range(name, self.today)
            self.date_from.set_value(start)
            self.date_to.set_value(end)
            self._changed()

    def _sync_scope(self) -> None:
        ranged = self.date_range.isChecked()
        for w in (self.preset, self.date_from, self.date_to):
            w.setEnabled(ranged)

    @property
    def override_reason(self) -> str | None:
        text = self.reason.text().strip()
        return text if len(text) >= OVERRIDE_MIN else None

    @property
    def claim_route(self) -> bool:
        """The payer needs a claim from the practice (``scrub.claim_route_required``)."""
        return self.preview is not None and any(
            f.id == "scrub.claim_route_required" for f in self.preview.findings)

    def _sync_buttons(self) -> None:
        ready = self.preview is not None and not self.busy.running
        blocked = ready and (self.claim_route or (
            bool(self.preview.blocking) and self.override_reason is None))
        self.save_button.setEnabled(ready and not blocked)
        self.print_button.setEnabled(ready and not blocked and pdfpages.available())

    # -- preview ------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._generation += 1
        gen = self._generation
        self.preview = None
        self.busy.start("Preparing the superbill…")
        self._sync_buttons()
        try:
            request = self.request()
        except ChartsideError as exc:
            self._show_error(exc)
            return
        (
            ops.preview(self, request)
            .success(lambda result: self._on_preview(gen, result.value))
            .failure(lambda exc: self._on_failure(gen, exc))
            .run()
        )

    def _on_preview(self, gen: int, preview: Any) -> None:
        if gen != self._generation:
            return
        self.preview = preview
        bill = preview.superbill
        self.summary.setText(
            f"{count(len(bill.visit_ids), 'visit')} · {count(len(bill.lines), 'line')} · "
            f"{count(preview.pages, 'page')} · charges {format_cents(bill.charges_cents)} · paid "
            f"{format_cents(bill.paid_cents)} · balance {format_cents(bill.balance_cents)}"
        )
        self.findings.clear()
        for f in preview.findings:
            item = QListWidgetItem(f"{_SEVERITY.get(str(f.severity), '')}: {f.message}")
            item.setToolTip(f"{f.id}\n{f.fix}")
            item.setData(Qt.ItemDataRole.UserRole, f.id)
            self.findings.addItem(item)
        if not preview.findings:
            self.findings.addItem("No problems found.")
        self.claim_notice.setVisible(self.claim_route)
        self.override_box.setVisible(bool(preview.blocking) and not self.claim_route)
        self.status.setText("")
        if pdfpages.available():
            self.rasterizer.render(("preview", gen), preview.pdf, PREVIEW_DPI)
        else:
            self._show_text(preview)

    def _pages_ready(self, tag: tuple[str, int], pages: list[QImage]) -> None:
        kind, gen = tag
        if kind == "preview":
            self._show_pages(gen, pages)
        elif self._printer is not None:
            printer, self._printer = self._printer, None
            self._paint(printer, pages)

    def _pages_failed(self, tag: tuple[str, int], message: str) -> None:
        if tag[0] == "print":
            self._printer = None
        if tag[1] == self._generation:
            self._show_error(ChartsideError(message))

    def _show_pages(self, gen: int, pages: list[QImage]) -> None:
        if gen != self._generation:
            return
        self.preview_pane.show_pages(pages)
        self.busy.stop()
        self._sync_buttons()

    def _show_text(self, preview: Any) -> None:
        self.preview_pane.show_text(preview.superbill)
        self.busy.stop()
        self._sync_buttons()

    @property
    def page_images(self) -> list[QImage]:
        return self.preview_pane.page_images

    def _on_failure(self, gen: int, exc: BaseException) -> bool:
        if gen != self._generation:
            return True
        if isinstance(exc, ChartsideError):
            if self.preview is None:  # the preview itself failed: say so where it would be
                self.findings.clear()
                self.override_box.hide()
                self.summary.setText("")
                self.preview_pane.show_message(
                    f"{exc}\n\nChoose other dates of service above (for example Last month)."
                    if self.date_range.isChecked() else str(exc)
                )
            self._show_error(exc)
            return True
        self.busy.stop()
        return False

    def _show_error(self, exc: ChartsideError) -> None:
        self.busy.stop()
        self.status.setProperty("role", "error")
        self.status.setText(str(exc))
        self._sync_buttons()

    # -- save and print -----------------------------------------------------------------------
    def _ask_save(self) -> None:
        name = f"superbill-{self.preview.superbill.number}.pdf" if self.preview else "superbill.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save superbill", name, "PDF (*.pdf)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        """Export to ``path`` (audited; with the override reason when findings block)."""
        gen = self._generation
        self.busy.start("Saving…")

        def done(result: Any) -> None:
            self.busy.stop()
            self.status.setProperty("role", "muted")
            self.status.setText(
                f"Saved {result.value.path.name} ({count(result.value.preview.pages, 'page')})."
                " The export is recorded in the audit log."
            )
            self.exported.emit(result.value.path)

        (
            ops.export(self, self.request(), path, self.override_reason)
            .success(done)
            .failure(lambda exc: self._on_failure(gen, exc))
            .run()
        )

    def open_claim_form(self) -> QDialog:
        """The CMS-1500 dialog for this patient and these dates (one visit: its day)."""
        from desktop.billing.claim_form import ClaimFormDialog

        request = self.request()
        start, end = request.date_from, request.date_to
        if request.visit_id is not None and self.preview is not None:
            start = end = self.preview.superbill.period_from
        dialog = ClaimFormDialog(self.patient_id, date_from=start, date_to=end,
                                 today=self.today, parent=self)
        dialog.setModal(False)
        dialog.show()
        self.claim_dialog = dialog
        return dialog

    def _ask_print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Audit the print, render the pages at print resolution (QtPdf), then paint."""
        gen = self._generation
        self.busy.start("Printing…")
        dpi = min(printer.resolution(), PRINT_DPI)

        def rendered(result: Any) -> None:
            self._printer = printer
            self.rasterizer.render(("print", gen), result.value.pdf, dpi)

        (
            ops.print_pdf(self, self.request(), self.override_reason)
            .success(rendered)
            .failure(lambda exc: self._on_failure(gen, exc))
            .run()
        )

    def _paint(self, printer: QPrinter, pages: list[QImage]) -> None:
        painter = QPainter()
        if not painter.begin(printer):
            self._show_error(ChartsideError("The printer could not be started."))
            return
        try:
            for i, image in enumerate(pages):
                if i:
                    printer.newPage()
                area = painter.viewport()
                size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(QRect(area.x(), area.y(), size.width(), size.height()), image)
        finally:
            painter.end()
        self.busy.stop()
        self.status.setText(f"Sent {count(len(pages), 'page')} to the printer.")
        self.printed.emit()
