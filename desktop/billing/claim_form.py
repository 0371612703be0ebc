"""The CMS-1500 claim form dialog (issue 18): one patient's visits → the form's pages, Save.

Contract:
- GUI thread only; chart access is a ``CommandOp`` on the app's database worker (the preview is
  an audited view, Save an audited export: ``core.services.claims``). Pages are drawn by QtPdf
  from memory (``desktop.billing.pdfpages``); without QtPdf the preview says so and Save works.
- Two modes: the plain full form, or text only for the pre-printed red form with the chosen
  printer's offset (millimetres right and down, one per printer name; kept in ``Options`` under
  ``claims/cms1500_offset`` as JSON, never PHI). "Test page…" saves the alignment page.
- Expected errors (missing NPI, member id, blocked scrub…) show in the status line, every item
  listed; Save stays off until the preview succeeds. ``save_to(path)`` is the testable half of
  Save; it emits ``exported(Path)``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.domain.errors import ChartsideError
from desktop.billing import pdfpages
from desktop.billing.pdfpages import PageRasterizer
from desktop.billing.preview import PreviewPane
from desktop.fields import DateField
from desktop.widgets import Busy, label, named
from desktop.worker import CommandOp

OFFSET_KEY = "claims/cms1500_offset"
PREVIEW_DPI = 72


DEFAULT_PRINTER = "Default printer"


def printer_names() -> list[str]:
    """This computer's printers (the default first), or one entry when none is installed."""
    from PySide6.QtPrintSupport import QPrinterInfo

    names = list(QPrinterInfo.availablePrinterNames())
    default = QPrinterInfo.defaultPrinterName()
    if default in names:
        names.remove(default)
        names.insert(0, default)
    return names or [DEFAULT_PRINTER]


def offsets() -> dict[str, tuple[float, float]]:
    """Millimetres (right, down) per printer name, from the options (JSON; no PHI)."""
    import json

    from desktop.settings import Options

    try:
        raw = json.loads(str(Options().get(OFFSET_KEY) or "{}"))
        return {str(k): (float(v[0]), float(v[1])) for k, v in dict(raw).items()}
    except (KeyError, ValueError, TypeError, IndexError):
        return {}


def _save_offset(printer: str, x: float, y: float) -> None:
    import json

    from desktop.settings import Options

    known = offsets()
    known[printer] = (round(x, 1), round(y, 1))
    Options().set(OFFSET_KEY, json.dumps({k: list(v) for k, v in sorted(known.items())}))


def preview_op(parent: QObject, request: Any) -> CommandOp[Any]:
    def run(chart: Any) -> Any:
        from core.services import claims

        return claims.preview_cms1500(chart, request)

    return CommandOp(parent, run)


def export_op(parent: QObject, request: Any, out: Path, now: dt.datetime | None = None
              ) -> CommandOp[Any]:
    """``now``: when claims marked sent were sent (the app clock's day)."""
    def run(chart: Any) -> Any:
        from core.services import claims

        return claims.export_cms1500(chart, request, out, now=now)

    return CommandOp(parent, run)


class ClaimFormDialog(QDialog):
    exported = Signal(Path)

    def __init__(self, patient_id: uuid.UUID, *, date_from: dt.date | None = None,
                 date_to: dt.date | None = None, today: dt.date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Claim form (CMS-1500)")
        self.setObjectName("claimFormDialog")
        self.resize(980, 760)
        self.patient_id = patient_id
        self.today = today or dt.date.today()
        self.preview: Any = None
        self._generation = 0
        self._loading_offset = False
        outer = QVBoxLayout(self)
        top = QFormLayout()
        self.date_from = DateField("claimFrom", today=lambda: self.today)
        self.date_to = DateField("claimTo", today=lambda: self.today)
        self.date_from.set_value(date_from)
        self.date_to.set_value(date_to)
        self.red_form = named(QCheckBox("Text only, to print on the red CMS-1500 form"),
                              "claimRedForm")
        self.mark_sent = named(QCheckBox(
            "Filing on paper: one claim per day, marked sent when saved (item 26 holds its "
            "number, for the remittance)"), "claimMarkSent")
        self.printer = named(QComboBox(), "claimPrinter")
        self.printer.addItems(printer_names())
        x, y = offsets().get(self.printer.currentText(), (0.0, 0.0))
        self.offset_x = named(QDoubleSpinBox(), "claimOffsetX")
        self.offset_y = named(QDoubleSpinBox(), "claimOffsetY")
        for box, value in ((self.offset_x, x), (self.offset_y, y)):
            box.setRange(-20.0, 20.0)
            box.setSingleStep(0.5)
            box.setDecimals(1)
            box.setSuffix(" mm")
            box.setValue(value)
        shift = QHBoxLayout()
        shift.addWidget(self.printer, 1)
        shift.addWidget(label("right"))
        shift.addWidget(self.offset_x)
        shift.addWidget(label("down"))
        shift.addWidget(self.offset_y)
        self.test_button = named(QPushButton("Test page…"), "claimTestPage")
        shift.addWidget(self.test_button)
        top.addRow("From", self.date_from)
        top.addRow("To", self.date_to)
        top.addRow(self.red_form)
        top.addRow(self.mark_sent)
        top.addRow("Printer offset", shift)
        outer.addLayout(top)
        self.busy = Busy("Preparing the claim form…")
        outer.addWidget(self.busy)
        self.pane = PreviewPane()
        outer.addWidget(self.pane, 1)
        bottom = QHBoxLayout()
        self.status = label("", "muted", wrap=True, name="claimStatus")
        bottom.addWidget(self.status, 1)
        self.save_button = named(QPushButton("Save PDF…"), "claimSave")
        close = QPushButton("Close")
        bottom.addWidget(self.save_button)
        bottom.addWidget(close)
        outer.addLayout(bottom)
        self.rasterizer = PageRasterizer(self)
        self.rasterizer.done.connect(self._pages_ready)
        self.rasterizer.failed.connect(lambda _tag, message: self._error(message))
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.refresh)
        for field in (self.date_from, self.date_to):
            field.valueChanged.connect(lambda *_: self._debounce.start())
        self.red_form.toggled.connect(lambda *_: self._debounce.start())
        self.mark_sent.toggled.connect(lambda *_: self._debounce.start())
        for box in (self.offset_x, self.offset_y):
            box.valueChanged.connect(self._offset_changed)
        self.printer.currentTextChanged.connect(self._printer_changed)
        self.save_button.clicked.connect(self._ask_save)
        self.test_button.clicked.connect(self._ask_test_page)
        close.clicked.connect(self.reject)
        self.save_button.setEnabled(False)
        QTimer.singleShot(0, self, self.refresh)

    def request(self) -> Any:
        from core.export.cms1500_pdf import Offset
        from core.services.claims import Cms1500Request

        return Cms1500Request(
            self.patient_id, date_from=self.date_from.value(), date_to=self.date_to.value(),
            mode="form" if self.red_form.isChecked() else "plain",
            offset=Offset(self.offset_x.value(), self.offset_y.value()), issued_on=self.today,
            mark_sent=self.mark_sent.isChecked())

    def _offset_changed(self, *_args: Any) -> None:
        if self._loading_offset:
            return
        _save_offset(self.printer.currentText(), self.offset_x.value(), self.offset_y.value())
        if self.red_form.isChecked():
            self._debounce.start()

    def _printer_changed(self, name: str) -> None:
        """Each printer feeds the form its own way: show (and use) its saved offset."""
        x, y = offsets().get(name, (0.0, 0.0))
        self._loading_offset = True
        self.offset_x.setValue(x)
        self.offset_y.setValue(y)
        self._loading_offset = False
        if self.red_form.isChecked():
            self._debounce.start()

    def refresh(self) -> None:
        self._generation += 1
        gen = self._generation
        self.preview = None
        self.save_button.setEnabled(False)
        self.busy.start("Preparing the claim form…")
        try:
            request = self.request()
        except ChartsideError as exc:
            self._error(str(exc))
            return
        (preview_op(self, request)
         .success(lambda export: self._on_preview(gen, export))
         .failure(lambda exc: self._on_failure(gen, exc))
         .run())

    def _on_preview(self, gen: int, export: Any) -> None:
        if gen != self._generation:
            return
        self.busy.stop()
        self.preview = export
        lines = sum(len(c.lines) for c in export.claims)
        payer = export.claims[0].payer.name if export.claims else ""
        self.status.setProperty("role", "muted")
        self.status.setText(f"{payer}: {lines} line(s) on {export.pages} form(s).")
        self.save_button.setEnabled(True)
        if pdfpages.available():
            self.rasterizer.render(gen, export.pdf, PREVIEW_DPI)
        else:
            self.pane.show_message("Page images need QtPdf; Save still writes the form.")

    def _pages_ready(self, gen: int, pages: list[QImage]) -> None:
        if gen == self._generation:
            self.pane.show_pages(pages)

    def _on_failure(self, gen: int, exc: BaseException) -> bool:
        """Expected errors show here (True); bugs go to the app presenter (False)."""
        if gen != self._generation:
            return True
        if not isinstance(exc, ChartsideError):
            self.busy.stop()
            return False
        self._error(str(exc))
        return True

    def _error(self, message: str) -> None:
        self.busy.stop()
        self.status.setProperty("role", "error")
        self.status.setText(message)
        self.pane.show_message("No claim form: see the message below.")

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save claim form", "cms1500.pdf",
                                              "PDF (*.pdf)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        gen = self._generation

        def done(result: Any) -> None:
            self.busy.stop()
            self.status.setProperty("role", "muted")
            sent = result.value.sent
            marked = (f" {len(sent)} claim(s) marked sent; see Chart ▸ Claims…" if sent
                      else "")
            self.status.setText(
                f"Saved {path.name}.{marked} The export is recorded in the audit log.")
            self.exported.emit(path)

        self.busy.start("Saving…")
        now = dt.datetime.combine(self.today, dt.datetime.now().time())  # the app clock's day
        (export_op(self, self.request(), path, now)
         .success(done)
         .failure(lambda exc: self._on_failure(gen, exc))
         .run())

    def _ask_test_page(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save alignment test page",
                                              "cms1500-test.pdf", "PDF (*.pdf)")
        if path:
            self.save_test_page(Path(path))

    def save_test_page(self, path: Path) -> None:
        from core.export.cms1500_pdf import Offset
        from core.services.claims import cms1500_test_page

        try:
            cms1500_test_page(path, Offset(self.offset_x.value(), self.offset_y.value()))
        except ChartsideError as exc:
            self._error(str(exc))
            return
        self.status.setProperty("role", "muted")
        self.status.setText(f"Saved the test page {path.name}: print it on a red form.")
